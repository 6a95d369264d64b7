package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestKBPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := db.Q()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		src, err := q.EnsureKBSource(ctx, "https://www.example-council.gov.uk", now)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := q.EnsureKBSource(ctx, "https://www.example-council.gov.uk", now.Add(time.Hour)); err != nil || again != src {
			t.Fatalf("EnsureKBSource again = %d, %v; want %d", again, err, src)
		}
		page := store.KBPage{SourceID: src, URL: "https://www.example-council.gov.uk/bins", Path: "/bins", Title: "Bins",
			HTML: "<main><h1>Bins</h1></main>", ETag: `"v1"`, LastModified: "Mon, 23 Nov 2026 08:00:00 GMT", Status: 200,
			ContentHash: "h1", CrawledAt: now, ChangedAt: now}
		if err := q.UpsertKBPage(ctx, page); err != nil {
			t.Fatal(err)
		}
		got, err := q.KBPageByURL(ctx, page.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Bins" || got.HTML != page.HTML || got.ETag != `"v1"` || got.Status != 200 || got.Excluded ||
			!got.CrawledAt.Equal(now) || !got.CreatedAt.Equal(now) || got.SourceID != src {
			t.Errorf("stored page = %+v", got)
		}

		// An error keeps the content; a later good fetch clears the error.
		later := now.Add(time.Hour)
		if err := q.RecordKBPageError(ctx, store.KBPage{SourceID: src, URL: page.URL, Path: page.Path, Status: 503,
			Error: "server answered 503", CrawledAt: later}); err != nil {
			t.Fatal(err)
		}
		got, _ = q.KBPageByURL(ctx, page.URL)
		if got.Error != "server answered 503" || got.Status != 503 || got.HTML != page.HTML || !got.CrawledAt.Equal(later) {
			t.Errorf("after error: %+v", got)
		}
		if err := q.TouchKBPage(ctx, page.URL, 304, later.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = q.KBPageByURL(ctx, page.URL)
		if got.Error != "" || got.Status != 304 || got.HTML != page.HTML {
			t.Errorf("after 304: %+v", got)
		}
		if err := q.TouchKBPage(ctx, page.URL+"/nope", 304, later); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("touch missing page: %v", err)
		}

		// Update replaces content and validators, keeps created_at and the service area.
		if err := q.SetKBPageServiceArea(ctx, page.URL, "waste"); err != nil {
			t.Fatal(err)
		}
		page.HTML, page.ETag, page.ContentHash, page.CrawledAt, page.ChangedAt = "<main>new</main>", `"v2"`, "h2", later, later
		if err := q.UpsertKBPage(ctx, page); err != nil {
			t.Fatal(err)
		}
		got, _ = q.KBPageByURL(ctx, page.URL)
		if got.HTML != "<main>new</main>" || got.ETag != `"v2"` || !got.CreatedAt.Equal(now) || got.ServiceArea != "waste" {
			t.Errorf("after update: %+v", got)
		}

		// An unknown URL that fails is listed with its error and no content.
		broken := store.KBPage{SourceID: src, URL: "https://www.example-council.gov.uk/broken", Path: "/broken", Status: 500,
			Error: "server answered 500", CrawledAt: later}
		if err := q.RecordKBPageError(ctx, broken); err != nil {
			t.Fatal(err)
		}
		if err := q.RecordKBPageError(ctx, store.KBPage{SourceID: src, URL: "x", Path: "/x"}); err == nil {
			t.Error("an error without a message was accepted")
		}
		c, err := q.CountKBPages(ctx)
		if err != nil || c != (store.KBCounts{Pages: 1, Errors: 1}) {
			t.Errorf("counts = %+v, %v", c, err)
		}
		list, err := q.KBPages(ctx, store.KBPageFilter{ErrorsOnly: true})
		if err != nil || len(list) != 1 || list[0].URL != broken.URL || list[0].HTML != "" {
			t.Errorf("errors only = %+v, %v", list, err)
		}
		var each []string
		if err := q.EachKBPage(ctx, func(p store.KBPage) error { each = append(each, p.URL+" "+p.HTML); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(each) != 1 || each[0] != page.URL+" <main>new</main>" {
			t.Errorf("EachKBPage = %q (pages without content must be skipped)", each)
		}
		refs, err := q.KBPageRefs(ctx, src)
		if err != nil || len(refs) != 2 || refs[page.URL].ETag != `"v2"` || refs[page.URL].ContentHash != "h2" {
			t.Errorf("refs = %+v, %v", refs, err)
		}
		if refs, _ := q.KBPageRefs(ctx, src+100); len(refs) != 0 {
			t.Errorf("refs of another source = %+v", refs)
		}

		if err := q.DeleteKBPage(ctx, page.URL); err != nil {
			t.Fatal(err)
		}
		if _, err := q.KBPageByURL(ctx, page.URL); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted page: %v", err)
		}
		if err := q.DeleteKBPage(ctx, page.URL); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}

		if err := q.StartKBCrawl(ctx, src, now); err != nil {
			t.Fatal(err)
		}
		if err := q.FinishKBCrawl(ctx, src, later, "102 fetched"); err != nil {
			t.Fatal(err)
		}
		srcs, err := q.KBSources(ctx)
		if err != nil || len(srcs) != 1 || srcs[0].LastSummary != "102 fetched" || !srcs[0].LastCrawlFinishedAt.Equal(later) {
			t.Errorf("sources = %+v, %v", srcs, err)
		}
		if err := q.FinishKBCrawl(ctx, src+100, later, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("finish missing source: %v", err)
		}
	})
}

func TestKBExcludedPaths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := db.Q()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		src, err := q.EnsureKBSource(ctx, "https://c.example", now)
		if err != nil {
			t.Fatal(err)
		}
		paths := []string{"/news", "/news/2026/bins", "/newsletter", "/bins", "/a_b", "/a%b"}
		for _, p := range paths {
			if err := q.UpsertKBPage(ctx, store.KBPage{SourceID: src, URL: "https://c.example" + p, Path: p,
				HTML: "<p>x</p>", CrawledAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		excluded := func() map[string]bool {
			t.Helper()
			ps, err := q.KBPages(ctx, store.KBPageFilter{})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]bool{}
			for _, p := range ps {
				if p.Excluded {
					m[p.Path] = true
				}
			}
			return m
		}
		e, err := q.AddKBExcludedPath(ctx, "/news", "user:1", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.AddKBExcludedPath(ctx, "/news", "user:2", now); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate prefix: %v, want ErrConflict", err)
		}
		if _, err := q.AddKBExcludedPath(ctx, "news", "user:2", now); err == nil {
			t.Error("a prefix without / was accepted")
		}
		// LIKE wildcards in a prefix must not match other paths.
		if _, err := q.AddKBExcludedPath(ctx, "/a_", "user:1", now); err != nil {
			t.Fatal(err)
		}
		got := excluded()
		if !got["/news"] || !got["/news/2026/bins"] || got["/newsletter"] || got["/bins"] || got["/a_b"] || got["/a%b"] {
			t.Errorf("excluded after adding /news = %v", got)
		}
		// A page saved later under an excluded path is excluded at once.
		if err := q.UpsertKBPage(ctx, store.KBPage{SourceID: src, URL: "https://c.example/news/new", Path: "/news/new",
			HTML: "<p>x</p>", CrawledAt: now}); err != nil {
			t.Fatal(err)
		}
		if p, _ := q.KBPageByURL(ctx, "https://c.example/news/new"); !p.Excluded {
			t.Error("new page under /news is not excluded")
		}
		c, _ := q.CountKBPages(ctx)
		if c.Excluded != 3 {
			t.Errorf("excluded count = %d, want 3", c.Excluded)
		}
		var answerable int
		q.EachKBPage(ctx, func(store.KBPage) error { answerable++; return nil })
		if answerable != len(paths)+1-3 {
			t.Errorf("answerable pages = %d, want %d", answerable, len(paths)+1-3)
		}
		list, err := q.KBExcludedPaths(ctx)
		if err != nil || len(list) != 2 || list[1].Prefix != "/news" || list[1].CreatedBy != "user:1" || !list[1].CreatedAt.Equal(now) {
			t.Errorf("excluded paths = %+v, %v", list, err)
		}
		gone, err := q.DeleteKBExcludedPath(ctx, e.ID)
		if err != nil || gone.Prefix != "/news" {
			t.Fatalf("delete = %+v, %v", gone, err)
		}
		if got := excluded(); len(got) != 0 {
			t.Errorf("still excluded after removing /news: %v", got)
		}
		if _, err := q.DeleteKBExcludedPath(ctx, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	})
}
