-- Call recordings. The audio is in the blob store, encrypted under its own
-- data key; wrapped_key is that key wrapped by a key-encryption key.
-- Deleting a recording nulls wrapped_key first (crypto-shredding: any copy
-- of the blob, in backups too, becomes unreadable), then deletes the blob,
-- then the row. The other party's number is stored encrypted (number_ct)
-- with a keyed hash (number_bidx) so subject-access searches can find it.
CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    external_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    service_area TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    channels INTEGER NOT NULL,
    format TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    wrapped_key TEXT,
    number_ct TEXT NOT NULL DEFAULT '',
    number_bidx TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recordings_expiry ON recordings(expires_at) WHERE deleted_at = 0;
CREATE INDEX recordings_shredded ON recordings(deleted_at) WHERE deleted_at > 0;
CREATE INDEX recordings_number ON recordings(number_bidx);
CREATE INDEX recordings_area_time ON recordings(service_area, started_at);

CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    review_at BIGINT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at BIGINT NOT NULL,
    released_by TEXT NOT NULL DEFAULT '',
    released_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX legal_holds_active ON legal_holds(recording_id) WHERE released_at = 0;
