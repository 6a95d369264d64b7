-- Post-call feedback surveys (internal/surveys).
--
-- survey_requests is the outbox that holds a caller's number for the survey
-- and nothing else. number_ct is the number sealed under a key derived for
-- this purpose only (keys purpose "survey-number", bound to the reference);
-- it is blanked in the same transaction that marks the request sent, failed
-- (Notify refused the number), expired (expires_at, from the area's
-- policy survey.expiry_hours) or cancelled (the area stopped surveys): the
-- policy's data kind survey_phone_number, kept until_event
-- survey_request_sent. A row without a number (reference, area, times,
-- Notify's delivery status) is deleted by the sender 30 days after it
-- finished (surveys.FinishedRetention). The reference is random and is
-- what Notify is given; nothing here names a recording.
CREATE TABLE survey_requests (
    reference TEXT PRIMARY KEY,
    service_area TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'due',
    number_ct TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT NOT NULL DEFAULT '',
    claimed_until BIGINT NOT NULL DEFAULT 0,
    delivery_status TEXT NOT NULL DEFAULT '',
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX survey_requests_due ON survey_requests(state, due_at);

-- The single-use links of sent requests: only the SHA-256 of the random
-- token, the service area and the ISO week it was sent in, so an answer
-- can be counted by area and week but not traced to a request, call,
-- recording, agent or number. expires_at is rounded to a whole day for the
-- same reason. A row is deleted when its link is used or, once expired, by
-- the sender's sweep.
CREATE TABLE survey_tokens (
    token_hash TEXT PRIMARY KEY,
    service_area TEXT NOT NULL,
    week TEXT NOT NULL,
    expires_at BIGINT NOT NULL
) WITHOUT ROWID;

-- Answers: area, ISO week and the answers (satisfaction 1-5 or 0 when not
-- answered, resolved yes/no/'', the comment after the personal-data
-- redactor). The policy's data kind survey_response holds no personal
-- data, so it has no retention period: these are the service's statistics,
-- kept with the database in the policy's storage locations. The id is
-- random so even row order says nothing about when a response came.
CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY,
    service_area TEXT NOT NULL,
    week TEXT NOT NULL,
    satisfaction INTEGER NOT NULL DEFAULT 0,
    resolved TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX survey_responses_area ON survey_responses(service_area, week);

-- Calls reported without a recording (POST /api/v1/calls, internal/recording
-- RecordCall), kept only as the SHA-256 of their Idempotency-Key so a retried
-- report does not ask the caller twice. The recording sweep deletes a key
-- 7 days after it came (recording.CallEventKeyRetention): retries come
-- within minutes, and a survey request expires within a week.
CREATE TABLE call_events (
    key_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE INDEX call_events_created ON call_events(created_at);
