package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/planner/exec"
	"github.com/featuregate/featuregate/stream"
)

// inProcessKey marks the context of a gateway a one-off command starts
// for its duration: it follows no stream (the repo's featuregate serve
// does).
type inProcessKey struct{}

// startFollower starts the stream follower of a gateway over reg and
// eng, and returns it with the function that stops it; nil when the
// gateway follows no stream (no online store, or in process).
func startFollower(ctx context.Context, cfg config.Config, reg exec.Registry, eng *engine, log *slog.Logger) (*stream.Follower, func(), error) {
	if eng.online == nil || ctx.Value(inProcessKey{}) != nil {
		return nil, func() {}, nil
	}
	id, shared := stream.SharedIdentity, true
	if cfg.Online.Type != "postgres" {
		var err error
		if id, err = stream.DataDirIdentity(cfg.DataDir); err != nil {
			return nil, nil, fmt.Errorf("stream identity: %w", err)
		}
		shared = false
	}
	f := stream.New(stream.Config{DSN: cfg.Offline.DSN, Identity: id, Shared: shared, Log: log,
		Env: &exec.Env{Registry: reg, Online: eng.online, Offline: eng.pool, Log: log}})
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); f.Run(fctx) }()
	return f, func() { cancel(); <-done }, nil
}

// streamCollector exposes the follower's streams in /metrics.
type streamCollector struct{ f *stream.Follower }

var (
	streamLabels      = []string{"project", "source", "slot"}
	streamLagBytes    = prometheus.NewDesc("featuregate_stream_lag_bytes", "WAL the stream's replication slot holds back: from its confirmed position to the offline store's current one.", streamLabels, nil)
	streamLagSeconds  = prometheus.NewDesc("featuregate_stream_lag_seconds", "Age of the oldest change committed offline and not yet durable online (while the stream is down: time since it last was).", streamLabels, nil)
	streamUp          = prometheus.NewDesc("featuregate_stream_up", "1 when the stream follows its source (streaming), 0 otherwise; state says which (starting, standby, reconnecting, gap, error).", append(streamLabels, "state"), nil)
	streamRowsWritten = prometheus.NewDesc("featuregate_stream_rows_written_total", "Online values the stream replaced since the gateway started.", streamLabels, nil)
	streamRejected    = prometheus.NewDesc("featuregate_stream_rows_rejected_total", "Streamed rows that broke a CHECK rule of a feature view, since the gateway started.", streamLabels, nil)
)

// Describe implements prometheus.Collector.
func (c streamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{streamLagBytes, streamLagSeconds, streamUp, streamRowsWritten, streamRejected} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c streamCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.f.All() {
		l := []string{s.Project, s.Source, s.Slot}
		up := 0.0
		if s.State == "streaming" {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(streamLagBytes, prometheus.GaugeValue, float64(s.LagBytes), l...)
		ch <- prometheus.MustNewConstMetric(streamLagSeconds, prometheus.GaugeValue, s.LagSeconds, l...)
		ch <- prometheus.MustNewConstMetric(streamUp, prometheus.GaugeValue, up, append(l, s.State)...)
		ch <- prometheus.MustNewConstMetric(streamRowsWritten, prometheus.CounterValue, float64(s.Written), l...)
		ch <- prometheus.MustNewConstMetric(streamRejected, prometheus.CounterValue, float64(s.Rejected), l...)
	}
}
