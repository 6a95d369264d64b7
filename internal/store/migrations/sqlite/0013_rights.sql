-- Data-subject rights casework (internal/rights). The register is the
-- council's record of how it answered each request: a row keeps the type,
-- channel, dates and outcome, which hold no personal data, for as long as
-- the database; the requester's identifiers (numbers, e-mail, conversation
-- id, call dates) are sealed in identifiers_ct under a key derived for this
-- purpose only, and blanked by the rights sweep at destroy_after (closure
-- plus the policy's rights_requests.identifier_retention). due_at is the
-- ICO deadline as last computed, for the dashboard and `fairline check`.
CREATE TABLE rights_requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    identity TEXT NOT NULL,
    identifiers_ct TEXT NOT NULL DEFAULT '',
    identifiers_destroyed_at BIGINT NOT NULL DEFAULT 0,
    extension_months INTEGER NOT NULL DEFAULT 0,
    extension_reason TEXT NOT NULL DEFAULT '',
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    outcome TEXT NOT NULL DEFAULT '',
    closed_at BIGINT NOT NULL DEFAULT 0,
    destroy_after BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rights_requests_open ON rights_requests(status, due_at);
CREATE INDEX rights_requests_destroy ON rights_requests(destroy_after) WHERE identifiers_ct <> '';

-- Times the clock stood still waiting for identity or clarification
-- (to_day = 0 while still waiting). Kept with the case.
CREATE TABLE rights_pauses (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    from_day BIGINT NOT NULL,
    to_day BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rights_pauses_request ON rights_pauses(request_id);

-- The case history: what was done, when, by whom (pseudonymous ids), and,
-- per recording, what happened to it (included, erased, kept and why,
-- restricted, rectified). Recording ids are random and outlive the
-- recordings on purpose: the case shows a recording was erased. No
-- identifier is ever written here.
CREATE TABLE rights_events (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    recording_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rights_events_request ON rights_events(request_id, at);

-- Access and portability packages: one single-use link each, stored as a
-- hash, claimed by one transfer at a time like a disclosure link. The
-- package is built while it streams and never stored; recording_ids (a
-- JSON array of random ids) fix what it contains when it was released.
CREATE TABLE rights_releases (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    recording_ids TEXT NOT NULL,
    link_hash TEXT NOT NULL UNIQUE,
    link_expires_at BIGINT NOT NULL,
    link_used_at BIGINT NOT NULL DEFAULT 0,
    link_claim TEXT NOT NULL DEFAULT '',
    link_claimed_until BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Restriction and objection: a restricted recording may not be opened for
-- quality monitoring or training (internal/recording refuses it). The mark
-- goes with the recording.
ALTER TABLE recordings ADD COLUMN restricted_at BIGINT NOT NULL DEFAULT 0;

-- Rectification history of a recording's metadata; deleted with the
-- recording (its values are the recording's own metadata).
CREATE TABLE recording_corrections (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    request_id BIGINT NOT NULL,
    corrected_by TEXT NOT NULL,
    corrected_at BIGINT NOT NULL
);
CREATE INDEX recording_corrections_recording ON recording_corrections(recording_id);
