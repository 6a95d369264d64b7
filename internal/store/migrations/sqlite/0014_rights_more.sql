-- Disclosures "required by law" to a recipient outside the policy's
-- categories (a court order, an ICO information notice): information
-- governance asks, naming the law or order that requires the release, and
-- a second information-governance officer approves or refuses. Nothing is
-- released before approval; on approval the release is an ordinary
-- disclosures row (same single-use collection link), pointing back here
-- through disclosures.legal_disclosure_id. Like the disclosure register,
-- rows outlive the recording they name (no foreign key): they are the
-- council's record that the request was made and decided, kept with the
-- register for as long as the database. Recipient, law, reason and
-- reference name organisations and orders, not residents (the form says
-- so); the audit log gets only ids.
CREATE TABLE legal_disclosures (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL,
    service_area TEXT NOT NULL,
    recipient TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT NOT NULL DEFAULT 0,
    disclosure_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX legal_disclosures_recording ON legal_disclosures(recording_id);
ALTER TABLE disclosures ADD COLUMN legal_disclosure_id BIGINT NOT NULL DEFAULT 0;

-- Exemptions from erasure entered by hand (UK GDPR Article 17(3)): a
-- recording the council must keep for a legal obligation, legal claims and
-- the like, beside the legal holds and disclosures under way found
-- automatically. An erasure request keeps it and the case says why. The
-- exemption does not extend the recording's retention (a legal hold does
-- that); it goes with the recording (ON DELETE CASCADE), its note being
-- about the recording.
CREATE TABLE erasure_exemptions (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    ground TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    withdrawn_by TEXT NOT NULL DEFAULT '',
    withdrawn_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX erasure_exemptions_active ON erasure_exemptions(recording_id) WHERE withdrawn_at = 0;
