-- Tokens for machine clients (the telephony integration uploading
-- recordings). Only the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,                  -- space-separated
    created_by TEXT NOT NULL,              -- pseudonymous actor id
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
