package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/auth"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/notice"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/version"
)

func versionCmd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "fairline", version.String())
	return nil
}

func migrate(ctx context.Context, env *Env, args []string) error {
	return runWithApp(ctx, env, "migrate", "migrate [flags]\n\nApplies the database migrations (serve does too) and reports the schema version.", args,
		func(a *app.App) error {
			cur, _, err := a.DB.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "database %s is at schema version %d\n", a.Config.RedactedDB(), cur)
			return nil
		})
}

// Policy commands need no database: they read the policy only.

func policyCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "policy", args, map[string]func(context.Context, *Env, []string) error{
		"validate": policyValidate,
		"notice":   policyNotice,
		"ropa":     policyROPA,
		"init":     policyInit,
	})
}

// policyFrom resolves which policy a command means: an explicit file, else
// the configured one (-policy / FAIRLINE_POLICY), else the embedded default.
func policyFrom(env *Env, cf *config.Flags, file string) (*policy.Policy, error) {
	if file == "" {
		cfg, err := cf.Resolve(env.Getenv)
		if err != nil {
			return nil, err
		}
		file = cfg.Policy
	}
	return app.LoadPolicy(file)
}

func policyValidate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "policy validate", "policy validate [FILE]\n\nChecks a policy file (default: the configured policy, else the embedded one).\nEach problem is printed as FILE:LINE: FIELD: MESSAGE.")
	cf := config.Register(fs, config.Policy)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return &UsageError{"policy validate takes at most one FILE"}
	}
	p, err := policyFrom(env, cf, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("policy is not valid:\n%w", err)
	}
	areas := 0
	for _, s := range p.Systems {
		areas += len(s.ServiceAreas)
	}
	fmt.Fprintf(env.Stdout, "%s: valid (%d systems, %d service areas, sha256 %s)\n", p.Source, len(p.Systems), areas, p.Hash()[:16])
	return nil
}

func policyNotice(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "policy notice", "policy notice SYSTEM [--format md|html]\n\nRenders the public privacy notice of a system (for example chatbot or call-recording).\n"+
		"Where the data is stored comes from the location settings below, so the notice matches the one serve publishes.")
	cf := config.Register(fs, config.Policy, config.Locations)
	format := fs.String("format", "md", "output format: md or html")
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &UsageError{"policy notice needs exactly one SYSTEM, such as chatbot or call-recording"}
	}
	// The configuration (flags, environment, file; the database and blob
	// store in the UK by default) says where the system's data is stored,
	// as it does for serve.
	cfg, err := cf.Resolve(env.Getenv)
	if err != nil {
		return err
	}
	p, err := app.LoadPolicy(cfg.Policy)
	if err != nil {
		return err
	}
	sys := fs.Arg(0)
	if _, ok := p.System(sys); !ok {
		var ids []string
		for _, s := range p.Systems {
			ids = append(ids, s.ID)
		}
		return &UsageError{fmt.Sprintf("no system %q in the policy (systems: %s)", sys, strings.Join(ids, ", "))}
	}
	stores, err := app.StoreLocations(cfg, sys)
	if err != nil {
		return err
	}
	switch *format {
	case "md", "markdown":
		return notice.Markdown(env.Stdout, p, sys, stores)
	case "html":
		return notice.HTMLDocument(env.Stdout, p, sys, stores)
	}
	return &UsageError{fmt.Sprintf("unknown --format %q: use md or html", *format)}
}

func policyROPA(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "policy ropa", "policy ropa [--format csv|html]\n\nRenders the UK GDPR Article 30 record of processing activities.")
	cf := config.Register(fs, config.Policy)
	format := fs.String("format", "csv", "output format: csv or html")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := policyFrom(env, cf, "")
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		return notice.ROPACSV(env.Stdout, p)
	case "html":
		return notice.ROPAHTMLDocument(env.Stdout, p)
	}
	return &UsageError{fmt.Sprintf("unknown --format %q: use csv or html", *format)}
}

// interspersed moves positional arguments after the flags, so both
// "notice chatbot --format html" and "notice --format html chatbot" work.
func interspersed(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !isBoolFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func isBoolFlag(a string) bool {
	a = strings.TrimLeft(a, "-")
	return a == "h" || a == "help" || a == "json" || a == "password-stdin"
}

// Accounts.

func userCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "user", args, map[string]func(context.Context, *Env, []string) error{
		"add": userAdd,
	})
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func userAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "user add", "user add --email E --role R [--service-area S]... [--password-stdin]\n\nCreates a staff account. Without --password-stdin a one-time password is\ngenerated and printed; it must be changed at first sign-in.\nRoles: agent, team_leader, quality_assessor, information_governance, administrator, auditor.")
	cf := config.Register(fs, appSettings...)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	role := fs.String("role", "", "role")
	var areas multiFlag
	fs.Var(&areas, "service-area", "service area id from the policy (repeat; team_leader and quality_assessor only)")
	stdinPw := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return &UsageError{"user add needs --email and --role"}
	}
	pw := ""
	if *stdinPw {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	u, generated, err := a.Auth.CreateUser(ctx, "cli", auth.NewUser{Email: *email, Role: *role, ServiceAreas: areas, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %d (%s, %s)\n", u.ID, u.Email, auth.Role(u.Role).Label())
	if !*stdinPw {
		fmt.Fprintf(env.Stdout, "one-time password: %s\n(it must be changed at first sign-in)\n", generated)
	}
	return nil
}

// Audit.

func auditCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "audit", args, map[string]func(context.Context, *Env, []string) error{
		"verify": auditVerify,
	})
}

// ErrAuditBroken makes `audit verify` exit non-zero.
var ErrAuditBroken = errors.New("audit log verification failed")

func auditVerify(ctx context.Context, env *Env, args []string) error {
	return runWithApp(ctx, env, "audit verify", "audit verify [flags]\n\nChecks every entry of the audit log and reports the first one that was\naltered, removed or reordered. Exits non-zero if the log is not intact.", args,
		func(a *app.App) error {
			rep, err := a.Audit.Verify(ctx)
			if err != nil {
				return err
			}
			if rep.Problem != nil {
				fmt.Fprintf(env.Stdout, "FAIL: %s\n", rep.Problem.Error())
				return fmt.Errorf("%w at entry %d", ErrAuditBroken, rep.Problem.Seq)
			}
			fmt.Fprintf(env.Stdout, "OK: %d entries, chain intact\n", rep.Entries)
			return nil
		})
}
