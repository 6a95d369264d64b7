-- The knowledge base's change log, so every serve instance sharing this
-- database (and a CLI `kb import` or `kb crawl` beside them) keeps its
-- in-memory search index current: an instance applies the changes after the
-- version its index reflects (chat.Service.CatchUp). Triggers write it, so no
-- code path that changes a page or the vocabulary can forget to.
--
-- kb_state.version counts changes; in PostgreSQL the row lock taken before
-- any change to kb_pages or kb_vocabulary (kb_lock_state) makes versions
-- commit in order, so a reader that sees version N has seen every version
-- below it. SQLite has one writer at a time.
--
-- Retention: only the newest 10,000 changes are kept (the trigger deletes
-- older ones); an instance further behind than that rebuilds its index from
-- the pages. The log holds page URLs of the council's public website only.
CREATE TABLE kb_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO kb_state (id, version) VALUES (1, 0);

CREATE TABLE kb_changes (
    version BIGINT PRIMARY KEY,
    url TEXT NOT NULL            -- the page changed; '' when the vocabulary changed (rebuild everything)
);

CREATE TRIGGER kb_pages_inserted AFTER INSERT ON kb_pages BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, NEW.url FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

CREATE TRIGGER kb_pages_deleted AFTER DELETE ON kb_pages BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, OLD.url FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

-- Only what the index reads: a re-crawl that finds a page unchanged (status,
-- crawl time) is not a change.
CREATE TRIGGER kb_pages_updated AFTER UPDATE ON kb_pages
WHEN OLD.html IS NOT NEW.html OR OLD.title IS NOT NEW.title OR OLD.excluded IS NOT NEW.excluded
    OR OLD.service_area IS NOT NEW.service_area
BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, NEW.url FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

CREATE TRIGGER kb_vocabulary_inserted AFTER INSERT ON kb_vocabulary BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, '' FROM kb_state WHERE id = 1;
END;

CREATE TRIGGER kb_vocabulary_updated AFTER UPDATE ON kb_vocabulary BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, '' FROM kb_state WHERE id = 1;
END;

CREATE TRIGGER kb_vocabulary_deleted AFTER DELETE ON kb_vocabulary BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url) SELECT version, '' FROM kb_state WHERE id = 1;
END;
