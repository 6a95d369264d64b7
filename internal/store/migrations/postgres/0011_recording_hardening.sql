-- Drop folders that `fairline recordings import` has used, so the
-- retention sweep can find them: the files an import could not ingest wait
-- in DIR/failed/ for someone to fix them, and are deleted after the call
-- recording system's drop_folder.failed_retention (policy; 7 days when
-- unset). A row holds only the folder's path, no personal data; it stays
-- while the folder may exist on some host (a folder missing here may be on
-- another instance's disk) and can be removed by hand.
CREATE TABLE drop_folders (
    path TEXT PRIMARY KEY,
    first_used_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);

-- A disclosure link is claimed by one transfer at a time (link_claim, a
-- random id, until link_claimed_until) and spent (link_used_at) only when
-- that transfer has written the whole recording; an aborted transfer
-- releases the claim, a crashed one lets it lapse.
ALTER TABLE disclosures ADD COLUMN link_claim TEXT NOT NULL DEFAULT '';
ALTER TABLE disclosures ADD COLUMN link_claimed_until BIGINT NOT NULL DEFAULT 0;
