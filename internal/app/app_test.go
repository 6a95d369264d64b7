package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/store"
	"github.com/fairline/fairline/internal/testutil/apptest"
	"github.com/fairline/fairline/internal/testutil/fakeclock"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// databaseFiles reads the SQLite database and its -wal and -shm files, as
// someone with a copy of the disk could.
func databaseFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// What a retention sweep deletes leaves no bytes in the database's files:
// not in free pages or free space of the database file (secure_delete), not
// in old frames of the write-ahead log (the sweep truncates it). Each case
// stores something distinctive through the real services, lets its
// retention run out and sweeps it the way the background jobs do.
func TestSweptDataLeavesNoBytesInTheDatabaseFiles(t *testing.T) {
	cases := []struct {
		name string
		// store keeps personal data and returns the strings it put in the database.
		store func(t *testing.T, a *app.App, now time.Time) []string
		// after is how long until the data has expired.
		after time.Duration
		sweep func(ctx context.Context, a *app.App) (int64, error)
	}{
		{
			name: "chat turn",
			store: func(t *testing.T, a *app.App, now time.Time) []string {
				q := "Can the quokka-7f3a9c-marmalade bin be collected from my drive?"
				err := a.DB.Tx(context.Background(), func(tx *store.Q) error {
					return tx.InsertChatTurns(context.Background(), store.ChatTurn{ID: strings.Repeat("ab", 16), Conversation: strings.Repeat("cd", 16),
						Question: q, ServiceArea: "environment-and-transport", Handoff: "not_found", ExpiresAt: now.Add(time.Hour), CreatedAt: now})
				})
				if err != nil {
					t.Fatal(err)
				}
				return []string{"quokka-7f3a9c-marmalade"}
			},
			after: 2 * time.Hour,
			sweep: func(ctx context.Context, a *app.App) (int64, error) { return a.SweepChat(ctx) },
		},
		{
			name: "recording's wrapped key and blind index",
			store: func(t *testing.T, a *app.App, now time.Time) []string {
				r := apptest.Recording(t, a, "pbx-quokka-1", "EXT-quokka-93d1", now.Add(-time.Hour))
				wrapped, bidx := r.WrappedKey, r.NumberBIdx
				if wrapped == "" || bidx == "" || r.NumberCT != "" {
					t.Fatalf("recording stored with wrapped key %q, blind index %q, sealed number %q: want the first two only (the policy keeps no sealed number)",
						wrapped, bidx, r.NumberCT)
				}
				return []string{wrapped, bidx, "EXT-quokka-93d1"}
			},
			after: 24 * 31 * 4 * time.Hour, // First Contact Plus keeps calls for 3 months
			sweep: func(ctx context.Context, a *app.App) (int64, error) {
				// The call's survey request holds the blind index too, beside the sealed number,
				// until the survey sender ends it (long before, in a running service: at expiry).
				if _, err := a.Surveys.Send(ctx); err != nil {
					return 0, err
				}
				res, err := a.Sweep(ctx)
				return int64(res.Deleted), err
			},
		},
		{
			name: "survey request's sealed number, expired unsent",
			store: func(t *testing.T, a *app.App, now time.Time) []string {
				err := a.DB.Tx(context.Background(), func(q *store.Q) error {
					return a.Surveys.CallStored(context.Background(), q, "trading-standards", "+447911123456", now)
				})
				rs, lerr := a.DB.Q().AllSurveyRequests(context.Background())
				if err != nil || lerr != nil || len(rs) != 1 || rs[0].NumberCT == "" {
					t.Fatalf("survey request not sealed: %+v %v %v", rs, err, lerr)
				}
				return []string{rs[0].NumberCT}
			},
			after: 73 * time.Hour, // the default policy gives up an unsent request after 72 hours
			sweep: func(ctx context.Context, a *app.App) (int64, error) {
				sum, err := a.Surveys.Send(ctx)
				return sum.Expired, err
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := apptest.Config(dir)
			clk := fakeclock.New(time.Now())
			// Notify refuses to send anything here: the request can only expire.
			a := apptest.Open(t, cfg, apptest.Options{App: app.Options{Now: clk.Now, SurveySender: refuseAll{}}})
			secrets := c.store(t, a, clk.Now())
			files := databaseFiles(t, cfg.DB)
			for _, s := range secrets {
				found := false
				for _, b := range files {
					found = found || bytes.Contains(b, []byte(s))
				}
				if !found {
					t.Fatalf("%q is not in the database files before the sweep: the test would prove nothing", s)
				}
			}
			clk.Add(c.after)
			if n, err := c.sweep(ctx, a); err != nil || n != 1 {
				t.Fatalf("sweep deleted %d, %v; want 1", n, err)
			}
			for name, b := range databaseFiles(t, cfg.DB) {
				for _, s := range secrets {
					if i := bytes.Index(b, []byte(s)); i >= 0 {
						t.Errorf("%s still holds %q at byte %d after the sweep", name, s, i)
					}
				}
			}
		})
	}
}

// The database's declared location is checked against every system's
// storage locations, as the blob store's is against call recording's: a
// database the policy does not allow refuses to start, before anything is
// stored.
func TestDatabaseLocationMustBeAllowed(t *testing.T) {
	cases := []struct {
		location string
		wantErr  string
	}{
		{"UK", ""},
		{"gb", ""},
		{"FR", "database storage: the database is declared to be in FR (db-location), which the policy does not allow"},
		{"US", "which the policy does not allow for storage of chatbot data"},
		{"", "declared to be in an undeclared location (db-location)"},
	}
	for _, c := range cases {
		t.Run(c.location, func(t *testing.T) {
			cfg := apptest.Config(t.TempDir())
			cfg.DBLocation = c.location
			a, err := app.Open(context.Background(), cfg, quiet, app.Options{})
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				a.Close()
				return
			}
			if err == nil {
				a.Close()
				t.Fatalf("started with the database in %q", c.location)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q, want one containing %q", err, c.wantErr)
			}
			if _, err := os.Stat(cfg.DB); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the database was created before the refusal (%v)", err)
			}
		})
	}
}

// A policy reload that no longer allows where the database is stored is
// refused, as it would be at start-up; the policy in force stays.
func TestReloadRefusesAPolicyThatDisallowsTheDatabase(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.yaml")
	def := string(policy.DefaultYAML())
	if err := os.WriteFile(file, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := apptest.Config(dir)
	cfg.Policy = file
	a := apptest.Open(t, cfg, apptest.Options{})
	before := a.Policy().Hash()
	// The chatbot may transfer to the EU, so storing only there is a valid policy.
	euOnly := strings.Replace(def, "      locations: [UK]\n    international_transfers:\n      countries: [EU, US]",
		"      locations: [EU]\n    international_transfers:\n      countries: [EU, US]", 1)
	if euOnly == def {
		t.Fatal("test could not find the chatbot's storage locations")
	}
	if err := os.WriteFile(file, []byte(euOnly), 0o600); err != nil {
		t.Fatal(err)
	}
	err := a.ReloadPolicy(context.Background())
	if err == nil || !strings.Contains(err.Error(), "db-location") {
		t.Errorf("reload = %v, want a refusal naming db-location", err)
	}
	if a.Policy().Hash() != before {
		t.Error("the refused policy came into force")
	}
}

// The default blob folder under data-dir is created; a folder configured
// by hand must exist already (a failed mount must not fill the disk under
// it), and the error names the setting.
func TestBlobDirMustExistUnlessDefault(t *testing.T) {
	elsewhere := t.TempDir()
	cases := []struct {
		name    string
		blobDir func(dataDir string) string
		wantErr string
	}{
		{"default, missing", func(d string) string { return filepath.Join(d, "blobs") }, ""},
		{"configured, existing", func(string) string { return elsewhere }, ""},
		{"configured, missing", func(string) string { return filepath.Join(elsewhere, "mnt", "recordings") }, "blob-dir: blob: local store folder"},
		{"configured under data-dir, missing", func(d string) string { return filepath.Join(d, "recordings") }, "it is not created"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := apptest.Config(t.TempDir())
			cfg.BlobDir = c.blobDir(cfg.DataDir)
			a, err := app.Open(context.Background(), cfg, quiet, app.Options{})
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if st, err := os.Stat(cfg.BlobDir); err != nil || !st.IsDir() {
					t.Errorf("blob folder: %v", err)
				}
				return
			}
			if err == nil {
				a.Close()
				t.Fatal("started with a configured blob folder that does not exist")
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q, want one containing %q", err, c.wantErr)
			}
			if _, err := os.Stat(cfg.BlobDir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the configured blob folder was created (%v)", err)
			}
		})
	}
}

// Every outbound integration is configured against a processor the policy
// declares, in the countries it declares: start-up refuses anything else,
// naming the setting and the policy field, before the database exists.
func TestIntegrationsNeedADeclaredProcessor(t *testing.T) {
	dir := t.TempDir()
	withAWS := strings.Replace(string(policy.DefaultYAML()), "    processors:\n      # GOV.UK Notify sends",
		"    processors:\n      - id: aws\n        name: Amazon Web Services\n        role: store the recordings\n"+
			"        receives: Recordings of calls\n        stores: true\n        countries: [UK]\n"+
			"      # GOV.UK Notify sends", 1)
	file := filepath.Join(dir, "aws.yaml")
	if err := os.WriteFile(file, []byte(withAWS), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, policy, processor, endpoint, region string
		wantErr                                   []string // nil: the integration check passes
	}{
		{"declared processor in its country", file, "aws", "", "eu-west-2", nil},
		{"no processor named", file, "", "", "eu-west-2", []string{"s3-processor: S3 object storage: no processor is named", "systems[1].processors"}},
		{"processor the policy does not declare", "", "aws", "", "eu-west-2", []string{`s3-processor: S3 object storage: processor "aws" is not declared in systems[1].processors`}},
		{"processor of the chatbot", "", "microsoft", "", "eu-west-2", []string{`processor "microsoft" is not declared`}},
		{"council's own server", "", "council", "http://127.0.0.1:1", "eu-west-2", nil},
		{"AWS is never the council's own", "", "council", "", "eu-west-2", []string{"explicit endpoint"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := apptest.Config(t.TempDir())
			cfg.Policy, cfg.S3Processor, cfg.S3Endpoint, cfg.S3Region = c.policy, c.processor, c.endpoint, c.region
			cfg.S3Bucket, cfg.S3AccessKey, cfg.S3SecretKey = "recordings", "k", "s"
			pol, err := app.LoadPolicy(c.policy)
			if err != nil {
				t.Fatal(err)
			}
			err = app.CheckIntegrations(pol, cfg)
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// Open refuses the same way, before creating the database.
			if a, err := app.Open(context.Background(), cfg, quiet, app.Options{}); err == nil {
				a.Close()
				t.Fatal("Open accepted it")
			} else if !strings.Contains(err.Error(), c.wantErr[0]) {
				t.Errorf("Open: %v", err)
			}
			if _, err := os.Stat(cfg.DB); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the database was created before the refusal (%v)", err)
			}
		})
	}
}

// refuseAll stands in for GOV.UK Notify rate-limiting every request, so a survey request can
// only expire.
type refuseAll struct{}

func (refuseAll) SendSMS(context.Context, notify.SMS) (notify.Notification, error) {
	return notify.Notification{}, &notify.APIError{StatusCode: 429}
}

func (refuseAll) NotificationByReference(context.Context, string) (notify.Notification, bool, error) {
	return notify.Notification{}, false, nil
}

// Staff sign-in through Entra ID is checked against the policy's staff processors, and its
// group mapping against the roles and the policy's service areas, before anything opens.
func TestOIDCIntegrationAndMapping(t *testing.T) {
	cases := []struct {
		name, processor, location, mapping string
		wantErr                            string // empty: opens
	}{
		{"declared staff processor", "microsoft-entra", "EU", "rules: [{value: g1, role: agent}]", ""},
		{"no processor", "", "EU", "rules: [{value: g1, role: agent}]", "oidc-processor is required"},
		{"a system's processor is not a staff processor", "govuk-notify", "UK", "rules: [{value: g1, role: agent}]", `processor "govuk-notify" is not declared in staff_processors`},
		{"outside the processor's countries", "microsoft-entra", "US", "rules: [{value: g1, role: agent}]", "outside Microsoft Entra ID's countries"},
		{"unknown role", "microsoft-entra", "EU", "rules: [{value: g1, role: superuser}]", "rules[0].role"},
		{"scoped role without areas", "microsoft-entra", "EU", "rules: [{value: g1, role: team_leader}]", "needs service areas"},
		{"unknown area", "microsoft-entra", "EU", "rules: [{value: g1, role: team_leader, service_areas: [no-such-area]}]", `"no-such-area" is not a service area`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mapping := filepath.Join(dir, "mapping.yaml")
			if err := os.WriteFile(mapping, []byte(c.mapping), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := apptest.Config(dir)
			cfg.BaseURL = "http://127.0.0.1:8080"
			cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCClientSecret = "https://login.microsoftonline.com/t/v2.0", "client", "secret"
			cfg.OIDCRedirectURL, cfg.OIDCMapping, cfg.OIDCProcessor, cfg.OIDCLocation = cfg.BaseURL+"/auth/oidc/callback", mapping, c.processor, c.location
			err := cfg.Validate()
			var a *app.App
			if err == nil {
				a, err = app.Open(context.Background(), cfg, quiet, app.Options{})
			}
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if a.OIDC == nil {
					t.Error("no OIDC client")
				}
				return
			}
			if err == nil {
				a.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q does not say %q", err, c.wantErr)
			}
		})
	}
}
