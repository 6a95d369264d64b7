-- Knowledge base: the council website pages the chatbot answers from.
-- Times are Unix microseconds (BIGINT) in both dialects.

-- A site that is crawled or imported, by scheme://host.
CREATE TABLE kb_sources (
    id INTEGER PRIMARY KEY,
    base_url TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_crawl_started_at BIGINT NOT NULL DEFAULT 0,
    last_crawl_finished_at BIGINT NOT NULL DEFAULT 0,
    last_summary TEXT NOT NULL DEFAULT ''      -- one line, for the console
);

-- One row per page, raw HTML as fetched or imported. A page that now
-- answers 404 or 410 is deleted; other fetch errors are kept in error.
CREATE TABLE kb_pages (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES kb_sources(id) ON DELETE CASCADE,
    url TEXT NOT NULL UNIQUE,                  -- normalised absolute URL
    path TEXT NOT NULL,                        -- URL path, for excluded-path matching
    title TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',    -- Last-Modified header as received
    status INTEGER NOT NULL DEFAULT 0,         -- last HTTP status; 0 for imported pages
    content_hash TEXT NOT NULL DEFAULT '',     -- SHA-256 of html, hex
    service_area TEXT NOT NULL DEFAULT '',     -- policy service area id, once classified
    excluded INTEGER NOT NULL DEFAULT 0,       -- under an excluded path: kept, not answered from
    error TEXT NOT NULL DEFAULT '',            -- last fetch error, empty when the last fetch worked
    crawled_at BIGINT NOT NULL DEFAULT 0,      -- last fetch or import
    changed_at BIGINT NOT NULL DEFAULT 0,      -- last time html changed
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_pages_source ON kb_pages(source_id);
CREATE INDEX kb_pages_path ON kb_pages(path);

-- Path prefixes staff keep out of the knowledge base ("/news" covers /news
-- and everything under /news/, on every site).
CREATE TABLE kb_excluded_paths (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,                  -- pseudonymous actor, e.g. user:12
    created_at BIGINT NOT NULL
);
