package cli

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fairline/fairline/internal/config"
)

// The settings each kind of command reads, written out by hand.
var (
	storageFlags = []string{"data-dir", "db", "db-location", "key-file", "blob-dir", "blob-location",
		"s3-endpoint", "s3-region", "s3-location", "s3-bucket", "s3-prefix", "s3-access-key", "s3-secret-key", "s3-processor"}
	// A command that opens the app: storage, the policy, the log, -config.
	// notify-api-key and oidc-client-secret are settings but never flags (a flag shows in ps).
	oidcFlags = []string{"oidc-issuer", "oidc-client-id", "oidc-tenant-id", "oidc-redirect-url", "oidc-mapping", "oidc-processor",
		"oidc-location", "password-sign-in", "break-glass-admin"}
	appFlags    = append(append([]string{"config", "policy", "log-level", "log-format", "notify-url", "notify-processor", "notify-location"}, storageFlags...), oidcFlags...)
	policyFlags = []string{"config", "policy"}
	serverFlags = []string{"listen", "base-url", "tls-cert", "tls-key", "widget-origins", "trusted-proxies", "chat-rate",
		"metrics-listen", "session-idle", "session-max", "demo", "other-councils", "bank-holidays", "recrawl-every", "kb-poll", "crawl-allow-private"}
)

func with(base []string, more ...string) []string { return append(slices.Clone(base), more...) }

var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// helpFlags splits a command's help into its own flags and its settings,
// each with the text that describes it.
func helpFlags(t *testing.T, help string) (own, settings map[string]string) {
	t.Helper()
	own, settings = map[string]string{}, map[string]string{}
	section := own
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		switch {
		case l == "Flags:":
			section = own
		case strings.HasPrefix(l, "Settings ("):
			section = settings
		case flagLine.MatchString(l):
			name := flagLine.FindStringSubmatch(l)[1]
			desc := l
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    \t") {
				desc += lines[i+1]
			}
			section[name] = desc
		}
	}
	return own, settings
}

// TestHelpListsOnlyItsFlags: each command's --help lists exactly the flags
// it uses (no server settings on redact, ask, migrate...), its settings
// apart from its own flags, and every setting with its environment variable.
func TestHelpListsOnlyItsFlags(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		own      []string
		settings []string
	}{
		{[]string{"serve"}, nil, with(appFlags, serverFlags...)},
		{[]string{"migrate"}, nil, appFlags},
		{[]string{"policy", "init"}, []string{"force", "demo-council"}, nil},
		{[]string{"policy", "validate"}, nil, policyFlags},
		{[]string{"policy", "notice"}, []string{"format"}, with(policyFlags, "db-location", "blob-location", "s3-bucket", "s3-region", "s3-location")},
		{[]string{"policy", "ropa"}, []string{"format"}, policyFlags},
		{[]string{"user", "add"}, []string{"email", "role", "service-area", "password-stdin"}, appFlags},
		{[]string{"audit", "verify"}, nil, appFlags},
		{[]string{"recordings", "import"}, nil, appFlags},
		{[]string{"sweep"}, nil, appFlags},
		{[]string{"check"}, []string{"json"}, with(appFlags, "demo")},
		{[]string{"keys", "rotate"}, nil, appFlags},
		{[]string{"kb", "crawl"}, []string{"max-pages", "rate", "concurrency", "exclude", "allow-private"}, appFlags},
		{[]string{"kb", "import"}, nil, appFlags},
		{[]string{"ask"}, []string{"json"}, with(appFlags, "other-councils")},
		{[]string{"redact"}, []string{"json"}, policyFlags},
		{[]string{"bench", "redact"}, []string{"file", "size", "time"}, policyFlags},
		{[]string{"bench", "chat"}, []string{"pages", "queries", "requests", "time", "clients", "seed", "cache", "postgres", "client-process", "warm"}, with(policyFlags, "other-councils")},
		{[]string{"bench", "ingest"}, []string{"size-mb", "uploads", "clients", "rounds"}, nil},
		{[]string{"bench", "sweep"}, []string{"recordings", "expired", "postgres"}, nil},
		{[]string{"bench", "surveys"}, []string{"requests", "baseline", "destroy"}, nil},
		{[]string{"notify-fake"}, []string{"addr", "template", "callback-url", "rate-limit"}, nil},
		{[]string{"version"}, nil, nil},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, nil, "", append(tt.args, "--help")...)
			if r.code != 0 || !strings.HasPrefix(r.stderr, "Usage: fairline "+strings.Join(tt.args, " ")) {
				t.Fatalf("code %d, stderr %q", r.code, r.stderr)
			}
			own, settings := helpFlags(t, r.stderr)
			if got, want := sortedKeys(own), sorted(tt.own); !slices.Equal(got, want) {
				t.Errorf("own flags %v, want %v", got, want)
			}
			if got, want := sortedKeys(settings), sorted(tt.settings); !slices.Equal(got, want) {
				t.Errorf("settings %v, want %v", got, want)
			}
			for name, desc := range settings {
				if env := "(env " + config.EnvName(name) + ")"; !strings.Contains(desc, env) {
					t.Errorf("setting -%s does not name %s: %q", name, env, desc)
				}
			}
		})
	}
}

// TestServeHelpDescribesIt: serve --help says what the server is.
func TestServeHelpDescribesIt(t *testing.T) {
	r := run(t, nil, "", "serve", "--help")
	for _, want := range []string{"Runs the web server", "staff console", "migrations", "SIGHUP"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestGroupHelpListsSubcommands: every group, alone (exit 2) or with --help
// (exit 0), lists its subcommands one a line with a description, and each
// listed subcommand has help of its own.
func TestGroupHelpListsSubcommands(t *testing.T) {
	for _, tt := range []struct {
		group string
		subs  []string
	}{
		{"audit", []string{"verify"}},
		{"kb", []string{"crawl", "import"}},
		{"user", []string{"add"}},
		{"keys", []string{"rotate"}},
		{"policy", []string{"init", "validate", "notice", "ropa"}},
		{"recordings", []string{"import"}},
		{"bench", []string{"redact", "chat", "ingest", "sweep", "surveys"}},
	} {
		t.Run(tt.group, func(t *testing.T) {
			alone := run(t, nil, "", tt.group)
			help := run(t, nil, "", tt.group, "--help")
			if alone.code != 2 || help.code != 0 || alone.stderr != help.stderr {
				t.Fatalf("alone: code %d; --help: code %d; outputs differ: %v", alone.code, help.code, alone.stderr != help.stderr)
			}
			line := regexp.MustCompile(`(?m)^  ([a-z-]+) +(\S.*)$`)
			var listed []string
			for _, m := range line.FindAllStringSubmatch(help.stderr, -1) {
				listed = append(listed, m[1])
			}
			if !slices.Equal(listed, tt.subs) {
				t.Errorf("%s --help lists %v, want %v:\n%s", tt.group, listed, tt.subs, help.stderr)
			}
			for _, sub := range listed {
				if r := run(t, nil, "", tt.group, sub, "--help"); r.code != 0 || !strings.HasPrefix(r.stderr, "Usage: fairline "+tt.group+" "+sub) {
					t.Errorf("%s %s --help: code %d, %q", tt.group, sub, r.code, r.stderr)
				}
			}
		})
	}
}

// TestTopLevelHelp: the command list is aligned, names every command and
// every bench, and each command of the binary is in it.
func TestTopLevelHelp(t *testing.T) {
	r := run(t, nil, "", "help")
	if r.code != 0 {
		t.Fatalf("help: %+v", r)
	}
	_, list, ok := strings.Cut(r.stdout, "Commands:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	if !ok || list == "" {
		t.Fatalf("no command list:\n%s", r.stdout)
	}
	col := -1
	var names []string
	for _, l := range strings.Split(list, "\n") {
		// The description starts after the name's padding: at the same
		// column on every line.
		m := regexp.MustCompile(`^  ([a-z-]+(?: [a-z-]+)?) +`).FindStringSubmatch(l)
		if m == nil || len(m[0]) == len(l) {
			t.Fatalf("line %q is not NAME  DESCRIPTION", l)
		}
		if col == -1 {
			col = len(m[0])
		} else if len(m[0]) != col {
			t.Errorf("line %q: description at column %d, others at %d", l, len(m[0]), col)
		}
		names = append(names, m[1])
	}
	for _, want := range []string{"bench redact", "bench chat", "bench ingest", "bench sweep", "bench surveys", "serve", "redact", "ask", "policy init"} {
		if !slices.Contains(names, want) {
			t.Errorf("top-level help does not list %q", want)
		}
	}
	for cmd := range commands() {
		if !slices.ContainsFunc(names, func(n string) bool { return n == cmd || strings.HasPrefix(n, cmd+" ") }) {
			t.Errorf("command %q is not in the top-level help", cmd)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}
