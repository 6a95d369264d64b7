package notifyfake_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
)

// BenchmarkSendSMS measures text messages sent per second through the fake server: the client
// (token signing, JSON, HTTP over loopback) and the fake (token check, validation, keeping the
// message) in one process. The rate limit is off: with it, a service may send 50 a second.
//
//	go test -run '^$' -bench SendSMS -benchtime 20000x ./internal/notify/notifyfake/
func BenchmarkSendSMS(b *testing.B) {
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("goroutines=%d", par*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			key := notifyfake.NewKey("bench")
			fake, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key}, RateLimit: -1,
				Templates: map[string]string{tmpl: "Rate us: ((link))"}})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: par}
			c, err := notify.New(srv.URL, key.Name+"-"+key.ServiceID+"-"+key.Secret(), notify.WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				b.Fatal(err)
			}
			m := notify.SMS{PhoneNumber: "07700 900123", TemplateID: tmpl, Reference: "bench",
				Personalisation: map[string]string{"link": "https://fairline.example/s/0123456789abcdef"}}
			b.SetParallelism(par) // goroutines per GOMAXPROCS
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.SendSMS(b.Context(), m); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
			if got := len(fake.Received()); got != b.N {
				b.Errorf("%d received, want %d", got, b.N)
			}
		})
	}
}
