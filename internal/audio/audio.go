// Package audio recognises the call recording formats Fairline accepts:
// WAV with PCM or G.711 (µ-law, A-law), MP3, and Ogg Opus. It reads only the
// first bytes of a file (the headers), so an upload can be checked before
// it is streamed to storage, and it never trusts a length field to allocate.
package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// SniffLen is how many leading bytes Detect wants to see.
const SniffLen = 64 << 10

// Format describes a recognised recording.
type Format struct {
	Container  string // "wav", "mp3", "ogg"
	Codec      string // "pcm", "mulaw", "alaw", "mp3", "opus"
	Channels   int
	SampleRate int
	Bits       int // bits per sample for WAV; 0 otherwise
}

// MIME is the media type to serve the format with.
func (f Format) MIME() string {
	switch f.Container {
	case "wav":
		return "audio/wav"
	case "mp3":
		return "audio/mpeg"
	case "ogg":
		return "audio/ogg"
	}
	return "application/octet-stream"
}

func (f Format) String() string {
	return fmt.Sprintf("%s/%s %d Hz, %d channel(s)", f.Container, f.Codec, f.SampleRate, f.Channels)
}

// ErrUnsupported is wrapped by every "not a format we accept" error.
var ErrUnsupported = errors.New("unsupported audio format")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// Detect recognises the format from the first bytes of a file (up to
// SniffLen; fewer if the file is shorter). The error says what was wrong.
func Detect(head []byte) (Format, error) {
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return detectWAV(head)
	case len(head) >= 4 && string(head[:4]) == "OggS":
		return detectOgg(head)
	case len(head) >= 3 && string(head[:3]) == "ID3":
		return detectMP3(head)
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return detectMP3(head)
	case len(head) >= 4 && string(head[:4]) == "RIFF":
		return Format{}, unsupported("RIFF file that is not WAVE")
	case len(head) >= 4 && string(head[:4]) == "fLaC":
		return Format{}, unsupported("FLAC is not accepted; send WAV, MP3 or Ogg Opus")
	case len(head) == 0:
		return Format{}, unsupported("the file is empty")
	}
	return Format{}, unsupported("not WAV, MP3 or Ogg Opus (unrecognised header)")
}

const (
	wavPCM        = 1
	wavFloat      = 3
	wavALaw       = 6
	wavMuLaw      = 7
	wavExtensible = 0xFFFE
)

func detectWAV(b []byte) (Format, error) {
	off := 12
	for off+8 <= len(b) {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if id == "fmt " {
			if size < 16 || body+16 > len(b) {
				return Format{}, unsupported("WAV fmt chunk is truncated")
			}
			tag := int(binary.LittleEndian.Uint16(b[body:]))
			ch := int(binary.LittleEndian.Uint16(b[body+2:]))
			rate := int(binary.LittleEndian.Uint32(b[body+4:]))
			blockAlign := int(binary.LittleEndian.Uint16(b[body+12:]))
			bits := int(binary.LittleEndian.Uint16(b[body+14:]))
			if tag == wavExtensible {
				// The sub-format GUID's first two bytes carry the real tag.
				if size < 40 || body+26 > len(b) {
					return Format{}, unsupported("WAV extensible fmt chunk is truncated")
				}
				tag = int(binary.LittleEndian.Uint16(b[body+24:]))
			}
			f := Format{Container: "wav", Channels: ch, SampleRate: rate, Bits: bits}
			switch tag {
			case wavPCM:
				f.Codec = "pcm"
				if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
					return Format{}, unsupported("WAV PCM with %d bits per sample", bits)
				}
			case wavMuLaw, wavALaw:
				f.Codec = map[int]string{wavMuLaw: "mulaw", wavALaw: "alaw"}[tag]
				if bits != 8 {
					return Format{}, unsupported("WAV G.711 with %d bits per sample (must be 8)", bits)
				}
			case wavFloat:
				return Format{}, unsupported("WAV with floating-point samples; send PCM or G.711")
			default:
				return Format{}, unsupported("WAV codec 0x%04x; send PCM or G.711 µ-law/A-law", tag)
			}
			if ch < 1 || ch > 8 {
				return Format{}, unsupported("WAV with %d channels", ch)
			}
			if rate < 8000 || rate > 192000 {
				return Format{}, unsupported("WAV sample rate %d Hz", rate)
			}
			if blockAlign != ch*bits/8 {
				return Format{}, unsupported("WAV block alignment %d does not match %d channel(s) of %d bits", blockAlign, ch, bits)
			}
			return f, nil
		}
		// Chunks are padded to even sizes.
		next := body + size + size&1
		if next <= off || size < 0 {
			break
		}
		off = next
	}
	return Format{}, unsupported("WAV file has no fmt chunk in its first %d bytes", len(b))
}

var (
	mp3Bitrates = [2][16]int{ // kbit/s for Layer III: [MPEG-1, MPEG-2/2.5]
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
	}
	mp3Rates = [4][3]int{ // by version bits: 2.5, reserved, 2, 1
		{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000},
	}
)

func detectMP3(b []byte) (Format, error) {
	off := 0
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		// ID3v2 size is four 7-bit "syncsafe" bytes.
		for _, c := range b[6:10] {
			if c&0x80 != 0 {
				return Format{}, unsupported("MP3 ID3 tag has a malformed size")
			}
		}
		size := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
		off = 10 + size
		if b[5]&0x10 != 0 {
			off += 10 // footer
		}
		if off+4 > len(b) {
			return Format{}, unsupported("MP3 ID3 tag is larger than %d bytes or the file is truncated", len(b))
		}
	}
	// Find the first frame header within a short distance (padding after tags).
	for end := min(off+4096, len(b)-3); off < end; off++ {
		if b[off] != 0xFF || b[off+1]&0xE0 != 0xE0 {
			continue
		}
		h := binary.BigEndian.Uint32(b[off:])
		version := (h >> 19) & 3
		layer := (h >> 17) & 3
		brIdx := (h >> 12) & 15
		srIdx := (h >> 10) & 3
		mode := (h >> 6) & 3
		if version == 1 || layer != 1 || srIdx == 3 {
			continue // reserved version, not Layer III, reserved rate
		}
		row := 0
		if version != 3 {
			row = 1
		}
		if mp3Bitrates[row][brIdx] <= 0 {
			continue // free-format or bad bitrate
		}
		ch := 2
		if mode == 3 {
			ch = 1
		}
		return Format{Container: "mp3", Codec: "mp3", Channels: ch, SampleRate: mp3Rates[version][srIdx]}, nil
	}
	return Format{}, unsupported("no MPEG Layer III frame header found")
}

func detectOgg(b []byte) (Format, error) {
	if len(b) < 27 {
		return Format{}, unsupported("Ogg page header is truncated")
	}
	if b[4] != 0 {
		return Format{}, unsupported("Ogg stream structure version %d", b[4])
	}
	if b[5]&0x02 == 0 {
		return Format{}, unsupported("Ogg file does not start with a beginning-of-stream page")
	}
	nseg := int(b[26])
	if 27+nseg > len(b) {
		return Format{}, unsupported("Ogg segment table is truncated")
	}
	body := 27 + nseg
	packet := b[body:]
	if !bytes.HasPrefix(packet, []byte("OpusHead")) {
		if bytes.HasPrefix(packet, []byte("\x01vorbis")) {
			return Format{}, unsupported("Ogg Vorbis is not accepted; send Ogg Opus")
		}
		return Format{}, unsupported("Ogg stream is not Opus")
	}
	if len(packet) < 19 {
		return Format{}, unsupported("OpusHead packet is truncated")
	}
	if packet[8]>>4 != 0 {
		return Format{}, unsupported("Opus header version %d", packet[8])
	}
	ch := int(packet[9])
	if ch < 1 {
		return Format{}, unsupported("Opus stream with no channels")
	}
	rate := int(binary.LittleEndian.Uint32(packet[12:16]))
	if rate == 0 {
		rate = 48000 // "unspecified": Opus always decodes at 48 kHz
	}
	return Format{Container: "ogg", Codec: "opus", Channels: ch, SampleRate: rate}, nil
}
