package notice

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

// FuzzRender: every policy that Parse accepts renders in every format, and its HTML is sound.
//
//	go test -fuzz=FuzzRender ./internal/notice/
func FuzzRender(f *testing.F) {
	def := string(policy.DefaultYAML())
	v, err := os.ReadFile("testdata/variant.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		def, string(v),
		strings.Replace(def, "  name: Leicestershire County Council", "  name: <b>x</b> & 'y'", 1),
		strings.Replace(def, "notify: contact", "notify: reasonable-steps", 1),
		strings.Replace(string(v), "safeguard: idta", "safeguard: uk-addendum", 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, s := range p.Systems {
			if err := Markdown(io.Discard, p, s.ID, ukStores); err != nil {
				t.Fatalf("Markdown(%s): %v", s.ID, err)
			}
			h, err := HTML(p, s.ID, ukStores)
			if err != nil {
				t.Fatalf("HTML(%s): %v", s.ID, err)
			}
			checkHTML(t, string(h), true)
		}
		if err := ROPACSV(io.Discard, p); err != nil {
			t.Fatal(err)
		}
		if _, err := ROPAHTML(p); err != nil {
			t.Fatal(err)
		}
	})
}
