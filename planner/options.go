package planner

import (
	"log/slog"
	"time"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/planner/exec"
)

// options are a Planner's optional dependencies.
type options struct {
	log     *slog.Logger
	online  online.Store
	offline Offline
	now     func() time.Time
	project string // the gateway's own project, which exists even before it holds anything
	maxKeys int    // the most keys one lookup may ask for; 0: no limit
	streams exec.Streams
}

// Option configures a Planner.
type Option func(*options)

// WithLogger makes the planner log through l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithProject names the gateway's own project (the project of its
// config): sessions may open it before anything is defined in it.
func WithProject(name string) Option { return func(o *options) { o.project = name } }

// WithMaxKeysPerLookup caps the keys of one online lookup (SQL and HTTP);
// a lookup over it is refused with KindLimitExceeded.
func WithMaxKeysPerLookup(n int) Option { return func(o *options) { o.maxKeys = n } }

// WithStreams gives the planner the gateway's stream follower, which
// SHOW STREAMS reports and catalog changes notify.
func WithStreams(s exec.Streams) Option { return func(o *options) { o.streams = s } }

// WithClock makes the planner read the time from now (tests of TTL).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
