-- Durable background work. A job is claimed by setting locked_by and
-- locked_until; a worker that dies leaves an expired lock, and the job is
-- claimed again. unique_key makes enqueueing idempotent (periodic jobs,
-- "crawl site X" while one is pending).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    unique_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',  -- queued, running, failed
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    locked_by TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, run_at);
