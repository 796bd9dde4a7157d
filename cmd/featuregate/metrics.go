package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/online"
)

// gatewayMetrics are the gateway's own Prometheus metrics beside the HTTP
// API's: the wire protocol's sessions, logins and errors, and the online
// store's size. /metrics exposes their registry.
type gatewayMetrics struct {
	registry *prometheus.Registry
	wire     *wireMetrics
}

// newGatewayMetrics registers the wire metrics, and the size of store
// when it can tell it, in a new registry.
func newGatewayMetrics(store online.Store) *gatewayMetrics {
	reg := prometheus.NewRegistry()
	m := &gatewayMetrics{registry: reg, wire: newWireMetrics(reg)}
	if s, ok := store.(diskUser); ok {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "featuregate_online_store_disk_bytes",
			Help: "Bytes the online store takes on disk (Pebble: its directory; PostgreSQL: its table and indexes).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := s.DiskUsage(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// diskUser is an online store that can tell its size on disk.
type diskUser interface {
	DiskUsage(ctx context.Context) (uint64, error)
}

// wireMetrics implements wire.Events with Prometheus collectors.
type wireMetrics struct {
	sessions prometheus.Gauge
	logins   *prometheus.CounterVec
	errors   *prometheus.CounterVec
}

func newWireMetrics(reg *prometheus.Registry) *wireMetrics {
	m := &wireMetrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "featuregate_wire_sessions",
			Help: "PostgreSQL wire sessions open (authenticated clients).",
		}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "featuregate_wire_logins_total",
			Help: "Authentication attempts on the PostgreSQL wire, by result (ok, failed).",
		}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "featuregate_wire_errors_total",
			Help: "Errors sent to PostgreSQL wire clients (the gateway's and those relayed from the offline store), by SQLSTATE.",
		}, []string{"sqlstate"}),
	}
	reg.MustRegister(m.sessions, m.logins, m.errors)
	m.logins.WithLabelValues("ok")
	m.logins.WithLabelValues("failed")
	return m
}

// SessionStarted counts an open session.
func (m *wireMetrics) SessionStarted() { m.sessions.Inc() }

// SessionEnded counts a session less.
func (m *wireMetrics) SessionEnded() { m.sessions.Dec() }

// Login counts an authentication attempt.
func (m *wireMetrics) Login(ok bool) {
	if ok {
		m.logins.WithLabelValues("ok").Inc()
	} else {
		m.logins.WithLabelValues("failed").Inc()
	}
}

// Error counts an error by its SQLSTATE.
func (m *wireMetrics) Error(sqlstate string) { m.errors.WithLabelValues(sqlstate).Inc() }
