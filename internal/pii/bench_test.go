package pii

import (
	"strings"
	"testing"
)

// The naive baseline and the built-in sample of `fairline bench redact` are
// benchmarked beside it, in internal/bench.

func corpusTexts(b *testing.B) []string {
	var out []string
	for _, m := range loadCorpus(b) {
		out = append(out, m.Text)
	}
	return out
}

// BenchmarkRedactChat redacts every corpus message, one call each (chat-sized input).
func BenchmarkRedactChat(b *testing.B) {
	d := corpusDetector(b)
	msgs := corpusTexts(b)
	b.SetBytes(int64(len(strings.Join(msgs, ""))))
	for b.Loop() {
		for _, m := range msgs {
			d.Redact(m)
		}
	}
}

// BenchmarkRedactDocument redacts a document of at least 10 MB: the corpus
// messages, one per paragraph, repeated.
func BenchmarkRedactDocument(b *testing.B) {
	d := corpusDetector(b)
	once := strings.Join(corpusTexts(b), "\n\n") + "\n\n"
	doc := strings.Repeat(once, (10<<20)/len(once)+1)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		d.Redact(doc)
	}
}
