package policy

import (
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/pii"
)

func TestDefaultReferences(t *testing.T) {
	p := Default()
	ids := map[string]string{}
	for _, r := range p.Organisation.References {
		if _, err := pii.CompileReference(r.Pattern); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		ids[r.ID] = r.Name
	}
	for _, id := range []string{"council-tax-account", "case-reference", "uprn"} {
		if ids[id] == "" {
			t.Errorf("default policy lacks reference %s", id)
		}
	}
	uprn, err := pii.CompileReference(p.Organisation.References[2].Pattern)
	if err != nil || !uprn.MatchString("100030512345") || uprn.MatchString("x100030512345") || uprn.MatchString("1000305123456") {
		t.Errorf("uprn pattern is not anchored (err %v)", err)
	}
}

func TestReferenceProblems(t *testing.T) {
	const first = "    - id: council-tax-account\n      name: council tax account reference\n      pattern: '(?:CT)?[0-9]{8,10}'\n      context: [council tax, ctax, c tax]\n"
	cases := []struct {
		name, new, field, at, msg string
	}{
		{"bad regexp", "    - id: council-tax-account\n      name: council tax account reference\n      pattern: '(?:CT[0-9]{8,10}'\n",
			"organisation.references[0].pattern", "pattern: '(?:CT[", "not a valid RE2 regular expression: missing closing )"},
		{"backreference", "    - id: council-tax-account\n      name: council tax account reference\n      pattern: '([0-9])\\1'\n",
			"organisation.references[0].pattern", `pattern: '([0-9])\1'`, "not a valid RE2 regular expression"},
		{"matches empty", "    - id: council-tax-account\n      name: council tax account reference\n      pattern: '[0-9]*'\n",
			"organisation.references[0].pattern", "pattern: '[0-9]*'", "matches the empty string"},
		{"missing pattern", "    - id: council-tax-account\n      name: council tax account reference\n",
			"organisation.references[0].pattern", "- id: council-tax-account", "required"},
		{"unknown check", first + "      check: mod97\n",
			"organisation.references[0].check", "check: mod97", `unknown check "mod97" (known: luhn, mod11, uprn)`},
		{"bad id", strings.Replace(first, "council-tax-account", "Council Tax", 1),
			"organisation.references[0].id", "- id: Council Tax", "not a valid id"},
		{"duplicate id", strings.Replace(first, "council-tax-account", "uprn", 1),
			"organisation.references[2].id", "    - id: uprn\n      name: UPRN", `duplicate id "uprn"`},
		{"missing name", strings.Replace(first, "      name: council tax account reference\n", "", 1),
			"organisation.references[0].name", "- id: council-tax-account", "required"},
		{"brackets in name", strings.Replace(first, "council tax account reference", "'[ctax]'", 1),
			"organisation.references[0].name", "name: '[ctax]'", "must not contain brackets"},
		{"empty context", strings.Replace(first, "[council tax, ctax, c tax]", "['']", 1),
			"organisation.references[0].context[0]", "context: ['']", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := replaceNth(t, defaultDoc, first, c.new, 1)
			want := lineOf(t, doc, c.at)
			_, err := Parse("p.yaml", []byte(doc))
			for _, e := range ErrorList(err) {
				if e.Field == c.field && strings.Contains(e.Msg, c.msg) {
					if e.Line != want {
						t.Errorf("reported on line %d, want %d", e.Line, want)
					}
					if !strings.HasPrefix(e.Error(), "p.yaml:") {
						t.Errorf("error %q lacks the file", e.Error())
					}
					return
				}
			}
			t.Errorf("no problem with field %q and message containing %q; got:\n%v", c.field, c.msg, err)
		})
	}
}
