package policy

import (
	"regexp"
	"strings"
	"testing"
)

// The embedded demo policy validates, speaks for the demo council only
// (nothing of Leicestershire's left: name, numbers, sites), and keeps the
// default's structure (systems, purposes, data kinds, service areas), so
// recordings, retention and notices work under it unchanged.
func TestDemoPolicy(t *testing.T) {
	d, err := Parse(DemoName, DemoYAML())
	if err != nil {
		t.Fatalf("embedded demo policy does not parse:\n%v", err)
	}
	def := Default()
	if low := strings.ToLower(string(DemoYAML())); strings.Contains(low, "leic") || strings.Contains(low, "0116") ||
		strings.Contains(low, "startaconversation") {
		t.Error("the demo policy still names Leicestershire, its phone number or its sites")
	}
	o := d.Organisation
	if o.Name != "Scarfolk Council" || o.Website != "https://demo.localgov.example" {
		t.Errorf("organisation = %q at %q", o.Name, o.Website)
	}
	drama := regexp.MustCompile(`^01632 960 ?\d{3}$`) // Ofcom's drama range: no real line
	if len(o.PublicContacts.Phones) == 0 {
		t.Error("no public phone number")
	}
	for _, p := range o.PublicContacts.Phones {
		if !drama.MatchString(p) {
			t.Errorf("public phone %q is not a fictional 01632 960xxx number", p)
		}
	}
	if !strings.HasSuffix(o.DPO.Email, ".example") {
		t.Errorf("DPO e-mail %q is not on a reserved .example domain", o.DPO.Email)
	}
	chat, ok := d.System("chatbot")
	if !ok || len(chat.Sources) != 1 || chat.Sources[0].URL != "https://demo.localgov.example" {
		t.Fatalf("chatbot sources = %+v, want the demo site only", chat)
	}
	if len(d.Systems) != len(def.Systems) {
		t.Fatalf("%d systems, default has %d", len(d.Systems), len(def.Systems))
	}
	ids := func(s *System) (out []string) {
		for _, p := range s.Purposes {
			out = append(out, "purpose:"+p.ID)
		}
		for _, k := range s.DataKinds {
			out = append(out, "kind:"+k.ID)
		}
		for _, a := range s.ServiceAreas {
			out = append(out, "area:"+a.ID)
		}
		for _, r := range s.Recipients {
			out = append(out, "recipient:"+r.ID)
		}
		return out
	}
	for i := range def.Systems {
		want, got := &def.Systems[i], &d.Systems[i]
		if got.ID != want.ID || strings.Join(ids(got), ",") != strings.Join(ids(want), ",") {
			t.Errorf("system %d: %s %v, want %s %v", i, got.ID, ids(got), want.ID, ids(want))
		}
	}
}
