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
	"sort"
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

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"run the web server (public notices, staff console, API)", serve},
		"migrate":    {"apply database migrations and exit", migrate},
		"policy":     {"validate a policy, render notices and the record of processing", policyCmd},
		"user":       {"manage staff accounts", userCmd},
		"audit":      {"verify the audit log", auditCmd},
		"kb":         {"crawl or import the council website pages the chatbot answers from", kbCmd},
		"version":    {"print the version", versionCmd},
		"sweep":      {"run one retention pass: destroy expired recordings", sweepCmd},
		"keys":       {"rotate the key-encryption key and re-wrap data keys", keysCmd},
		"recordings": {"import call recordings from a telephony drop folder", recordingsCmd},
		"redact":     {"remove personal data from standard input (NHS numbers, postcodes, phones, names, ...)", redactCmd},
		"bench":      {"measure performance (bench redact)", benchCmd},
		"ask":        {"answer a question from the local knowledge base as the chatbot would (stores nothing)", ask},
	}
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
				return c.run(ctx, env, []string{"--help"})
			}
		}
		printUsage(env.Stdout, cmds)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		return &UsageError{fmt.Sprintf("unknown command %q; run 'fairline help'", args[0])}
	}
	return c.run(ctx, env, args[1:])
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Fairline keeps a council's privacy promises: website chatbot and call recording.")
	fmt.Fprintln(w, "\nUsage: fairline <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'fairline <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Every flag can also be set as FAIRLINE_<FLAG> in the environment or in a -config YAML file.")
}

// newFlags makes a flag set that prints usage to env.Stderr.
func newFlags(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("fairline "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: fairline %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
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

// runWithApp is the shape of most commands: configuration flags, no
// arguments, an opened app for fn, closed afterwards.
func runWithApp(ctx context.Context, env *Env, name, usage string, args []string, fn func(a *app.App) error) error {
	fs := newFlags(env, name, usage)
	cf := config.Register(fs)
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

// subcommand picks a sub-subcommand ("policy validate").
func subcommand(ctx context.Context, env *Env, group string, args []string, subs map[string]func(context.Context, *Env, []string) error) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		names := make([]string, 0, len(subs))
		for n := range subs {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(env.Stderr, "Usage: fairline %s <%s> [flags]\n", group, strings.Join(names, "|"))
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
