-- The keyed blind index (crypt.BlindIndex.Phone, hex) of the number a
-- pending survey request holds, so a subject-access search by number
-- (internal/rights) finds the request, and an erasure, restriction or
-- objection cancels it. It lives and dies with number_ct: written when the
-- number is sealed (surveys.CallStored), blanked in the same statement that
-- blanks number_ct on every change to a final state (sent, failed,
-- expired, cancelled). Location, retention and deletion are therefore the
-- number's: see 0015_surveys.sql (data kind survey_phone_number, until the
-- request is sent or expires).
ALTER TABLE survey_requests ADD COLUMN number_bidx TEXT NOT NULL DEFAULT '';
CREATE INDEX survey_requests_number ON survey_requests(number_bidx) WHERE number_bidx <> '';
