package lrs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skillpath/store"
)

// Metrics are the outbox's Prometheus metrics. The counts by state are read
// from the database at each scrape, so every process reports the same,
// right, numbers; latency, attempts and failures are what this process's
// workers observed.
type Metrics struct {
	latency   prometheus.Histogram
	attempts  prometheus.Counter
	failures  *prometheus.CounterVec
	delivered prometheus.Counter
	parked    prometheus.Counter
}

// NewMetrics registers the outbox's metrics with reg.
func NewMetrics(reg prometheus.Registerer, st *store.Store) *Metrics {
	m := &Metrics{
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "skillpath_lrs_delivery_latency_seconds",
			Help:    "Time from a statement's writing to the outbox to its delivery to the LRS, observed by this process.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
		attempts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skillpath_lrs_delivery_attempts_total",
			Help: "POST requests of statements to LRSs made by this process.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skillpath_lrs_delivery_failures_total",
			Help: "POST requests that did not deliver, by reason: network, server_error (5xx), rate_limited (429), conflict (409 on a batch), refused (other 4xx, a redirect, a 200 without the statement ids, another 2xx).",
		}, []string{"reason"}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skillpath_lrs_statements_delivered_total",
			Help: "Statements this process delivered.",
		}),
		parked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skillpath_lrs_statements_parked_total",
			Help: "Statements this process parked after the LRS refused them.",
		}),
	}
	for _, r := range []string{"network", "server_error", "rate_limited", "conflict", "refused"} {
		m.failures.WithLabelValues(r) // show every reason from the start, at 0
	}
	reg.MustRegister(m.latency, m.attempts, m.failures, m.delivered, m.parked, outboxCollector{st})
	return m
}

func (m *Metrics) attempted(a answer) {
	if m == nil {
		return
	}
	m.attempts.Inc()
	reason := ""
	switch {
	case a.kind == stored:
	case a.status == 0:
		reason = "network"
	case a.status == 429:
		reason = "rate_limited"
	case a.kind == transient:
		reason = "server_error"
	case a.kind == conflict:
		reason = "conflict"
	default:
		reason = "refused"
	}
	if reason != "" {
		m.failures.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) settled(c *store.Claim, o store.Outcome, now time.Time) {
	if m == nil {
		return
	}
	created := make(map[int64]time.Time, len(c.Statements))
	for _, st := range c.Statements {
		created[st.ID] = st.CreatedAt
	}
	for _, id := range o.Delivered {
		m.latency.Observe(now.Sub(created[id]).Seconds())
	}
	m.delivered.Add(float64(len(o.Delivered)))
	m.parked.Add(float64(len(o.Parked)))
}

// outboxCollector reports the outbox's statements by state, counted in the
// database at scrape time.
type outboxCollector struct{ st *store.Store }

var outboxDesc = prometheus.NewDesc("skillpath_lrs_outbox_statements",
	"Statements in the LRS outbox by state (pending, delivered, parked), counted in the database.", []string{"state"}, nil)

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.st.CountOutbox(ctx, 0)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for state, v := range map[string]int{"pending": n.Pending, "delivered": n.Delivered, "parked": n.Parked} {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(v), state)
	}
}
