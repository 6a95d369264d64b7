package web

import (
	"fmt"
	"strings"
	"time"
)

// The recording page's waveform: an inline SVG drawn here from the stored
// peaks (no third-party script draws it), one vertical stroke per peak.
// assets/app.js makes a click on it seek the player; without JavaScript
// it is still a picture of where the call is loud and where it is quiet.

const waveformHeight = 80

// waveform is what the template needs to draw one.
type waveform struct {
	Path    string // one "M x y V y" stroke per peak
	Width   int
	Height  int
	Seconds float64 // the call's length, for seeking and marks
	Marks   []waveMark
}

// waveMark is a point in the call drawn on the waveform (a comment).
type waveMark struct {
	X     float64
	Label string
}

// newWaveform lays out peaks (0–255) for a call of length d; nil without peaks.
func newWaveform(peaks []byte, d time.Duration) *waveform {
	if len(peaks) == 0 {
		return nil
	}
	var b strings.Builder
	mid := float64(waveformHeight) / 2
	for i, v := range peaks {
		// At least a hairline, so silence still reads as a timeline.
		h := max(float64(v)/255*mid, 0.5)
		fmt.Fprintf(&b, "M%d.5 %.1fV%.1f", i, mid-h, mid+h)
	}
	return &waveform{Path: b.String(), Width: len(peaks), Height: waveformHeight, Seconds: d.Seconds()}
}

// mark adds a point at offset into the call.
func (w *waveform) mark(offset time.Duration, label string) {
	if w == nil || w.Seconds <= 0 {
		return
	}
	x := min(max(offset.Seconds()/w.Seconds, 0), 1) * float64(w.Width)
	w.Marks = append(w.Marks, waveMark{X: x, Label: label})
}
