package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress draws a bar on a terminal and prints a plain line every step
// items otherwise (logs, CI), for long commands (crawls, imports).
type progress struct {
	w     io.Writer
	what  string
	bar   *progressbar.ProgressBar
	last  int
	every int
}

func newProgress(w io.Writer, what string, every int) *progress {
	p := &progress{w: w, what: what, every: every}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(false))
	}
	return p
}

// report says done of total items are finished (total may grow).
func (p *progress) report(done, total int) {
	if p.bar != nil {
		p.bar.ChangeMax(total)
		p.bar.Set(done)
		return
	}
	if done-p.last >= p.every || (done == total && done != p.last) {
		p.last = done
		fmt.Fprintf(p.w, "%s: %d of %d done\n", p.what, done, total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
