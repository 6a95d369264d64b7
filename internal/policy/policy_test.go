package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDefaultParses(t *testing.T) {
	p, err := Parse(DefaultName, DefaultYAML())
	if err != nil {
		t.Fatalf("embedded default policy does not parse:\n%v", err)
	}
	if p.Source != DefaultName {
		t.Errorf("Source = %q, want %q", p.Source, DefaultName)
	}
	d := Default()
	if d == p || &d.Systems[0] == &Default().Systems[0] {
		t.Error("Default must return a fresh policy on every call")
	}
	sum := sha256.Sum256(DefaultYAML())
	if got, want := d.Hash(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Hash = %s, want sha256 of the file %s", got, want)
	}
	if !bytes.Equal(d.Bytes(), DefaultYAML()) {
		t.Error("Bytes differ from the embedded file")
	}
}

// The default policy states every fact of the two seed notices.
func TestDefaultSeedFacts(t *testing.T) {
	p := Default()
	o := p.Organisation
	checks := []struct {
		name      string
		got, want any
	}{
		{"organisation", o.Name, "Leicestershire County Council"},
		{"DPO team", o.DPO.Team, "Information Governance Team"},
		{"DPO email", o.DPO.Email, "informationgovernance@leics.gov.uk"},
		{"ICO name", o.SupervisoryAuthority.Name, "Information Commissioners Office"},
		{"ICO address", o.SupervisoryAuthority.Address, "Wycliffe House, Water Lane, Wilmslow, Cheshire. SK9 5AF"},
		{"ICO phones", o.SupervisoryAuthority.Phones, []Phone{{"0303 123 1113", "local rate"}, {"01625 545 745", "national rate"}}},
		{"ICO website", o.SupervisoryAuthority.Website, "https://www.ico.org.uk"},
		{"ICO complaints", o.SupervisoryAuthority.ComplaintURL, "https://ico.org.uk/make-a-complaint/"},
		{"switchboard", o.PublicContacts.Phones, []string{"0116 232 3232"}},
		{"county hall", o.PublicContacts.Addresses, []string{"County Hall, Glenfield, Leicester, LE3 8RA"}},
		{"rights", rightIDs(p.Rights), []string{"access", "rectification", "objection", "portability", "erasure"}},
		{"erasure in some cases", p.Rights[4].InSomeCases, true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	t.Run("call recording", func(t *testing.T) {
		s, ok := p.System("call-recording")
		if !ok {
			t.Fatal("no call-recording system")
		}
		if s.Name != "Customer Service Centre Phone Calls" {
			t.Errorf("name = %q", s.Name)
		}
		wantAreas := []struct {
			id, name string
			months   int
		}{
			{"adult-social-care", "Adult Social Care", 9},
			{"environment-and-transport", "Environment and Transport", 12},
			{"children-and-family-services", "Children and Family Services", 12},
			{"trading-standards", "Trading Standards", 12},
			{"first-contact-plus", "First Contact Plus", 3},
		}
		if len(s.ServiceAreas) != len(wantAreas) {
			t.Fatalf("%d service areas, want %d", len(s.ServiceAreas), len(wantAreas))
		}
		for i, w := range wantAreas {
			a := s.ServiceAreas[i]
			if a.ID != w.id || a.Name != w.name {
				t.Errorf("area %d = %s %q, want %s %q", i, a.ID, a.Name, w.id, w.name)
			}
			r, err := p.Retention("call-recording", "recording", w.id)
			if err != nil || r != (Retention{Months: w.months}) {
				t.Errorf("Retention(recording, %s) = %v, %v; want %d months", w.id, r, err, w.months)
			}
		}
		if got := purposeNames(s); !slices.Equal(got, []string{"Quality monitoring", "Training purposes", "Improving the service"}) {
			t.Errorf("purposes = %q", got)
		}
		if got := s.Article6(); len(got) != 1 || got[0].Article != "6(1)(e)" {
			t.Errorf("Article 6 bases = %v, want 6(1)(e)", got)
		}
		if got := s.Article9(); len(got) != 1 || got[0].Article != "9(2)(h)" || got[0].Text != "health or social care requirements" {
			t.Errorf("Article 9 conditions = %v, want 9(2)(h) health or social care", got)
		}
		for _, r := range []string{"emergency-services", "health-professionals", "care-providers"} {
			if !p.RecipientAllowed("call-recording", r) {
				t.Errorf("recipient %s not allowed", r)
			}
		}
		if len(s.Recipients) != 3 {
			t.Errorf("%d recipients, want exactly 3", len(s.Recipients))
		}
		// GOV.UK Notify, which sends the survey texts, is the one processor (issue 15).
		if !slices.Equal(s.Storage.Locations, []string{"UK"}) || len(s.InternationalTransfers.Countries) != 0 ||
			len(s.Processors) != 1 || s.Processors[0].ID != "govuk-notify" || !s.Processors[0].Stores || !slices.Equal(s.Processors[0].Countries, []string{"UK"}) {
			t.Errorf("storage %v, transfers %v, processors %v; want UK only, none, GOV.UK Notify storing in the UK", s.Storage.Locations, s.InternationalTransfers.Countries, s.Processors)
		}
		if r, err := p.Retention("call-recording", "survey_phone_number", ""); err != nil || r.UntilEvent != EventSurveyRequestSent {
			t.Errorf("survey numbers kept %v, %v; want until %s", r, err, EventSurveyRequestSent)
		}
		if k, _ := s.DataKind("survey_response"); k == nil || k.PersonalData {
			t.Error("survey responses must hold no personal data")
		}
		if s.Survey == nil || !s.Survey.Voluntary {
			t.Error("the survey must be voluntary")
		}
		if s.Changes.Notify != NotifyContact || s.Changes.UpdateYourDetailsURL != "https://www.leicestershire.gov.uk" {
			t.Errorf("changes = %+v", s.Changes)
		}
	})

	t.Run("chatbot", func(t *testing.T) {
		s, ok := p.System("chatbot")
		if !ok {
			t.Fatal("no chatbot system")
		}
		if r, err := p.Retention("chatbot", "chat_transcript", ""); err != nil || r != (Retention{Months: 12}) {
			t.Errorf("chat transcripts kept %v, %v; want 12 months", r, err)
		}
		procs := p.Processors("chatbot")
		if len(procs) != 1 || procs[0].Name != "Microsoft" || procs[0].Stores || !slices.Equal(procs[0].Countries, []string{"EU", "US"}) {
			t.Errorf("processors = %+v, want Microsoft, not storing, EU and US", procs)
		}
		if !slices.Equal(s.Storage.Locations, []string{"UK"}) {
			t.Errorf("storage = %v, want UK", s.Storage.Locations)
		}
		if tr := s.InternationalTransfers; !slices.Equal(tr.Countries, []string{"EU", "US"}) || tr.Safeguard != "adequacy" {
			t.Errorf("transfers = %+v, want EU and US under adequacy", tr)
		}
		if len(s.Recipients) != 0 {
			t.Errorf("recipients = %v, want none", s.Recipients)
		}
		var notFor []string
		for _, x := range s.NotFor {
			notFor = append(notFor, x.ID)
		}
		if !slices.Equal(notFor, []string{"case-specific-information", "eligibility-decisions"}) {
			t.Errorf("not_for = %v", notFor)
		}
		var hosts []string
		for _, src := range s.Sources {
			hosts = append(hosts, src.URL)
		}
		if !slices.Contains(hosts, "https://www.startaconversation.co.uk") {
			t.Errorf("sources = %v, want startaconversation.co.uk", hosts)
		}
		if s.Changes.Notify != NotifyReasonableSteps {
			t.Errorf("notify = %q", s.Changes.Notify)
		}
		if got := s.Article6(); len(got) != 1 || got[0].Article != "6(1)(e)" || len(s.Article9()) != 0 {
			t.Errorf("lawful bases = %v, want public task only", s.LawfulBases)
		}
	})
}

func rightIDs(rs []Right) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func purposeNames(s *System) []string {
	var out []string
	for _, p := range s.Purposes {
		out = append(out, p.Name)
	}
	return out
}

// The hand-written decoder must agree with yaml.v3's own decoding (KnownFields) on a valid file.
func TestDecoderMatchesYAMLv3(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(DefaultYAML()))
	dec.KnownFields(true)
	var want Policy
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	got := Default()
	got.Source, got.raw = "", nil
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("decoded policy differs from yaml.v3's:\ngot  %+v\nwant %+v", got, &want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, DefaultYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != path || p.Hash() != Default().Hash() {
		t.Errorf("Source %q hash %s", p.Source, p.Hash())
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\ncolour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if es := ErrorList(err); len(es) != 1 || es[0].File != bad || es[0].Line != 2 || es[0].Field != "colour" {
		t.Errorf("Load(bad) = %v", err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if err == nil || ErrorList(err) != nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error that is not a policy error", err)
	}
}

func TestHashChangesWithBytes(t *testing.T) {
	a := Default()
	b, err := Parse("x.yaml", append(DefaultYAML(), "# a comment\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() == b.Hash() || len(a.Hash()) != 64 {
		t.Errorf("hashes %s and %s", a.Hash(), b.Hash())
	}
}

// docs/policy.md must document every field of the schema, and its example policy must parse.
func TestDocsCoverSchema(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	// A field is documented when it is a segment of a path in backticks, as `processors[].role`.
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_.\\[\\]]+)`").FindAllSubmatch(doc, -1) {
		for _, seg := range strings.Split(string(m[1]), ".") {
			documented[strings.TrimSuffix(seg, "[]")] = true
		}
	}
	for _, name := range yamlFieldNames(reflect.TypeFor[Policy]()) {
		if !documented[name] {
			t.Errorf("docs/policy.md does not document field %q", name)
		}
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/policy.md has no yaml example")
	}
	if _, err := Parse("docs/policy.md example", blocks[0][1]); err != nil {
		t.Errorf("the first yaml example in docs/policy.md does not parse:\n%v", err)
	}
}

func yamlFieldNames(t reflect.Type) []string {
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			walk(t.Elem())
		case reflect.Struct:
			for _, name := range structFields(t).names {
				f := t.Field(structFields(t).index[name])
				if !seen[name] {
					seen[name] = true
					walk(f.Type)
				}
			}
		}
	}
	walk(t)
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "p.yaml", Line: 7, Field: "systems[0].title", Msg: "required"}
	if got := e.Error(); got != "p.yaml:7: systems[0].title: required" {
		t.Errorf("Error() = %q", got)
	}
	e2 := &Error{File: "p.yaml", Line: 0, Msg: "policy file is empty"}
	if got := e2.Error(); got != "p.yaml:0: policy file is empty" {
		t.Errorf("Error() = %q", got)
	}
	es := Errors{e2, e}
	if got := es.Error(); got != e2.Error()+"\n"+e.Error() {
		t.Errorf("Errors.Error() = %q", got)
	}
	if got := ErrorList(es); len(got) != 2 {
		t.Errorf("ErrorList(Errors) = %v", got)
	}
	if got := ErrorList(e); len(got) != 1 || got[0] != e {
		t.Errorf("ErrorList(*Error) = %v", got)
	}
	if got := ErrorList(errors.New("x")); got != nil {
		t.Errorf("ErrorList(other) = %v", got)
	}
}

func TestLawfulBasisNormalised(t *testing.T) {
	for _, form := range []string{"6(1)(e)", "Article 6(1)(e)", "article 6(1)(e)", "Art. 6(1)(e)", "Art 6(1)(E)"} {
		y := strings.Replace(string(DefaultYAML()), "article: 6(1)(e)", "article: "+form, 1)
		p, err := Parse("x.yaml", []byte(y))
		if err != nil {
			t.Errorf("%q: %v", form, err)
			continue
		}
		if b := p.Systems[0].LawfulBases[0]; b.Article != "6(1)(e)" || b.Ref() != "UK GDPR Article 6(1)(e)" || b.SpecialCategory() {
			t.Errorf("%q parsed as %+v", form, b)
		}
	}
}
