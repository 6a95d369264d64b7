package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/kb"
	"github.com/fairline/fairline/internal/kb/crawl"
	"github.com/fairline/fairline/internal/policy"
)

// Knowledge base.

func kbCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "kb", args, map[string]func(context.Context, *Env, []string) error{
		"crawl":  kbCrawl,
		"import": kbImport,
	})
}

func kbCrawl(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "kb crawl", "kb crawl URL [--max-pages N] [--rate R] [--exclude PREFIX]... [--allow-private]\n\n"+
		"Crawls the council website at URL (its scheme and host) into the knowledge base: reads robots.txt\n"+
		"(groups for FairlineBot, else *; Crawl-delay honoured) and the sitemaps, follows same-site links,\n"+
		"re-checks stored pages with conditional GETs and removes pages that now answer 404 or 410.\n"+
		"Excluded paths set by staff in the console apply as well as --exclude.\n\n"+
		"The site's host must be one of the chatbot's sources in the policy (systems[chatbot].sources), which\n"+
		"the notice names. Loopback, private, link-local and cloud-metadata addresses are refused unless\n"+
		"--allow-private is given (an intranet site).")
	cf := config.Register(fs, appSettings...)
	maxPages := fs.Int("max-pages", crawl.DefaultMaxPages, "fetch at most this many pages")
	rate := fs.Float64("rate", crawl.DefaultRate, "requests per second at most (a site's Crawl-delay can make it slower)")
	conc := fs.Int("concurrency", crawl.DefaultConcurrency, "requests in flight at once")
	var exclude multiFlag
	fs.Var(&exclude, "exclude", "path prefix not to crawl, such as /news (repeat for more)")
	allowPrivate := fs.Bool("allow-private", false, "allow loopback, private and link-local addresses (intranet sites, tests)")
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &UsageError{"kb crawl needs exactly one URL, such as https://www.example-council.gov.uk/"}
	}
	if *rate <= 0 || *maxPages <= 0 || *conc <= 0 {
		return &UsageError{"--rate, --max-pages and --concurrency must be greater than 0"}
	}
	start, err := crawl.Normalise(fs.Arg(0))
	if err != nil {
		return &UsageError{"kb crawl: " + err.Error()}
	}
	var prefixes []string
	for _, e := range exclude {
		p, err := crawl.NormalisePrefix(e)
		if err != nil {
			return &UsageError{"--exclude " + e + ": " + err.Error()}
		}
		prefixes = append(prefixes, p)
	}
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()

	// Ctrl-C stops the crawl between pages; what was stored stays.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgress(env.Stdout, "crawling", 25)
	svc := kb.New(a.DB, kb.Options{Logger: a.Logger, Policy: a.Policy})
	sum, err := svc.Crawl(ctx, start, crawl.Options{Rate: *rate, MaxPages: *maxPages, Concurrency: *conc, AllowPrivate: *allowPrivate,
		Exclude: prefixes, Progress: func(p crawl.Progress) { prog.report(p.Done, p.Done+p.Pending) }})
	prog.finish()
	var blocked *crawl.BlockedAddressError
	var foreign *policy.SourceError
	switch {
	case errors.As(err, &blocked):
		return fmt.Errorf("%w (pass --allow-private to crawl a site on a private network)", err)
	case errors.As(err, &foreign):
		return fmt.Errorf("kb crawl %s refused: %w (policy: %s)", start, err, a.Policy().Source)
	}
	for _, n := range sum.Notes {
		fmt.Fprintln(env.Stdout, "note:", n)
	}
	if sum.Site != "" {
		fmt.Fprintf(env.Stdout, "crawled %s\n", sum.Site)
		fmt.Fprintf(env.Stdout, "fetched %d, new %d, updated %d, unchanged %d, removed %d, errors %d, skipped %d, duration %s\n",
			sum.Fetched, sum.New, sum.Updated, sum.Unchanged, sum.Removed, sum.Errors, sum.Skipped, sum.Duration.Round(time.Millisecond))
	}
	if sum.CrawlDelay > 0 {
		fmt.Fprintf(env.Stdout, "the site asks for %s between requests (Crawl-delay)\n", sum.CrawlDelay)
	}
	if sum.Truncated {
		fmt.Fprintf(env.Stdout, "stopped at --max-pages %d: some pages were not fetched\n", *maxPages)
	}
	if sum.Errors > 0 {
		fmt.Fprintln(env.Stdout, "pages with errors are listed in the staff console under Knowledge base")
	}
	return err
}

func kbImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "kb import", "kb import FILE.jsonl\n\n"+
		"Imports pages from JSON Lines, one {\"url\": ..., \"title\": ..., \"html\": ...} object a line (other\n"+
		"fields are ignored; - reads standard input). All pages are stored in one transaction: a bad line\n"+
		"stores nothing and is named. Importing again updates changed pages and leaves the rest alone.\n"+
		"Every page's host must be one of the chatbot's sources in the policy (systems[chatbot].sources).")
	cf := config.Register(fs, appSettings...)
	if err := parse(fs, interspersed(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &UsageError{"kb import needs exactly one FILE (or - for standard input)"}
	}
	name := fs.Arg(0)
	var r io.Reader = env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	a, err := openApp(ctx, env, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	sum, err := kb.New(a.DB, kb.Options{Logger: a.Logger, Policy: a.Policy}).Import(ctx, r)
	if err != nil {
		if name != "-" {
			return fmt.Errorf("%s: %w (nothing was imported)", name, err)
		}
		return fmt.Errorf("%w (nothing was imported)", err)
	}
	fmt.Fprintf(env.Stdout, "imported %s\n", sum)
	return nil
}
