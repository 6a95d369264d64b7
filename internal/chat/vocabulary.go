package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fairline/fairline/internal/audit"
	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/kb/extract"
	"github.com/fairline/fairline/internal/search"
	"github.com/fairline/fairline/internal/store"
)

// Vocabulary is the staff-edited language of the chatbot's search, in the
// text forms staff write: the rules that classify pages into the policy's
// service areas (extract.ParseRules) and the synonym groups
// (search.ParseSynonyms). A part staff have not edited holds the shipped
// defaults, and its UpdatedBy is empty.
type Vocabulary struct {
	AreaRules, Synonyms                   string
	AreaRulesUpdatedBy, SynonymsUpdatedBy string
	AreaRulesUpdatedAt, SynonymsUpdatedAt time.Time
}

// areaIDs are the service areas pages may be classified into: the policy's
// areas of the chatbot.
func (s *Service) areaIDs() []string {
	sys, ok := s.policy().System(System)
	if !ok {
		return nil
	}
	ids := make([]string, len(sys.ServiceAreas))
	for i, a := range sys.ServiceAreas {
		ids[i] = a.ID
	}
	return ids
}

// defaultVocabulary is what ships: the default rules for the areas this
// policy has, and the default synonyms.
func (s *Service) defaultVocabulary() Vocabulary {
	return Vocabulary{
		AreaRules: extract.FormatRules(extract.OnlyAreas(extract.DefaultRules(), s.areaIDs())),
		Synonyms:  search.DefaultSynonyms().String(),
	}
}

// Vocabulary returns the vocabulary in force.
func (s *Service) Vocabulary(ctx context.Context) (Vocabulary, error) {
	v := s.defaultVocabulary()
	q := s.db.Q()
	switch r, err := q.KBVocabulary(ctx, store.VocabAreaRules); {
	case err == nil:
		v.AreaRules, v.AreaRulesUpdatedBy, v.AreaRulesUpdatedAt = r.Body, r.UpdatedBy, r.UpdatedAt
	case !errors.Is(err, store.ErrNotFound):
		return Vocabulary{}, err
	}
	switch r, err := q.KBVocabulary(ctx, store.VocabSynonyms); {
	case err == nil:
		v.Synonyms, v.SynonymsUpdatedBy, v.SynonymsUpdatedAt = r.Body, r.UpdatedBy, r.UpdatedAt
	case !errors.Is(err, store.ErrNotFound):
		return Vocabulary{}, err
	}
	return v, nil
}

// maxSynonymsText bounds the synonyms staff can save: far above a council's
// vocabulary, far below what would slow every search.
const maxSynonymsText = 256 << 10

// compile parses and checks v against the policy. Each part is parsed
// whatever the other's fate, so a caller can keep the good one.
func (s *Service) compile(v Vocabulary) ([]extract.Rule, *search.Synonyms, error) {
	rules, rerr := extract.ParseRules(v.AreaRules)
	if rerr == nil {
		rerr = extract.CheckAreas(rules, s.areaIDs())
	}
	var syn *search.Synonyms
	serr := fmt.Errorf("the synonyms are %d KB; at most %d KB", len(v.Synonyms)>>10, maxSynonymsText>>10)
	if len(v.Synonyms) <= maxSynonymsText {
		syn, serr = search.ParseSynonyms(v.Synonyms)
	}
	switch {
	case rerr != nil:
		return rules, syn, fail.Wrap(fail.Invalid, "area_rules", rerr)
	case serr != nil:
		return rules, nil, fail.Wrap(fail.Invalid, "synonyms", serr)
	}
	return rules, syn, nil
}

// UpdateVocabulary checks both texts, stores them with an audit entry, and
// rebuilds the index with them (every page is classified again). A wrong
// text is a fail.Invalid error naming its field ("area_rules" or
// "synonyms"); nothing is stored then.
func (s *Service) UpdateVocabulary(ctx context.Context, actor string, v Vocabulary) error {
	if _, _, err := s.compile(v); err != nil {
		return err
	}
	now := s.now()
	err := s.db.Tx(ctx, func(q *store.Q) error {
		for _, part := range []store.KBVocabulary{
			{Kind: store.VocabAreaRules, Body: v.AreaRules, UpdatedBy: actor, UpdatedAt: now},
			{Kind: store.VocabSynonyms, Body: v.Synonyms, UpdatedBy: actor, UpdatedAt: now},
		} {
			if err := q.SetKBVocabulary(ctx, part); err != nil {
				return err
			}
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "kb.vocabulary.update", Object: "kb_vocabulary",
			Purpose: "service-reporting", Outcome: audit.Success})
		return err
	})
	if err != nil {
		return fmt.Errorf("save the search vocabulary: %w", err)
	}
	return s.LoadIndex(ctx)
}

// PageArea is how a knowledge-base page is classified: by the rules
// (Classified), and the area staff set for it (Set, "" when the rules
// decide). The page's answers and reports use Set when it is not empty.
//
// Excluded and Freshness say what the chatbot leaves out of the page's
// passages (alert and notice blocks, blocks repeated across the site) and
// whether it ranks the page lower as a news item or an old page, and why.
type PageArea struct {
	Page       store.KBPage
	Classified string
	Set        string
	Excluded   []search.Excluded
	Freshness  search.Freshness
}

// PageArea classifies the stored page at url with the rules in force.
func (s *Service) PageArea(ctx context.Context, url string) (PageArea, error) {
	p, err := s.db.Q().KBPageByURL(ctx, url)
	if err != nil {
		return PageArea{}, err
	}
	ix, err := s.index(ctx) // the index build loads the rules and the repeated blocks
	if err != nil {
		return PageArea{}, err
	}
	pa := PageArea{Page: p, Set: p.ServiceArea}
	if d, err := search.DocFromHTML(p.URL, p.Title, p.HTML, s.classifier.Load()); err == nil {
		pa.Classified = d.Area
		d = s.boiler.Load().Strip(d)
		pa.Excluded, pa.Freshness = d.Excluded, ix.Freshness(d)
	}
	return pa, nil
}

// ErrUnknownArea means a service area that is not one of the policy's
// chatbot areas.
var ErrUnknownArea = fail.Field("area", "not a service area of the policy")

// SetPageArea puts the page at url in area whatever the rules say, or back
// under the rules when area is "". It is audited, and the page is indexed
// again at once.
func (s *Service) SetPageArea(ctx context.Context, actor, url, area string) error {
	if area != "" && !slices.Contains(s.areaIDs(), area) {
		return fmt.Errorf("%w: %q", ErrUnknownArea, area)
	}
	p, err := s.db.Q().KBPageByURL(ctx, url)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q *store.Q) error {
		if err := q.SetKBPageServiceArea(ctx, url, area); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, q, audit.Entry{Actor: actor, Action: "kb.page.area", Object: fmt.Sprintf("kb_page:%d", p.ID),
			Purpose: "service-reporting", Outcome: audit.Success})
		return err
	})
	if err != nil {
		return err
	}
	return s.CatchUp(ctx)
}
