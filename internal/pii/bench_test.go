package pii

import (
	"testing"
)

func corpusTexts(b *testing.B) []string {
	var out []string
	for _, m := range loadCorpus(b) {
		out = append(out, m.Text)
	}
	return out
}

func benchMessages(b *testing.B, f func(string)) {
	msgs := corpusTexts(b)
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, m := range msgs {
			f(m)
		}
	}
}

// BenchmarkRedactChat redacts every corpus message, one call each (chat-sized input).
func BenchmarkRedactChat(b *testing.B) {
	d := corpusDetector(b)
	benchMessages(b, func(s string) { d.Redact(s) })
}

func BenchmarkNaiveChat(b *testing.B) { benchMessages(b, func(s string) { NaiveRedact(s) }) }

// BenchmarkRedactDocument redacts a 10 MB document made of corpus messages.
func BenchmarkRedactDocument(b *testing.B) {
	d := corpusDetector(b)
	doc := Document(corpusTexts(b), 10<<20)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		d.Redact(doc)
	}
}

func BenchmarkNaiveDocument(b *testing.B) {
	doc := Document(corpusTexts(b), 10<<20)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		NaiveRedact(doc)
	}
}

// BenchmarkRedactSample redacts the built-in sample of `fairline bench redact`.
func BenchmarkRedactSample(b *testing.B) {
	d := corpusDetector(b)
	total := 0
	for _, m := range SampleMessages {
		total += len(m)
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, m := range SampleMessages {
			d.Redact(m)
		}
	}
}
