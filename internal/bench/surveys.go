package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fairline/fairline/internal/app"
	"github.com/fairline/fairline/internal/notify"
	"github.com/fairline/fairline/internal/notify/notifyfake"
	"github.com/fairline/fairline/internal/store"
)

// SurveysOptions configure Surveys.
type SurveysOptions struct {
	Requests int // survey requests queued, then sent by one pass
	Baseline int // messages sent straight through the client for the baseline
	Destroy  int // requests claimed and destroyed one by one for the destroy step's cost
}

// Surveys measures the survey sender end to end on SQLite: Requests calls are stored as
// recording.Ingest stores them (each number sealed into a due request), then one Send pass
// sends them all through the real Notify client, over loopback HTTP, to the fake Notify
// (notifyfake, rate limit off) in this process. The baseline is the same client and fake with
// nothing of Fairline's around it (no claim, no seal, no link, no destroy); the ratio is
// Fairline's cost. The destroy step (the UPDATE that marks a request sent and blanks its
// number) is timed apart, and so is the write-ahead log scrub that follows a pass.
func Surveys(ctx context.Context, w io.Writer, o SurveysOptions) error {
	key := notifyfake.NewKey("fairline-bench")
	fake, err := notifyfake.New(notifyfake.Options{Keys: []notify.APIKey{key}, RateLimit: -1,
		Templates: map[string]string{notifyfake.DemoTemplateID: notifyfake.DemoTemplateBody}})
	if err != nil {
		return err
	}
	defer fake.Close()
	url, stop, err := serveLoopback(fake)
	if err != nil {
		return err
	}
	defer stop()
	client, err := notify.New(url, key.Name+"-"+key.ServiceID+"-"+key.Secret())
	if err != nil {
		return err
	}
	// Noon UK time, inside every area's sending window whenever the bench runs.
	uk, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	y, m, d := time.Now().In(uk).Date()
	shift := time.Until(time.Date(y, m, d, 12, 0, 0, 0, uk))
	now := func() time.Time { return time.Now().Add(shift) }
	a, done, err := tempApp(ctx, "", app.Options{SurveySender: client, Now: now})
	if err != nil {
		return err
	}
	defer done()
	// The fake keeps what it accepts in memory; a million messages would only measure its heap.
	forget := make(chan struct{})
	defer close(forget)
	go func() {
		for {
			select {
			case <-forget:
				return
			case <-time.After(time.Second):
				fake.Forget()
			}
		}
	}()

	fmt.Fprintf(w, "Survey sender: %d requests queued, sent by one pass through the Notify client to the fake Notify over loopback (SQLite)\n", o.Requests)
	start := time.Now()
	if err := queueSurveys(ctx, a, o.Requests, now().Add(-2*time.Hour), 0); err != nil {
		return err
	}
	queued := time.Since(start)
	fmt.Fprintf(w, "  queue (seal each number into a due request, 5,000 a transaction): %s, %.0f µs/request\n",
		queued.Round(time.Millisecond), micros(queued, o.Requests))

	start = time.Now()
	for i := range o.Baseline {
		if _, err := client.SendSMS(ctx, notify.SMS{PhoneNumber: benchNumber(i), TemplateID: notifyfake.DemoTemplateID,
			Personalisation: map[string]string{"link": "https://fairline.example/s/bench"}, Reference: fmt.Sprintf("baseline-%d", i)}); err != nil {
			return fmt.Errorf("baseline send: %w", err)
		}
	}
	base := float64(o.Baseline) / time.Since(start).Seconds()
	fmt.Fprintf(w, "  baseline (client straight to the fake, one at a time, %d messages): %.0f sends/s\n", o.Baseline, base)

	start = time.Now()
	sum, err := a.Surveys.Send(ctx)
	took := time.Since(start)
	if err != nil {
		return err
	}
	if sum.Sent != int64(o.Requests) {
		return fmt.Errorf("sent %+v, want %d", sum, o.Requests)
	}
	rate := float64(o.Requests) / took.Seconds()
	fmt.Fprintf(w, "  Send pass (claim, open, link, Notify, mark sent and destroy; then scrub): %s, %.0f sends/s, %.2f of the baseline\n",
		took.Round(time.Millisecond), rate, rate/base)
	if held, err := a.DB.Q().CountFinishedSurveyRequestsWithNumber(ctx); err != nil || held != 0 {
		return fmt.Errorf("%d sent requests still hold a number (%v)", held, err)
	}

	// The destroy step alone, on requests claimed as the sender claims them.
	if err := queueSurveys(ctx, a, o.Destroy, now().Add(-2*time.Hour), o.Requests); err != nil {
		return err
	}
	rs, err := a.DB.Q().SurveyRequestsToWork(ctx, now(), o.Destroy)
	if err != nil {
		return err
	}
	at := now()
	for _, r := range rs {
		if ok, err := a.DB.Q().ClaimSurveyRequest(ctx, r, "bench", at, at.Add(time.Hour)); err != nil || !ok {
			return fmt.Errorf("claim: %v %v", ok, err)
		}
	}
	start = time.Now()
	for _, r := range rs {
		if err := a.DB.Q().FinishSurveyRequest(ctx, r.Reference, "bench", store.SurveySent, at); err != nil {
			return err
		}
	}
	destroy := time.Since(start)
	start = time.Now()
	if err := a.DB.Scrub(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "  destroy step (one committed UPDATE: sent, number blanked), %d requests: %.0f µs/request; then the WAL scrub: %s\n",
		len(rs), micros(destroy, len(rs)), time.Since(start).Round(time.Millisecond))
	return nil
}

// queueSurveys stores n calls' survey requests, numbered from first, 5,000 to a transaction.
func queueSurveys(ctx context.Context, a *app.App, n int, ended time.Time, first int) error {
	for lo := 0; lo < n; lo += 5000 {
		err := a.DB.Tx(ctx, func(q *store.Q) error {
			for i := lo; i < min(lo+5000, n); i++ {
				if err := a.Surveys.CallStored(ctx, q, "trading-standards", benchNumber(first+i), ended); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// benchNumber is the i-th of 100,000,000 UK mobile numbers (E.164).
func benchNumber(i int) string { return fmt.Sprintf("+4477%08d", i%100000000) }

func micros(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(max(n, 1)) }
