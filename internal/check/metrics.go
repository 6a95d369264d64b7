package check

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MetricsMaxAge is how old a report a scrape may show: a scrape never runs the checks more
// often (they read every recording row and list the blob store).
const MetricsMaxAge = 5 * time.Minute

// Values of the fairline_promise_result gauge.
var resultValues = map[Result]float64{OK: 0, Warning: 1, Broken: 2, Skipped: -1}

type collector struct {
	s      *Service
	result *prometheus.Desc
	count  *prometheus.Desc
}

// Collector exports one gauge per promise, labelled by promise id only:
// fairline_promise_result (0 ok, 1 warning, 2 broken, -1 not checked) and
// fairline_promise_count (what breaks or disagrees with it). Alert on
// fairline_promise_result == 2.
func (s *Service) Collector() prometheus.Collector {
	return &collector{s: s,
		result: prometheus.NewDesc("fairline_promise_result",
			"Whether a promise of the notices holds (fairline check): 0 ok, 1 warning, 2 broken, -1 not checked.", []string{"promise"}, nil),
		count: prometheus.NewDesc("fairline_promise_count",
			"How many stored or configured things break (or disagree with) a promise of the notices.", []string{"promise"}, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.result
	ch <- c.count
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, _ := c.s.Latest(ctx, MetricsMaxAge) // a check that could not run is reported broken
	for _, it := range rep.Items {
		ch <- prometheus.MustNewConstMetric(c.result, prometheus.GaugeValue, resultValues[it.Result], it.ID)
		ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(it.Count), it.ID)
	}
}
