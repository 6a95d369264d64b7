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

-- Scorecards per service area, versioned: editing inserts version n+1 of
-- the family (family_id is its first version's id) and marks version n
-- superseded, so evaluations keep the version they were scored with.
-- criteria is JSON ([]quality.Criterion). No personal data; kept for the
-- database's life because evaluations and reports are read through them.
CREATE TABLE quality_scorecards (
    id INTEGER PRIMARY KEY,
    family_id BIGINT NOT NULL DEFAULT 0,
    service_area TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    criteria TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    superseded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX quality_scorecards_area ON quality_scorecards(service_area, superseded_at);

-- A staff account linked to the agent id the telephony sends, so an agent
-- sees their own evaluations. Staff data; kept while the account is, and
-- deleted with it (foreign key) or when an administrator unlinks it.
CREATE TABLE quality_agents (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL UNIQUE,
    linked_by TEXT NOT NULL,
    linked_at BIGINT NOT NULL
);

-- Evaluations of calls. They describe a call and its agent, so they live
-- exactly as long as the recording: store.Q.ShredRecording(s) deletes
-- them (and their comments) in the transaction that destroys it, and
-- fairline check counts any that outlive it. Scores are basis points
-- (0..10000) so both dialects add them up alike.
CREATE TABLE quality_evaluations (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    scorecard_id BIGINT NOT NULL REFERENCES quality_scorecards(id),
    service_area TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    assessor TEXT NOT NULL,
    answers TEXT NOT NULL,
    score_bp INTEGER NOT NULL,
    critical_failed INTEGER NOT NULL DEFAULT 0,
    calibration_id BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'submitted',
    response TEXT NOT NULL DEFAULT '',
    responded_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX quality_evaluations_recording ON quality_evaluations(recording_id);
CREATE INDEX quality_evaluations_agent ON quality_evaluations(agent_id, created_at);
CREATE INDEX quality_evaluations_area ON quality_evaluations(service_area, created_at);

-- Time-stamped comments on an evaluated call; go with the evaluation.
CREATE TABLE quality_comments (
    id INTEGER PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES quality_evaluations(id) ON DELETE CASCADE,
    recording_id TEXT NOT NULL,
    offset_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX quality_comments_evaluation ON quality_comments(evaluation_id);
CREATE INDEX quality_comments_recording ON quality_comments(recording_id);

-- Report aggregates, updated in the transaction of each evaluation and
-- each ingest, so reports never scan recordings or evaluations. Month is
-- the first instant of the UTC month. quality_calls holds no personal
-- data. quality_scores holds per-agent averages (staff data): the quality
-- sweep deletes months older than quality.StatsRetention (24 months);
-- criterion '' is the whole score; agent_id '' the whole area.
CREATE TABLE quality_calls (
    service_area TEXT NOT NULL,
    month BIGINT NOT NULL,
    direction TEXT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (service_area, month, direction)
);
CREATE TABLE quality_scores (
    service_area TEXT NOT NULL,
    month BIGINT NOT NULL,
    agent_id TEXT NOT NULL,
    criterion TEXT NOT NULL,
    n BIGINT NOT NULL,
    sum_bp BIGINT NOT NULL,
    PRIMARY KEY (service_area, month, agent_id, criterion)
);

-- Calibration sessions: several assessors score one call against one
-- scorecard and the spread of their scores is shown. About the call, so
-- deleted with the recording like its evaluations.
CREATE TABLE quality_calibrations (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    scorecard_id BIGINT NOT NULL REFERENCES quality_scorecards(id),
    service_area TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX quality_calibrations_recording ON quality_calibrations(recording_id);

-- Training playlists per service area: a name, no personal data; kept for
-- the database's life (an empty playlist is harmless and can be reused).
CREATE TABLE quality_playlists (
    id INTEGER PRIMARY KEY,
    service_area TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (service_area, name)
);

-- Clips in a playlist: a recording, or a part of it (end_ms 0: the whole
-- call), with the team leader's reason. A clip is a pointer into the
-- recording's audio, so it is deleted with the recording, in the
-- transaction that destroys it (store.Q.ShredRecording(s)).
CREATE TABLE quality_clips (
    id INTEGER PRIMARY KEY,
    playlist_id BIGINT NOT NULL REFERENCES quality_playlists(id),
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX quality_clips_playlist ON quality_clips(playlist_id);
CREATE INDEX quality_clips_recording ON quality_clips(recording_id);

-- A team leader's queue of calls to evaluate, drawn each month so every
-- agent gets a fair number. About calls: deleted with the recording.
CREATE TABLE quality_queue (
    id INTEGER PRIMARY KEY,
    service_area TEXT NOT NULL,
    month BIGINT NOT NULL,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL,
    method TEXT NOT NULL,
    drawn_by TEXT NOT NULL,
    drawn_at BIGINT NOT NULL,
    done_at BIGINT NOT NULL DEFAULT 0,
    UNIQUE (recording_id)
);
CREATE INDEX quality_queue_area ON quality_queue(service_area, done_at);
