-- The disclosure register: every release of a recording to an outside
-- organisation, for the DPO. Rows outlive the recording they name (no
-- foreign key): the register is the record that the disclosure happened.
-- The recipient collects the recording once through a link whose token is
-- stored only as a hash.
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL,
    service_area TEXT NOT NULL,
    recipient TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    disclosed_by TEXT NOT NULL,
    disclosed_at BIGINT NOT NULL,
    link_hash TEXT NOT NULL UNIQUE,
    link_expires_at BIGINT NOT NULL,
    link_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX disclosures_time ON disclosures(disclosed_at);
