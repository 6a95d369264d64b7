-- Hints: staff send questions like one the chatbot could not answer (or
-- answered badly) to a page of the knowledge base, and the search puts that
-- page first for similar questions (chat/hints.go, search/hints.go).
--
-- A hint is staff configuration, not personal data: question is the
-- resident's question as the chatbot stored it, already redacted (and
-- redacted again when the hint is saved), and created_by/updated_by are
-- pseudonymous actors (user:12). Retention: a hint is kept until staff
-- delete it (Knowledge base > Search vocabulary, audited as kb.hint.delete)
-- or until its page leaves the knowledge base (the page's row is deleted when
-- the site no longer has it, and ON DELETE CASCADE takes its hints with it);
-- a page that is only excluded keeps its hints, which do nothing until the
-- page is answered from again. Location: this database only.
CREATE TABLE kb_hints (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,                    -- redacted
    page_id INTEGER NOT NULL REFERENCES kb_pages(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,                  -- pseudonymous actor, e.g. user:12
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (question, page_id)
);
CREATE INDEX kb_hints_page ON kb_hints(page_id);

-- Every instance reloads its hints when they change, through the knowledge
-- base's change log (0009): a hints change is a row with hints = 1 (and no
-- URL), which reloads the hints and empties the answer cache without
-- rebuilding the index.
ALTER TABLE kb_changes ADD COLUMN hints INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER kb_hints_inserted AFTER INSERT ON kb_hints BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url, hints) SELECT version, '', 1 FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

CREATE TRIGGER kb_hints_updated AFTER UPDATE ON kb_hints BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url, hints) SELECT version, '', 1 FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

CREATE TRIGGER kb_hints_deleted AFTER DELETE ON kb_hints BEGIN
    UPDATE kb_state SET version = version + 1 WHERE id = 1;
    INSERT INTO kb_changes (version, url, hints) SELECT version, '', 1 FROM kb_state WHERE id = 1;
    DELETE FROM kb_changes WHERE version <= (SELECT version FROM kb_state WHERE id = 1) - 10000;
END;

-- The reports list the answers residents rated not helpful (a few among
-- many turns), newest first.
CREATE INDEX chat_turns_not_helpful ON chat_turns(created_at) WHERE helpful = -1;
