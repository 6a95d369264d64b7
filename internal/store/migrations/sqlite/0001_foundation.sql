-- Times are Unix microseconds (BIGINT) in both dialects.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,            -- stored lower-cased
    display_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '', -- empty for accounts that sign in through an identity provider
    must_change_password INTEGER NOT NULL DEFAULT 0,
    auth_provider TEXT NOT NULL DEFAULT 'password',
    subject TEXT NOT NULL DEFAULT '',      -- identity provider subject (OIDC sub), later
    disabled_at BIGINT NOT NULL DEFAULT 0,
    last_sign_in_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_service_areas (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    service_area TEXT NOT NULL,
    PRIMARY KEY (user_id, service_area)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,                   -- SHA-256 of the cookie token; the token itself is never stored
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- Failed sign-in counters keyed by a keyed hash of the e-mail address, so
-- unknown addresses are throttled too and no address is stored.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action, seq);

-- The chain head, keyed-MAC'd, so deleting the newest entries is detected.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL
);

CREATE TABLE policy_versions (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    source TEXT NOT NULL,
    content TEXT NOT NULL,
    activated_at BIGINT NOT NULL
);
