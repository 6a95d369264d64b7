-- Training retention longer than the recording's (issue 16): when the
-- call's service area sets retention.training, a clip added to a playlist
-- gets its own copy of its audio segment, encrypted under its own data key
-- (wrapped_key, as recordings' keys), in the same blob store under
-- training/. Such a clip outlives its recording until copy_expires_at
-- (added + the area's training retention), so quality_clips can no longer
-- cascade from recordings: SQLite cannot drop a foreign key, so the table
-- is rebuilt without it. Deletion: a clip without a copy still goes in the
-- transaction that destroys its recording (store.dropRecordingDerived); a
-- copy goes when it expires (recording.Service.Sweep: row and key in one
-- transaction, then the blob), or with its recording on erasure. The
-- copy keeps the recording's number fingerprint (number_bidx) so a rights
-- request still finds it after the recording is gone, and restricted_at
-- so an objection still refuses it.
CREATE TABLE quality_clips_new (
    id INTEGER PRIMARY KEY,
    playlist_id BIGINT NOT NULL REFERENCES quality_playlists(id),
    recording_id TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    copy_blob_key TEXT NOT NULL DEFAULT '',
    copy_wrapped_key TEXT NOT NULL DEFAULT '',
    copy_media_type TEXT NOT NULL DEFAULT '',
    copy_expires_at BIGINT NOT NULL DEFAULT 0,
    number_bidx TEXT NOT NULL DEFAULT '',
    restricted_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO quality_clips_new (id, playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at)
    SELECT id, playlist_id, recording_id, start_ms, end_ms, reason, added_by, added_at FROM quality_clips;
DROP TABLE quality_clips;
ALTER TABLE quality_clips_new RENAME TO quality_clips;
CREATE INDEX quality_clips_playlist ON quality_clips(playlist_id);
CREATE INDEX quality_clips_recording ON quality_clips(recording_id);
CREATE INDEX quality_clips_copy_expiry ON quality_clips(copy_expires_at) WHERE copy_blob_key <> '';
CREATE INDEX quality_clips_number ON quality_clips(number_bidx) WHERE number_bidx <> '';
