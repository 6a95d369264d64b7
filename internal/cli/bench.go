package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/pii"
)

// benchCmd groups the benchmarks; each subcommand measures one part of the product in this
// process and prints its figures.
func benchCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "bench", args, map[string]func(context.Context, *Env, []string) error{
		"redact": benchRedact,
		"chat":   benchChat,
		// chat-load is bench chat's load-generating child process.
		"chat-load": benchChatLoad,
		"ingest":    benchIngest,
		"sweep":     benchSweep,
	})
}

func benchRedact(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench redact", "bench redact [--file FILE] [--size BYTES] [--time DURATION]\n\nMeasures personal-data redaction in MB/s, one goroutine (one core), on chat-sized\nmessages and on a large document, against a baseline of one naive combined regular\nexpression pass in the same process. FILE holds the messages: one per line, or JSON lines\nwith a \"text\" field (such as testdata/pii/messages.jsonl); without it a built-in sample\nis used. The document is the messages repeated to --size bytes.\nMB/s is given per second of wall time and per second of CPU time of the process (the\nsecond is what one core does when the machine is shared).")
	cf := config.Register(fs, config.Policy)
	file := fs.String("file", "", "messages to use (one per line, or JSON lines with a \"text\" field)")
	size := fs.Int("size", 10<<20, "document size in bytes")
	dur := fs.Duration("time", 2*time.Second, "minimum time per measurement")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{"bench redact takes no arguments"}
	}
	if *size < 1 || *dur <= 0 {
		return &UsageError{"--size and --time must be positive"}
	}
	msgs := pii.SampleMessages
	source := "built-in sample"
	if *file != "" {
		var err error
		if msgs, err = readMessages(*file); err != nil {
			return err
		}
		source = *file
	}
	p, err := policyFrom(env, cf, "")
	if err != nil {
		return err
	}
	d := pii.New(p.PIIConfig())
	doc := pii.Document(msgs, *size)
	chatBytes := 0
	for _, m := range msgs {
		chatBytes += len(m)
	}
	fmt.Fprintf(env.Stdout, "fairline bench redact: %d messages from %s (average %d bytes), document %.1f MB\n",
		len(msgs), source, chatBytes/len(msgs), float64(len(doc))/1e6)
	fmt.Fprintf(env.Stdout, "%s %s/%s, GOMAXPROCS %d, one goroutine\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(env.Stdout, "%-16s %-14s %12s %12s %10s\n", "input", "method", "MB/s (wall)", "MB/s (CPU)", "entities")
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
				n += len(pii.NaiveRE.FindAllStringIndex(m, -1))
				pii.NaiveRedact(m)
			}
			return chatBytes, n
		}},
		{"document", "detector", func() (int, int) {
			_, e := d.Redact(doc)
			return len(doc), len(e)
		}},
		{"document", "naive regexp", func() (int, int) {
			out := pii.NaiveRedact(doc)
			return len(doc), strings.Count(out, "[redacted]")
		}},
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		wall, cpu, found := measure(c.run, *dur)
		results[c.input+"/"+c.method] = row{wall, cpu}
		fmt.Fprintf(env.Stdout, "%-16s %-14s %12.1f %12.1f %10d\n", c.input, c.method, wall, cpu, found)
	}
	fmt.Fprintln(env.Stdout)
	for _, in := range []string{"chat messages", "document"} {
		det, naive := results[in+"/detector"], results[in+"/naive regexp"]
		fmt.Fprintf(env.Stdout, "%-16s detector / naive regexp = %.2fx (wall), %.2fx (CPU)\n", in, det.wall/naive.wall, det.cpu/naive.cpu)
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
