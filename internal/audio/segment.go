package audio

import (
	"encoding/binary"
	"fmt"
	"time"
)

// A WAV segment is what a training clip keeps of its call (internal/recording):
// the recording's own fmt chunk and the sample bytes between two instants,
// under a new RIFF header, so the copy plays on its own and holds nothing of
// the call outside the clip.

// WAVLayout is where a WAV file's samples are.
type WAVLayout struct {
	Format
	Fmt        []byte // the fmt chunk, header included
	DataOffset int64  // first sample byte
	DataSize   int64  // -1: to the end of the file (a streaming recorder left it 0)
}

// ParseWAVLayout reads the layout from the first bytes of a WAV file (up to
// SniffLen): the fmt and data chunks must both start there.
func ParseWAVLayout(head []byte) (WAVLayout, error) {
	f, err := Detect(head)
	if err != nil {
		return WAVLayout{}, err
	}
	if f.Container != "wav" {
		return WAVLayout{}, unsupported("%s is not WAV: its segments cannot be cut without a decoder", f.Container)
	}
	l := WAVLayout{Format: f}
	for off := 12; off+8 <= len(head); {
		id := string(head[off : off+4])
		size := int64(binary.LittleEndian.Uint32(head[off+4 : off+8]))
		body := int64(off + 8)
		switch id {
		case "fmt ":
			if body+size > int64(len(head)) {
				return WAVLayout{}, unsupported("WAV fmt chunk is truncated")
			}
			l.Fmt = append([]byte(nil), head[off:body+size]...)
		case "data":
			if l.Fmt == nil {
				return WAVLayout{}, unsupported("WAV data chunk before its fmt chunk")
			}
			l.DataOffset, l.DataSize = body, size
			if size == 0 || size == 0xFFFFFFFF {
				l.DataSize = -1
			}
			return l, nil
		}
		next := body + size + size&1
		if next > int64(len(head)) {
			break
		}
		off = int(next)
	}
	return WAVLayout{}, unsupported("WAV file has no data chunk in its first %d bytes", len(head))
}

// Span is the byte range [From, To) of the samples from start to end (end
// 0: the end of the data), whole frames only; total is the file's size.
func (l WAVLayout) Span(start, end time.Duration, total int64) (from, to int64) {
	frame := int64(l.Channels * l.Bits / 8)
	dataEnd := total
	if l.DataSize >= 0 {
		dataEnd = min(total, l.DataOffset+l.DataSize)
	}
	at := func(d time.Duration) int64 {
		frames := int64(d) * int64(l.SampleRate) / int64(time.Second)
		return min(dataEnd, l.DataOffset+frames*frame)
	}
	from, to = at(start), dataEnd
	if end > 0 {
		to = at(end)
	}
	to = from + (to-from)/frame*frame
	return from, to
}

// Header is the RIFF header of a WAV file holding size sample bytes in the
// layout's format: RIFF, WAVE, the fmt chunk and the data chunk's header.
func (l WAVLayout) Header(size int64) ([]byte, error) {
	riff := 4 + int64(len(l.Fmt)+len(l.Fmt)&1) + 8 + size
	if size < 0 || riff > 0xFFFFFFFF {
		return nil, fmt.Errorf("audio: a WAV segment of %d bytes does not fit a RIFF file", size)
	}
	h := make([]byte, 0, 12+len(l.Fmt)+1+8)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(riff))
	h = append(h, "WAVE"...)
	h = append(h, l.Fmt...)
	if len(l.Fmt)&1 == 1 {
		h = append(h, 0)
	}
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, uint32(size)), nil
}
