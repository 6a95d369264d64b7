-- readiness_heartbeat is the one row /readyz rewrites (store.CheckWrite) to
-- prove the database still takes writes. It holds only the time of the last
-- check: no personal data, so nothing to retain or delete; it lives in the
-- database, wherever db-location declares that to be.
CREATE TABLE readiness_heartbeat (
    id INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
INSERT INTO readiness_heartbeat (id, checked_at) VALUES (1, 0);
