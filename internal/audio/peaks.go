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
		p.addFrames(p.partial)
		p.partial, b = p.partial[:0], b[need:]
	}
	whole := len(b) / p.frame * p.frame
	p.addFrames(b[:whole])
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

// addFrames folds whole frames into the buckets, a bucket's worth at a
// time. At ingest this runs beside SHA-256 on the hashing goroutine and
// must keep up with encryption, so once a bucket spans more than
// sampledPerBucket frames only every stride-th frame is read: a thousand
// samples of a few seconds of speech find its loudest moment to within a
// few per cent, which a 80-pixel-high stroke cannot show anyway.
func (p *PeakWriter) addFrames(b []byte) {
	for len(b) > 0 {
		if len(p.buckets) == 0 || p.inBucket == p.perBkt {
			if len(p.buckets) == 2*WaveformPeaks {
				p.halve()
			}
			p.buckets = append(p.buckets, 0)
			p.inBucket = 0
		}
		k := min(p.perBkt-p.inBucket, len(b)/p.frame)
		stride := max(1, p.perBkt/sampledPerBucket)
		if peak := p.peakOf(b[:k*p.frame], stride); peak > p.buckets[len(p.buckets)-1] {
			p.buckets[len(p.buckets)-1] = peak
		}
		p.inBucket += k
		b = b[k*p.frame:]
	}
}

// sampledPerBucket is how many frames of a bucket are read at least.
const sampledPerBucket = 1024

// peakOf is the largest absolute sample of every stride-th frame of b,
// scaled to 0..65535.
func (p *PeakWriter) peakOf(b []byte, stride int) uint16 {
	bps, step := p.format.Bits/8, stride*p.frame
	var m uint16
	switch codec := p.format.Codec; {
	case codec == "mulaw" || codec == "alaw":
		table := &muLawPeak
		if codec == "alaw" {
			table = &aLawPeak
		}
		for f := 0; f < len(b); f += step {
			for _, c := range b[f : f+p.frame] {
				m = max(m, table[c])
			}
		}
	case bps == 2:
		var lo, hi int16
		for f := 0; f < len(b); f += step {
			for i := f; i < f+p.frame; i += 2 {
				v := int16(binary.LittleEndian.Uint16(b[i:]))
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		m = max(scale(int64(hi)<<16), scale(-int64(lo)<<16))
	default:
		for f := 0; f < len(b); f += step {
			for i := f; i < f+p.frame; i += bps {
				m = max(m, amplitude(codec, b[i:i+bps]))
			}
		}
	}
	return m
}

// G.711 bytes' peaks, computed once.
var muLawPeak, aLawPeak [256]uint16

func init() {
	for i := range 256 {
		muLawPeak[i] = amplitude("mulaw", []byte{byte(i)})
		aLawPeak[i] = amplitude("alaw", []byte{byte(i)})
	}
}

// scale maps a non-negative 32-bit amplitude to 0..65535.
func scale(a int64) uint16 { return uint16(min(a>>15, 65535)) }

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
	return scale(a)
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
