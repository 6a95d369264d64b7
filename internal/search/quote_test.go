package search

import (
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/kb/extract"
)

// quoteIndex holds one page whose title is the question and whose later section repeats the
// question's words more often than its introduction does.
func quoteIndex() *Index {
	const url = "https://council.example/blue-badges/apply"
	ix := New(Options{})
	ix.Add(Doc{URL: url, Title: "Apply for a Blue Badge", Passages: []extract.Passage{
		{URL: url, Title: "Apply for a Blue Badge", Order: 0,
			Text: "Online on GOV.UK\nIt's free. Paper forms are available from Travel Services. " +
				strings.Repeat("Processing times depend on individual circumstances and can take several weeks. ", 8)},
		{URL: url, Title: "Apply for a Blue Badge", Anchor: "assessments", Heading: "Assessments for a Blue Badge", Order: 1,
			Text: "Apply for a Blue Badge if you have a Blue Badge need. Blue Badge applicants are assessed."},
	}})
	return ix
}

func TestQuoteIntroductionWhenTitleIsTheQuestion(t *testing.T) {
	ix := quoteIndex()
	rs := ix.Search("how do I apply for a blue badge", 1)
	if len(rs) != 1 || rs[0].Anchor != "" || !strings.HasPrefix(rs[0].Snippet, "Online on GOV.UK\nIt's free.") {
		t.Fatalf("quoted %+v, want the introduction, its label line kept on a line of its own", rs)
	}
	// A question the title does not cover is answered by the section that does.
	rs = ix.Search("blue badge assessed", 1)
	if len(rs) != 1 || rs[0].Anchor != "assessments" {
		t.Fatalf("quoted %+v, want the assessments section", rs)
	}
}

// A synonym counts in choosing the quoted sentence only when all its words are there: "disabled
// parking" is a synonym of "blue badge", but "disabilities" alone is not a match.
func TestSnippetCountsSynonymsWhole(t *testing.T) {
	ix := quoteIndex()
	ix.mu.RLock()
	cs := ix.parseQuery("blue badge")
	ix.mu.RUnlock()
	got := snippet("Some Blue Badge applicants are assessed. Blue Badge holders with disabilities are seen first.", nil, cs)
	if !strings.HasPrefix(got, "Some Blue Badge applicants") {
		t.Errorf("snippet = %q: a partial synonym tipped the choice", got)
	}
}
