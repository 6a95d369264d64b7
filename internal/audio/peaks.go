package audio

import "encoding/binary"

// Waveform peaks: the loudest sample of each of a few hundred equal slices
// of a call, which is all the console needs to draw a timeline an assessor
// can click to seek. They are computed from the decrypted audio while it
// streams past (at ingest, or once from a stored recording) and are not
// audio: 400 bytes cannot be played back or transcribed.

// WaveformPeaks is how many peaks a waveform has.
const WaveformPeaks = 400

// PeakWriter computes waveform peaks from a WAV file written to it in any
// pieces. Compressed formats (MP3, Opus) would need a decoder the standard
// library does not have: for them Peaks reports false and the console
// shows the player without a waveform.
//
// Memory is bounded whatever the length: frames are folded into at most
// 2×WaveformPeaks buckets, and when they fill, neighbours merge and each
// bucket covers twice as many frames. The length need not be known first,
// which matters because streaming recorders often leave the data size 0.
type PeakWriter struct {
	head     []byte // bytes before the data chunk, while looking for it
	dataLeft int64  // bytes of the data chunk still expected (-1: to the end)
	format   Format
	frame    int // bytes per frame (all channels)
	partial  []byte
	inData   bool
	failed   bool
	buckets  []uint16 // peak per bucket, 0..65535
	perBkt   int      // frames per bucket
	inBucket int      // frames in the current (last) bucket
}

// NewPeakWriter returns a writer that computes peaks from a WAV stream.
func NewPeakWriter() *PeakWriter { return &PeakWriter{perBkt: 1} }

// Write never fails: audio it cannot read only means no waveform.
func (p *PeakWriter) Write(b []byte) (int, error) {
	n := len(b)
	if p.failed {
		return n, nil
	}
	if !p.inData {
		p.head = append(p.head, b...)
		b = p.findData()
		if !p.inData {
			if len(p.head) > SniffLen {
				p.fail()
			}
			return n, nil
		}
	}
	if p.dataLeft >= 0 {
		if int64(len(b)) > p.dataLeft {
			b = b[:p.dataLeft] // chunks after the data (LIST) are not samples
		}
		p.dataLeft -= int64(len(b))
	}
	if len(p.partial) > 0 {
		need := p.frame - len(p.partial)
		if len(b) < need {
			p.partial = append(p.partial, b...)
			return n, nil
		}
		p.partial = append(p.partial, b[:need]...)
		p.add(p.partial)
		p.partial, b = p.partial[:0], b[need:]
	}
	whole := len(b) / p.frame * p.frame
	for off := 0; off < whole; off += p.frame {
		p.add(b[off : off+p.frame])
	}
	p.partial = append(p.partial, b[whole:]...)
	return n, nil
}

func (p *PeakWriter) fail() { p.failed, p.head, p.buckets = true, nil, nil }

// findData parses the header once it has arrived; it returns the sample
// bytes that followed it in the buffer.
func (p *PeakWriter) findData() []byte {
	b := p.head
	if len(b) < 12 {
		return nil
	}
	f, err := Detect(b)
	if err != nil {
		if len(b) >= SniffLen { // a header this long that is still unreadable never will be
			p.fail()
		}
		return nil
	}
	if f.Container != "wav" {
		p.fail()
		return nil
	}
	off := 12
	for off+8 <= len(b) {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if id == "data" {
			p.format, p.frame, p.inData = f, f.Channels*f.Bits/8, true
			p.dataLeft = size
			if size == 0 || size == 0xFFFFFFFF {
				p.dataLeft = -1 // unknown: the rest of the file
			}
			rest := append([]byte(nil), b[body:]...)
			p.head = nil
			return rest
		}
		next := int64(body) + size + size&1
		if next > int64(len(b)) {
			return nil // the chunk continues in a later write
		}
		off = int(next)
	}
	return nil
}

// add folds one frame into the current bucket: the largest absolute
// sample of any channel.
func (p *PeakWriter) add(frame []byte) {
	var peak uint16
	bps := p.format.Bits / 8
	for c := 0; c+bps <= len(frame); c += bps {
		if v := amplitude(p.format.Codec, frame[c:c+bps]); v > peak {
			peak = v
		}
	}
	if len(p.buckets) == 0 || p.inBucket == p.perBkt {
		if len(p.buckets) == 2*WaveformPeaks {
			p.halve()
		}
		if len(p.buckets) == 0 || p.inBucket == p.perBkt {
			p.buckets = append(p.buckets, 0)
			p.inBucket = 0
		}
	}
	if last := len(p.buckets) - 1; peak > p.buckets[last] {
		p.buckets[last] = peak
	}
	p.inBucket++
}

// halve merges neighbouring buckets, doubling the frames each covers.
func (p *PeakWriter) halve() {
	for i := 0; i < len(p.buckets)/2; i++ {
		p.buckets[i] = max(p.buckets[2*i], p.buckets[2*i+1])
	}
	p.buckets = p.buckets[:len(p.buckets)/2]
	p.perBkt *= 2
	p.inBucket = p.perBkt // every merged bucket is full
}

// Peaks returns WaveformPeaks values from 0 (silence) to 255 (full scale),
// or false when the audio was not a readable WAV or had no samples.
func (p *PeakWriter) Peaks() ([]byte, bool) {
	if p.failed || !p.inData || len(p.buckets) == 0 {
		return nil, false
	}
	out := make([]byte, WaveformPeaks)
	n := len(p.buckets)
	for i := range out {
		// Each output peak is the loudest of the buckets it spans, so a
		// short shout is not averaged away.
		lo, hi := i*n/WaveformPeaks, (i+1)*n/WaveformPeaks
		if hi <= lo {
			hi = lo + 1
		}
		var m uint16
		for _, v := range p.buckets[lo:min(hi, n)] {
			m = max(m, v)
		}
		out[i] = byte(m >> 8)
	}
	return out, true
}

// amplitude is a sample's absolute value scaled to 0..65535.
func amplitude(codec string, s []byte) uint16 {
	var v int32
	switch {
	case codec == "mulaw":
		v = int32(muLaw(s[0])) << 16
	case codec == "alaw":
		v = int32(aLaw(s[0])) << 16
	case len(s) == 1: // 8-bit PCM is unsigned
		v = (int32(s[0]) - 128) << 24
	case len(s) == 2:
		v = int32(int16(binary.LittleEndian.Uint16(s))) << 16
	case len(s) == 3:
		v = int32(uint32(s[0])<<8 | uint32(s[1])<<16 | uint32(s[2])<<24)
	case len(s) == 4:
		v = int32(binary.LittleEndian.Uint32(s))
	}
	a := int64(v)
	if a < 0 {
		a = -a
	}
	return uint16(min(a>>15, 65535))
}

// muLaw and aLaw expand G.711 bytes to 16-bit linear samples (ITU-T G.711).
func muLaw(u byte) int16 {
	u = ^u
	t := (int32(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func aLaw(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
