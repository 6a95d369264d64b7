package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/policy"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/recording"
	"github.com/fairline/fairline/internal/rights"
	"github.com/fairline/fairline/internal/version"
	"github.com/fairline/fairline/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func serve(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "serve [flags]\n\n"+
		"Runs the web server: the public privacy notices (/privacy/...), the chatbot (/ask, the widget and\n"+
		"POST /api/v1/chat), the staff console (/sign-in) and the JSON API (/api/v1, docs/api.md), with the\n"+
		"background jobs (retention sweep, re-crawls). It applies database migrations first. While no staff\n"+
		"account exists it prints a one-time link to create the first administrator. SIGTERM or Ctrl-C stops\n"+
		"it gracefully; SIGHUP reloads the policy file.")
	cf := config.Register(fs) // every setting
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.Resolve(env.Getenv)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := env.AppOptions
	opts.Registry, opts.Demo = reg, cfg.Demo
	a, err := app.Open(ctx, cfg, cfg.Logger(env.Stderr), opts)
	if err != nil {
		return err
	}
	defer a.Close()
	log := a.Logger

	if cfg.OtherCouncils != "" {
		list, err := chat.LoadOtherCouncils(cfg.OtherCouncils)
		if err != nil {
			return err
		}
		a.Chat.SetOtherCouncils(list)
	}
	if cfg.BankHolidays != "" {
		cal, err := rights.LoadCalendar(cfg.BankHolidays)
		if err != nil {
			return err
		}
		a.Rights.SetCalendar(cal)
	}
	if app.DemoCouncil(cfg.Policy, cfg.Demo) {
		fmt.Fprintf(env.Stdout, "Demo mode (--demo): the embedded demo policy is in force: %s, a single-tier council whose chatbot answers from %s only and sends no topic to another council. Give --policy FILE to use your own.\n",
			a.Policy().Organisation.Name, chat.DemoSource.URL)
	} else if cfg.Demo {
		fmt.Fprintf(env.Stdout, "Demo mode (--demo): %s is added to the chatbot's sources (%s) in the policy in force, and the chatbot notice names it.\n",
			chat.DemoSource.URL, policy.SourcesField(chat.System))
	}
	if cfg.Demo {
		imported, err := chat.ImportDemo(ctx, a.DB, a.KB)
		if err != nil {
			return fmt.Errorf("import the demo site: %w", err)
		}
		if imported {
			fmt.Fprintln(env.Stdout, "Imported the LocalGov Drupal demo site into the empty knowledge base (--demo).")
		}
	}
	if err := a.Chat.LoadIndex(ctx); err != nil {
		return err
	}
	if outside, err := a.SitesOutsideSources(ctx); err != nil {
		return err
	} else if len(outside) > 0 {
		fmt.Fprintf(env.Stdout, "warning: the knowledge base holds pages from sites that are not among the chatbot's sources (%s), so the notice does not name them: %s\n",
			policy.SourcesField(chat.System), strings.Join(outside, ", "))
		log.Warn("knowledge-base sites outside the policy's chatbot sources", "sites", strings.Join(outside, ", "))
	}
	if cfg.RecrawlEvery > 0 {
		a.Jobs.Every(app.JobRecrawl, cfg.RecrawlEvery, func(ctx context.Context, _ json.RawMessage) error { return a.Recrawl(ctx, cfg.CrawlAllowPrivate) })
	}

	var setup *web.Setup
	if open, err := a.Auth.NeedsSetup(ctx); err != nil {
		return err
	} else if open {
		setup = web.NewSetup()
	}
	// One limiter for the chatbot's two doors, the JSON API and /ask.
	chatLimiter := ratelimit.New(a.Config.ChatRateLimit(), ratelimit.Options{})
	apiSrv, err := api.New(api.Deps{Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Logger: log, Recordings: a.Recordings, Surveys: a.Surveys,
		Chat: a.Chat, ChatLimiter: chatLimiter, WidgetOrigins: a.Config.Origins()})
	if err != nil {
		return err
	}
	site, err := web.New(web.Deps{API: apiSrv, Recordings: a.Recordings, Rights: a.Rights, Surveys: a.Surveys, Quality: a.Quality, Chat: a.Chat, KB: a.KB,
		Auth: a.Auth, OIDC: a.OIDC, Audit: a.Audit, Policy: a.Policy, PolicyHistory: a.PolicyHistory, CheckWrite: a.DB.CheckWrite,
		CSRFKey: a.Keys.Key(keys.PurposeCSRF), SecureCookies: a.Config.SecureCookies(),
		Setup: setup, Registry: reg, Gatherer: reg, Logger: log, Version: version.String(),
		StoreLocations: a.StoreLocations, Jobs: a.Jobs, Check: a.Check,
		ChatLimiter: chatLimiter, TrustedProxies: a.Config.TrustedProxyNets(),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
	}
	base := a.Config.BaseURL
	if _, port, _ := net.SplitHostPort(a.Config.Listen); port == "0" {
		// Asked for any free port: report the one we got.
		base = "http://" + ln.Addr().String()
	}
	site.BaseURL = base
	// /metrics has a listener of its own (loopback by default), never the
	// public one.
	var metricsSrv *http.Server
	var metricsURL string
	if addr := a.Config.MetricsAddr(); addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s (metrics-listen; off turns it off): %w", addr, err)
		}
		metricsURL = "http://" + mln.Addr().String() + "/metrics"
		metricsSrv = &http.Server{Handler: site.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
		metricsDone := make(chan struct{})
		go func() {
			defer close(metricsDone)
			if err := metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
		defer func() { metricsSrv.Close(); <-metricsDone }()
	}
	timeouts := DefaultServeTimeouts
	if env.Timeouts != nil {
		timeouts = *env.Timeouts
	}
	apiSrv.UploadLimits, site.DownloadLimits = timeouts.Transfer, timeouts.Transfer
	srv := newHTTPServer(site.Handler(), timeouts)

	fmt.Fprintf(env.Stdout, "Fairline %s is running at %s/\n", version.String(), base)
	fmt.Fprintf(env.Stdout, "  database: %s\n  policy:   %s\n", a.Config.RedactedDB(), a.Policy().Source)
	if metricsURL != "" {
		fmt.Fprintf(env.Stdout, "  metrics:  %s (for Prometheus; not on the public address)\n", metricsURL)
	}
	if setup != nil {
		fmt.Fprintf(env.Stdout, "\nFirst time? Create the administrator account by opening\n  %s/setup?token=%s\n", base, setup.Token())
		fmt.Fprintf(env.Stdout, "or run: fairline user add --email you@your-council.gov.uk --role administrator\n\n")
	} else {
		fmt.Fprintf(env.Stdout, "Staff sign in at %s/sign-in\n", base)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// Background work (the job runner; following knowledge-base changes
	// that other serve instances and the CLI make) runs until a.Close, after
	// the last request, and then finishes what it started; a runner that
	// fails (the database refusing writes, say) is restarted, and /readyz
	// reports it while it is down. It starts before requests are served so
	// that /readyz finds it running.
	a.Start(cfg.KBPoll)
	if err := a.Jobs.WaitAlive(ctx, 10*time.Second); err != nil {
		log.Warn("serving while the background job runner is not running; /readyz says so", "err", err)
	}
	if env.Ready != nil {
		env.Ready(base)
	}

	errc := make(chan error, 1)
	go func() {
		var err error
		if a.Config.TLSCert != "" {
			err = srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()

	for {
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-hup:
			if err := a.ReloadPolicy(ctx); err != nil {
				log.Error("policy reload refused; the previous policy stays in force", "err", err)
			}
		case <-ctx.Done():
			log.Info("shutting down: finishing in-flight requests")
			shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutCtx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			log.Info("stopped")
			return nil
		}
	}
}

// ServeTimeouts are serve's per-request deadlines.
type ServeTimeouts struct {
	// Read and Write bound reading an ordinary request's body and writing
	// its response.
	Read, Write time.Duration
	// Transfer replaces them for recording uploads and disclosure
	// downloads: a base plus a minimum rate, so the time grows with size.
	Transfer recording.TransferLimits
}

// DefaultServeTimeouts: a minute to send a form or JSON body, two to
// receive a page; uploads and downloads get recording.DefaultTransferLimits.
var DefaultServeTimeouts = ServeTimeouts{Read: 60 * time.Second, Write: 120 * time.Second, Transfer: recording.DefaultTransferLimits}

// newHTTPServer has no server-wide ReadTimeout or WriteTimeout: those cut
// every request at a fixed time whatever its size, so a 500 MB upload on a
// slow line failed after a minute. Headers must arrive within 10 s; then
// requestDeadlines gives each request short deadlines, which the upload
// and disclosure routes replace with ones from the size and a minimum rate.
func newHTTPServer(h http.Handler, t ServeTimeouts) *http.Server {
	return &http.Server{
		Handler:           requestDeadlines(h, t.Read, t.Write),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// requestDeadlines sets the ordinary read and write deadlines of every
// request before its handler runs.
func requestDeadlines(next http.Handler, read, write time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		if err := errors.Join(rc.SetReadDeadline(now.Add(read)), rc.SetWriteDeadline(now.Add(write))); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}
