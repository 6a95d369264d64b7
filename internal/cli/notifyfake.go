package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fairline/fairline/internal/config"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

// templateFlags collects repeated --template ID[=BODY] flags.
type templateFlags map[string]string

func (t templateFlags) String() string { return "" }

func (t templateFlags) Set(v string) error {
	id, body, ok := strings.Cut(v, "=")
	if !notify.IsUUID(id) {
		return fmt.Errorf("template id %q is not a UUID", id)
	}
	if !ok {
		body = notifyfake.DemoTemplateBody
	}
	t[strings.ToLower(id)] = body
	return nil
}

// notifyFakeCmd runs the fake GOV.UK Notify for the demo (and for trying a sender by hand):
// the API key comes from the environment like serve's, so both can share one.
func notifyFakeCmd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "notify-fake", "notify-fake [--addr HOST:PORT] [--template ID[=BODY]]... [--callback-url URL] [--rate-limit N]\n\n"+
		"Runs a local GOV.UK Notify that checks what Notify checks on a text message (the token's\n"+
		"signature and 30-second clock, the API key, the UK mobile number, the template and its\n"+
		"((placeholders)), 3,000 messages a minute) and keeps what it accepts in memory only.\n"+
		"The API key is "+config.EnvName("notify-api-key")+" (as serve reads it), else a new one it prints.\n"+
		"Delivery receipts go to --callback-url with the bearer token FAIRLINE_NOTIFY_CALLBACK_TOKEN.\n"+
		"Point serve at it with -notify-url http://HOST:PORT.")
	addr := fs.String("addr", "127.0.0.1:8181", "address to listen on")
	templates := templateFlags{}
	fs.Var(templates, "template", "text message template to accept, ID or ID=BODY with ((placeholders)); repeatable (default: "+notifyfake.DemoTemplateID+")")
	cbURL := fs.String("callback-url", "", "post a delivery receipt for each message here")
	rate := fs.Int("rate-limit", notifyfake.RateLimit, "send requests a service may make in any 60 seconds; 0: no limit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("notify-fake takes no arguments (got %q)", fs.Arg(0))}
	}
	if len(templates) == 0 {
		templates[notifyfake.DemoTemplateID] = notifyfake.DemoTemplateBody
	}
	opts := notifyfake.Options{Templates: templates, RateLimit: *rate, CallbackURL: *cbURL,
		CallbackToken: env.Getenv("FAIRLINE_NOTIFY_CALLBACK_TOKEN")}
	if *rate <= 0 {
		opts.RateLimit = -1
	}
	if *cbURL != "" && opts.CallbackToken == "" {
		return &UsageError{"--callback-url needs the bearer token in FAIRLINE_NOTIFY_CALLBACK_TOKEN"}
	}
	key, generated := notifyfake.NewKey("fairline-demo"), true
	if v := env.Getenv(config.EnvName("notify-api-key")); v != "" {
		k, err := notify.ParseAPIKey(v)
		if err != nil {
			return fmt.Errorf("%s: %w", config.EnvName("notify-api-key"), err)
		}
		key, generated = k, false
	}
	opts.Keys = []notify.APIKey{key}
	fake, err := notifyfake.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(env.Stdout, "GOV.UK Notify fake at %s (service %s)\n", base, key.ServiceID)
	if generated {
		// A key the fake made up: it opens nothing but this fake.
		fmt.Fprintf(env.Stdout, "  API key: %s-%s-%s (set %s to it for serve)\n", key.Name, key.ServiceID, key.Secret(), config.EnvName("notify-api-key"))
	}
	for id := range templates {
		fmt.Fprintf(env.Stdout, "  template: %s\n", id)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if env.Ready != nil {
		env.Ready(base)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fake.Close() // releases requests told to hang
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
