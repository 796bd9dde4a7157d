package planner

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
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
	connect SessionConnector
	files   func(ctx context.Context, path string) (catalog.FileData, error)
	// offlineWriter writes pushed rows offline as the user; nil: pushes
	// write online only.
	offlineWriter OfflineWriter
	streams       exec.Streams
}

// SessionConnector connects to the offline store as the role of user's
// sessions, with the given startup parameters
// (offline.SessionConnector).
type SessionConnector func(ctx context.Context, user string, params map[string]string) (*pgx.Conn, error)

// WithOfflineWriter lets pushes write the rows of push sources into
// their tables on the offline store through w.
func WithOfflineWriter(w OfflineWriter) Option { return func(o *options) { o.offlineWriter = w } }

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

// WithSessionConnector lets the planner's statements connect to the
// offline store as a session's own role (CREATE DATASET, VALIDATE of a
// query); without it they are refused. connect gets the session's startup
// parameters (UpstreamParams: its search_path).
func WithSessionConnector(connect SessionConnector) Option {
	return func(o *options) { o.connect = connect }
}

// WithFiles lets statements sent over the wire read the files of file
// sources (CREATE SOURCE … AS FILE, REFRESH SOURCE) through open, which
// confines them to a directory; without it they are refused.
func WithFiles(open func(ctx context.Context, path string) (catalog.FileData, error)) Option {
	return func(o *options) { o.files = open }
}

// WithStreams gives the planner the gateway's stream follower, which
// SHOW STREAMS reports and catalog changes notify.
func WithStreams(s exec.Streams) Option { return func(o *options) { o.streams = s } }

// WithClock makes the planner read the time from now (tests of TTL).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
