package planner

import (
	"log/slog"
	"time"

	"github.com/featuregate/featuregate/online"
)

// options are a Planner's optional dependencies.
type options struct {
	log     *slog.Logger
	online  online.Store
	offline Offline
	now     func() time.Time
}

// Option configures a Planner.
type Option func(*options)

// WithLogger makes the planner log through l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock makes the planner read the time from now (tests of TTL).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
