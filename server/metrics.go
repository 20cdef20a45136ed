package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/server/linkage"
)

// metrics are served in Prometheus format on their own listener, so that
// scraping needs no client certificate and never touches the API port.
type metrics struct {
	registry   *prometheus.Registry
	rpcs       *prometheus.CounterVec
	rpcSeconds *prometheus.HistogramVec
	records    *prometheus.CounterVec
	pseudonyms prometheus.Counter
	decisions  *prometheus.CounterVec
	// auditBroken counts refusals to append to (or start on) a broken
	// audit log: anything above 0 wants an operator now.
	auditBroken prometheus.Counter
	refusals    *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttp_rpcs_total", Help: "RPCs handled, by method and gRPC code.",
		}, []string{"method", "code"}),
		rpcSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ttp_rpc_duration_seconds", Help: "RPC duration, by method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"method"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttp_coded_records_total", Help: "Records coded, by outcome (accepted, rejected).",
		}, []string{"outcome"}),
		pseudonyms: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ttp_pseudonyms_total", Help: "Field pseudonyms made.",
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttp_linkage_decisions_total", Help: "Registered records, by what the person index did (known, linked, new, review); brokers never see this.",
		}, []string{"decision"}),
		auditBroken: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ttp_audit_broken_total", Help: "Appends refused, and starts refused, because the audit log does not verify.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttp_refused_calls_total", Help: "Calls refused, by method, principal and reason (authentication, authorisation, quota, limit, invalid request).",
		}, []string{"method", "principal", "reason"}),
	}
	m.registry.MustRegister(m.rpcs, m.rpcSeconds, m.records, m.pseudonyms, m.decisions, m.auditBroken, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeRPC(method string, err error, d time.Duration) {
	m.rpcs.WithLabelValues(method, status.Code(err).String()).Inc()
	m.rpcSeconds.WithLabelValues(method).Observe(d.Seconds())
}

// observeDecisions counts the person index's decisions on accepted records:
// for operators only, as the audit log's counts are.
func (m *metrics) observeDecisions(rs []linkage.Registered) {
	for _, r := range rs {
		if !r.Rejected {
			m.decisions.WithLabelValues(r.Decision.String()).Inc()
		}
	}
}

func (m *metrics) observeCoding(accepted, rejected, pseudonyms int) {
	m.records.WithLabelValues("accepted").Add(float64(accepted))
	m.records.WithLabelValues("rejected").Add(float64(rejected))
	m.pseudonyms.Add(float64(pseudonyms))
}
