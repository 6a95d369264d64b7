-- The knowledge base's change log, so every serve instance sharing this
-- database (and a CLI `kb import` or `kb crawl` beside them) keeps its
-- in-memory search index current: an instance applies the changes after the
-- version its index reflects (chat.Service.CatchUp). Triggers write it, so no
-- code path that changes a page or the vocabulary can forget to.
--
-- kb_state.version counts changes. A statement-level trigger locks its row
-- before any row of kb_pages or kb_vocabulary is touched, and the lock is
-- held to commit: versions commit in order (a reader that sees version N has
-- seen every version below it), and writers always take that lock first, so
-- two of them cannot deadlock over pages.
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

CREATE FUNCTION kb_lock_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM kb_state WHERE id = 1 FOR UPDATE;
    RETURN NULL;
END $$;

CREATE FUNCTION kb_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
    u TEXT := '';
BEGIN
    IF TG_TABLE_NAME = 'kb_pages' THEN
        IF TG_OP = 'DELETE' THEN u := OLD.url; ELSE u := NEW.url; END IF;
    END IF;
    UPDATE kb_state SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    INSERT INTO kb_changes (version, url) VALUES (v, u);
    DELETE FROM kb_changes WHERE version <= v - 10000;
    RETURN NULL;
END $$;

CREATE TRIGGER kb_pages_lock BEFORE INSERT OR UPDATE OR DELETE ON kb_pages
    FOR EACH STATEMENT EXECUTE FUNCTION kb_lock_state();
CREATE TRIGGER kb_pages_inserted_deleted AFTER INSERT OR DELETE ON kb_pages
    FOR EACH ROW EXECUTE FUNCTION kb_note_change();
-- Only what the index reads: a re-crawl that finds a page unchanged (status,
-- crawl time) is not a change.
CREATE TRIGGER kb_pages_updated AFTER UPDATE ON kb_pages FOR EACH ROW
    WHEN (OLD.html IS DISTINCT FROM NEW.html OR OLD.title IS DISTINCT FROM NEW.title
        OR OLD.excluded IS DISTINCT FROM NEW.excluded OR OLD.service_area IS DISTINCT FROM NEW.service_area)
    EXECUTE FUNCTION kb_note_change();
CREATE TRIGGER kb_vocabulary_lock BEFORE INSERT OR UPDATE OR DELETE ON kb_vocabulary
    FOR EACH STATEMENT EXECUTE FUNCTION kb_lock_state();
CREATE TRIGGER kb_vocabulary_changed AFTER INSERT OR UPDATE OR DELETE ON kb_vocabulary
    FOR EACH ROW EXECUTE FUNCTION kb_note_change();
