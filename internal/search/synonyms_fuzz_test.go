package search

import "testing"

// FuzzParseSynonyms: staff text never panics, and whatever parses writes back to text that
// parses to the same groups.
func FuzzParseSynonyms(f *testing.F) {
	f.Add("bin, refuse, rubbish\ntip, recycling centre")
	f.Add("# comment\n\nthe, a")
	f.Add(DefaultSynonyms().String())
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSynonyms(text)
		if err != nil {
			return
		}
		back, err := ParseSynonyms(s.String())
		if err != nil {
			t.Fatalf("written-back synonyms do not parse: %v", err)
		}
		if len(back.Groups()) != len(s.Groups()) {
			t.Fatalf("%d groups became %d", len(s.Groups()), len(back.Groups()))
		}
	})
}
