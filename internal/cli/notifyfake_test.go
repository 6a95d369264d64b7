package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

// `fairline notify-fake` serves the fake Notify with the key serve reads from the environment
// (or one it makes and prints), the demo template unless told others, until it is stopped.
func TestNotifyFakeCommand(t *testing.T) {
	key := notifyfake.NewKey("demo")
	keyText := key.Name + "-" + key.ServiceID + "-" + key.Secret()
	const other = "0b8f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"
	cases := []struct {
		name      string
		env       map[string]string
		args      []string
		template  string
		printsKey bool
	}{
		{"key from the environment, demo template", map[string]string{"FAIRLINE_NOTIFY_API_KEY": keyText}, nil, notifyfake.DemoTemplateID, false},
		{"own key, given template", nil, []string{"--template", other + "=Hi ((link))"}, other, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := &syncWriter{}
			ready := make(chan string, 1)
			done := make(chan error, 1)
			e := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: &syncWriter{}, Getenv: func(k string) string { return c.env[k] },
				Ready: func(u string) { ready <- u }}
			go func() { done <- Run(ctx, e, append([]string{"notify-fake", "--addr", "127.0.0.1:0"}, c.args...)) }()
			var base string
			select {
			case base = <-ready:
			case err := <-done:
				t.Fatalf("exited: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("did not start")
			}
			k := keyText
			if c.printsKey {
				_, rest, ok := strings.Cut(out.String(), "API key: ")
				if !ok {
					t.Fatalf("no key printed: %s", out)
				}
				k = strings.Fields(rest)[0]
			} else if strings.Contains(out.String(), key.Secret()) {
				t.Error("printed the configured key's secret")
			}
			client, err := notify.New(base, k)
			if err != nil {
				t.Fatal(err)
			}
			m := notify.SMS{PhoneNumber: "07700900123", TemplateID: c.template, Reference: "cli",
				Personalisation: map[string]string{"link": "https://x.example/s/1"}}
			if _, err := client.SendSMS(ctx, m); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := client.NotificationByReference(ctx, "cli"); !ok || err != nil {
				t.Errorf("look-up: %v %v", ok, err)
			}
			if strings.Contains(out.String(), "900123") {
				t.Errorf("the number was printed: %s", out)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("stopped with %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("did not stop")
			}
		})
	}
	for _, args := range [][]string{{"--template", "survey"}, {"--callback-url", "http://127.0.0.1:1/cb"}, {"extra"}} {
		err := Run(context.Background(), &Env{Stdout: &syncWriter{}, Stderr: &syncWriter{}, Getenv: func(string) string { return "" }},
			append([]string{"notify-fake", "--addr", "127.0.0.1:0"}, args...))
		var ue *UsageError
		if err == nil || !(errors.As(err, &ue) || errors.Is(err, errUsage)) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
