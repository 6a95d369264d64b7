-- Training retention longer than the recording's (issue 16): see the
-- SQLite migration of the same number for what each column is and where
-- its retention and deletion come from. A clip with its own copy outlives
-- its recording, so the foreign key that deleted clips with their
-- recording's row goes.
ALTER TABLE quality_clips DROP CONSTRAINT quality_clips_recording_id_fkey;
ALTER TABLE quality_clips ADD COLUMN copy_blob_key TEXT NOT NULL DEFAULT '';
ALTER TABLE quality_clips ADD COLUMN copy_wrapped_key TEXT NOT NULL DEFAULT '';
ALTER TABLE quality_clips ADD COLUMN copy_media_type TEXT NOT NULL DEFAULT '';
ALTER TABLE quality_clips ADD COLUMN copy_expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_clips ADD COLUMN number_bidx TEXT NOT NULL DEFAULT '';
ALTER TABLE quality_clips ADD COLUMN restricted_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX quality_clips_copy_expiry ON quality_clips(copy_expires_at) WHERE copy_blob_key <> '';
CREATE INDEX quality_clips_number ON quality_clips(number_bidx) WHERE number_bidx <> '';
