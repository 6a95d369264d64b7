package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// KBSource is a website the knowledge base is built from (scheme://host).
type KBSource struct {
	ID                  int64
	BaseURL             string
	CreatedAt           time.Time
	LastCrawlStartedAt  time.Time
	LastCrawlFinishedAt time.Time
	LastSummary         string
}

// KBPage is one stored page of a council website.
type KBPage struct {
	ID           int64
	SourceID     int64
	URL          string
	Path         string
	Title        string
	HTML         string // empty in listings (KBPages) and for pages never fetched successfully
	ETag         string
	LastModified string
	Status       int
	ContentHash  string
	ServiceArea  string
	Excluded     bool
	Error        string
	CrawledAt    time.Time
	ChangedAt    time.Time
	CreatedAt    time.Time
}

// KBPageRef is what a crawl needs to know about a stored page: its
// validators for a conditional GET and the hash that says whether a fetched
// body changed.
type KBPageRef struct {
	URL          string
	ETag         string
	LastModified string
	ContentHash  string
	Excluded     bool
}

// KBExcludedPath is a path prefix staff keep out of the knowledge base.
type KBExcludedPath struct {
	ID        int64
	Prefix    string
	CreatedBy string
	CreatedAt time.Time
}

// KBCounts summarises the knowledge base for the console.
type KBCounts struct {
	Pages    int // pages with content
	Errors   int // pages whose last fetch failed
	Excluded int // pages under an excluded path
}

// EnsureKBSource returns the id of the source for baseURL, creating it.
func (q *Q) EnsureKBSource(ctx context.Context, baseURL string, now time.Time) (int64, error) {
	if _, err := q.exec(ctx, `INSERT INTO kb_sources (base_url, created_at) VALUES (?, ?) ON CONFLICT (base_url) DO NOTHING`,
		baseURL, toMicros(now)); err != nil {
		return 0, fmt.Errorf("store: add knowledge-base source: %w", err)
	}
	var id int64
	if err := q.queryRow(ctx, `SELECT id FROM kb_sources WHERE base_url = ?`, baseURL).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: find knowledge-base source: %w", err)
	}
	return id, nil
}

// StartKBCrawl records that a crawl of source id began at at.
func (q *Q) StartKBCrawl(ctx context.Context, id int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE kb_sources SET last_crawl_started_at = ? WHERE id = ?`, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("store: start crawl: %w", err)
	}
	return mustAffect(res)
}

// FinishKBCrawl records the end of a crawl and its one-line summary.
func (q *Q) FinishKBCrawl(ctx context.Context, id int64, at time.Time, summary string) error {
	res, err := q.exec(ctx, `UPDATE kb_sources SET last_crawl_finished_at = ?, last_summary = ? WHERE id = ?`,
		toMicros(at), summary, id)
	if err != nil {
		return fmt.Errorf("store: finish crawl: %w", err)
	}
	return mustAffect(res)
}

// KBSources lists the sources by base URL.
func (q *Q) KBSources(ctx context.Context) ([]KBSource, error) {
	rows, err := q.query(ctx, `SELECT id, base_url, created_at, last_crawl_started_at, last_crawl_finished_at, last_summary
		FROM kb_sources ORDER BY base_url`)
	if err != nil {
		return nil, fmt.Errorf("store: list knowledge-base sources: %w", err)
	}
	defer rows.Close()
	var out []KBSource
	for rows.Next() {
		var s KBSource
		var created, started, finished int64
		if err := rows.Scan(&s.ID, &s.BaseURL, &created, &started, &finished, &s.LastSummary); err != nil {
			return nil, mapErr(err)
		}
		s.CreatedAt, s.LastCrawlStartedAt, s.LastCrawlFinishedAt = fromMicros(created), fromMicros(started), fromMicros(finished)
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// excludedSQL is true (1) when the path bound to both ? is an excluded path
// or lies under one. Matching is on whole path segments: "/news" covers
// "/news" and "/news/..." but not "/newsletter".
const excludedSQL = `CASE WHEN EXISTS (SELECT 1 FROM kb_excluded_paths e
	WHERE e.prefix = CAST(? AS TEXT) OR substr(CAST(? AS TEXT), 1, length(e.prefix) + 1) = e.prefix || '/') THEN 1 ELSE 0 END`

// UpsertKBPage stores a fetched or imported page by URL: inserted when new,
// otherwise its content, validators and status replace the stored ones and
// its error is cleared. Excluded is worked out from the excluded paths, the
// service area is kept, and ChangedAt only replaces the stored one when the
// content hash differs.
func (q *Q) UpsertKBPage(ctx context.Context, p KBPage) error {
	_, err := q.exec(ctx, `INSERT INTO kb_pages (source_id, url, path, title, html, etag, last_modified, status,
		content_hash, excluded, error, crawled_at, changed_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, `+excludedSQL+`, '', ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET source_id = excluded.source_id, path = excluded.path, title = excluded.title,
			html = excluded.html, etag = excluded.etag, last_modified = excluded.last_modified, status = excluded.status,
			content_hash = excluded.content_hash, excluded = excluded.excluded, error = '',
			crawled_at = excluded.crawled_at,
			changed_at = CASE WHEN kb_pages.content_hash = excluded.content_hash THEN kb_pages.changed_at ELSE excluded.changed_at END`,
		p.SourceID, p.URL, p.Path, p.Title, p.HTML, p.ETag, p.LastModified, p.Status, p.ContentHash, p.Path, p.Path,
		toMicros(p.CrawledAt), toMicros(p.ChangedAt), toMicros(p.CrawledAt))
	if err != nil {
		return fmt.Errorf("store: save page %s: %w", p.URL, err)
	}
	return nil
}

// TouchKBPage records a fetch that found the stored page unchanged (304, or
// the same content): its status and crawl time, and clears its error.
func (q *Q) TouchKBPage(ctx context.Context, url string, status int, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE kb_pages SET status = ?, crawled_at = ?, error = '' WHERE url = ?`, status, toMicros(at), url)
	if err != nil {
		return fmt.Errorf("store: touch page %s: %w", url, err)
	}
	return mustAffect(res)
}

// RecordKBPageError records a failed fetch of p.URL (p.Status, p.Error at
// p.CrawledAt). A stored page keeps its content; an unknown URL gets a row
// without content so staff can see it.
func (q *Q) RecordKBPageError(ctx context.Context, p KBPage) error {
	if p.Error == "" {
		return fmt.Errorf("store: page error for %s: empty message", p.URL)
	}
	_, err := q.exec(ctx, `INSERT INTO kb_pages (source_id, url, path, status, excluded, error, crawled_at, created_at)
		VALUES (?, ?, ?, ?, `+excludedSQL+`, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET status = excluded.status, error = excluded.error, crawled_at = excluded.crawled_at`,
		p.SourceID, p.URL, p.Path, p.Status, p.Path, p.Path, p.Error, toMicros(p.CrawledAt), toMicros(p.CrawledAt))
	if err != nil {
		return fmt.Errorf("store: record error for page %s: %w", p.URL, err)
	}
	return nil
}

// SetKBPageServiceArea sets the policy service area a page belongs to.
func (q *Q) SetKBPageServiceArea(ctx context.Context, url, area string) error {
	res, err := q.exec(ctx, `UPDATE kb_pages SET service_area = ? WHERE url = ?`, area, url)
	if err != nil {
		return fmt.Errorf("store: set service area of %s: %w", url, err)
	}
	return mustAffect(res)
}

// DeleteKBPage removes a page; ErrNotFound when there is none.
func (q *Q) DeleteKBPage(ctx context.Context, url string) error {
	res, err := q.exec(ctx, `DELETE FROM kb_pages WHERE url = ?`, url)
	if err != nil {
		return fmt.Errorf("store: delete page %s: %w", url, err)
	}
	return mustAffect(res)
}

const kbPageColumns = `id, source_id, url, path, title, etag, last_modified, status, content_hash, service_area,
	excluded, error, crawled_at, changed_at, created_at`

func scanKBPage(s scanner, withHTML bool) (KBPage, error) {
	var p KBPage
	var excluded int
	var crawled, changed, created int64
	dest := []any{&p.ID, &p.SourceID, &p.URL, &p.Path, &p.Title, &p.ETag, &p.LastModified, &p.Status, &p.ContentHash,
		&p.ServiceArea, &excluded, &p.Error, &crawled, &changed, &created}
	if withHTML {
		dest = append(dest, &p.HTML)
	}
	if err := s.Scan(dest...); err != nil {
		return KBPage{}, err
	}
	p.Excluded = excluded != 0
	p.CrawledAt, p.ChangedAt, p.CreatedAt = fromMicros(crawled), fromMicros(changed), fromMicros(created)
	return p, nil
}

// KBPageByURL returns one page with its HTML.
func (q *Q) KBPageByURL(ctx context.Context, url string) (KBPage, error) {
	return scanKBPage(q.queryRow(ctx, `SELECT `+kbPageColumns+`, html FROM kb_pages WHERE url = ?`, url), true)
}

// KBPageRefs returns the validators and hashes of the pages of a source
// (every source when sourceID is 0), by URL.
func (q *Q) KBPageRefs(ctx context.Context, sourceID int64) (map[string]KBPageRef, error) {
	query := `SELECT url, etag, last_modified, content_hash, excluded FROM kb_pages`
	var args []any
	if sourceID != 0 {
		query += ` WHERE source_id = ?`
		args = append(args, sourceID)
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list page validators: %w", err)
	}
	defer rows.Close()
	out := map[string]KBPageRef{}
	for rows.Next() {
		var r KBPageRef
		var excluded int
		if err := rows.Scan(&r.URL, &r.ETag, &r.LastModified, &r.ContentHash, &excluded); err != nil {
			return nil, mapErr(err)
		}
		r.Excluded = excluded != 0
		out[r.URL] = r
	}
	return out, mapErr(rows.Err())
}

// KBPageFilter selects pages for the console.
type KBPageFilter struct {
	ErrorsOnly bool
	Limit      int // 0: 100
	Offset     int
}

// KBPages lists pages by URL, without their HTML.
func (q *Q) KBPages(ctx context.Context, f KBPageFilter) ([]KBPage, error) {
	query := `SELECT ` + kbPageColumns + ` FROM kb_pages`
	if f.ErrorsOnly {
		query += ` WHERE error <> ''`
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	query += ` ORDER BY url LIMIT ? OFFSET ?`
	rows, err := q.query(ctx, query, f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list pages: %w", err)
	}
	defer rows.Close()
	var out []KBPage
	for rows.Next() {
		p, err := scanKBPage(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// EachKBPage calls fn with every answerable page (with content, not
// excluded), HTML included, in URL order: the search index rebuilds from
// it. fn must not use the database (on SQLite the rows hold the only
// connection of an in-memory database).
func (q *Q) EachKBPage(ctx context.Context, fn func(KBPage) error) error {
	rows, err := q.query(ctx, `SELECT `+kbPageColumns+`, html FROM kb_pages WHERE excluded = 0 AND html <> '' ORDER BY url`)
	if err != nil {
		return fmt.Errorf("store: read pages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanKBPage(rows, true)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// CountKBPages counts pages with content, with errors and excluded.
func (q *Q) CountKBPages(ctx context.Context) (KBCounts, error) {
	var c KBCounts
	err := q.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN html <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN error <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(excluded), 0) FROM kb_pages`).Scan(&c.Pages, &c.Errors, &c.Excluded)
	if err != nil {
		return KBCounts{}, fmt.Errorf("store: count pages: %w", err)
	}
	return c, nil
}

// KBExcludedPaths lists the excluded path prefixes in order.
func (q *Q) KBExcludedPaths(ctx context.Context) ([]KBExcludedPath, error) {
	rows, err := q.query(ctx, `SELECT id, prefix, created_by, created_at FROM kb_excluded_paths ORDER BY prefix`)
	if err != nil {
		return nil, fmt.Errorf("store: list excluded paths: %w", err)
	}
	defer rows.Close()
	var out []KBExcludedPath
	for rows.Next() {
		var e KBExcludedPath
		var at int64
		if err := rows.Scan(&e.ID, &e.Prefix, &e.CreatedBy, &at); err != nil {
			return nil, mapErr(err)
		}
		e.CreatedAt = fromMicros(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// AddKBExcludedPath adds a path prefix (already normalised by the caller:
// starts with "/", no trailing "/") and marks the pages under it excluded.
// ErrConflict when the prefix is already there.
func (q *Q) AddKBExcludedPath(ctx context.Context, prefix, createdBy string, at time.Time) (KBExcludedPath, error) {
	if !strings.HasPrefix(prefix, "/") {
		return KBExcludedPath{}, fmt.Errorf("store: excluded path %q must start with /", prefix)
	}
	e := KBExcludedPath{Prefix: prefix, CreatedBy: createdBy, CreatedAt: at}
	err := q.queryRow(ctx, `INSERT INTO kb_excluded_paths (prefix, created_by, created_at) VALUES (?, ?, ?) RETURNING id`,
		prefix, createdBy, toMicros(at)).Scan(&e.ID)
	if err != nil {
		return KBExcludedPath{}, fmt.Errorf("store: add excluded path %s: %w", prefix, err)
	}
	if _, err := q.RefreshKBExcluded(ctx); err != nil {
		return KBExcludedPath{}, err
	}
	return e, nil
}

// DeleteKBExcludedPath removes an excluded path and returns what it was;
// pages no longer under any excluded path become answerable again.
func (q *Q) DeleteKBExcludedPath(ctx context.Context, id int64) (KBExcludedPath, error) {
	var e KBExcludedPath
	var at int64
	err := q.queryRow(ctx, `DELETE FROM kb_excluded_paths WHERE id = ? RETURNING id, prefix, created_by, created_at`, id).
		Scan(&e.ID, &e.Prefix, &e.CreatedBy, &at)
	if err != nil {
		return KBExcludedPath{}, err
	}
	e.CreatedAt = fromMicros(at)
	if _, err := q.RefreshKBExcluded(ctx); err != nil {
		return KBExcludedPath{}, err
	}
	return e, nil
}

// RefreshKBExcluded recomputes every page's excluded flag from the
// excluded paths and reports how many pages changed.
func (q *Q) RefreshKBExcluded(ctx context.Context) (int64, error) {
	res, err := q.exec(ctx, `UPDATE kb_pages SET excluded = CASE WHEN EXISTS (SELECT 1 FROM kb_excluded_paths e
		WHERE e.prefix = kb_pages.path OR substr(kb_pages.path, 1, length(e.prefix) + 1) = e.prefix || '/') THEN 1 ELSE 0 END
		WHERE excluded <> CASE WHEN EXISTS (SELECT 1 FROM kb_excluded_paths e
		WHERE e.prefix = kb_pages.path OR substr(kb_pages.path, 1, length(e.prefix) + 1) = e.prefix || '/') THEN 1 ELSE 0 END`)
	if err != nil {
		return 0, fmt.Errorf("store: mark excluded pages: %w", err)
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

// Vocabulary kinds (kb_vocabulary.kind).
const (
	VocabAreaRules = "area_rules"
	VocabSynonyms  = "synonyms"
)

// KBVocabulary is one kind of staff-edited search vocabulary, as written.
type KBVocabulary struct {
	Kind      string
	Body      string
	UpdatedBy string
	UpdatedAt time.Time
}

// KBVocabulary returns the stored vocabulary of kind, or ErrNotFound when
// staff have not edited it (the defaults apply).
func (q *Q) KBVocabulary(ctx context.Context, kind string) (KBVocabulary, error) {
	v := KBVocabulary{Kind: kind}
	var at int64
	err := q.queryRow(ctx, `SELECT body, updated_by, updated_at FROM kb_vocabulary WHERE kind = ?`, kind).Scan(&v.Body, &v.UpdatedBy, &at)
	if err != nil {
		return KBVocabulary{}, fmt.Errorf("store: read %s: %w", kind, err)
	}
	v.UpdatedAt = fromMicros(at)
	return v, nil
}

// SetKBVocabulary stores v, replacing what was stored under its kind.
func (q *Q) SetKBVocabulary(ctx context.Context, v KBVocabulary) error {
	if _, err := q.exec(ctx, `INSERT INTO kb_vocabulary (kind, body, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		v.Kind, v.Body, v.UpdatedBy, toMicros(v.UpdatedAt)); err != nil {
		return fmt.Errorf("store: save %s: %w", v.Kind, err)
	}
	return nil
}

// KBChange is one entry of the knowledge base's change log (migration
// 0009): the page at URL changed (added, edited, excluded, re-classified or
// deleted); or, when URL is empty, the hints changed (Hints, migration 0012)
// or else the search vocabulary did.
type KBChange struct {
	Version int64
	URL     string
	Hints   bool
}

// KBVersion is the number of the newest change to the knowledge base.
func (q *Q) KBVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := q.queryRow(ctx, `SELECT version FROM kb_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: knowledge-base version: %w", err)
	}
	return v, nil
}

// KBChangesSince returns up to limit changes newer than version, oldest
// first. The log keeps only the newest changes: when the first returned is
// not version+1, some were dropped and the caller must start again from the
// pages.
func (q *Q) KBChangesSince(ctx context.Context, version int64, limit int) ([]KBChange, error) {
	rows, err := q.query(ctx, `SELECT version, url, hints FROM kb_changes WHERE version > ? ORDER BY version LIMIT ?`, version, limit)
	if err != nil {
		return nil, fmt.Errorf("store: knowledge-base changes: %w", err)
	}
	return collect(rows, func(s scanner) (KBChange, error) {
		var c KBChange
		var hints int
		err := s.Scan(&c.Version, &c.URL, &hints)
		c.Hints = hints != 0
		return c, err
	})
}
