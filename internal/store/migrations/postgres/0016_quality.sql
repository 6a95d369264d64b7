-- Quality monitoring and training (internal/quality, issue 16).
--
-- Waveform peaks: 400 bytes per recording (base64), the loudest sample of
-- each slice of the call, computed from the decrypted audio at ingest or
-- on first view. Not audio. Location: this database. Retention and
-- deletion: the recording's; they are deleted in the transaction that
-- shreds the recording (store.Q.ShredRecording(s)), and the foreign key
-- removes any left when the row goes.
CREATE TABLE recording_waveforms (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,
    peaks TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
