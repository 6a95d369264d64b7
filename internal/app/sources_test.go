package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/kb/crawl/crawltest"
	"github.com/fairline/fairline/internal/policy"
)

func openTest(t *testing.T, policyFile string, o Options) *App {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.DB = filepath.Join(dir, "fairline.db")
	cfg.KeyFile = filepath.Join(dir, "keys.json")
	cfg.BlobDir = filepath.Join(dir, "blobs")
	cfg.Policy = policyFile
	a, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func writePolicy(t *testing.T, file string, p *policy.Policy) {
	t.Helper()
	if err := os.WriteFile(file, p.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The scheduled re-crawl obeys the rules of `kb crawl`: private addresses
// only when allowed, and only sites the policy in force declares.
func TestRecrawlObeysSourcesAndPrivateAddresses(t *testing.T) {
	ctx := context.Background()
	site := crawltest.NewSite(t, crawltest.LoadPages(t, crawltest.DemoPages(t))[:5], "")
	file := filepath.Join(t.TempDir(), "policy.yaml")
	local, err := policy.Default().WithSources("local", kb.System, policy.Source{Name: "the test site", URL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	writePolicy(t, file, local)
	a := openTest(t, file, Options{})
	if _, err := a.KB.Crawl(ctx, site.URL, crawl.Options{Rate: -1, AllowPrivate: true}); err != nil {
		t.Fatal(err)
	}
	site.ResetCounts()

	var blocked *crawl.BlockedAddressError
	if err := a.Recrawl(ctx, false); !errors.As(err, &blocked) {
		t.Errorf("re-crawl of 127.0.0.1 without allowing private addresses: %v", err)
	}
	if total, _, _, _ := site.Counts(""); total != 0 {
		t.Errorf("the site got %d requests", total)
	}
	if err := a.Recrawl(ctx, true); err != nil {
		t.Errorf("allowed re-crawl: %v", err)
	}
	if _, notModified, _, _ := site.Counts(""); notModified != 5 {
		t.Errorf("allowed re-crawl: %d pages not modified, want 5", notModified)
	}

	// The policy now in force no longer declares the site.
	writePolicy(t, file, policy.Default())
	if err := a.ReloadPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	site.ResetCounts()
	var foreign *policy.SourceError
	if err := a.Recrawl(ctx, true); !errors.As(err, &foreign) || !strings.Contains(err.Error(), "systems[chatbot].sources") {
		t.Errorf("re-crawl of an undeclared site: %v", err)
	}
	if total, _, _, _ := site.Counts(""); total != 0 {
		t.Errorf("the undeclared site got %d requests", total)
	}
	if out, err := a.SitesOutsideSources(ctx); err != nil || len(out) != 1 || out[0] != site.URL {
		t.Errorf("sites outside the sources = %v, %v", out, err)
	}
}

// Demo mode declares the demo site in the policy in force, on start and on
// every reload; its version is recorded like any policy's.
func TestDemoModeDeclaresTheDemoSite(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "policy.yaml")
	writePolicy(t, file, policy.Default())
	a := openTest(t, file, Options{Demo: true})
	check := func(when string) {
		p := a.Policy()
		if p.Source != file+" + the --demo site" || p.CheckSource(kb.System, chat.DemoSource.URL) != nil {
			t.Errorf("%s: policy %q does not declare the demo site", when, p.Source)
		}
		last, err := a.DB.Q().LatestPolicy(ctx)
		if err != nil || last.Hash != p.Hash() || !strings.Contains(last.Content, "demo.localgov.example") {
			t.Errorf("%s: recorded policy %s, %v", when, last.Hash, err)
		}
	}
	check("on start")
	if ok, err := chat.ImportDemo(ctx, a.DB, a.KB); !ok || err != nil {
		t.Errorf("demo import: %v %v", ok, err)
	}
	if err := a.ReloadPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	check("after a reload")
	if out, err := a.SitesOutsideSources(ctx); err != nil || len(out) != 0 {
		t.Errorf("sites outside the sources = %v, %v", out, err)
	}
}

// Demo mode without a policy file runs the demo council's own policy, on
// start and on every reload, and sends no topic to another council; without
// demo mode the embedded Leicestershire policy is in force.
func TestDemoModeRunsTheDemoCouncil(t *testing.T) {
	ctx := context.Background()
	a := openTest(t, "", Options{Demo: true})
	if ok, err := chat.ImportDemo(ctx, a.DB, a.KB); !ok || err != nil {
		t.Fatalf("demo import: %v %v", ok, err)
	}
	if err := a.Chat.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		p := a.Policy()
		if p.Source != chat.DemoPolicySource || p.Organisation.Name != "Scarfolk Council" || p.CheckSource(kb.System, chat.DemoSource.URL) != nil {
			t.Errorf("%s: policy %q of %q is not the demo council's", when, p.Source, p.Organisation.Name)
		}
		if p.CheckSource(kb.System, "https://www.leicestershire.gov.uk") == nil {
			t.Errorf("%s: the demo policy declares Leicestershire's site", when)
		}
		resp, err := a.Chat.Try(ctx, "when is my bin collected")
		if err != nil || resp.Handoff != nil && resp.Handoff.Reason == chat.ReasonOtherCouncil {
			t.Errorf("%s: bins sent to another council: %+v %v", when, resp.Handoff, err)
		}
	}
	check("on start")
	if err := a.ReloadPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	check("after a reload")
	if out, err := a.SitesOutsideSources(ctx); err != nil || len(out) != 0 {
		t.Errorf("sites outside the sources = %v, %v", out, err)
	}

	def := openTest(t, "", Options{})
	if p := def.Policy(); p.Source != "embedded default policy" || p.Organisation.Name != "Leicestershire County Council" {
		t.Errorf("without demo mode: policy %q of %q", p.Source, p.Organisation.Name)
	}
}
