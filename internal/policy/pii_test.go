package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fairline/fairline/internal/pii"
)

var updatePIIConfig = flag.Bool("update-pii-config", false, "rewrite "+piiConfigPath+" from the default policy")

// piiConfigPath is the default policy's detector configuration, which internal/pii's tests
// (the quality gates over the labelled corpus next to it) build their detector from: pii may
// not import this package.
const piiConfigPath = "../../testdata/pii/default-config.json"

// TestDefaultPIIConfigFile keeps the file pii's tests use equal to what the default policy
// gives the detector, so the quality figures are those of the policy Fairline ships with.
func TestDefaultPIIConfigFile(t *testing.T) {
	got, err := json.MarshalIndent(Default().PIIConfig(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updatePIIConfig {
		if err := os.WriteFile(piiConfigPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(piiConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the default policy's PIIConfig; run go test ./internal/policy -run TestDefaultPIIConfigFile -update-pii-config\ngot:\n%s", piiConfigPath, got)
	}
}

// TestPIIConfig checks which parts of the policy reach the detector: every reference, and
// every public contact point of the organisation, its DPO and the supervisory authority.
func TestPIIConfig(t *testing.T) {
	p := Default()
	o := &p.Organisation
	cfg := p.PIIConfig()
	var ids []string
	for _, r := range cfg.References {
		ids = append(ids, r.ID)
	}
	if want := []string{"council-tax-account", "case-reference", "uprn"}; !slices.Equal(ids, want) {
		t.Errorf("references %v, want %v", ids, want)
	}
	if r := cfg.References[0]; r.Name != o.References[0].Name || r.Pattern != o.References[0].Pattern ||
		!slices.Equal(r.Context, o.References[0].Context) {
		t.Errorf("council tax reference %+v, policy %+v", r, o.References[0])
	}
	if r := cfg.References[2]; r.Check != "uprn" {
		t.Errorf("uprn check %q", r.Check)
	}
	for _, c := range []struct {
		name string
		list []string
		want string
	}{
		{"public phone", cfg.PublicPhones, o.PublicContacts.Phones[0]},
		{"supervisory authority phone", cfg.PublicPhones, o.SupervisoryAuthority.Phones[1].Number},
		{"public address", cfg.PublicAddresses, o.PublicContacts.Addresses[0]},
		{"organisation address", cfg.PublicAddresses, o.Address},
		{"supervisory authority address", cfg.PublicAddresses, o.SupervisoryAuthority.Address},
		{"DPO e-mail", cfg.PublicEmails, o.DPO.Email},
	} {
		if c.want == "" || !slices.Contains(c.list, c.want) {
			t.Errorf("%s %q missing from %q", c.name, c.want, c.list)
		}
	}
	// The detector leaves them alone.
	d := pii.New(cfg)
	for _, text := range []string{"Call us on 0116 232 3232", "Ring the ICO on 0303 123 1113",
		"Write to informationgovernance@leics.gov.uk"} {
		if got, ents := d.Redact(text); len(ents) != 0 {
			t.Errorf("%q redacted to %q", text, got)
		}
	}
}

func TestReferencesFromPolicy(t *testing.T) {
	src := strings.Replace(string(DefaultYAML()), "  references:\n", `  references:
    - id: housing-ref
      name: housing reference
      pattern: 'H[0-9]{5}[0-9]'
      check: mod11
`, 1)
	p, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := pii.New(p.PIIConfig())
	// H123455: digits 123455, weights 6..2: 1*6+2*5+3*4+4*3+5*2 = 50, 50%11 = 6, 11-6 = 5.
	if got, _ := d.Redact("my housing ref H123455 and H123456"); got != "my housing ref [housing reference] and H123456" {
		t.Errorf("got %q", got)
	}
}

// TestReferenceChecksImplemented: every check a policy may name is one the detector applies
// (an unknown one would silently match nothing).
func TestReferenceChecksImplemented(t *testing.T) {
	examples := map[string]struct{ valid, invalid string }{
		"mod11": {"X123455", "X123456"},
		"luhn":  {"X79927398713", "X79927398710"},
		"uprn":  {"X100030512345", "X1000305123456"},
	}
	for rule := range ReferenceChecks {
		ex, ok := examples[rule]
		if !ok {
			t.Errorf("check %s has no example here: add one", rule)
			continue
		}
		d := pii.New(pii.Config{References: []pii.Reference{{ID: "x", Name: "x ref", Pattern: `X[0-9]+`, Check: rule}}})
		// Not after "ref": any reference there is redacted as a reference number.
		if got, _ := d.Redact("see " + ex.valid); got != "see [x ref]" {
			t.Errorf("%s: valid %s gave %q", rule, ex.valid, got)
		}
		if got, _ := d.Redact("see " + ex.invalid); got != "see "+ex.invalid {
			t.Errorf("%s: invalid %s gave %q", rule, ex.invalid, got)
		}
	}
}

// TestDetectorCache: one detector per policy, rebuilt when the policy in force changes, safe
// for concurrent use.
func TestDetectorCache(t *testing.T) {
	var c DetectorCache
	a, b := Default(), Default()
	if a == b {
		t.Fatal("Default returned the same policy twice")
	}
	da := c.For(a)
	if c.For(a) != da {
		t.Error("same policy, new detector")
	}
	db := c.For(b)
	if db == da {
		t.Error("new policy, old detector")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p := a
			if i%2 == 1 {
				p = b
			}
			if got, _ := c.For(p).Redact("call 0116 232 3232"); got != "call 0116 232 3232" {
				t.Errorf("got %q", got)
			}
		})
	}
	wg.Wait()
}
