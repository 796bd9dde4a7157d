package planner

import "log/slog"

// options are a Planner's optional dependencies.
type options struct {
	log *slog.Logger
}

// Option configures a Planner.
type Option func(*options)

// WithLogger makes the planner log through l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }
