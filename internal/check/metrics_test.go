package check_test

import (
	"testing"
	"time"

	"github.com/fairline/fairline/internal/check"
	"github.com/prometheus/client_golang/prometheus"
)

// Each promise is a gauge labelled by its id only; a broken one reads 2, a warning 1, one not
// yet checkable -1.
func TestMetrics(t *testing.T) {
	a, clk := openApp(t, "sqlite")
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(a.Check.Collector()); err != nil {
		t.Fatal(err)
	}
	ingest(t, a, "EXT-M", clk.Now())
	clk.Add(24 * 31 * 4 * time.Hour)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]map[string]float64{}
	for _, mf := range mfs {
		values[mf.GetName()] = map[string]float64{}
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != "promise" {
				t.Errorf("%s has labels %v", mf.GetName(), m.GetLabel())
			}
			values[mf.GetName()][m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	for id, want := range map[string]float64{check.RecordingRetention: 2, check.SubjectRequests: 0, check.UnusedProcessor: 1, check.AuditLog: 0} {
		if got := values["fairline_promise_result"][id]; got != want {
			t.Errorf("fairline_promise_result{promise=%q} = %v, want %v", id, got, want)
		}
	}
	if got := values["fairline_promise_count"][check.RecordingRetention]; got != 1 {
		t.Errorf("count = %v", got)
	}
	if len(values["fairline_promise_result"]) != len(check.IDs()) || len(values["fairline_promise_count"]) != len(check.IDs()) {
		t.Errorf("series: %v", values)
	}
}
