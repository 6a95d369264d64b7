package kb

import (
	"context"

	"github.com/fairline/fairline/internal/store"
)

// The knowledge-base records callers above the store read through this
// package: the console sees kb's names, and only kb (and the chatbot that
// answers from it) speaks to the store about pages, sources and exclusions.
type (
	// Page is a stored page: its text, or why it could not be fetched.
	Page = store.KBPage
	// PageFilter selects and pages through Pages.
	PageFilter = store.KBPageFilter
	// Source is a site the knowledge base was crawled or imported from.
	Source = store.KBSource
	// ExcludedPath is a path prefix staff keep out of answers.
	ExcludedPath = store.KBExcludedPath
	// Counts are the numbers of pages with content, with errors and excluded.
	Counts = store.KBCounts
)

// Counts counts the pages with content, with errors and excluded.
func (s *Service) Counts(ctx context.Context) (Counts, error) { return s.db.Q().CountKBPages(ctx) }

// Sources lists the sites pages came from, with their last crawl.
func (s *Service) Sources(ctx context.Context) ([]Source, error) { return s.db.Q().KBSources(ctx) }

// ExcludedPaths lists the path prefixes kept out of answers.
func (s *Service) ExcludedPaths(ctx context.Context) ([]ExcludedPath, error) {
	return s.db.Q().KBExcludedPaths(ctx)
}

// Pages lists stored pages (without their HTML) as f selects.
func (s *Service) Pages(ctx context.Context, f PageFilter) ([]Page, error) {
	return s.db.Q().KBPages(ctx, f)
}
