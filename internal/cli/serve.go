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
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/api"
	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/chat"
	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/keys"
	"github.com/fairline/fairline/internal/ratelimit"
	"github.com/fairline/fairline/internal/version"
	"github.com/fairline/fairline/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func serve(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "serve [flags]")
	cf := config.Register(fs)
	demo := fs.Bool("demo", false, "when the knowledge base is empty, import the embedded LocalGov Drupal demo site so the chatbot has something to answer from")
	others := fs.String("other-councils", "", "YAML file of topics another council provides (default: Leicestershire's district councils; see chat.LoadOtherCouncils)")
	recrawl := fs.Duration("recrawl-every", 24*time.Hour, "re-crawl the knowledge base's known sites this often (0: never)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *recrawl < 0 {
		return &UsageError{"--recrawl-every must not be negative"}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	withMetrics := *env
	withMetrics.AppOptions.Registry = reg
	a, err := openApp(ctx, &withMetrics, cf)
	if err != nil {
		return err
	}
	defer a.Close()
	log := a.Logger

	if *others != "" {
		list, err := chat.LoadOtherCouncils(*others)
		if err != nil {
			return err
		}
		a.Chat.SetOtherCouncils(list)
	}
	if *demo {
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
	if *recrawl > 0 {
		a.Jobs.Every(app.JobRecrawl, *recrawl, func(ctx context.Context, _ json.RawMessage) error { return a.Recrawl(ctx) })
	}

	var setup *web.Setup
	if n, err := a.DB.Q().CountUsers(ctx); err != nil {
		return err
	} else if n == 0 {
		setup = web.NewSetup()
	}
	// One limiter for the chatbot's two doors, the JSON API and /ask.
	chatLimiter := ratelimit.New(a.Config.ChatRateLimit(), ratelimit.Options{})
	apiSrv, err := api.New(api.Deps{DB: a.DB, Auth: a.Auth, Audit: a.Audit, Policy: a.Policy, Logger: log, Recordings: a.Recordings,
		Chat: a.Chat, ChatLimiter: chatLimiter, WidgetOrigins: a.Config.Origins()})
	if err != nil {
		return err
	}
	site, err := web.New(web.Deps{API: apiSrv, Recordings: a.Recordings, Chat: a.Chat, KB: a.KB,
		DB: a.DB, Auth: a.Auth, Audit: a.Audit, Policy: a.Policy,
		CSRFKey: a.Keys.Key(keys.PurposeCSRF), SecureCookies: a.Config.SecureCookies(),
		Setup: setup, Registry: reg, Gatherer: reg, Logger: log, Version: version.String(),
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
		go func() {
			if err := metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
		defer metricsSrv.Close()
	}
	srv := &http.Server{
		Handler:           site.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}

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

	// Background work runs until shutdown, then finishes what it started.
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		if err := a.Jobs.Run(jobsCtx); err != nil {
			log.Error("background jobs stopped", "err", err)
		}
	}()
	defer func() { stopJobs(); <-jobsDone }()

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
