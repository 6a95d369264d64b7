// Package browser drives a shared headless Chromium for page tests, with
// chromedp (generic API, v0.23) and axe-core accessibility checks.
//
//	func TestMain(m *testing.M) { os.Exit(browser.Main(m)) }
//
//	func TestPage(t *testing.T) {
//		ctx := browser.NewTab(t)
//		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
//			t.Fatal(err)
//		}
//		browser.AssertNoViolations(t, ctx)
//	}
//
// One browser is started per test binary, on first use, and closed by Main.
// Every NewTab is a separate tab, so parallel tests are fine. When Chromium is
// missing, NewTab skips the test under -short and fails it otherwise.
package browser

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fairline/fairline/internal/testutil/shared"
)

// TabTimeout bounds everything a test does in one tab. Generous: a test may
// check a dozen pages with axe on a loaded two-core CI machine.
const TabTimeout = 4 * time.Minute

//go:embed axe.min.js
var axeSource string

// AxeTags are the axe-core rule tags that Axe runs.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

var errNoChromium = errors.New("Chromium not found (looked for /usr/bin/chromium and chromium, chromium-browser on PATH); run `make test`, which installs it, or `apt-get install chromium`")

// chromium is the running browser.
type chromium struct {
	allocCancel context.CancelFunc
	ctx         context.Context // the first tab; it owns the browser process
	stop        context.CancelFunc
}

var srv = shared.New("browser", errNoChromium, start, chromium.close)

// Main runs the tests and then closes the browser, if one was started.
// Use it as: func TestMain(m *testing.M) { os.Exit(browser.Main(m)) }.
func Main(m *testing.M) int { return srv.Main(m) }

// execPath finds the Chromium binary.
func execPath() (string, error) {
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoChromium
}

func start() (chromium, error) {
	path, err := execPath()
	if err != nil {
		return chromium{}, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1024),
		// No UserDataDir option: chromedp then makes a fresh temporary
		// user-data-dir, and removes it (and kills leftover child processes)
		// when the browser stops.
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// The first Run starts the browser; the browser lives as long as bctx, so
	// this Run must not use a context with a timeout. Bound it from outside.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(bctx) }()
	select {
	case err = <-done:
	case <-time.After(TabTimeout):
		err = errors.New("timed out")
	}
	if err != nil {
		bcancel()
		acancel()
		return chromium{}, fmt.Errorf("start %s: %w", path, err)
	}
	return chromium{allocCancel: acancel, ctx: bctx, stop: bcancel}, nil
}

// close closes the browser. A failure to close gracefully is not reported: the process is
// killed then.
func (c chromium) close() error {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	_ = chromedp.Cancel(ctx) // graceful close; falls back to killing it
	cancel()
	c.stop()
	c.allocCancel() // waits for the process and removes the user-data-dir
	return nil
}

// NewTab opens a new tab in the shared browser and returns its context, which
// times out after TabTimeout. The tab is closed when the test finishes.
func NewTab(tb testing.TB) context.Context {
	tb.Helper()
	tabCtx, closeTab := chromedp.NewContext(srv.Get(tb).ctx)
	// Create the tab with the long-lived context: the tab lives as long as the
	// context of its first Run.
	if err := chromedp.Do(tabCtx); err != nil {
		closeTab()
		tb.Fatalf("browser: open tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, TabTimeout)
	tb.Cleanup(func() {
		cancel()
		closeTab()
	})
	return ctx
}

// Violation is one failed axe-core rule.
type Violation struct {
	ID      string // rule id, e.g. "image-alt"
	Impact  string // "minor", "moderate", "serious" or "critical"
	Help    string // one-line description of the rule
	HelpURL string
	Nodes   []string // per failing element: "target selector: <html snippet>"
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    - %s", n)
	}
	return b.String()
}

const axeRunScript = `(async () => {
	const results = await axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']});
	const sel = (t) => Array.isArray(t) ? t.join(' >>> ') : String(t);
	return results.violations.map((v) => ({
		id: v.id,
		impact: v.impact || '',
		help: v.help,
		helpUrl: v.helpUrl,
		nodes: v.nodes.map((n) => n.target.map(sel).join(', ') + ': ' + n.html),
	}));
})()`

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Nodes   []string `json:"nodes"`
}

// Axe injects axe-core into the current page of the tab (if it is not there
// yet) and runs it with the AxeTags rule tags. It returns the violations.
func Axe(ctx context.Context) ([]Violation, error) {
	present, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		return nil, fmt.Errorf("axe: check page: %w", err)
	}
	if !present {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("axe: inject axe-core: %w", err)
		}
	}
	tags := `['` + strings.Join(AxeTags, `','`) + `']`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(axeRunScript, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	out := make([]Violation, 0, len(raw))
	for _, v := range raw {
		out = append(out, Violation(v))
	}
	return out, nil
}

// AssertNoViolations runs Axe on the current page and fails tb, listing every
// violation, when there is any.
func AssertNoViolations(tb testing.TB, ctx context.Context) {
	tb.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		tb.Fatalf("browser: %v", err)
		return
	}
	if len(vs) == 0 {
		return
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	var b strings.Builder
	fmt.Fprintf(&b, "axe-core found %d accessibility violation(s) on %s:", len(vs), url)
	for i, v := range vs {
		fmt.Fprintf(&b, "\n%d. %s", i+1, v)
	}
	tb.Error(b.String())
}
