package audio

import (
	"os"
	"testing"
	"time"
)

func TestWAVSegment(t *testing.T) {
	for _, name := range []string{"speech-pcm16.wav", "speech-mulaw.wav", "speech-alaw.wav"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("../../testdata/audio/" + name)
			if err != nil {
				t.Fatal(err)
			}
			l, err := ParseWAVLayout(b)
			if err != nil {
				t.Fatal(err)
			}
			frame := int64(l.Channels * l.Bits / 8)
			for _, tc := range []struct {
				start, end time.Duration
				frames     int64 // -1: to the end of the data
			}{
				{2 * time.Second, 5 * time.Second, 3 * int64(l.SampleRate)},
				{0, time.Second, int64(l.SampleRate)},
				{time.Second, 0, -1},
				{time.Second, time.Hour, -1}, // an end past the call stops at the data's end
			} {
				from, to := l.Span(tc.start, tc.end, int64(len(b)))
				want := tc.frames * frame
				if tc.frames < 0 {
					want = l.DataOffset + l.DataSize - from
				}
				if from != l.DataOffset+int64(tc.start.Seconds()*float64(l.SampleRate))*frame || to-from != want {
					t.Errorf("%s–%s: bytes [%d, %d), want %d from %d", tc.start, tc.end, from, to, want, l.DataOffset)
				}
				h, err := l.Header(to - from)
				if err != nil {
					t.Fatal(err)
				}
				seg := append(h, b[from:to]...)
				got, err := ParseWAVLayout(seg)
				if err != nil || got.Format != l.Format || got.DataSize != to-from || got.DataOffset != int64(len(h)) {
					t.Errorf("segment reads as %+v, %v", got, err)
				}
			}
		})
	}
	for _, name := range []string{"speech.mp3", "speech.opus"} {
		b, _ := os.ReadFile("../../testdata/audio/" + name)
		if _, err := ParseWAVLayout(b); err == nil {
			t.Errorf("%s was cut as WAV", name)
		}
	}
}

// Any bytes: no panic; a layout that parses gives spans inside the file
// and a header that reads back as the same format.
func FuzzWAVSegment(f *testing.F) {
	f.Add(pcm16([]int16{1, -2, 3000, -32768}, true), int64(0), int64(1))
	f.Add(wav(wavMuLaw, 2, 8000, 8, false), int64(1), int64(0))
	f.Fuzz(func(t *testing.T, b []byte, startMS, endMS int64) {
		l, err := ParseWAVLayout(b)
		if err != nil {
			return
		}
		start := time.Duration(max(0, startMS%86_400_000)) * time.Millisecond
		end := time.Duration(max(0, endMS%86_400_000)) * time.Millisecond
		from, to := l.Span(start, end, int64(len(b)))
		if from > to && end > start || from > int64(len(b)) || to > int64(len(b)) {
			t.Fatalf("span [%d, %d) of %d bytes", from, to, len(b))
		}
		if from > to {
			return // an end before the start: AddClip refuses it
		}
		h, err := l.Header(to - from)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseWAVLayout(append(h, b[from:to]...))
		if err != nil || got.Format != l.Format || got.DataSize != to-from && !(to == from && got.DataSize == -1) {
			t.Fatalf("segment reads as %+v, %v", got, err)
		}
	})
}
