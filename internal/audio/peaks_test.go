package audio

import (
	"encoding/binary"
	"os"
	"strconv"
	"testing"
)

func peaksOf(t *testing.T, b []byte, chunk int) ([]byte, bool) {
	t.Helper()
	w := NewPeakWriter()
	for len(b) > 0 {
		n := min(chunk, len(b))
		w.Write(b[:n])
		b = b[n:]
	}
	return w.Peaks()
}

// pcm16 builds a mono 8 kHz WAV of the given samples; dataSize 0 means
// "unknown", as streaming recorders write it.
func pcm16(samples []int16, knownSize bool) []byte {
	b := wav(wavPCM, 1, 8000, 16, false)
	if knownSize {
		binary.LittleEndian.PutUint32(b[len(b)-4:], uint32(2*len(samples)))
	}
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

func TestPeaksFollowTheSound(t *testing.T) {
	// 10 s of near silence with a full-scale burst from 5.0 to 5.1 s.
	s := make([]int16, 80000)
	for i := 40000; i < 40800; i++ {
		s[i] = -32768
	}
	s[100] = 300
	for _, tc := range []struct {
		name  string
		known bool
		chunk int
	}{{"one write", true, 1 << 20}, {"odd pieces", true, 7}, {"byte by byte, size unknown", false, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := peaksOf(t, pcm16(s, tc.known), tc.chunk)
			if !ok || len(p) != WaveformPeaks {
				t.Fatalf("peaks: %v, %d", ok, len(p))
			}
			loud := 0
			for i, v := range p {
				if v > 200 {
					loud++
					if i < 195 || i > 206 {
						t.Errorf("peak %d at %d, want only around 200 (5 s of 10)", v, i)
					}
				}
			}
			if loud == 0 {
				t.Error("the burst is missing")
			}
			if p[0] > 3 || p[399] != 0 {
				t.Errorf("silence drawn as %d, %d", p[0], p[399])
			}
		})
	}
}

// Trailing chunks after the data (a LIST with metadata) are not samples.
func TestPeaksStopAtTheDataChunkEnd(t *testing.T) {
	b := pcm16(make([]int16, 8000), true)
	b = append(b, []byte("LIST\x08\x00\x00\x00\xff\x7f\xff\x7f\xff\x7f\xff\x7f")...)
	p, ok := peaksOf(t, b, 4096)
	if !ok {
		t.Fatal("no peaks")
	}
	for i, v := range p {
		if v != 0 {
			t.Fatalf("peak %d at %d read from the LIST chunk", v, i)
		}
	}
}

// The same speech in PCM, µ-law and A-law draws (nearly) the same shape:
// the G.711 expansions are right.
func TestPeaksOfEncodings(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../../testdata/audio/" + name)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := peaksOf(t, b, 3000)
		if !ok {
			t.Fatalf("%s: no peaks", name)
		}
		return p
	}
	ref := read("speech-pcm16.wav")
	var loudest byte
	for _, v := range ref {
		loudest = max(loudest, v)
	}
	if loudest < 64 {
		t.Fatalf("speech peaks at %d of 255: too quiet to be right", loudest)
	}
	for _, name := range []string{"speech-mulaw.wav", "speech-alaw.wav"} {
		got := read(name)
		for i := range ref {
			if d := int(got[i]) - int(ref[i]); d > 12 || d < -12 {
				t.Errorf("%s: peak %d is %d, PCM %d", name, i, got[i], ref[i])
				break
			}
		}
	}
	for _, name := range []string{"speech.mp3", "speech.opus"} {
		b, _ := os.ReadFile("../../testdata/audio/" + name)
		if _, ok := peaksOf(t, b, 1<<16); ok {
			t.Errorf("%s: peaks without a decoder", name)
		}
	}
}

func TestPeaksRefuseNonsense(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":       {},
		"header only": wav(wavPCM, 1, 8000, 16, false),
		"garbage":     make([]byte, SniffLen+10),
	} {
		if p, ok := peaksOf(t, b, 512); ok {
			t.Errorf("%s: peaks %v", name, p[:4])
		}
	}
}

func FuzzPeakWriter(f *testing.F) {
	f.Add(pcm16([]int16{1, -2, 3000, -32768}, true), 3)
	f.Add(wav(wavMuLaw, 2, 8000, 8, false), 1)
	f.Add(wav(wavPCM, 3, 8000, 24, true), 5)
	f.Fuzz(func(t *testing.T, b []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		p, ok := peaksOf(t, b, chunk)
		if ok != (len(p) == WaveformPeaks) {
			t.Fatalf("ok %v with %d peaks", ok, len(p))
		}
	})
}

func BenchmarkPeakWriter(b *testing.B) {
	// 16-bit mono 8 kHz in 256 KB writes, as ingest sees it: a short call,
	// and a 64 MB one as `fairline bench ingest` stores.
	for _, minutes := range []int{1, 70} {
		b.Run(strconv.Itoa(minutes)+"min", func(b *testing.B) {
			s := make([]int16, 8000*60*minutes)
			for i := range s {
				s[i] = int16(i * 7919)
			}
			data := pcm16(s, true)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				w := NewPeakWriter()
				for off := 0; off < len(data); off += 256 << 10 {
					w.Write(data[off:min(off+256<<10, len(data))])
				}
				w.Peaks()
			}
		})
	}
}
