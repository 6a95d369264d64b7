// Package kb builds the knowledge base the chatbot answers from: it crawls
// a council website (internal/kb/crawl), only the sites the policy lists as
// the chatbot's sources, or imports pages from a JSON Lines file, and keeps
// the raw pages in the store, with the paths staff excluded from answers.
// Hooks tell other parts (the search index) which pages changed or went away.
package kb

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
)

// System is the policy system whose sources (systems[chatbot].sources) are
// the only sites the knowledge base takes pages from: its notice names
// them, so pages from anywhere else would break that promise.
const System = "chatbot"

// Hooks are called after a change is committed, so whoever follows the
// knowledge base (the search index) sees only stored states. Either may be
// nil. A hook error is logged and counted; it does not undo the change
// (the index can always be rebuilt with store.Q.EachKBPage).
type Hooks struct {
	// OnPageChanged: a page was added or its content changed. p includes
	// its HTML. An excluded page (p.Excluded) should be dropped from answers.
	OnPageChanged func(ctx context.Context, p store.KBPage) error
	// OnPageRemoved: the page at url was deleted, or came under an
	// excluded path; either way it must no longer be used for answers.
	OnPageRemoved func(ctx context.Context, url string) error
}

// Hooks describe the answerable pages: OnPageChanged is not called for an
// excluded page, and a page that leaves an excluded path is reported
// through OnPageChanged again.

// Options configure a Service.
type Options struct {
	Hooks  Hooks
	Logger *slog.Logger
	Now    func() time.Time
	// Audit records staff changes to excluded paths; ExcludePath and
	// IncludePath need it.
	Audit *audit.Log
	// Policy is the policy in force; Crawl and Import need it, and refuse
	// pages whose host is not one of the System's sources.
	Policy func() *policy.Policy
}

// Service crawls and imports into the store.
type Service struct {
	db    *store.DB
	hooks Hooks
	log   *slog.Logger
	now   func() time.Time
	audit *audit.Log
	pol   func() *policy.Policy
}

// New returns a Service over db.
func New(db *store.DB, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: db, hooks: o.Hooks, log: o.Logger, now: o.Now, audit: o.Audit, pol: o.Policy}
}

// policy is the policy in force, which Crawl and Import check pages against.
func (s *Service) policy() (*policy.Policy, error) {
	var p *policy.Policy
	if s.pol != nil {
		p = s.pol()
	}
	if p == nil {
		return nil, fmt.Errorf("kb: no policy to check pages against %s (kb.Options.Policy)", policy.SourcesField(System))
	}
	return p, nil
}

// Summary describes a finished crawl.
type Summary struct {
	Site       string
	Fetched    int // page requests made
	New        int
	Updated    int
	Unchanged  int // 304, or the same content again
	Removed    int // 404/410, no longer an HTML page (redirect, noindex, other type), or now disallowed by robots.txt
	Errors     int // other failures, recorded on the page
	Skipped    int // same-site URLs not fetched (robots.txt, excluded paths, files) or dead links
	HookErrors int
	Truncated  bool // the page limit stopped the crawl
	CrawlDelay time.Duration
	Notes      []string // robots.txt or sitemap problems that did not stop the crawl
	Duration   time.Duration
}

// String is the one-line summary stored with the source and printed by
// the CLI.
func (s Summary) String() string {
	line := fmt.Sprintf("%d fetched: %d new, %d updated, %d unchanged, %d removed, %d errors, %d skipped in %s",
		s.Fetched, s.New, s.Updated, s.Unchanged, s.Removed, s.Errors, s.Skipped, s.Duration.Round(time.Millisecond))
	if s.Truncated {
		line += " (stopped at the page limit)"
	}
	return line
}

// Crawl crawls the site of start into the store. o.Known and o.Stored are
// filled in from the store (the site's stored pages are re-checked with
// conditional GETs, and the links of unchanged pages still followed); the
// staff's excluded paths are added to o.Exclude. The summary is
// returned, and recorded with the site, also when the crawl stops early.
// A site whose host is not one of the policy's sources is refused before
// anything is fetched or stored (a *policy.SourceError); every page of a
// crawl is on the start's host.
func (s *Service) Crawl(ctx context.Context, start string, o crawl.Options) (Summary, error) {
	begin := s.now()
	norm, err := crawl.Normalise(start)
	if err != nil {
		return Summary{}, err
	}
	pol, err := s.policy()
	if err != nil {
		return Summary{}, err
	}
	if err := pol.CheckSource(System, norm); err != nil {
		return Summary{}, err
	}
	u, _ := url.Parse(norm)
	site := crawl.Origin(u)
	sum := Summary{Site: site}
	q := s.db.Q()
	srcID, err := q.EnsureKBSource(ctx, site, begin)
	if err != nil {
		return sum, err
	}
	if err := q.StartKBCrawl(ctx, srcID, begin); err != nil {
		return sum, err
	}
	refs, err := q.KBPageRefs(ctx, srcID)
	if err != nil {
		return sum, err
	}
	excluded, err := q.KBExcludedPaths(ctx)
	if err != nil {
		return sum, err
	}
	for _, e := range excluded {
		o.Exclude = append(o.Exclude, e.Prefix)
	}
	o.Known = map[string]crawl.Validators{}
	for u, r := range refs {
		if !r.Excluded {
			o.Known[u] = crawl.Validators{ETag: r.ETag, LastModified: r.LastModified}
		}
	}

	o.Stored = func(ctx context.Context, pageURL string) (string, error) {
		p, err := s.db.Q().KBPageByURL(ctx, pageURL)
		return p.HTML, err
	}
	handle := func(ctx context.Context, r crawl.Result) error {
		return s.apply(ctx, srcID, refs, r, &sum)
	}
	st, crawlErr := crawl.Run(ctx, norm, o, handle)
	sum.Fetched, sum.Truncated, sum.CrawlDelay, sum.Notes = st.Pages, st.Truncated, st.CrawlDelay, st.Notes
	sum.Skipped += st.Skipped
	sum.Duration = s.now().Sub(begin)
	line := sum.String()
	if crawlErr != nil {
		line = "stopped: " + crawlErr.Error() + "; " + line
	}
	// Record the outcome even when the caller's context has ended.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := q.FinishKBCrawl(fctx, srcID, s.now(), line); err != nil && crawlErr == nil {
		crawlErr = err
	}
	s.log.Info("knowledge-base crawl finished", "site", site, "fetched", sum.Fetched, "new", sum.New,
		"updated", sum.Updated, "unchanged", sum.Unchanged, "removed", sum.Removed, "errors", sum.Errors,
		"duration", sum.Duration.Round(time.Millisecond))
	return sum, crawlErr
}

// apply stores one crawl outcome. Each is one statement, so a crawl that
// stops half-way leaves every page either as it was or as fetched.
func (s *Service) apply(ctx context.Context, srcID int64, refs map[string]store.KBPageRef, r crawl.Result, sum *Summary) error {
	q := s.db.Q()
	now := s.now()
	ref, known := refs[r.URL]
	switch r.Kind {
	case crawl.Fetched:
		p := store.KBPage{SourceID: srcID, URL: r.URL, Path: crawl.PathOf(r.URL), Title: r.Title, HTML: r.HTML,
			ETag: r.ETag, LastModified: r.LastModified, Status: r.Status, ContentHash: contentHash(r.Title, r.HTML),
			CrawledAt: now, ChangedAt: now}
		if err := q.UpsertKBPage(ctx, p); err != nil {
			return err
		}
		refs[r.URL] = store.KBPageRef{URL: r.URL, ETag: r.ETag, LastModified: r.LastModified, ContentHash: p.ContentHash}
		switch {
		case !known:
			sum.New++
		case ref.ContentHash != p.ContentHash:
			sum.Updated++
		default:
			sum.Unchanged++
			return nil
		}
		return s.changed(ctx, r.URL, sum)
	case crawl.NotModified:
		if !known {
			return s.pageError(ctx, srcID, r, "server answered 304 Not Modified to a request without validators", sum)
		}
		sum.Unchanged++
		return q.TouchKBPage(ctx, r.URL, r.Status, now)
	case crawl.Gone, crawl.Dropped:
		if !known {
			sum.Skipped++
			return nil
		}
		if err := q.DeleteKBPage(ctx, r.URL); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		delete(refs, r.URL)
		sum.Removed++
		s.log.Info("knowledge-base page removed", "url", r.URL, "reason", r.Err)
		if s.hooks.OnPageRemoved != nil {
			if err := s.hooks.OnPageRemoved(ctx, r.URL); err != nil {
				sum.HookErrors++
				s.log.Warn("knowledge-base removal hook failed", "url", r.URL, "err", err)
			}
		}
		return nil
	default:
		return s.pageError(ctx, srcID, r, r.Err.Error(), sum)
	}
}

func (s *Service) pageError(ctx context.Context, srcID int64, r crawl.Result, msg string, sum *Summary) error {
	sum.Errors++
	return s.db.Q().RecordKBPageError(ctx, store.KBPage{SourceID: srcID, URL: r.URL, Path: crawl.PathOf(r.URL),
		Status: r.Status, Error: msg, CrawledAt: s.now()})
}

// changed calls OnPageChanged with the page as stored.
func (s *Service) changed(ctx context.Context, pageURL string, sum *Summary) error {
	if s.hooks.OnPageChanged == nil {
		return nil
	}
	p, err := s.db.Q().KBPageByURL(ctx, pageURL)
	if err != nil {
		return err
	}
	if p.Excluded {
		return nil
	}
	if err := s.hooks.OnPageChanged(ctx, p); err != nil {
		sum.HookErrors++
		s.log.Warn("knowledge-base change hook failed", "url", pageURL, "err", err)
	}
	return nil
}

func contentHash(title, html string) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(html))
	return hex.EncodeToString(h.Sum(nil))
}

// ImportSummary describes an import.
type ImportSummary struct {
	Pages, New, Updated, Unchanged, HookErrors int
}

func (s ImportSummary) String() string {
	return fmt.Sprintf("%d pages: %d new, %d updated, %d unchanged", s.Pages, s.New, s.Updated, s.Unchanged)
}

// MaxImportLine is the longest JSON line Import accepts.
const MaxImportLine = 32 << 20

// importLine is one line of a JSON Lines file; other fields are ignored.
type importLine struct {
	URL   *string `json:"url"`
	Title string  `json:"title"`
	HTML  *string `json:"html"`
}

// LineError names the line of an import file that is wrong.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Import reads JSON Lines {"url","title","html"} (other fields allowed,
// blank lines skipped) and stores every page in one transaction: a bad
// line, or a page whose host is not one of the policy's sources, stores
// nothing and is named in the error (*LineError). Importing
// the same file again changes nothing; a changed page is updated. A page
// without a title gets its first <h1> or <title>.
func (s *Service) Import(ctx context.Context, r io.Reader) (ImportSummary, error) {
	type page struct {
		url, site, title, html string
	}
	var pages []page
	lineOf := map[string]int{}
	pol, err := s.policy()
	if err != nil {
		return ImportSummary{}, err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxImportLine)
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var l importLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			return ImportSummary{}, &LineError{n, "not a JSON object: " + err.Error()}
		}
		if l.URL == nil || strings.TrimSpace(*l.URL) == "" {
			return ImportSummary{}, &LineError{n, `"url" is missing`}
		}
		if l.HTML == nil || strings.TrimSpace(*l.HTML) == "" {
			return ImportSummary{}, &LineError{n, `"html" is missing or empty`}
		}
		norm, err := crawl.Normalise(*l.URL)
		if err != nil {
			return ImportSummary{}, &LineError{n, `"url": ` + err.Error()}
		}
		if err := pol.CheckSource(System, norm); err != nil {
			return ImportSummary{}, &LineError{n, err.Error()}
		}
		if prev, dup := lineOf[norm]; dup {
			return ImportSummary{}, &LineError{n, fmt.Sprintf("url %s is already on line %d", norm, prev)}
		}
		lineOf[norm] = n
		html := cleanText(*l.HTML)
		title := strings.Join(strings.Fields(cleanText(l.Title)), " ")
		if title == "" {
			title = crawl.PageTitle(html)
		}
		u, _ := url.Parse(norm)
		pages = append(pages, page{url: norm, site: crawl.Origin(u), title: title, html: html})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return ImportSummary{}, &LineError{n + 1, fmt.Sprintf("longer than %d bytes", MaxImportLine)}
		}
		return ImportSummary{}, fmt.Errorf("read import file: %w", err)
	}

	var sum ImportSummary
	var changed []string
	now := s.now()
	err = s.db.Tx(ctx, func(q *store.Q) error {
		sum, changed = ImportSummary{}, nil
		refs, err := q.KBPageRefs(ctx, 0)
		if err != nil {
			return err
		}
		sources := map[string]int64{}
		for _, p := range pages {
			src, ok := sources[p.site]
			if !ok {
				if src, err = q.EnsureKBSource(ctx, p.site, now); err != nil {
					return err
				}
				sources[p.site] = src
			}
			hash := contentHash(p.title, p.html)
			sum.Pages++
			ref, known := refs[p.url]
			switch {
			case !known:
				sum.New++
			case ref.ContentHash != hash:
				sum.Updated++
			default:
				sum.Unchanged++
				continue
			}
			if err := q.UpsertKBPage(ctx, store.KBPage{SourceID: src, URL: p.url, Path: crawl.PathOf(p.url), Title: p.title,
				HTML: p.html, ContentHash: hash, CrawledAt: now, ChangedAt: now}); err != nil {
				return err
			}
			changed = append(changed, p.url)
		}
		return nil
	})
	if err != nil {
		return ImportSummary{}, err
	}
	for _, u := range changed {
		hs := Summary{}
		if err := s.changed(ctx, u, &hs); err != nil {
			return sum, err
		}
		sum.HookErrors += hs.HookErrors
	}
	s.log.Info("knowledge-base import finished", "pages", sum.Pages, "new", sum.New, "updated", sum.Updated, "unchanged", sum.Unchanged)
	return sum, nil
}

// cleanText makes s storable in both databases: valid UTF-8, no NUL.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// ExcludePath keeps pages under prefix (a path such as /news; see
// crawl.NormalisePrefix) out of answers and out of future crawls, on
// behalf of actor (a pseudonymous id such as user:12). The change and its
// audit entry commit together; then OnPageRemoved is called for each page
// that left the answerable set. A path that cannot be used is a
// fail.Invalid error about the field "prefix"; a path already excluded is a
// fail.Conflict about it, wrapping store.ErrConflict.
func (s *Service) ExcludePath(ctx context.Context, actor, prefix string) (ExcludedPath, error) {
	p, err := crawl.NormalisePrefix(prefix)
	if err != nil {
		return ExcludedPath{}, fail.Wrap(fail.Invalid, "prefix", err)
	}
	var e ExcludedPath
	changed, err := s.changeExclusions(ctx, func(q *store.Q) (string, error) {
		var aerr error
		e, aerr = q.AddKBExcludedPath(ctx, p, actor, s.now())
		return "kb.exclude_path", aerr
	}, actor, &e)
	if errors.Is(err, store.ErrConflict) {
		return ExcludedPath{}, &fail.Error{Kind: fail.Conflict, Field: "prefix", Msg: "the path " + p + " is already excluded", Err: err}
	}
	if err != nil {
		return ExcludedPath{}, err
	}
	s.followExclusions(ctx, changed)
	return e, nil
}

// IncludePath removes the excluded path id; pages under it are answered
// from again (OnPageChanged). store.ErrNotFound when there is no such path.
func (s *Service) IncludePath(ctx context.Context, actor string, id int64) (ExcludedPath, error) {
	var e ExcludedPath
	changed, err := s.changeExclusions(ctx, func(q *store.Q) (string, error) {
		var err error
		e, err = q.DeleteKBExcludedPath(ctx, id)
		return "kb.include_path", err
	}, actor, &e)
	if err != nil {
		return ExcludedPath{}, err
	}
	s.followExclusions(ctx, changed)
	return e, nil
}

// changeExclusions runs change and its audit entry in one transaction and
// returns the pages whose excluded flag flipped (URL -> now excluded).
func (s *Service) changeExclusions(ctx context.Context, change func(q *store.Q) (string, error), actor string,
	e *store.KBExcludedPath) (map[string]bool, error) {
	if s.audit == nil {
		return nil, errors.New("kb: excluded paths need an audit log (Options.Audit)")
	}
	var flipped map[string]bool
	err := s.db.Tx(ctx, func(q *store.Q) error {
		flipped = map[string]bool{}
		before, err := q.KBPageRefs(ctx, 0)
		if err != nil {
			return err
		}
		action, err := change(q)
		if err != nil {
			return err
		}
		after, err := q.KBPageRefs(ctx, 0)
		if err != nil {
			return err
		}
		for u, r := range after {
			if before[u].Excluded != r.Excluded {
				flipped[u] = r.Excluded
			}
		}
		_, err = s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: action,
			Object: "kb_excluded_path:" + strconv.FormatInt(e.ID, 10), Purpose: "service_configuration", Outcome: audit.Success})
		return err
	})
	return flipped, err
}

func (s *Service) followExclusions(ctx context.Context, flipped map[string]bool) {
	urls := make([]string, 0, len(flipped))
	for u := range flipped {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	for _, u := range urls {
		var err error
		switch {
		case flipped[u] && s.hooks.OnPageRemoved != nil:
			err = s.hooks.OnPageRemoved(ctx, u)
		case !flipped[u] && s.hooks.OnPageChanged != nil:
			var p store.KBPage
			if p, err = s.db.Q().KBPageByURL(ctx, u); err == nil && p.HTML != "" {
				err = s.hooks.OnPageChanged(ctx, p)
			}
		}
		if err != nil {
			s.log.Warn("knowledge-base exclusion hook failed", "url", u, "err", err)
		}
	}
}
