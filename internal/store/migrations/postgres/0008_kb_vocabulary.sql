-- Staff-edited vocabulary of the chatbot's search: the service-area
-- classification rules and the synonym groups, each kept as the text staff
-- wrote (the formats are in internal/kb/extract and internal/search). A kind
-- with no row uses the shipped defaults.
CREATE TABLE kb_vocabulary (
    kind TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
