package chat

import (
	"bytes"
	"context"
	_ "embed"

	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
)

// The search index follows the knowledge base: built from the stored pages
// (store.EachKBPage) on first use or by LoadIndex, then kept current by
// the knowledge base's hooks (Hooks), which are called after each change
// is committed.

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
	ix, err := s.build(ctx)
	if err != nil {
		return nil, err
	}
	s.ix.Store(ix)
	return ix, nil
}

// LoadIndex (re)builds the index from the knowledge base.
func (s *Service) LoadIndex(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	ix, err := s.build(ctx)
	if err != nil {
		return err
	}
	s.ix.Store(ix)
	s.cache.clear()
	return nil
}

// IndexSize returns the pages and passages indexed (0, 0 before the first
// use).
func (s *Service) IndexSize() (pages, passages int) {
	if ix := s.ix.Load(); ix != nil {
		return ix.Len()
	}
	return 0, 0
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
	ix := search.New(search.Options{Synonyms: syn})
	var docs []search.Doc
	err = s.db.Q().EachKBPage(ctx, func(p store.KBPage) error {
		if d, err := s.doc(p); err == nil {
			docs = append(docs, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ix.Add(docs...)
	pages, passages := ix.Len()
	s.log.Info("chat index built", "pages", pages, "passages", passages)
	return ix, nil
}

// doc extracts a page's passages; a service area set on the page (by staff)
// wins over the classifier's.
func (s *Service) doc(p store.KBPage) (search.Doc, error) {
	d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, s.classifier.Load())
	if err != nil {
		return d, err
	}
	if p.ServiceArea != "" {
		d.Area = p.ServiceArea
	}
	return d, nil
}

// PageChanged updates the index after a page was added or changed.
func (s *Service) PageChanged(_ context.Context, p store.KBPage) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	ix := s.ix.Load()
	if ix == nil {
		return nil // not built yet: the build reads the stored page
	}
	defer s.cache.clear()
	if p.Excluded || p.HTML == "" {
		ix.Remove(p.URL)
		return nil
	}
	d, err := s.doc(p)
	if err != nil {
		ix.Remove(p.URL) // no text left to quote
		return nil
	}
	ix.Add(d)
	return nil
}

// PageRemoved drops a page from the index.
func (s *Service) PageRemoved(_ context.Context, url string) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if ix := s.ix.Load(); ix != nil {
		ix.Remove(url)
		s.cache.clear()
	}
	return nil
}

// Hooks are the knowledge-base hooks that keep the index current.
func (s *Service) Hooks() kb.Hooks {
	return kb.Hooks{OnPageChanged: s.PageChanged, OnPageRemoved: s.PageRemoved}
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
