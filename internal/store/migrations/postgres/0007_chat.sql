-- The website chatbot. chat_turns holds each question after personal-data
-- redaction, never the resident's IP address; every row carries the moment
-- the policy says it must be gone (expires_at) and the sweeper deletes it
-- then. The daily and page aggregates hold no personal data and outlive the
-- turns; the unanswered aggregate keeps a redacted example question, so it
-- expires like a turn.
CREATE TABLE chat_turns (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    question TEXT NOT NULL,
    service_area TEXT NOT NULL,
    answered INTEGER NOT NULL,
    handoff TEXT NOT NULL,
    source_url TEXT NOT NULL,
    helpful INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX chat_turns_conversation ON chat_turns(conversation);
CREATE INDEX chat_turns_expiry ON chat_turns(expires_at);

CREATE TABLE chat_daily (
    day BIGINT NOT NULL,
    service_area TEXT NOT NULL,
    questions INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    handoffs INTEGER NOT NULL DEFAULT 0,
    helpful INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service_area)
);

CREATE TABLE chat_unanswered (
    day BIGINT NOT NULL,
    norm TEXT NOT NULL,
    example TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (day, norm)
);
CREATE INDEX chat_unanswered_expiry ON chat_unanswered(expires_at);

CREATE TABLE chat_pages (
    day BIGINT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, url)
);
