-- OpenID Connect sign-in (internal/oidc, issue 17).
--
-- One row per sign-in started with the identity provider: the state sent
-- in the redirect (stored as its SHA-256, never the value), the nonce the
-- ID token must carry and the PKCE code verifier. Kept in the database,
-- not memory, so the callback may reach any instance and a state can be
-- used once only (store.Q.TakeOIDCState deletes it as it reads it).
-- No personal data: random values and the page to return to. Location:
-- this database. Retention: until used or expires_at (10 minutes after
-- creation, oidc.StateTTL); expired rows are deleted by the next
-- TakeOIDCState on any instance.
CREATE TABLE oidc_states (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at);

-- Accounts signed in through an identity provider are found by the
-- provider's stable subject (Entra's oid), not by e-mail, which changes.
CREATE UNIQUE INDEX users_provider_subject ON users (auth_provider, subject) WHERE subject <> '';
