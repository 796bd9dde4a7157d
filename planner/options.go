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
	project string // the gateway's own project, which exists even before it holds anything
}

// Option configures a Planner.
type Option func(*options)

// WithLogger makes the planner log through l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithProject names the gateway's own project (the project of its
// config): sessions may open it before anything is defined in it.
func WithProject(name string) Option { return func(o *options) { o.project = name } }

// WithClock makes the planner read the time from now (tests of TTL).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
