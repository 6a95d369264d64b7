package notice

import (
	"slices"
	"testing"

	"github.com/fairline/fairline/internal/policy"
)

func TestSentences(t *testing.T) {
	p := policy.Default()
	ss, err := Sentences(p, "chatbot", []string{"UK"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Sentence{
		{"information", "We do not intend to use the Chatbot to collect personal data."},
		{"information", "In the event you include personal data in your request, we will hold it for no longer than 12 months."},
		{"sharing", "Details of your questions will be shared with Microsoft who facilitate the application but will not store the information."},
		{"security", "We store your information in the UK."},
	}
	for _, w := range want {
		if !slices.Contains(ss, w) {
			t.Errorf("missing %+v in %+v", w, ss)
		}
	}
	// A store outside the allowed locations: the notice no longer says where data is stored.
	ss, err = Sentences(p, "chatbot", []string{"US"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ss, Sentence{"security", "We store your information in the UK."}) {
		t.Error("states the storage location although a store is elsewhere")
	}
	if _, err := Sentences(p, "nope", nil); err == nil {
		t.Error("unknown system accepted")
	}
}

func TestSplitSentences(t *testing.T) {
	for in, want := range map[string][]string{
		"One. Two! Three? Four: Five":            {"One.", "Two!", "Three?", "Four:", "Five"},
		"Visit www.example.gov.uk. Then e.g. go": {"Visit www.example.gov.uk.", "Then e.g. go"},
		"":                                       nil,
	} {
		if got := splitSentences(in); !slices.Equal(got, want) {
			t.Errorf("splitSentences(%q) = %q, want %q", in, got, want)
		}
	}
}
