package browser_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fairline/fairline/internal/testutil/browser"
	"github.com/fairline/fairline/internal/web/static"
)

func TestMain(m *testing.M) { os.Exit(browser.Main(m)) }

const goodPage = `<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Report a problem – Test Council</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/govuk/govuk-frontend.min.css"></head>
<body class="govuk-template__body">
<a href="#main" class="govuk-skip-link">Skip to main content</a>
<header class="govuk-header" role="banner"><div class="govuk-header__container govuk-width-container">Test Council</div></header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main" role="main">
  <h1 class="govuk-heading-l">Report a problem</h1>
  <form action="/submit" method="post" novalidate>
    <div class="govuk-form-group">
      <label class="govuk-label" for="name">Your name</label>
      <input class="govuk-input" id="name" name="name" type="text" autocomplete="name">
    </div>
    <button type="submit" class="govuk-button">Continue</button>
  </form>
  <p class="govuk-body" id="greeting">Hello, nobody</p>
</main>
</div>
<script>
  document.getElementById('name').addEventListener('input', function (e) {
    document.getElementById('greeting').textContent = 'Hello, ' + e.target.value;
  });
</script>
</body></html>`

const badPage = `<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Bad page</title></head>
<body>
<main>
  <h1>Bad page</h1>
  <img src="/pixel.png">
  <input type="text" name="unlabelled">
</main>
</body></html>`

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /{$}", page(goodPage))
	mux.HandleFunc("GET /bad", page(badPage))
	mux.HandleFunc("GET /pixel.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusOK)
	})
	govuk, err := fs.Sub(static.FS, "govuk")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := fs.Sub(static.FS, "govuk/assets")
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /static/govuk/", http.StripPrefix("/static/govuk/", http.FileServerFS(govuk)))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAccessiblePageHasNoViolations(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browser.NewTab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	vs, err := browser.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Fatalf("want no violations, got %d: %v", len(vs), vs)
	}
	browser.AssertNoViolations(t, ctx)

	// The vendored GOV.UK Frontend CSS loaded and applied its styles.
	font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.govuk-button')).fontFamily`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(font, "GDS Transport") {
		t.Errorf("govuk-frontend.min.css not applied: .govuk-button font-family = %q", font)
	}
	// The CSS's url(/assets/fonts/...) resolves when govuk/assets is served at /assets/.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		await document.fonts.load('700 19px "GDS Transport"');
		return [...document.fonts].filter((f) => f.family.includes('GDS Transport') && f.status === 'loaded').length;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if loaded == 0 {
		t.Error("no GDS Transport font face loaded from /assets/fonts/")
	}
}

func TestInaccessiblePageReportsViolations(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browser.NewTab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	vs, err := browser.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]browser.Violation{}
	for _, v := range vs {
		got[v.ID] = v
	}
	for _, id := range []string{"image-alt", "label"} {
		v, ok := got[id]
		if !ok {
			t.Errorf("want violation %q, got %v", id, vs)
			continue
		}
		if v.Impact == "" || v.Help == "" || !strings.HasPrefix(v.HelpURL, "https://") || len(v.Nodes) == 0 {
			t.Errorf("violation %q lacks details: %+v", id, v)
		}
	}
	if v, ok := got["image-alt"]; ok && !strings.Contains(strings.Join(v.Nodes, "\n"), `<img src="/pixel.png">`) {
		t.Errorf("image-alt nodes do not show the element: %q", v.Nodes)
	}

	// AssertNoViolations fails the test and lists each violation.
	rec := &recorder{TB: t}
	browser.AssertNoViolations(rec, ctx)
	if !rec.failed {
		t.Fatal("AssertNoViolations did not fail on an inaccessible page")
	}
	msg := strings.Join(rec.msgs, "\n")
	for _, want := range []string{"image-alt", "label", "https://dequeuniversity.com/rules/axe/", "/bad"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}
	t.Logf("what a failing page test prints:\n%s", msg)

	// Running Axe again on the same page reuses the injected script.
	if again, err := browser.Axe(ctx); err != nil || len(again) != len(vs) {
		t.Errorf("second Axe run: %d violations, err %v; want %d", len(again), err, len(vs))
	}
}

func TestTypeAndReadText(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := browser.NewTab(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"),
	); err != nil {
		t.Fatal(err)
	}
	value, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name")))
	if err != nil {
		t.Fatal(err)
	}
	if value != "Ada Lovelace" {
		t.Errorf("input value = %q, want %q", value, "Ada Lovelace")
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("greeting")))
	if err != nil {
		t.Fatal(err)
	}
	if text != "Hello, Ada Lovelace" {
		t.Errorf("greeting = %q, want %q", text, "Hello, Ada Lovelace")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.record(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatalf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msgs = append(r.msgs, msg)
}
