package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/check"
	"github.com/fairline/fairline/internal/config"
)

// ErrPromiseBroken makes `fairline check` exit non-zero.
var ErrPromiseBroken = errors.New("a promise of the notices is broken")

func checkCmd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "check", "check [--json] [flags]\n\nEvaluates every machine-checkable promise of the notices against what is stored\nand configured, and prints each with the notice sentence it comes from, its result\n(ok, broken, warning, skipped) and a count. Exits non-zero when any is broken.\nStores or integrations the policy does not allow are reported, not refused.\nWith --demo, checks under the demo council's policy as serve --demo runs.")
	asJSON := fs.Bool("json", false, "print the report as JSON: every promise with its result")
	cf := config.Register(fs, append(appSettings, config.Group{"demo"})...)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("check takes no arguments (got %q)", fs.Arg(0))}
	}
	cfg, err := cf.Resolve(env.Getenv)
	if err != nil {
		return err
	}
	opts := env.AppOptions
	opts.Inspect, opts.Demo = true, opts.Demo || cfg.Demo
	a, err := app.Open(ctx, cfg, cfg.Logger(env.Stderr), opts)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, runErr := a.Check.Run(ctx)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(env, rep)
	}
	if runErr != nil {
		return runErr
	}
	if n := len(rep.Broken()); n > 0 {
		return fmt.Errorf("%w (%d of %d)", ErrPromiseBroken, n, len(rep.Items))
	}
	return nil
}

// printReport writes the table: promise, result, count, the notice sentence, and under a
// promise that is not kept the detail.
func printReport(env *Env, rep check.Report) {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROMISE\tRESULT\tCOUNT\tNOTICE")
	for _, it := range rep.Items {
		notice := it.Notice
		if notice == "" {
			notice = "(not stated in the notice)"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", it.Title, it.Result, it.Count, notice)
		if it.Result != check.OK && it.Detail != "" {
			fmt.Fprintf(w, "  %s\t\t\t\n", it.Detail)
		}
	}
	w.Flush()
	c := rep.Counts()
	fmt.Fprintf(env.Stdout, "\n%d promises: %d ok, %d broken, %d warnings, %d not checked (checked %s)\n",
		len(rep.Items), c[check.OK], c[check.Broken], c[check.Warning], c[check.Skipped], rep.At.Format("2006-01-02 15:04 MST"))
}
