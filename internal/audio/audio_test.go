package audio

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func wav(tag, ch, rate, bits int, extensible bool) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	// A LIST chunk before fmt, as some recorders write, with odd size to test padding.
	b = append(b, []byte("LIST\x03\x00\x00\x00abc\x00")...)
	fmtSize := 16
	if extensible {
		fmtSize = 40
	}
	c := make([]byte, 8+fmtSize)
	copy(c, "fmt ")
	binary.LittleEndian.PutUint32(c[4:], uint32(fmtSize))
	wtag := tag
	if extensible {
		wtag = wavExtensible
	}
	binary.LittleEndian.PutUint16(c[8:], uint16(wtag))
	binary.LittleEndian.PutUint16(c[10:], uint16(ch))
	binary.LittleEndian.PutUint32(c[12:], uint32(rate))
	binary.LittleEndian.PutUint32(c[16:], uint32(rate*ch*bits/8))
	binary.LittleEndian.PutUint16(c[20:], uint16(ch*bits/8))
	binary.LittleEndian.PutUint16(c[22:], uint16(bits))
	if extensible {
		binary.LittleEndian.PutUint16(c[24:], 22)
		binary.LittleEndian.PutUint16(c[32:], uint16(tag))
	}
	b = append(b, c...)
	return append(b, []byte("data\x00\x00\x00\x00")...)
}

func TestDetect(t *testing.T) {
	mp3Frame := []byte{0xFF, 0xFB, 0x90, 0xC4, 0, 0, 0, 0}
	id3 := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x05hello"), mp3Frame...)
	opus := append([]byte("OggS\x00\x02"), make([]byte, 21)...)
	opus[26] = 1
	opus = append(opus, 19)
	opus = append(opus, []byte("OpusHead\x01\x02\x38\x01\x80\x3e\x00\x00\x00\x00\x00")...)
	vorbis := append(append([]byte{}, opus[:28]...), []byte("\x01vorbis...............")...)

	cases := []struct {
		name    string
		in      []byte
		want    Format
		errPart string
	}{
		{"wav pcm16 mono 8k", wav(wavPCM, 1, 8000, 16, false), Format{"wav", "pcm", 1, 8000, 16}, ""},
		{"wav mulaw", wav(wavMuLaw, 1, 8000, 8, false), Format{"wav", "mulaw", 1, 8000, 8}, ""},
		{"wav alaw stereo", wav(wavALaw, 2, 8000, 8, false), Format{"wav", "alaw", 2, 8000, 8}, ""},
		{"wav extensible pcm", wav(wavPCM, 2, 16000, 24, true), Format{"wav", "pcm", 2, 16000, 24}, ""},
		{"wav float", wav(wavFloat, 1, 8000, 32, false), Format{}, "floating-point"},
		{"wav adpcm", wav(2, 1, 8000, 4, false), Format{}, "codec 0x0002"},
		{"wav mulaw 16 bit", wav(wavMuLaw, 1, 8000, 16, false), Format{}, "must be 8"},
		{"wav 12 channels", wav(wavPCM, 12, 8000, 16, false), Format{}, "12 channels"},
		{"wav 4 kHz", wav(wavPCM, 1, 4000, 16, false), Format{}, "sample rate 4000"},
		{"wav no fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"), Format{}, "no fmt chunk"},
		{"wav truncated fmt", wav(wavPCM, 1, 8000, 16, false)[:40], Format{}, "truncated"},
		{"riff avi", []byte("RIFF\x00\x00\x00\x00AVI LIST"), Format{}, "not WAVE"},
		{"mp3 frame", mp3Frame, Format{"mp3", "mp3", 1, 44100, 0}, ""},
		{"mp3 with id3", id3, Format{"mp3", "mp3", 1, 44100, 0}, ""},
		{"id3 without frame", []byte("ID3\x03\x00\x00\x00\x00\x00\x02hiXXXXXXXX"), Format{}, "no MPEG Layer III"},
		{"id3 bigger than head", []byte("ID3\x03\x00\x00\x00\x7f\x7f\x7f"), Format{}, "larger than"},
		{"ogg opus", opus, Format{"ogg", "opus", 2, 16000, 0}, ""},
		{"ogg vorbis", vorbis, Format{}, "Vorbis"},
		{"flac", []byte("fLaC\x00\x00"), Format{}, "FLAC"},
		{"text", []byte("hello, this is not audio"), Format{}, "unrecognised"},
		{"empty", nil, Format{}, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.in)
			if tc.errPart != "" {
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.errPart)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// Files written by real encoders (ffmpeg from speech by espeak-ng), kept in
// testdata/audio: see its README.
func TestDetectRealFiles(t *testing.T) {
	want := map[string]string{
		"speech-pcm16.wav": "wav/pcm 8000 Hz, 1 channel(s)",
		"speech-mulaw.wav": "wav/mulaw 8000 Hz, 1 channel(s)",
		"speech-alaw.wav":  "wav/alaw 8000 Hz, 1 channel(s)",
		"speech.mp3":       "mp3/mp3 16000 Hz, 1 channel(s)",
		"speech.opus":      "ogg/opus 16000 Hz, 1 channel(s)",
	}
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "audio", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Detect(b[:min(len(b), SniffLen)])
		if err != nil || f.String() != w {
			t.Errorf("%s: %v %v, want %s", name, f, err, w)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add(wav(wavPCM, 1, 8000, 16, false))
	f.Add(wav(wavPCM, 2, 16000, 24, true))
	f.Add([]byte{0xFF, 0xFB, 0x90, 0xC4})
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x05hello\xff\xfb\x90\xc4"))
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x02\x38\x01\x80\x3e\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Detect(b)
		if err == nil {
			if got.Channels < 1 || got.SampleRate <= 0 || got.Container == "" || got.Codec == "" {
				t.Fatalf("accepted with an incomplete format: %+v", got)
			}
		} else if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error not marked unsupported: %v", err)
		}
	})
}
