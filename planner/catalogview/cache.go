package catalogview

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// How often a cached catalog is checked against the registry: another
// gateway's change shows up here within refreshEvery, and a new index on a
// source within indexesEvery. Changes made through this gateway show at
// once.
const (
	refreshEvery = time.Second
	indexesEvery = 10 * time.Second
)

// Registry is what the cache reads of the registry; *catalog.Store
// implements it.
type Registry interface {
	Snapshot(ctx context.Context, project string) (*catalog.Snapshot, error)
	// Version is the project's registry version, cheap to ask often.
	Version(ctx context.Context, project string) (int64, error)
	// IndexedViews tells which views' sources have a (keys, ts) index.
	IndexedViews(ctx context.Context, sn *catalog.Snapshot) (map[string]bool, error)
	// SourceTimeTypes tells the types of the views' sources' time columns.
	SourceTimeTypes(ctx context.Context, sn *catalog.Snapshot) (map[string]catalog.TimeTypes, error)
}

// Cache keeps one View per project of a registry. Every statement and
// every lookup asks it, so a fresh view is read without a lock; only a
// refresh takes the project's mutex.
type Cache struct {
	reg      Registry      // nil: no project has a catalog
	projects sync.Map      // project -> *projectCatalog
	gen      atomic.Uint64 // last generation handed out
}

// NewCache returns an empty cache of the catalogs of reg's projects; with
// a nil reg, no project has one.
func NewCache(reg Registry) *Cache { return &Cache{reg: reg} }

// View returns project's catalog view; nil, without an error, when the
// cache has no registry or project is "". A registry that cannot be read
// is a KindUnavailable error.
func (c *Cache) View(ctx context.Context, project string) (*View, error) {
	if c.reg == nil || project == "" {
		return nil, nil
	}
	cv, err := c.get(ctx, project)
	if err != nil {
		return nil, featuregate.Errorf(featuregate.KindUnavailable, "cannot read the registry of project %q: %v", project, err)
	}
	return cv, nil
}

// projectCatalog is one project's entry; its mutex serializes refreshes.
type projectCatalog struct {
	view    atomic.Pointer[View]
	checked atomic.Int64 // when the version was last compared, Unix nanoseconds
	mu      sync.Mutex
	indexes time.Time // when the indexes were last read, under mu
}

func (c *Cache) entry(project string) *projectCatalog {
	if e, ok := c.projects.Load(project); ok {
		return e.(*projectCatalog)
	}
	e, _ := c.projects.LoadOrStore(project, &projectCatalog{})
	return e.(*projectCatalog)
}

// Invalidate makes the next View of project read the registry again.
func (c *Cache) Invalidate(project string) {
	c.entry(project).checked.Store(0)
}

// fresh returns the entry's view if it was checked less than refreshEvery
// ago.
func (e *projectCatalog) fresh(now time.Time) *View {
	if v := e.view.Load(); v != nil && now.UnixNano()-e.checked.Load() < int64(refreshEvery) {
		return v
	}
	return nil
}

// get returns project's catalog, refreshed from the registry when it may
// be stale.
// When the registry cannot be read it returns the last good view, or an
// error when there is none.
func (c *Cache) get(ctx context.Context, project string) (*View, error) {
	e := c.entry(project)
	if v := e.fresh(time.Now()); v != nil {
		return v, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if v := e.fresh(now); v != nil { // another session refreshed it meanwhile
		return v, nil
	}
	last := e.view.Load()
	v, err := c.reg.Version(ctx, project)
	if err != nil {
		return last, errOrNil(last, err)
	}
	if last != nil && v == last.snap.Version && now.Sub(e.indexes) < indexesEvery {
		e.checked.Store(now.UnixNano())
		return last, nil
	}
	snap := last.snapshotIfVersion(v)
	if snap == nil {
		if snap, err = c.reg.Snapshot(ctx, project); err != nil {
			return last, errOrNil(last, err)
		}
	}
	indexed, err := c.reg.IndexedViews(ctx, snap)
	if err != nil {
		return last, errOrNil(last, err)
	}
	times, err := c.reg.SourceTimeTypes(ctx, snap)
	if err != nil {
		return last, errOrNil(last, err)
	}
	if last == nil || snap != last.snap || !sameIndexes(indexed, last.indexed) || !maps.Equal(times, last.times) {
		last = New(snap, indexed, c.gen.Add(1))
		last.times = times
		e.view.Store(last)
	}
	e.indexes = now
	e.checked.Store(now.UnixNano())
	return last, nil
}

// errOrNil hides err when a last good view can serve meanwhile.
func errOrNil(last *View, err error) error {
	if last != nil {
		return nil
	}
	return err
}

func sameIndexes(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
