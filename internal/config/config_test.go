package config

import (
	"flag"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/ratelimit"
)

func resolve(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Resolve(func(k string) string { return env[k] })
}

func TestZeroConfigLivesInDataDir(t *testing.T) {
	c, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != filepath.Join("fairline-data", "fairline.db") || c.KeyFile != filepath.Join("fairline-data", "keys.json") ||
		c.BlobDir != filepath.Join("fairline-data", "blobs") || c.Policy != "" {
		t.Errorf("defaults: %+v", c)
	}
	if c.BaseURL != "http://127.0.0.1:8080" || c.SecureCookies() {
		t.Errorf("base URL %q secure=%v", c.BaseURL, c.SecureCookies())
	}
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fairline.yaml")
	os.WriteFile(file, []byte("listen: 127.0.0.1:9000\ndata_dir: /srv/a\nlog_level: debug\nsession_idle: 45m\n"), 0o600)
	c, err := resolve(t, []string{"-config", file, "-data-dir", "/srv/c"},
		map[string]string{"FAIRLINE_DATA_DIR": "/srv/b", "FAIRLINE_LOG_LEVEL": "warn"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("file value lost: listen=%q", c.Listen)
	}
	if c.LogLevel != "warn" {
		t.Errorf("env should beat file: log level %q", c.LogLevel)
	}
	if c.DataDir != "/srv/c" || c.DB != "/srv/c/fairline.db" {
		t.Errorf("flag should beat env: %q %q", c.DataDir, c.DB)
	}
	if c.SessionIdle != 45*time.Minute {
		t.Errorf("session idle %v", c.SessionIdle)
	}
}

func TestBadConfigIsNamed(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.yaml")
	os.WriteFile(unknown, []byte("listen: 127.0.0.1:1\nlisten_port: 9\n"), 0o600)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-config", unknown}, nil, "u.yaml:2: unknown setting \"listen_port\""},
		{nil, map[string]string{"FAIRLINE_SESSION_IDLE": "soon"}, "FAIRLINE_SESSION_IDLE"},
		{[]string{"-listen", "nocolon"}, nil, "listen \"nocolon\""},
		{[]string{"-log-format", "xml"}, nil, "log-format"},
		{[]string{"-tls-cert", "c.pem"}, nil, "tls-cert and tls-key"},
		{[]string{"-base-url", "ftp://x"}, nil, "base-url"},
		{[]string{"-config", filepath.Join(dir, "missing.yaml")}, nil, "missing.yaml"},
		{[]string{"-trusted-proxies", "10.0.0.0/8,proxy.internal"}, nil, `trusted-proxies: "proxy.internal" is not a network`},
		{nil, map[string]string{"FAIRLINE_TRUSTED_PROXIES": "10.0.0.0/40"}, `trusted-proxies: "10.0.0.0/40"`},
		{[]string{"-chat-rate", "20"}, nil, `chat-rate: "20" must be a number of requests per period, like 20/min`},
		{nil, map[string]string{"FAIRLINE_CHAT_RATE": "20/fortnight"}, `chat-rate: "20/fortnight"`},
		{[]string{"-metrics-listen", "9464"}, nil, `metrics-listen "9464" must be host:port or off`},
	}
	for _, tc := range cases {
		_, err := resolve(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want mention of %q", tc.args, tc.env, err, tc.want)
		}
	}
}

// TestSecuritySettings: trusted proxies, the chatbot's rate and the
// metrics address, from each source, parsed.
func TestSecuritySettings(t *testing.T) {
	c, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrustedProxyNets().String() != "" || c.ChatRateLimit() != ratelimit.DefaultChatRate || c.MetricsAddr() != "127.0.0.1:9464" {
		t.Errorf("defaults: proxies %q, rate %v, metrics %q", c.TrustedProxyNets(), c.ChatRateLimit(), c.MetricsAddr())
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "fairline.yaml")
	os.WriteFile(file, []byte("trusted_proxies: 10.0.0.0/8, 192.0.2.10\nchat_rate: 5/s\nmetrics_listen: 10.1.2.3:9100\n"), 0o600)
	c, err = resolve(t, []string{"-config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrustedProxyNets().String() != "10.0.0.0/8,192.0.2.10/32" || c.ChatRateLimit() != (ratelimit.Rate{N: 5, Per: time.Second}) || c.MetricsAddr() != "10.1.2.3:9100" {
		t.Errorf("from the file: proxies %q, rate %v, metrics %q", c.TrustedProxyNets(), c.ChatRateLimit(), c.MetricsAddr())
	}
	c, err = resolve(t, []string{"-metrics-listen", ""}, map[string]string{"FAIRLINE_CHAT_RATE": "off", "FAIRLINE_TRUSTED_PROXIES": "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr() != "" || !c.ChatRateLimit().Off() || c.TrustedProxyNets().String() != "::1/128" {
		t.Errorf("metrics %q, rate %v, proxies %q", c.MetricsAddr(), c.ChatRateLimit(), c.TrustedProxyNets())
	}
	if c, _ := resolve(t, nil, map[string]string{"FAIRLINE_METRICS_LISTEN": "OFF"}); c.MetricsAddr() != "" {
		t.Errorf("metrics-listen off: %q", c.MetricsAddr())
	}
}

func TestRedactedDB(t *testing.T) {
	c := Config{DB: "postgres://app:s3cret@db:5432/app"}
	if got := c.RedactedDB(); strings.Contains(got, "s3cret") {
		t.Errorf("password printed: %s", got)
	}
}

// FuzzConfigFile: any file content gives a config or an error naming the
// file, never a panic.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []string{"", "listen: 127.0.0.1:1\n", "session_idle: 5m\nsession_max: 1h\n", "listen: [a, b]\n",
		"nope: 1\n", "- a\n- b\n", "listen: &a x\nbase_url: *a\n", "\x00\xff", "log_level: {a: 1}\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fl := Register(fs)
		if err := fs.Parse([]string{"-config", path}); err != nil {
			t.Fatal(err)
		}
		c, err := fl.Resolve(func(string) string { return "" })
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Errorf("error without prefix: %v", err)
			}
			return
		}
		if c.Validate() != nil {
			t.Errorf("Resolve returned a config that does not validate")
		}
	})
}

// The database's location is a setting like the blob folder's: UK unless
// the file, the environment or a flag says otherwise, in that precedence.
func TestDBLocation(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fairline.yaml")
	os.WriteFile(file, []byte("db_location: IE\n"), 0o600)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, "UK"},
		{"file", []string{"-config", file}, nil, "IE"},
		{"environment beats file", []string{"-config", file}, map[string]string{"FAIRLINE_DB_LOCATION": "FR"}, "FR"},
		{"flag beats environment", []string{"-config", file, "-db-location", "DE"}, map[string]string{"FAIRLINE_DB_LOCATION": "FR"}, "DE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := resolve(t, c.args, c.env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DBLocation != c.want {
				t.Errorf("db-location = %q, want %q", cfg.DBLocation, c.want)
			}
		})
	}
}

// TestRegisterGroups: a command registers only the settings it reads; the
// environment still reaches the others, and a misspelt group entry is
// caught at once.
func TestRegisterGroups(t *testing.T) {
	cases := []struct {
		name   string
		groups []Group
		want   []string
	}{
		{"policy only", []Group{Policy}, []string{"config", "policy"}},
		{"locations", []Group{Policy, Locations}, []string{"blob-location", "config", "db-location", "policy", "s3-bucket", "s3-location", "s3-region"}},
		{"logging", []Group{Logging}, []string{"config", "log-format", "log-level"}},
		{"one setting", []Group{{"other-councils"}}, []string{"config", "other-councils"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := Register(fs, c.groups...)
			var got []string
			fs.VisitAll(func(fl *flag.Flag) { got = append(got, fl.Name) })
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("registered %v, want %v", got, c.want)
			}
			if err := fs.Parse([]string{"-listen", "127.0.0.1:1"}); err == nil {
				t.Errorf("-listen accepted by a command that does not serve")
			}
			cfg, err := f.Resolve(func(k string) string {
				return map[string]string{"FAIRLINE_DB": "/srv/x.db", "FAIRLINE_LISTEN": "127.0.0.1:9"}[k]
			})
			if err != nil || cfg.DB != "/srv/x.db" || cfg.Listen != "127.0.0.1:9" {
				t.Errorf("environment lost: db %q listen %q err %v", cfg.DB, cfg.Listen, err)
			}
		})
	}
	// Every setting belongs to a group, so some command can be given it.
	var all Config
	for _, fl := range all.fields() {
		if !slices.ContainsFunc([]Group{Storage, Policy, Logging, Server, Notify, OIDC}, func(g Group) bool { return slices.Contains(g, fl.name) }) {
			t.Errorf("setting %s is in no group", fl.name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Register accepted a group naming no setting")
		}
	}()
	Register(flag.NewFlagSet("t", flag.ContinueOnError), Group{"no-such-setting"})
}

// TestServeSettings: serve's own settings (once flags only) come from the
// file, the environment and flags like every other, and are checked.
func TestServeSettings(t *testing.T) {
	c, err := resolve(t, nil, nil)
	if err != nil || c.Demo || c.CrawlAllowPrivate || c.KBPoll != 2*time.Second || c.RecrawlEvery != 24*time.Hour || c.OtherCouncils != "" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	file := filepath.Join(t.TempDir(), "fairline.yaml")
	os.WriteFile(file, []byte("demo: true\nkb_poll: 5s\nother_councils: /etc/fairline/others.yaml\n"), 0o600)
	c, err = resolve(t, []string{"-config", file, "-crawl-allow-private", "-recrawl-every", "0"},
		map[string]string{"FAIRLINE_KB_POLL": "7s"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || !c.CrawlAllowPrivate || c.KBPoll != 7*time.Second || c.RecrawlEvery != 0 || c.OtherCouncils != "/etc/fairline/others.yaml" {
		t.Errorf("got demo %v, crawl-allow-private %v, kb-poll %v, recrawl-every %v, other-councils %q",
			c.Demo, c.CrawlAllowPrivate, c.KBPoll, c.RecrawlEvery, c.OtherCouncils)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-kb-poll", "0s"}, nil, "kb-poll must be positive"},
		{[]string{"-recrawl-every", "-1h"}, nil, "recrawl-every must not be negative"},
		{nil, map[string]string{"FAIRLINE_DEMO": "maybe"}, `FAIRLINE_DEMO: "maybe" is not true or false`},
	} {
		if _, err := resolve(t, tc.args, tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
}

// The Notify settings: the key from the environment or the file only, never a flag, checked at
// start and never repeated in an error.
func TestNotifySettings(t *testing.T) {
	const key = "fairline-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Register(fs)
	if fs.Lookup("notify-api-key") != nil || fs.Lookup("notify-callback-token") != nil || fs.Lookup("notify-url") == nil || fs.Lookup("notify-processor") == nil {
		t.Fatal("notify-api-key must not be a flag; notify-url and notify-processor must")
	}
	if err := fs.Parse([]string{"-notify-api-key", key}); err == nil {
		t.Error("-notify-api-key accepted on the command line")
	}
	file := filepath.Join(t.TempDir(), "fairline.yaml")
	os.WriteFile(file, []byte("notify_url: https://api.notifications.service.gov.uk\nnotify_api_key: "+key+"\nnotify_processor: govuk-notify\n"), 0o600)
	c, err := resolve(t, []string{"-config", file}, nil)
	if err != nil || c.NotifyURL != "https://api.notifications.service.gov.uk" || c.NotifyAPIKey != key || c.NotifyProcessor != "govuk-notify" {
		t.Fatalf("from the file: %+v %v", c, err)
	}
	c, err = resolve(t, []string{"-notify-url", "http://127.0.0.1:8181"}, map[string]string{"FAIRLINE_NOTIFY_API_KEY": key})
	if err != nil || c.NotifyAPIKey != key || c.NotifyURL != "http://127.0.0.1:8181" {
		t.Fatalf("from the environment: %+v %v", c, err)
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"none", nil, ""},
		{"localhost over http", map[string]string{"FAIRLINE_NOTIFY_URL": "http://localhost:8181", "FAIRLINE_NOTIFY_API_KEY": key}, ""},
		{"IPv6 loopback over http", map[string]string{"FAIRLINE_NOTIFY_URL": "http://[::1]:8181", "FAIRLINE_NOTIFY_API_KEY": key}, ""},
		{"key without url", map[string]string{"FAIRLINE_NOTIFY_API_KEY": key}, "notify-api-key is set but notify-url is not"},
		{"url without key", map[string]string{"FAIRLINE_NOTIFY_URL": "https://api.notifications.service.gov.uk"}, "no API key: set FAIRLINE_NOTIFY_API_KEY"},
		{"http across the network", map[string]string{"FAIRLINE_NOTIFY_URL": "http://notify.example", "FAIRLINE_NOTIFY_API_KEY": key}, "must use https"},
		{"not a URL", map[string]string{"FAIRLINE_NOTIFY_URL": "api.notifications.service.gov.uk", "FAIRLINE_NOTIFY_API_KEY": key}, "must be an absolute http(s) URL"},
		{"key without its secret", map[string]string{"FAIRLINE_NOTIFY_URL": "https://api.notifications.service.gov.uk", "FAIRLINE_NOTIFY_API_KEY": key[:len(key)-37]},
			"FAIRLINE_NOTIFY_API_KEY: notify: the API key is too short"},
		{"secret mistyped", map[string]string{"FAIRLINE_NOTIFY_URL": "https://api.notifications.service.gov.uk", "FAIRLINE_NOTIFY_API_KEY": key[:len(key)-1] + "g"},
			"secret key (its last part) is not a UUID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(t, nil, tc.env)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "3d844edf") || strings.Contains(err.Error(), "e847b4f122b") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
}

// The OpenID Connect settings: the client secret never a flag; the issuer https (http only on
// loopback); password sign-in off only with a provider and a break-glass administrator.
func TestOIDCSettings(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Register(fs)
	if fs.Lookup("oidc-client-secret") != nil || fs.Lookup("oidc-issuer") == nil || fs.Lookup("password-sign-in") == nil {
		t.Fatal("oidc-client-secret must not be a flag; oidc-issuer and password-sign-in must")
	}
	full := map[string]string{"FAIRLINE_OIDC_ISSUER": "https://login.microsoftonline.com/t/v2.0", "FAIRLINE_OIDC_CLIENT_ID": "c",
		"FAIRLINE_OIDC_CLIENT_SECRET": "s3cr3t-value", "FAIRLINE_OIDC_MAPPING": "m.yaml", "FAIRLINE_OIDC_PROCESSOR": "microsoft-entra"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(full)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"none", nil, ""},
		{"complete", full, ""},
		{"loopback over http", with("FAIRLINE_OIDC_ISSUER", "http://127.0.0.1:5556"), ""},
		{"http across the network", with("FAIRLINE_OIDC_ISSUER", "http://login.example"), "must be an https URL"},
		{"no secret", with("FAIRLINE_OIDC_CLIENT_SECRET", ""), "oidc-client-secret is required"},
		{"no mapping", with("FAIRLINE_OIDC_MAPPING", ""), "oidc-mapping is required"},
		{"password off without break-glass", with("FAIRLINE_PASSWORD_SIGN_IN", "false"), "needs break-glass-admin"},
		{"password off with break-glass", with("FAIRLINE_PASSWORD_SIGN_IN", "false", "FAIRLINE_BREAK_GLASS_ADMIN", "it@example.gov.uk"), ""},
		{"password off without a provider", map[string]string{"FAIRLINE_PASSWORD_SIGN_IN": "false", "FAIRLINE_BREAK_GLASS_ADMIN": "it@example.gov.uk"}, "needs oidc-issuer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := resolve(t, nil, tc.env)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.env != nil && c.OIDCRedirectURL != c.BaseURL+"/auth/oidc/callback" {
					t.Errorf("redirect URL %q", c.OIDCRedirectURL)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
}
