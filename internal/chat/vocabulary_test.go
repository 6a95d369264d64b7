package chat

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/fail"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/dbtest"
)

func TestDefaultVocabularyFollowsPolicy(t *testing.T) {
	f := newFixture(t, dbtest.Open(t, store.SQLite))
	v, err := f.svc.Vocabulary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.AreaRulesUpdatedBy != "" || v.SynonymsUpdatedBy != "" {
		t.Errorf("untouched vocabulary reports an editor: %+v", v)
	}
	// The shipped rules name only the policy's chatbot areas: Leicestershire's districts, not
	// the county, deal with council tax and housing.
	for _, area := range []string{"adult-social-care:", "libraries-and-culture:", "registration:"} {
		if !strings.Contains(v.AreaRules, area) {
			t.Errorf("default rules lack %s", area)
		}
	}
	for _, area := range []string{"council-tax-and-benefits:", "housing:"} {
		if strings.Contains(v.AreaRules, area) {
			t.Errorf("default rules name %s, which the policy does not have", area)
		}
	}
}

func TestUpdateVocabulary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if r := mustAsk(t, f.svc, "How do I apply for a blue badge?", false); r.ServiceArea != "adult-social-care" {
			t.Fatalf("blue badge page in %q before the edit", r.ServiceArea)
		}
		if r := mustAsk(t, f.svc, "how do I get a zorbleflex", false); r.Handoff == nil {
			t.Fatalf("an unknown word was answered before the edit: %+v", r)
		}
		before, _ := f.svc.Vocabulary(ctx)

		// Wrong edits name the part and the line, and store nothing.
		for _, tc := range []struct {
			v           Vocabulary
			field, want string
		}{
			{Vocabulary{AreaRules: "housing: /housing | tenancy", Synonyms: before.Synonyms}, "area_rules", "housing is not a service area of the policy"},
			{Vocabulary{AreaRules: "trading-standards: /x | y\nnot a rule", Synonyms: before.Synonyms}, "area_rules", "line 2"},
			{Vocabulary{AreaRules: before.AreaRules, Synonyms: "bin, refuse\njust one"}, "synonyms", "line 2"},
			{Vocabulary{AreaRules: before.AreaRules, Synonyms: strings.Repeat("bin, refuse\n", 30000)}, "synonyms", "at most 256 KB"},
		} {
			err := f.svc.UpdateVocabulary(ctx, "user:1", tc.v)
			var ve *fail.Error
			if !errors.As(err, &ve) || ve.Kind != fail.Invalid || ve.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("UpdateVocabulary = %v, want a %s error containing %q", err, tc.field, tc.want)
			}
		}
		if after, _ := f.svc.Vocabulary(ctx); after != before {
			t.Fatal("a refused edit changed the vocabulary")
		}

		// A good edit reclassifies every page and changes what questions find.
		v := Vocabulary{
			AreaRules: "# Only one rule now.\ntrading-standards: /adult-health-and-social-care/travel-passes-and-support/blue-badges | blue badge\n",
			Synonyms:  before.Synonyms + "\nzorbleflex, blue badge\n",
		}
		if err := f.svc.UpdateVocabulary(ctx, "user:1", v); err != nil {
			t.Fatal(err)
		}
		if r := mustAsk(t, f.svc, "How do I apply for a blue badge?", false); r.ServiceArea != "trading-standards" {
			t.Errorf("after the edit the blue badge page is in %q, want trading-standards", r.ServiceArea)
		}
		if r := mustAsk(t, f.svc, "how do I get a zorbleflex", false); r.Handoff != nil || len(r.Sources) == 0 || !strings.Contains(r.Sources[0].URL, "blue-badge") {
			t.Errorf("the new synonym does not find the blue badge page: %+v", r)
		}
		got, err := f.svc.Vocabulary(ctx)
		if err != nil || got.AreaRules != v.AreaRules || got.Synonyms != v.Synonyms || got.AreaRulesUpdatedBy != "user:1" {
			t.Errorf("stored vocabulary = %+v, %v", got, err)
		}
		if es, err := db.Q().AuditEntries(ctx, store.AuditFilter{Action: "kb.vocabulary.update", Limit: 500}); err != nil || len(es) != 1 {
			t.Errorf("%d audit entries for the edit (%v), want 1", len(es), err)
		}
	})
}

func TestSetPageArea(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		const url = "https://demo.localgov.example/adult-health-and-social-care/travel-passes-and-support/blue-badges/apply-blue-badge"
		pa, err := f.svc.PageArea(ctx, url)
		if err != nil || pa.Classified != "adult-social-care" || pa.Set != "" {
			t.Fatalf("PageArea = %+v, %v", pa, err)
		}
		if err := f.svc.SetPageArea(ctx, "user:1", url, "housing"); !errors.Is(err, ErrUnknownArea) {
			t.Errorf("an area outside the policy: %v", err)
		}
		if err := f.svc.SetPageArea(ctx, "user:1", url+"/nope", "registration"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown page: %v", err)
		}
		if err := f.svc.SetPageArea(ctx, "user:1", url, "registration"); err != nil {
			t.Fatal(err)
		}
		// The answer and its counts follow at once, without a rebuild.
		if r, _ := f.svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"}); r.ServiceArea != "registration" {
			t.Errorf("after setting the area the answer is in %q", r.ServiceArea)
		}
		if pa, _ := f.svc.PageArea(ctx, url); pa.Set != "registration" || pa.Classified != "adult-social-care" {
			t.Errorf("PageArea after setting = %+v", pa)
		}
		// Back under the rules.
		if err := f.svc.SetPageArea(ctx, "user:1", url, ""); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.svc.Ask(ctx, Request{Message: "How do I apply for a blue badge?"}); r.ServiceArea != "adult-social-care" {
			t.Errorf("back under the rules the answer is in %q", r.ServiceArea)
		}
		if es, err := db.Q().AuditEntries(ctx, store.AuditFilter{Action: "kb.page.area", Limit: 500}); err != nil || len(es) != 2 {
			t.Errorf("%d audit entries (%v), want 2", len(es), err)
		}
	})
}
