package search

import (
	"strings"
	"testing"
)

func TestEnglishWords(t *testing.T) {
	if n := len(englishWords()); n < 50_000 {
		t.Fatalf("%d words in the embedded list, want the whole list", n)
	}
	for _, w := range []string{"son", "lad", "wash", "tight", "machine", "daughter", "arthritis"} {
		if !isEnglishWord(w) {
			t.Errorf("%q is not a word", w)
		}
	}
	for _, w := range []string{"benifit", "councl", "apprnticship", "Son", ""} {
		if isEnglishWord(w) {
			t.Errorf("%q is a word", w)
		}
	}
}

// A question in a resident's words is read as they wrote it: a real word the site does not use
// is not "corrected" into one it does, a correction is never a stop word, conversation weighs
// less than the topic, and words that stem alike but mean different things stay apart.
func TestQuestionWords(t *testing.T) {
	site := []struct{ url, html string }{
		{"https://council.example/soon", `<main><h1>Coming soon</h1><p>New services soon. Law and order. Cash payments.</p></main>`},
		{"https://council.example/uc", `<main><h1>Universal Credit</h1><p>Universal Credit is a payment to help with living costs.</p></main>`},
		{"https://council.example/uni", `<main><h1>Student finance</h1><p>Loans for courses at a university and tuition fees.</p></main>`},
		{"https://council.example/school-transport", `<main><h1>School transport</h1><p>Free school transport for children who live far from school.</p></main>`},
		{"https://council.example/news", `<main><h1>Council news</h1><p>What we told residents last week and last month: just the news, every week. Still going, even now.</p></main>`},
	}
	ix := New(Options{})
	for _, p := range site {
		d, err := DocFromHTML(p.url, "", p.html, nil)
		if err != nil {
			t.Fatal(err)
		}
		ix.Add(d)
	}
	terms := func(q string) string {
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		var out []string
		for _, c := range ix.parseQuery(q) {
			var alts []string
			for _, a := range c.alts {
				alts = append(alts, strings.Join(a.terms, "+"))
			}
			out = append(out, strings.Join(alts, "|"))
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct{ q, want string }{
		{"son", "son"},            // a word, not "soon"
		{"lad", "lad"},            // not "law"
		{"wash", "wash"},          // not "cash"
		{"sooon", "soon"},         // a typo is still corrected
		{"unversal", "universal"}, // to the site's word, whose term is its own ("univers" would be university too)
	} {
		if got := terms(tt.q); !strings.HasPrefix(got, tt.want) {
			t.Errorf("parse %q = %q, want it to start with %q", tt.q, got, tt.want)
		}
	}
	first := func(q string) string {
		rs := ix.Search(q, 1)
		if len(rs) == 0 {
			return ""
		}
		return rs[0].URL
	}
	// Story words ("just", "told", "last week") weigh less than the topic's.
	ix.mu.RLock()
	cs := ix.parseQuery("just told last week school transport")
	ix.mu.RUnlock()
	for i, c := range cs {
		want := 1.0
		if i < 4 {
			want = ix.params.ChatW
		}
		if c.alts[0].w != want || want == 1 && c.chat || want != 1 && !c.chat {
			t.Errorf("concept %d %v: weight %v (chat %v), want %v", i, c.alts[0].terms, c.alts[0].w, c.chat, want)
		}
	}
	if ix.params.ChatW >= 1 {
		t.Errorf("ChatW %v: conversation weighs as much as the topic", ix.params.ChatW)
	}
	for _, tt := range []struct{ q, want string }{
		{"how do i pay for university", "https://council.example/uni"},
		{"universal credit", "https://council.example/uc"},
	} {
		if got := first(tt.q); got != tt.want {
			t.Errorf("%q: first %q, want %q", tt.q, got, tt.want)
		}
	}
}
