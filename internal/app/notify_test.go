package app_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/testutil/apptest"
)

// GOV.UK Notify is an integration like the S3 bucket: configured against the processor the
// policy declares for call-recording data, in its countries, or start-up refuses it; once
// configured, the app sends through it and the check no longer calls the processor unused.
func TestNotifyIntegration(t *testing.T) {
	key := notifyfake.NewKey("fairline")
	const tmpl = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	fake, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key}, Templates: map[string]string{tmpl: "((link))"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	// A policy without Notify: the published notice before issue 15.
	withoutNotify := filepath.Join(t.TempDir(), "no-notify.yaml")
	doc := string(policy.DefaultYAML())
	start := strings.Index(doc, "    processors:\n      # GOV.UK Notify")
	end := strings.Index(doc[start:], "    recipients:")
	if start < 0 || end < 0 {
		t.Fatal("the default policy no longer declares GOV.UK Notify where expected")
	}
	if err := os.WriteFile(withoutNotify, []byte(doc[:start]+doc[start+end:]), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, policy, processor, location string
		wantErr                           string // "": it opens
	}{
		{"declared, in the UK", "", "govuk-notify", "UK", ""},
		{"GB is the UK", "", "govuk-notify", "gb", ""},
		{"no processor named", "", "", "UK", "notify-processor: GOV.UK Notify: no processor is named"},
		{"the chatbot's processor", "", "microsoft", "UK", `notify-processor: GOV.UK Notify: processor "microsoft" is not declared in systems[1].processors (call-recording data; declared: govuk-notify)`},
		{"in Ireland", "", "govuk-notify", "IE", "IE (notify-location) is outside GOV.UK Notify's countries in the policy (systems[1].processors[0].countries: UK)"},
		{"a policy without Notify", withoutNotify, "govuk-notify", "UK", `processor "govuk-notify" is not declared in systems[1].processors (call-recording data; declared: none)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := apptest.Config(t.TempDir())
			cfg.Policy, cfg.NotifyProcessor, cfg.NotifyLocation = c.policy, c.processor, c.location
			cfg.NotifyURL, cfg.NotifyAPIKey = srv.URL, key.Name+"-"+key.ServiceID+"-"+key.Secret()
			if c.wantErr != "" {
				a, err := app.Open(context.Background(), cfg, quiet, app.Options{})
				if err == nil {
					a.Close()
					t.Fatal("Open accepted it")
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Open: %v\nwant %q", err, c.wantErr)
				}
				if strings.Contains(err.Error(), key.Secret()) {
					t.Error("the error shows the API key's secret")
				}
				// `fairline check` opens it anyway and reports the same refusal as broken.
				a = apptest.Open(t, cfg, apptest.Options{App: app.Options{Inspect: true}})
				rep, err := a.Check.Run(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				broken := false
				for _, it := range rep.Items {
					broken = broken || it.Result == check.Broken && (it.ID == check.UndeclaredProcessor || it.ID == check.ProcessorCountries)
				}
				if !broken {
					t.Errorf("the check does not report it: %+v", rep.Items)
				}
				return
			}
			a := apptest.Open(t, cfg, apptest.Options{})
			if a.Notify == nil {
				t.Fatal("no Notify sender")
			}
			n, err := a.Notify.SendSMS(context.Background(), notify.SMS{PhoneNumber: "07700900123", TemplateID: tmpl,
				Reference: c.name, Personalisation: map[string]string{"link": "https://x.example/s/1"}})
			if err != nil || n.ID == "" || fake.SentTo("07700900123") == 0 {
				t.Fatalf("send: %+v %v", n, err)
			}
			rep, err := a.Check.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range rep.Items {
				if it.ID == check.UnusedProcessor && strings.Contains(it.Detail, "GOV.UK Notify") {
					t.Errorf("Notify called unused while configured: %s", it.Detail)
				}
			}
		})
	}
	// Not configured: no sender, and the notice's processor is reported unused.
	a := apptest.Open(t, apptest.Config(t.TempDir()), apptest.Options{})
	if a.Notify != nil {
		t.Error("a Notify sender without notify-url")
	}
	rep, err := a.Check.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range rep.Items {
		if it.ID == check.UnusedProcessor && !strings.Contains(it.Detail, "the Customer Service Centre Phone Calls notice names GOV.UK Notify, but no integration sends it data") {
			t.Errorf("unused processors: %s", it.Detail)
		}
	}
}
