package notice

import (
	"strings"

	"github.com/fairline/fairline/internal/policy"
)

// Sentence is one sentence of a notice as residents read it, with the section it is in
// (a section key such as "retention", "sharing", "security").
type Sentence struct {
	Section string
	Text    string
}

// Sentences returns every sentence of a system's notice in order (each list item counts as
// one), so `fairline check` can quote the promise each check proves in the notice's own
// words. stores are the locations of the configured stores, as for HTML.
func Sentences(p *policy.Policy, system string, stores []string) ([]Sentence, error) {
	d, err := build(p, system, stores)
	if err != nil {
		return nil, err
	}
	var out []Sentence
	add := func(section string, blocks []block) {
		for _, b := range blocks {
			var para strings.Builder
			for _, sp := range b.Para {
				para.WriteString(sp.Text)
			}
			for _, s := range splitSentences(para.String()) {
				out = append(out, Sentence{Section: section, Text: s})
			}
			for _, item := range b.List {
				var it strings.Builder
				for _, sp := range item {
					it.WriteString(sp.Text)
				}
				out = append(out, Sentence{Section: section, Text: clean(it.String())})
			}
		}
	}
	add("intro", d.Intro)
	for _, sec := range d.Sections {
		add(strings.TrimPrefix(sec.ID, d.SystemID+"-"), sec.Blocks)
	}
	return out, nil
}

// splitSentences splits a paragraph after ".", "!", "?" or ":" followed by a space and a
// capital letter, so "e.g. this" or "www.example.gov.uk" stay whole.
func splitSentences(para string) []string {
	para = clean(para)
	var out []string
	start := 0
	for i := 0; i+2 < len(para); i++ {
		if strings.ContainsRune(".!?:", rune(para[i])) && para[i+1] == ' ' && para[i+2] >= 'A' && para[i+2] <= 'Z' {
			out = append(out, para[start:i+1])
			start = i + 2
		}
	}
	if start < len(para) {
		out = append(out, para[start:])
	}
	return out
}
