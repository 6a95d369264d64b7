// Package cli implements the fairline command: one function per
// subcommand, each taking a context and its arguments and returning an
// error, so tests call them exactly as the binary does.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/config"
)

// Env is the outside world a command sees.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, is called by serve with its base URL once it is
	// listening (tests use it instead of parsing output).
	Ready func(baseURL string)
	// AppOptions tune app.Open (tests use cheap password hashing).
	AppOptions app.Options
	// Timeouts replace serve's DefaultServeTimeouts (tests shorten them).
	Timeouts *ServeTimeouts
}

// OSEnv is the real process environment.
func OSEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

type command func(ctx context.Context, env *Env, args []string) error

func commands() map[string]command {
	return map[string]command{
		"serve":       serve,
		"migrate":     migrate,
		"policy":      policyCmd,
		"user":        userCmd,
		"audit":       auditCmd,
		"kb":          kbCmd,
		"version":     versionCmd,
		"sweep":       sweepCmd,
		"keys":        keysCmd,
		"recordings":  recordingsCmd,
		"redact":      redactCmd,
		"bench":       benchCmd,
		"ask":         ask,
		"check":       checkCmd,
		"notify-fake": notifyFakeCmd,
	}
}

// index is the one-line description of every command and subcommand, in
// the order 'fairline help' lists them; a group's --help lists its own.
// A subcommand missing here is not listed (bench chat-load, which bench
// chat starts as its load generator).
var index = []struct{ name, summary string }{
	{"serve", "run the web server: public notices, chatbot, staff console, JSON API"},
	{"migrate", "apply database migrations and exit"},
	{"policy init", "write the embedded policy to a file to edit into your own"},
	{"policy validate", "check a policy; problems as FILE:LINE: FIELD: message"},
	{"policy notice", "render a system's privacy notice (Markdown or HTML)"},
	{"policy ropa", "render the Article 30 record of processing activities (CSV or HTML)"},
	{"user add", "create a staff account"},
	{"audit verify", "check the audit log's hash chain; name the first altered entry"},
	{"recordings import", "ingest a telephony drop folder (sidecar JSON or calls.csv); resumable"},
	{"check", "prove every promise of the notices; exit non-zero when one is broken"},
	{"sweep", "run one retention pass: destroy expired recordings, clear old failed imports"},
	{"keys rotate", "new key-encryption key version; re-wrap every data key"},
	{"kb crawl", "crawl a council website in the policy's chatbot sources into the knowledge base"},
	{"kb import", "import knowledge-base pages from a JSON Lines file"},
	{"ask", "answer a question as the chatbot would, from the local knowledge base (stores nothing)"},
	{"redact", "remove personal data from standard input"},
	{"notify-fake", "run a local GOV.UK Notify for the demo and tests (keeps what it receives in memory only)"},
	{"bench redact", "measure redaction in MB/s against a naive regular-expression baseline"},
	{"bench chat", "measure chatbot answer quality and answers per second against SQLite FTS5"},
	{"bench ingest", "measure encrypted ingest against a plain file copy, and API uploads per second"},
	{"bench sweep", "measure the retention sweep and phone-number look-up on SQLite and PostgreSQL"},
	{"bench surveys", "measure survey texts sent per second through the fake Notify, and the destroy step"},
	{"version", "print the version"},
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// UsageError is a mistake in the command line: exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Main runs the command line and returns the exit status.
func Main(ctx context.Context, env *Env, args []string) int {
	err := Run(ctx, env, args)
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintln(env.Stderr, "fairline:", err)
		return 2
	default:
		fmt.Fprintln(env.Stderr, "fairline:", err)
		return 1
	}
}

// Run dispatches to a subcommand.
func Run(ctx context.Context, env *Env, args []string) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok {
				return c(ctx, env, append(args[2:len(args):len(args)], "--help"))
			}
		}
		printUsage(env.Stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		return &UsageError{fmt.Sprintf("unknown command %q; run 'fairline help'", args[0])}
	}
	return c(ctx, env, args[1:])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Fairline keeps a council's privacy promises: website chatbot and call recording.")
	fmt.Fprintln(w, "\nUsage: fairline <command> [flags]\n\nCommands:")
	width := 0
	for _, c := range index {
		width = max(width, len(c.name))
	}
	for _, c := range index {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'fairline <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Each setting (the flags a command's help lists under Settings) can also be set as the environment")
	fmt.Fprintln(w, "variable FAIRLINE_<FLAG> (-db: FAIRLINE_DB) or as a key of a -config YAML file (db_location: UK).")
}

// newFlags makes a flag set that prints usage to env.Stderr: the usage
// line and description, then the command's own flags, then the settings it
// reads (config.Register), which the environment and -config file can set.
func newFlags(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("fairline "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: fairline %s\n", usage)
		printFlags(env.Stderr, fs, "Flags:", func(n string) bool { return !config.IsSetting(n) })
		printFlags(env.Stderr, fs, "Settings (each also from the environment variable named, or the -config file with _ for -):", config.IsSetting)
	}
	return fs
}

// printFlags prints, under title, the flags of fs that keep says to, in
// flag.PrintDefaults' format; nothing when there are none.
func printFlags(w io.Writer, fs *flag.FlagSet, title string, keep func(name string) bool) {
	part := flag.NewFlagSet("", flag.ContinueOnError)
	part.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		if keep(f.Name) {
			part.Var(f.Value, f.Name, f.Usage)
			// The default as registered, not the value parsed so far.
			part.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	n := 0
	part.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	part.PrintDefaults()
}

// parse parses args; a flag error becomes errUsage (already printed).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// openApp resolves configuration and opens the app.
func openApp(ctx context.Context, env *Env, cf *config.Flags) (*app.App, error) {
	cfg, err := cf.Resolve(env.Getenv)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, cfg.Logger(env.Stderr), env.AppOptions)
}

// appSettings are what a command that opens the app reads: where the data
// is, the outbound integrations start-up checks against the policy, the
// policy and the log (serve adds config.Server).
var appSettings = []config.Group{config.Storage, config.Notify, config.OIDC, config.Policy, config.Logging}

// runWithApp is the shape of most commands: configuration flags, no
// arguments, an opened app for fn, closed afterwards.
func runWithApp(ctx context.Context, env *Env, name, usage string, args []string, fn func(a *app.App) error) error {
	fs := newFlags(env, name, usage)
	cf := config.Register(fs, appSettings...)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("%s takes no arguments (got %q)", name, fs.Arg(0))}
	}
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// subcommand picks a sub-subcommand ("policy validate"). Alone or with
// --help it lists the group's subcommands from index.
func subcommand(ctx context.Context, env *Env, group string, args []string, subs map[string]func(context.Context, *Env, []string) error) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		var names, lines []string
		width := 0
		for _, c := range index {
			if sub, ok := strings.CutPrefix(c.name, group+" "); ok {
				width = max(width, len(sub))
			}
		}
		for _, c := range index {
			if sub, ok := strings.CutPrefix(c.name, group+" "); ok {
				names = append(names, sub)
				lines = append(lines, fmt.Sprintf("  %-*s  %s", width, sub, c.summary))
			}
		}
		fmt.Fprintf(env.Stderr, "Usage: fairline %s <%s> [flags]\n\nCommands:\n%s\n\nRun 'fairline %s <command> --help' for its flags.\n",
			group, strings.Join(names, "|"), strings.Join(lines, "\n"), group)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	f, ok := subs[args[0]]
	if !ok {
		return &UsageError{fmt.Sprintf("unknown command %q for %s; run 'fairline %s --help'", args[0], group, group)}
	}
	return f(ctx, env, args[1:])
}
