package chat

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"slices"
	"time"

	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
)

// The search index follows the knowledge base: built from the stored pages
// (store.EachKBPage) on first use or by LoadIndex, then kept current from
// the knowledge base's change log (store.KBChangesSince), which the
// database writes with every change, whoever makes it: this instance (its
// hooks catch up at once, after each commit), another serve instance on the
// same database, or a CLI `kb import`/`kb crawl` (Watch catches up every
// few seconds). One path applies every change, so the two cannot disagree.

// changeBatch bounds the changes read at once; more than this since the
// last catch-up is cheaper to apply as a rebuild.
const changeBatch = 2000

// index returns the index, building it on first use.
func (s *Service) index(ctx context.Context) (*search.Index, error) {
	if ix := s.ix.Load(); ix != nil {
		return ix, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if ix := s.ix.Load(); ix != nil {
		return ix, nil
	}
	if err := s.rebuildLocked(ctx); err != nil {
		return nil, err
	}
	return s.ix.Load(), nil
}

// LoadIndex (re)builds the index from the knowledge base.
func (s *Service) LoadIndex(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	return s.rebuildLocked(ctx)
}

// rebuildLocked builds the index from every stored page. The version is read
// first: a change committed during the build is then applied again by the
// next catch-up, never missed.
func (s *Service) rebuildLocked(ctx context.Context) error {
	v, err := s.db.Q().KBVersion(ctx)
	if err != nil {
		return err
	}
	ix, err := s.build(ctx)
	if err != nil {
		return err
	}
	if err := s.loadHints(ctx, ix); err != nil {
		return err
	}
	s.ix.Store(ix)
	s.version = v
	s.cache.clear()
	return nil
}

func (s *Service) build(ctx context.Context) (*search.Index, error) {
	v, err := s.Vocabulary(ctx)
	if err != nil {
		return nil, err
	}
	rules, syn, err := s.compile(v)
	if err != nil {
		// Stored text was valid when saved; a policy change since may have
		// dropped an area it names. Answer with what still fits.
		s.log.Warn("the stored search vocabulary no longer fits the policy; rules for unknown areas are ignored", "err", err)
		rules = extract.OnlyAreas(rules, s.areaIDs()) // syn is nil (the defaults) if it was the part at fault
	}
	c, err := extract.NewClassifier(rules)
	if err != nil {
		return nil, err
	}
	s.classifier.Store(c)
	ix := search.New(search.Options{Synonyms: syn, Now: s.now})
	var docs []search.Doc
	err = s.db.Q().EachKBPage(ctx, func(p store.KBPage) error {
		if d, err := s.rawDoc(p); err == nil {
			docs = append(docs, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Blocks repeated across the site (banners, notices) are found over every page at once,
	// here only: a catch-up applies this set to the pages it changes, so that one edited page
	// cannot make the set flicker.
	bp := search.FindBoilerplate(docs)
	s.boiler.Store(bp)
	for i := range docs {
		docs[i] = bp.Strip(docs[i])
	}
	ix.Add(docs...)
	pages, passages := ix.Len()
	s.log.Info("chat index built", "pages", pages, "passages", passages, "repeated_blocks", bp.Len())
	return ix, nil
}

// doc extracts a page's passages without the blocks repeated across the site
// (as found by the last full build).
func (s *Service) doc(p store.KBPage) (search.Doc, error) {
	d, err := s.rawDoc(p)
	if err != nil {
		return d, err
	}
	return s.boiler.Load().Strip(d), nil
}

// rawDoc extracts a page's passages; a service area set on the page (by staff)
// wins over the classifier's.
func (s *Service) rawDoc(p store.KBPage) (search.Doc, error) {
	d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, s.classifier.Load())
	if err != nil {
		return d, err
	}
	if p.ServiceArea != "" {
		d.Area = p.ServiceArea
	}
	return d, nil
}

// CatchUp applies to the index every knowledge-base change committed since
// the version it reflects: each changed page is read again as stored now,
// and the hints when they changed (hints.go). A vocabulary change, or more
// changes than the log still holds, rebuilds it.
// Before the index is first used there is nothing to do: the build reads the
// pages.
func (s *Service) CatchUp(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	ix := s.ix.Load()
	if ix == nil {
		return nil
	}
	q := s.db.Q()
	latest, err := q.KBVersion(ctx)
	if err != nil || latest == s.version {
		return err
	}
	changes, err := q.KBChangesSince(ctx, s.version, changeBatch)
	if err != nil {
		return err
	}
	if len(changes) == 0 || len(changes) == changeBatch || changes[0].Version != s.version+1 ||
		slices.ContainsFunc(changes, func(c store.KBChange) bool { return c.URL == "" && !c.Hints }) {
		s.log.Info("rebuilding the chat index for knowledge-base changes", "from_version", s.version,
			"to_version", latest)
		return s.rebuildLocked(ctx)
	}
	defer s.cache.clear()
	seen := map[string]bool{}
	hints := false
	for _, c := range changes {
		if c.Hints {
			hints = true // read once, after the pages
			continue
		}
		if seen[c.URL] {
			continue
		}
		seen[c.URL] = true
		p, err := q.KBPageByURL(ctx, c.URL)
		switch {
		case errors.Is(err, store.ErrNotFound):
			ix.Remove(c.URL)
			continue
		case err != nil:
			return err // s.version unchanged: the next catch-up starts here again
		}
		if p.Excluded || p.HTML == "" {
			ix.Remove(p.URL)
			continue
		}
		d, err := s.doc(p)
		if err != nil {
			ix.Remove(p.URL) // no text left to quote
			continue
		}
		ix.Add(d)
	}
	if hints {
		if err := s.loadHints(ctx, ix); err != nil {
			return err
		}
	}
	s.version = changes[len(changes)-1].Version
	return nil
}

// Watch catches up with changes made elsewhere every interval until ctx
// ends. A failed catch-up is logged and tried again at the next tick.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("could not follow knowledge-base changes; trying again", "err", err)
			}
		}
	}
}

// Hooks are the knowledge-base hooks that keep this instance's index
// current as soon as its own changes commit.
func (s *Service) Hooks() kb.Hooks {
	return kb.Hooks{
		OnPageChanged: func(ctx context.Context, _ store.KBPage) error { return s.CatchUp(ctx) },
		OnPageRemoved: func(ctx context.Context, _ string) error { return s.CatchUp(ctx) },
	}
}

// demoPages is the LocalGov Drupal demo site (demo/README.md).
//
//go:embed demo/pages.jsonl
var demoPages []byte

// DemoSource is the demo site as a chatbot source. Its host is not a
// council's: the knowledge base takes the demo pages only under a policy
// that declares it (WithDemoSource), and then the notice names it.
var DemoSource = policy.Source{Name: "the LocalGov Drupal demo site (demo.localgov.example)", URL: "https://demo.localgov.example"}

// DemoPolicyName is the Source of a policy with the demo site added.
func DemoPolicyName(p *policy.Policy) string { return p.Source + " + the --demo site" }

// WithDemoSource returns p with DemoSource added to the chatbot's sources
// (systems[chatbot].sources), as `serve --demo` runs: the policy in force,
// its recorded version and the rendered notice all name the demo site.
func WithDemoSource(p *policy.Policy) (*policy.Policy, error) {
	return p.WithSources(DemoPolicyName(p), System, DemoSource)
}

// ImportDemo imports the embedded demo site through k when the knowledge
// base has no pages, so a first `fairline serve --demo` can answer
// something. It reports whether it imported. k's policy must declare
// DemoSource (WithDemoSource), or the import is refused.
func ImportDemo(ctx context.Context, db *store.DB, k *kb.Service) (bool, error) {
	n, err := db.Q().CountKBPages(ctx)
	if err != nil {
		return false, err
	}
	if n.Pages > 0 {
		return false, nil
	}
	if _, err := k.Import(ctx, bytes.NewReader(demoPages)); err != nil {
		return false, err
	}
	return true, nil
}
