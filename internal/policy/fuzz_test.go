package policy

import (
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, and every failure is a *Error or Errors whose problems name
// the file and a line inside it (0 meaning no position).
//
//	go test -fuzz=FuzzParse -fuzztime=20s ./internal/policy/
func FuzzParse(f *testing.F) {
	def := string(DefaultYAML())
	seeds := []string{
		def,
		"",
		"version: 1\n",
		"- a\n",
		"version: [1\n",
		"version: 1\norganisation: {name: x, data_protection_officer: {email: a@b.c}}\nsystems: []\n",
		"a: &x [*x]\n",
		"a: *x\n",
		"? [a]\n: b\n",
		"---\n---\n",
		"version: 1\nsystems:\n  - id: a\n    service_areas:\n      - retention: {k: {months: 99999999999999999999}}\n",
		strings.Replace(def, "months: 12", "months: 0", 1),
		strings.Replace(def, "stores: false", "stores: true", 1),
		strings.Replace(def, "{retention:chat_transcript}", "{retention:", 1),
		strings.Replace(def, "article: 9(2)(h)", "article: 9(2)(z)", 1),
		strings.Replace(def, "locations: [UK]", "locations: [ZZ]", 1),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil {
			if p == nil || len(p.Hash()) != 64 || len(p.Systems) == 0 {
				t.Fatalf("Parse succeeded with policy %v", p)
			}
			// A valid policy answers every query without panicking.
			for _, s := range p.Systems {
				for _, k := range s.DataKinds {
					if _, err := p.Retention(s.ID, k.ID, ""); err != nil && k.PersonalData && !s.RetentionVariesByArea(k.ID) {
						t.Fatalf("valid policy has personal data %s/%s without retention: %v", s.ID, k.ID, err)
					}
					for _, a := range s.ServiceAreas {
						if r, err := p.Retention(s.ID, k.ID, a.ID); k.PersonalData && (err != nil || r.IsZero()) {
							t.Fatalf("valid policy has personal data %s/%s/%s without retention: %v", s.ID, k.ID, a.ID, err)
						}
					}
				}
				for _, txt := range s.Information {
					if _, err := p.Text(s.ID, txt); err != nil {
						t.Fatalf("valid policy has unexpandable text: %v", err)
					}
				}
				p.StorageLocationAllowed(s.ID, "UK")
				p.RecipientAllowed(s.ID, "x")
			}
			return
		}
		switch err.(type) {
		case *Error, Errors:
		default:
			t.Fatalf("error is %T, want *Error or Errors: %v", err, err)
		}
		es := ErrorList(err)
		if len(es) == 0 {
			t.Fatalf("no problems in %v", err)
		}
		lines := yamlLines(data) + 1
		for _, e := range es {
			if e.Line < 0 || e.Line > lines || e.File != "fuzz.yaml" || e.Msg == "" {
				t.Fatalf("bad problem %#v (input has %d lines)", e, lines)
			}
		}
	})
}
