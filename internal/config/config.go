// Package config builds Fairline's typed configuration from, in rising
// precedence: defaults, an optional YAML file, FAIRLINE_* environment
// variables and command-line flags. With nothing set, everything lives under
// ./fairline-data/ and the embedded policy is used.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fairline/fairline/internal/clientaddr"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/ratelimit"
	"gopkg.in/yaml.v3"
)

// Config is the whole configuration.
type Config struct {
	Listen  string // address to serve on
	BaseURL string // public URL of this instance, for links and Secure cookies
	DataDir string // default home of the database, key file and blobs
	DB      string // SQLite path or postgres:// URL
	// DBLocation declares where the database keeps its data (the SQLite
	// file's disk, or the PostgreSQL server), as a location code ("UK"); like
	// BlobLocation, the operator knows it and the policy must allow it.
	DBLocation string
	KeyFile    string // master secret file
	BlobDir    string // local encrypted blob folder
	// BlobLocation declares where the local blob folder's disk is, as a
	// location code ("UK"); the software cannot tell, the operator can.
	BlobLocation string
	// S3 object storage, used instead of the local folder when S3Bucket is set.
	S3Endpoint, S3Region, S3Location, S3Bucket, S3Prefix string
	S3AccessKey, S3SecretKey                             string
	// S3Processor is the id of the processor, declared in the policy's
	// call-recording processors, that runs the bucket, or "council" for a
	// server the council runs itself (policy.SelfOperated).
	S3Processor string
	// NotifyURL is the GOV.UK Notify API that sends the post-call survey texts
	// (notify.BaseURL, or `fairline notify-fake` for the demo); empty: none are sent.
	NotifyURL string
	// NotifyAPIKey is the Notify API key, "{key name}-{service id}-{secret key}". It comes
	// from the environment or the -config file only: a flag would show it to anyone who can
	// list the machine's processes.
	NotifyAPIKey string
	// NotifyCallbackToken is the bearer token Notify's delivery-status callbacks carry (set in
	// Notify's callback settings); like the API key, never a flag. Empty: receipts are refused.
	NotifyCallbackToken string
	// NotifyProcessor is the id of the processor, declared in the policy's call-recording
	// processors, that runs Notify (the default policy's "govuk-notify").
	NotifyProcessor string
	// NotifyLocation declares where Notify processes the numbers, as a location code ("UK");
	// like BlobLocation, the operator knows it (from Notify) and the policy must allow it.
	NotifyLocation string
	// OIDCIssuer is the OpenID Connect issuer staff sign in with, for Microsoft Entra ID
	// https://login.microsoftonline.com/{tenant id}/v2.0; empty: no single sign-on.
	OIDCIssuer   string
	OIDCClientID string // the app registration's Application (client) ID
	// OIDCClientSecret is the app registration's client secret; environment or -config file
	// only, like NotifyAPIKey.
	OIDCClientSecret string
	// OIDCTenantID is the Directory (tenant) ID every token's tid must equal (Entra).
	OIDCTenantID string
	// OIDCRedirectURL is the redirect URI registered with the provider (empty: base-url +
	// /auth/oidc/callback).
	OIDCRedirectURL string
	// OIDCMapping is the YAML file mapping groups or app roles to roles and service areas
	// (oidc.Mapping).
	OIDCMapping string
	// OIDCProcessor is the id of the policy's staff processor that runs the provider
	// ("microsoft-entra"); OIDCLocation where it holds the data, a location code.
	OIDCProcessor, OIDCLocation string
	// PasswordSignIn false refuses password sign-in to everyone but BreakGlassAdmin.
	PasswordSignIn bool
	// BreakGlassAdmin is the e-mail address of the administrator who may still sign in with
	// a password when PasswordSignIn is false.
	BreakGlassAdmin string
	// WidgetOrigins are council websites allowed to embed the chat widget,
	// comma-separated origins such as https://www.example-council.gov.uk.
	WidgetOrigins string
	Policy        string        // policy YAML file; empty means the embedded default
	LogLevel      string        // debug, info, warn, error
	LogFormat     string        // text or json
	TLSCert       string        // serve HTTPS with this certificate...
	TLSKey        string        // ...and key
	SessionIdle   time.Duration // staff session idle timeout
	SessionMax    time.Duration // staff session absolute lifetime
	// TrustedProxies are the reverse proxies (comma-separated CIDRs) whose
	// X-Forwarded-For / Forwarded headers name the client; nobody else's are
	// believed. See TrustedProxyNets.
	TrustedProxies string
	// ChatRate is the chatbot's per-client limit, "N/PERIOD" such as
	// "20/min", or "off". See ChatRateLimit.
	ChatRate string
	// MetricsListen is where /metrics is served for Prometheus, apart from
	// the public site; "" or "off" serves it nowhere.
	MetricsListen string

	// serve's own settings.

	// Demo runs the embedded demo council's policy (or, with Policy, adds
	// the demo site to its chatbot sources) and imports the demo site into
	// an empty knowledge base.
	Demo bool
	// OtherCouncils is a YAML file of topics another council provides
	// (empty: the embedded list; see chat.LoadOtherCouncils).
	OtherCouncils string
	// BankHolidays is a GOV.UK bank-holidays JSON file for rights request
	// deadlines (empty: the embedded England and Wales list).
	BankHolidays string
	// RecrawlEvery is how often the known sites are re-crawled (0: never).
	RecrawlEvery time.Duration
	// KBPoll is how often to look for knowledge-base changes made by other
	// instances or the CLI.
	KBPoll time.Duration
	// CrawlAllowPrivate lets the scheduled re-crawl reach loopback, private
	// and link-local addresses (intranet sites).
	CrawlAllowPrivate bool
}

// field ties one setting to its file key, environment variable and flag.
type field struct {
	name string // flag and file key (file keys use _ for -)
	help string
	str  *string
	dur  *time.Duration
	b    *bool
	// noFlag settings are read from the environment and the file only (credentials).
	noFlag bool
}

func (c *Config) fields() []field {
	return []field{
		{name: "listen", help: "address to listen on", str: &c.Listen},
		{name: "base-url", help: "public base URL (https://... makes cookies Secure)", str: &c.BaseURL},
		{name: "data-dir", help: "folder for the default database, key file and blobs", str: &c.DataDir},
		{name: "db", help: "database: SQLite file path or postgres:// URL", str: &c.DB},
		{name: "db-location", help: "location code of where the database keeps its data (the policy must allow it)", str: &c.DBLocation},
		{name: "key-file", help: "master key file (created if missing)", str: &c.KeyFile},
		{name: "blob-dir", help: "local encrypted blob folder (must exist unless it is the default under data-dir)", str: &c.BlobDir},
		{name: "blob-location", help: "location code of the blob folder's disk (the policy must allow it)", str: &c.BlobLocation},
		{name: "s3-endpoint", help: "S3-compatible endpoint URL (empty: AWS)", str: &c.S3Endpoint},
		{name: "s3-region", help: "S3 bucket region", str: &c.S3Region},
		{name: "s3-location", help: "location code of a non-AWS S3 region, e.g. UK", str: &c.S3Location},
		{name: "s3-bucket", help: "S3 bucket for recordings (set to use S3 instead of the blob folder)", str: &c.S3Bucket},
		{name: "s3-prefix", help: "key prefix inside the bucket", str: &c.S3Prefix},
		{name: "s3-access-key", help: "S3 access key id", str: &c.S3AccessKey},
		{name: "s3-secret-key", help: "S3 secret access key", str: &c.S3SecretKey},
		{name: "s3-processor", help: "id of the policy's call-recording processor that runs the bucket, or council for a server the council runs itself", str: &c.S3Processor},
		{name: "notify-url", help: "GOV.UK Notify API address for post-call survey texts (" + notify.BaseURL + "; empty: no texts); its API key is read from " + EnvName("notify-api-key") + " or the -config file's notify_api_key, never a flag", str: &c.NotifyURL},
		{name: "notify-api-key", help: "GOV.UK Notify API key", str: &c.NotifyAPIKey, noFlag: true},
		{name: "notify-callback-token", help: "bearer token of GOV.UK Notify's delivery-status callbacks", str: &c.NotifyCallbackToken, noFlag: true},
		{name: "notify-processor", help: "id of the policy's call-recording processor that runs GOV.UK Notify", str: &c.NotifyProcessor},
		{name: "notify-location", help: "location code of where GOV.UK Notify processes the numbers (the processor's countries in the policy must include it)", str: &c.NotifyLocation},
		{name: "oidc-issuer", help: "OpenID Connect issuer for staff sign-in, for Microsoft Entra ID https://login.microsoftonline.com/{tenant}/v2.0 (empty: none); its client secret is read from " + EnvName("oidc-client-secret") + " or the -config file's oidc_client_secret, never a flag", str: &c.OIDCIssuer},
		{name: "oidc-client-id", help: "application (client) ID of the app registration", str: &c.OIDCClientID},
		{name: "oidc-client-secret", help: "client secret of the app registration", str: &c.OIDCClientSecret, noFlag: true},
		{name: "oidc-tenant-id", help: "directory (tenant) ID every ID token's tid claim must equal", str: &c.OIDCTenantID},
		{name: "oidc-redirect-url", help: "redirect URI registered with the provider (default: base-url/auth/oidc/callback)", str: &c.OIDCRedirectURL},
		{name: "oidc-mapping", help: "YAML file mapping Entra groups or app roles to roles and service areas", str: &c.OIDCMapping},
		{name: "oidc-processor", help: "id of the policy's staff processor that runs the identity provider", str: &c.OIDCProcessor},
		{name: "oidc-location", help: "location code of where the identity provider holds staff data (the processor's countries in the policy must include it)", str: &c.OIDCLocation},
		{name: "password-sign-in", help: "allow staff to sign in with a password (false: only break-glass-admin may)", b: &c.PasswordSignIn},
		{name: "break-glass-admin", help: "e-mail address of the administrator who may sign in with a password when password-sign-in is false", str: &c.BreakGlassAdmin},
		{name: "widget-origins", help: "comma-separated origins of council sites that embed the chat widget", str: &c.WidgetOrigins},
		{name: "policy", help: "policy YAML file (default: the embedded policy)", str: &c.Policy},
		{name: "log-level", help: "log level: debug, info, warn, error", str: &c.LogLevel},
		{name: "log-format", help: "log format: text or json", str: &c.LogFormat},
		{name: "tls-cert", help: "TLS certificate file", str: &c.TLSCert},
		{name: "tls-key", help: "TLS key file", str: &c.TLSKey},
		{name: "session-idle", help: "staff session idle timeout", dur: &c.SessionIdle},
		{name: "session-max", help: "staff session absolute lifetime", dur: &c.SessionMax},
		{name: "trusted-proxies", help: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/Forwarded headers name the client", str: &c.TrustedProxies},
		{name: "chat-rate", help: "chatbot questions per client, e.g. 20/min (periods s, min, hour) or off", str: &c.ChatRate},
		{name: "metrics-listen", help: "address serving /metrics for Prometheus (off: none)", str: &c.MetricsListen},
		{name: "demo", help: "run the embedded demo council's policy (Scarfolk Council, single-tier; with -policy: that policy with the LocalGov Drupal demo site added to the chatbot's sources) and, when the knowledge base is empty, import the demo site so the chatbot has something to answer from", b: &c.Demo},
		{name: "other-councils", help: "YAML file of topics another council provides (default: Leicestershire's district councils; see chat.LoadOtherCouncils)", str: &c.OtherCouncils},
		{name: "bank-holidays", help: "GOV.UK bank-holidays JSON file (https://www.gov.uk/bank-holidays.json) for rights request deadlines (default: the embedded England and Wales list, 2018-2028)", str: &c.BankHolidays},
		{name: "recrawl-every", help: "re-crawl the knowledge base's known sites this often (0: never)", dur: &c.RecrawlEvery},
		{name: "kb-poll", help: "look this often for knowledge-base changes made by other instances or the CLI", dur: &c.KBPoll},
		{name: "crawl-allow-private", help: "let the scheduled re-crawl connect to loopback, private and link-local addresses (intranet sites)", b: &c.CrawlAllowPrivate},
	}
}

// Group names settings a command uses, so its flags (and --help) list
// those only. The environment and the -config file may still set any
// setting: a command simply does not read the others.
type Group []string

// The groups commands register.
var (
	// Storage is what opening the database, key file and blob store needs.
	Storage = Group{"data-dir", "db", "db-location", "key-file", "blob-dir", "blob-location",
		"s3-endpoint", "s3-region", "s3-location", "s3-bucket", "s3-prefix", "s3-access-key", "s3-secret-key", "s3-processor"}
	// Notify is the GOV.UK Notify integration (the key is not a flag: see Config.NotifyAPIKey).
	Notify = Group{"notify-url", "notify-api-key", "notify-callback-token", "notify-processor", "notify-location"}
	// Locations are the storage settings that say where data is stored
	// (what a notice states), without opening anything.
	Locations = Group{"db-location", "blob-location", "s3-bucket", "s3-region", "s3-location"}
	// OIDC is staff sign-in through an OpenID Connect provider (the secret is not a flag).
	OIDC = Group{"oidc-issuer", "oidc-client-id", "oidc-client-secret", "oidc-tenant-id", "oidc-redirect-url", "oidc-mapping",
		"oidc-processor", "oidc-location", "password-sign-in", "break-glass-admin"}
	// Policy is the policy file.
	Policy = Group{"policy"}
	// Logging is the process log.
	Logging = Group{"log-level", "log-format"}
	// Server is what only serve uses: listeners, sessions, limits, and the
	// chatbot's background work.
	Server = Group{"listen", "base-url", "tls-cert", "tls-key", "widget-origins", "trusted-proxies", "chat-rate",
		"metrics-listen", "session-idle", "session-max", "demo", "other-councils", "bank-holidays", "recrawl-every", "kb-poll",
		"crawl-allow-private"}
)

// IsSetting reports whether a flag name is a configuration setting (or
// -config), as opposed to a command's own flag.
func IsSetting(name string) bool {
	if name == "config" {
		return true
	}
	var c Config
	for _, fl := range c.fields() {
		if fl.name == name {
			return true
		}
	}
	return false
}

// EnvName is the environment variable for a setting ("db" → FAIRLINE_DB).
func EnvName(name string) string {
	return "FAIRLINE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Defaults returns the zero-configuration settings.
func Defaults() Config {
	return Config{
		Listen:   "127.0.0.1:8080",
		DataDir:  "fairline-data",
		LogLevel: "info",
		// A council runs Fairline in the UK; an operator elsewhere must say so.
		BlobLocation: "UK",
		DBLocation:   "UK",
		// GOV.UK Notify is a UK government service; see the default policy's note on Ireland.
		NotifyLocation: "UK",
		// A UK Entra tenant's directory is held in the EU/UK data boundary; see the default policy.
		OIDCLocation:   "EU",
		PasswordSignIn: true,
		LogFormat:      "text",
		SessionIdle:    30 * time.Minute,
		SessionMax:     10 * time.Hour,
		ChatRate:       ratelimit.DefaultChatRate.String(),
		// Loopback: metrics are for the operator's scraper, not the public.
		MetricsListen: "127.0.0.1:9464",
		RecrawlEvery:  24 * time.Hour,
		KBPoll:        2 * time.Second,
	}
}

// Flags holds the settings registered on a flag set, plus -config. Call
// Resolve after fs.Parse.
type Flags struct {
	fs     *flag.FlagSet
	cfg    Config
	config string
}

// Register adds -config and the settings of groups to fs as flags, each
// help naming its environment variable; with no groups, every setting. A
// name in a group that is not a setting is a programming error: it panics.
func Register(fs *flag.FlagSet, groups ...Group) *Flags {
	f := &Flags{fs: fs, cfg: Defaults()}
	fs.StringVar(&f.config, "config", "", "optional YAML configuration `FILE` (env "+EnvName("config")+")")
	want := map[string]bool{}
	for _, g := range groups {
		for _, n := range g {
			if !IsSetting(n) {
				panic("config: no setting " + n)
			}
			want[n] = true
		}
	}
	for _, fl := range f.cfg.fields() {
		if fl.noFlag || len(groups) > 0 && !want[fl.name] {
			continue
		}
		help := fmt.Sprintf("%s (env %s)", fl.help, EnvName(fl.name))
		switch {
		case fl.str != nil:
			fs.String(fl.name, *fl.str, help)
		case fl.dur != nil:
			fs.Duration(fl.name, *fl.dur, help)
		default:
			fs.Bool(fl.name, *fl.b, help)
		}
	}
	return f
}

// Resolve applies file, environment and the flags actually given, fills in
// derived paths and validates. getenv is os.Getenv outside tests.
func (f *Flags) Resolve(getenv func(string) string) (Config, error) {
	cfg := Defaults()
	path := f.config
	if path == "" {
		path = getenv(EnvName("config"))
	}
	if path != "" {
		if err := cfg.loadFile(path); err != nil {
			return Config{}, err
		}
	}
	for _, fl := range cfg.fields() {
		v := getenv(EnvName(fl.name))
		if v == "" {
			continue
		}
		if err := fl.set(v); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", EnvName(fl.name), err)
		}
	}
	var ferr error
	f.fs.Visit(func(ff *flag.Flag) {
		for _, fl := range cfg.fields() {
			if fl.name == ff.Name {
				if err := fl.set(ff.Value.String()); err != nil && ferr == nil {
					ferr = fmt.Errorf("config: -%s: %w", fl.name, err)
				}
			}
		}
	})
	if ferr != nil {
		return Config{}, ferr
	}
	cfg.derive()
	return cfg, cfg.Validate()
}

func (fl field) set(v string) error {
	if fl.str != nil {
		*fl.str = v
		return nil
	}
	if fl.b != nil {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*fl.b = b
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30m or 8h", v)
	}
	*fl.dur = d
	return nil
}

func (c *Config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var raw map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	byKey := map[string]field{}
	var known []string
	for _, fl := range c.fields() {
		k := strings.ReplaceAll(fl.name, "-", "_")
		byKey[k] = fl
		known = append(known, k)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := raw[k]
		fl, ok := byKey[k]
		if !ok {
			return fmt.Errorf("config: %s:%d: unknown setting %q (known: %s)", path, n.Line, k, strings.Join(known, ", "))
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("config: %s:%d: %s must be a single value", path, n.Line, k)
		}
		if err := fl.set(n.Value); err != nil {
			return fmt.Errorf("config: %s:%d: %s: %w", path, n.Line, k, err)
		}
	}
	return nil
}

func (c *Config) derive() {
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "fairline.db")
	}
	if c.KeyFile == "" {
		c.KeyFile = filepath.Join(c.DataDir, "keys.json")
	}
	if c.BlobDir == "" {
		c.BlobDir = c.DefaultBlobDir()
	}
	if c.BaseURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		host := c.Listen
		if h, p, err := net.SplitHostPort(c.Listen); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			host = net.JoinHostPort("localhost", p)
		}
		c.BaseURL = scheme + "://" + host
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.OIDCIssuer != "" && c.OIDCRedirectURL == "" {
		c.OIDCRedirectURL = c.BaseURL + "/auth/oidc/callback"
	}
}

// Validate checks cross-field rules so bad configuration fails before serving.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q must be host:port", c.Listen))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base-url %q must be an absolute http(s) URL", c.BaseURL))
	}
	if c.S3Bucket != "" && (c.S3AccessKey == "") != (c.S3SecretKey == "") {
		errs = append(errs, errors.New("s3-access-key and s3-secret-key must be given together"))
	}
	errs = append(errs, c.validateNotify()...)
	errs = append(errs, c.validateOIDC()...)
	for _, o := range c.Origins() {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || o != u.Scheme+"://"+u.Host {
			errs = append(errs, fmt.Errorf("widget-origins: %q must be an origin like https://www.example-council.gov.uk", o))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key must be given together"))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format %q must be text or json", c.LogFormat))
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		errs = append(errs, errors.New("session-idle must be positive and no longer than session-max"))
	}
	if _, err := clientaddr.ParseTrusted(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted-proxies: %w", err))
	}
	if _, err := ratelimit.ParseRate(c.ChatRate); err != nil {
		errs = append(errs, fmt.Errorf("chat-rate: %w", err))
	}
	if c.MetricsAddr() != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			errs = append(errs, fmt.Errorf("metrics-listen %q must be host:port or off", c.MetricsListen))
		}
	}
	if c.RecrawlEvery < 0 {
		errs = append(errs, errors.New("recrawl-every must not be negative"))
	}
	if c.KBPoll <= 0 {
		errs = append(errs, errors.New("kb-poll must be positive"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// validateNotify checks the Notify settings; its messages never contain the key.
func (c Config) validateNotify() []error {
	if c.NotifyURL == "" {
		if c.NotifyAPIKey != "" {
			return []error{errors.New("notify-api-key is set but notify-url is not: set notify-url to " + notify.BaseURL)}
		}
		return nil
	}
	var errs []error
	u, err := url.Parse(c.NotifyURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "":
		errs = append(errs, fmt.Errorf("notify-url %q must be an absolute http(s) URL such as %s", c.NotifyURL, notify.BaseURL))
	case u.Scheme == "http" && !loopback(u.Hostname()):
		// The token and the callers' numbers would cross the network in clear.
		errs = append(errs, fmt.Errorf("notify-url %q must use https (plain http only on this machine, for notify-fake)", c.NotifyURL))
	}
	if c.NotifyAPIKey == "" {
		errs = append(errs, fmt.Errorf("notify-url is set but no API key: set %s (or notify_api_key in the -config file)", EnvName("notify-api-key")))
	} else if _, err := notify.ParseAPIKey(c.NotifyAPIKey); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvName("notify-api-key"), err))
	}
	return errs
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultBlobDir is the blob folder used when blob-dir is not set: under
// data-dir, Fairline's own folder, so it may be created at start-up.
func (c Config) DefaultBlobDir() string { return filepath.Join(c.DataDir, "blobs") }

// Origins splits WidgetOrigins.
func (c Config) Origins() []string {
	var out []string
	for _, o := range strings.Split(c.WidgetOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// TrustedProxyNets parses TrustedProxies (validated by Validate).
func (c Config) TrustedProxyNets() *clientaddr.Trusted {
	t, err := clientaddr.ParseTrusted(c.TrustedProxies)
	if err != nil {
		return &clientaddr.Trusted{}
	}
	return t
}

// ChatRateLimit parses ChatRate (validated by Validate).
func (c Config) ChatRateLimit() ratelimit.Rate {
	r, err := ratelimit.ParseRate(c.ChatRate)
	if err != nil {
		return ratelimit.DefaultChatRate
	}
	return r
}

// MetricsAddr is the address to serve /metrics on, "" when turned off.
func (c Config) MetricsAddr() string {
	if a := strings.TrimSpace(c.MetricsListen); a != "" && !strings.EqualFold(a, "off") {
		return a
	}
	return ""
}

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c Config) SecureCookies() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
}

// RedactedDB is the database setting safe to print: no password.
func (c Config) RedactedDB() string {
	u, err := url.Parse(c.DB)
	if err != nil || u.User == nil {
		return c.DB
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Logger builds the process logger.
func (c Config) Logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (c Config) validateOIDC() []error {
	var errs []error
	if !c.PasswordSignIn && c.BreakGlassAdmin == "" {
		errs = append(errs, errors.New("password-sign-in: false needs break-glass-admin, the administrator who can still sign in when the identity provider cannot be reached"))
	}
	if !c.PasswordSignIn && c.OIDCIssuer == "" {
		errs = append(errs, errors.New("password-sign-in: false needs oidc-issuer, or nobody but the break-glass administrator could sign in"))
	}
	if c.OIDCIssuer == "" {
		return errs
	}
	u, err := url.Parse(c.OIDCIssuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		errs = append(errs, fmt.Errorf("oidc-issuer %q must be an https URL (http only on this machine, for tests)", c.OIDCIssuer))
	}
	for name, v := range map[string]string{"oidc-client-id": c.OIDCClientID, "oidc-client-secret": c.OIDCClientSecret,
		"oidc-mapping": c.OIDCMapping, "oidc-processor": c.OIDCProcessor} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required with oidc-issuer", name))
		}
	}
	if r, err := url.Parse(c.OIDCRedirectURL); err != nil || r.Host == "" || (r.Scheme != "https" && r.Scheme != "http") {
		errs = append(errs, fmt.Errorf("oidc-redirect-url %q must be an absolute URL", c.OIDCRedirectURL))
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
