package bench

import (
	"testing"

	"github.com/fairline/fairline/internal/pii"
)

// Go benchmarks of what `fairline bench redact` measures; the detector on
// the labelled corpus is benchmarked in internal/pii.

const corpus = "../../testdata/pii/messages.jsonl"

func benchMessages(b *testing.B, msgs []string, f func(string)) {
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

func corpusMessages(b *testing.B) []string {
	msgs, err := readMessages(corpus)
	if err != nil {
		b.Fatal(err)
	}
	return msgs
}

// BenchmarkNaiveChat runs the naive baseline on every corpus message.
func BenchmarkNaiveChat(b *testing.B) {
	benchMessages(b, corpusMessages(b), func(s string) { naiveRedact(s) })
}

// BenchmarkNaiveDocument runs the naive baseline on a 10 MB document of corpus messages.
func BenchmarkNaiveDocument(b *testing.B) {
	doc := document(corpusMessages(b), 10<<20)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		naiveRedact(doc)
	}
}

// BenchmarkRedactSample redacts the built-in sample with a detector of no
// organisation references or public contacts.
func BenchmarkRedactSample(b *testing.B) {
	d := pii.New(pii.Config{})
	benchMessages(b, sampleMessages, func(s string) { d.Redact(s) })
}
