package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/pii"
)

// RedactOptions configure Redact.
type RedactOptions struct {
	// Detector is the one the server would use (built from the policy).
	Detector *pii.Detector
	// File holds the messages, one per line or JSON lines with a "text"
	// field; empty means sampleMessages.
	File string
	// Size is the document's size in bytes; Time the least time spent on
	// each measurement.
	Size int
	Time time.Duration
}

// Redact measures personal-data redaction in MB/s, one goroutine, on
// chat-sized messages and on a large document, against the naive baseline
// (naiveRedact), and writes the table to w.
func Redact(ctx context.Context, w io.Writer, o RedactOptions) error {
	msgs := sampleMessages
	source := "built-in sample"
	if o.File != "" {
		var err error
		if msgs, err = readMessages(o.File); err != nil {
			return err
		}
		source = o.File
	}
	d := o.Detector
	doc := document(msgs, o.Size)
	chatBytes := 0
	for _, m := range msgs {
		chatBytes += len(m)
	}
	fmt.Fprintf(w, "fairline bench redact: %d messages from %s (average %d bytes), document %.1f MB\n",
		len(msgs), source, chatBytes/len(msgs), float64(len(doc))/1e6)
	fmt.Fprintf(w, "%s %s/%s, GOMAXPROCS %d, one goroutine\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "%-16s %-14s %12s %12s %10s\n", "input", "method", "MB/s (wall)", "MB/s (CPU)", "entities")
	type row struct{ wall, cpu float64 }
	results := map[string]row{}
	for _, c := range []struct {
		input, method string
		run           func() (bytes, found int)
	}{
		{"chat messages", "detector", func() (int, int) {
			n := 0
			for _, m := range msgs {
				_, e := d.Redact(m)
				n += len(e)
			}
			return chatBytes, n
		}},
		{"chat messages", "naive regexp", func() (int, int) {
			n := 0
			for _, m := range msgs {
				n += len(naiveRE.FindAllStringIndex(m, -1))
				naiveRedact(m)
			}
			return chatBytes, n
		}},
		{"document", "detector", func() (int, int) {
			_, e := d.Redact(doc)
			return len(doc), len(e)
		}},
		{"document", "naive regexp", func() (int, int) {
			out := naiveRedact(doc)
			return len(doc), strings.Count(out, "[redacted]")
		}},
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		wall, cpu, found := measure(c.run, o.Time)
		results[c.input+"/"+c.method] = row{wall, cpu}
		fmt.Fprintf(w, "%-16s %-14s %12.1f %12.1f %10d\n", c.input, c.method, wall, cpu, found)
	}
	fmt.Fprintln(w)
	for _, in := range []string{"chat messages", "document"} {
		det, naive := results[in+"/detector"], results[in+"/naive regexp"]
		fmt.Fprintf(w, "%-16s detector / naive regexp = %.2fx (wall), %.2fx (CPU)\n", in, det.wall/naive.wall, det.cpu/naive.cpu)
	}
	return nil
}

// measure runs f until at least dur has passed and returns MB/s per second of wall time and
// per second of process CPU time, and the entities found in one run.
func measure(f func() (int, int), dur time.Duration) (wall, cpu float64, found int) {
	f() // warm up (lazy tables, pools)
	total := 0
	c0 := cpuTime()
	start := time.Now()
	for time.Since(start) < dur {
		n, e := f()
		total += n
		found = e
	}
	el := time.Since(start)
	c := cpuTime() - c0
	wall = float64(total) / 1e6 / el.Seconds()
	if c > 0 {
		cpu = float64(total) / 1e6 / c.Seconds()
	}
	return wall, cpu, found
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readMessages reads one message per line, or the "text" field of JSON lines.
func readMessages(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var msgs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			var m struct {
				Text string `json:"text"`
			}
			if json.Unmarshal([]byte(line), &m) == nil && m.Text != "" {
				msgs = append(msgs, m.Text)
				continue
			}
		}
		if strings.TrimSpace(line) != "" {
			msgs = append(msgs, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%s: no messages", path)
	}
	return msgs, nil
}

// naiveRE is the baseline `fairline bench redact` compares against: one combined regular
// expression of the usual patterns for UK personal data, with no validation and no context. It
// finds more than it should (any 10 digits, any date) and misses names and addresses; it is
// there to show what the detector's checks cost, not as an alternative.
var naiveRE = regexp.MustCompile(`(?i)\b(?:` +
	`[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}` + // e-mail
	`|(?:\+44\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}` + // UK phone
	`|\d{3}[\s-]?\d{3}[\s-]?\d{4}` + // NHS number
	`|\d{4}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{1,4}` + // card
	`|[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]` + // NI number
	`|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}` + // postcode
	`|\d{2}-\d{2}-\d{2}` + // sort code
	`|\d{1,2}/\d{1,2}/\d{2,4}` + // date
	`|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}` + // IPv4
	`)\b`)

// naiveRedact replaces every match of naiveRE with "[redacted]".
func naiveRedact(text string) string { return naiveRE.ReplaceAllString(text, "[redacted]") }

// sampleMessages are chat-sized messages for benchmarks when no file is given: the mix of a
// council chatbot, most with no personal data, some with several items. All values are
// synthetic (Ofcom drama numbers, example.com addresses, checksum-valid invented numbers).
var sampleMessages = []string{
	"What day is my bin collection? I live in Glenfield.",
	"My NHS number is 943 476 5919 and my postcode is LE3 8RA",
	"How do I apply for a blue badge for my mum? She is 84.",
	"Hi, I'm Sarah Jones, can you call me on 07700 900461 about my carers assessment?",
	"Are the libraries open on bank holidays?",
	"The streetlight outside 12 Mill Lane, Wigston has been out for two weeks",
	"How much does a garden waste permit cost this year? Is it still £45?",
	"Please update my email to jo.bloggs@example.com, NI number AB123456C",
	"Is the A6 closed at Kibworth this weekend?",
	"My son Jack starts school in September, how do I apply for transport?",
	"I paid with card 4111 1111 1111 1111 but it says unpaid, case CAS-204518",
	"Where is the nearest recycling centre to Loughborough and when does it open?",
	"My dad was born on 12/03/1944 and needs help at home after a fall",
	"Can I pay my care contribution by direct debit? Sort code 20-00-00, account 12345678",
	"The 48 bus was 20 minutes late again this morning at 8:15",
	"Who do I talk to about a pothole on Station Road?",
	"council tax account 40182736 - my direct debit failed, call 0116 496 0872",
	"Do you offer help with energy bills for older people?",
	"My car AB12 CDE was damaged by a pothole, who do I claim from?",
	"Thanks for your help. Kind regards, Margaret Hall",
	"What are the opening hours of County Hall? Is 0116 232 3232 the right number?",
	"I need an assessment for my nan, she lives at Flat 3, 27 Station Road, LE18 2QT",
	"Is there a charge for a replacement blue bin?",
	"When is the next adult social care drop-in session in Hinckley?",
}

// document builds a document of at least size bytes from messages, one per paragraph.
func document(messages []string, size int) string {
	var b strings.Builder
	b.Grow(size + 1024)
	for b.Len() < size {
		for _, m := range messages {
			b.WriteString(m)
			b.WriteString("\n\n")
			if b.Len() >= size {
				break
			}
		}
	}
	return b.String()
}
