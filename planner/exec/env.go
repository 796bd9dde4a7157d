package exec

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/online"
)

// Registry is the registry as the executors read and change it;
// *catalog.Store implements it.
type Registry interface {
	Apply(ctx context.Context, project, who, statement string, changes []catalog.Change) (int64, error)
	Snapshot(ctx context.Context, project string) (*catalog.Snapshot, error)
	Projects(ctx context.Context) ([]string, error)
	// SourceTimeTypes tells the types of the views' sources' time columns.
	SourceTimeTypes(ctx context.Context, sn *catalog.Snapshot) (map[string]catalog.TimeTypes, error)
}

// Online is the online store as the executors write it.
type Online interface {
	Write(ctx context.Context, rows []online.Row) (written int, err error)
	Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error)
	SetWatermark(ctx context.Context, project, view string, t time.Time) error
	DropView(ctx context.Context, project, view string) error
	DropProject(ctx context.Context, project string) error
}

// Offline runs queries on the offline PostgreSQL as the gateway's own
// user, for materialization; *pgxpool.Pool implements it.
type Offline interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Env is what the executors work with. One Env serves every statement of
// a gateway; it must not be copied after first use.
type Env struct {
	Registry   Registry
	Online     Online               // nil without an online store
	Offline    Offline              // nil without a pool to the offline store
	Log        *slog.Logger         // nil: no logging
	Now        func() time.Time     // the time of now() in MATERIALIZE; nil: the wall clock
	Invalidate func(project string) // forgets the cached catalog of a project
	Locks      ViewLocks
	Datasets   Datasets  // nil: no saved datasets
	Connect    Connector // nil: no connections as a session's role (no datasets)
	// Files opens the file of a file source that a statement names; nil:
	// file sources are refused over the wire.
	Files   func(ctx context.Context, path string) (catalog.FileData, error)
	Streams Streams // nil: this gateway follows no stream
}

// ViewLocks serializes the materializations of each view in this gateway,
// so that two runs never interleave reading and advancing its watermark.
// The zero value is ready to use.
type ViewLocks struct {
	views sync.Map // project\x00view -> *sync.Mutex
}

// Lock locks the view of project and returns its unlock.
func (l *ViewLocks) Lock(project, view string) (unlock func()) {
	m, _ := l.views.LoadOrStore(project+"\x00"+view, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
