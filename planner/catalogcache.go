package planner

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// catalogView is what the planner knows of a project's catalog at one
// moment. It is immutable; gen changes whenever its content does, so plans
// cached under one generation never outlive it.
type catalogView struct {
	snap    *catalog.Snapshot
	indexed map[string]bool // feature view name -> source has a (keys, ts) index
	// words are the lower-cased names of the project's feature relations:
	// a text that contains none of them (nor AS OF) reads no features.
	words map[string]bool
	gen   uint64
}

// relationWords returns the words that make a text worth a full parse.
func (cv *catalogView) relationWords() map[string]bool {
	if cv == nil {
		return nil
	}
	return cv.words
}

// generation identifies the view's content; 0 without a catalog.
func (cv *catalogView) generation() uint64 {
	if cv == nil {
		return 0
	}
	return cv.gen
}

// relation returns the feature relation called name, or nil.
func (cv *catalogView) relation(name string) *catalog.Relation {
	if cv == nil || cv.snap == nil {
		return nil
	}
	return cv.snap.Relation(name)
}

func newCatalogView(snap *catalog.Snapshot, indexed map[string]bool, gen uint64) *catalogView {
	cv := &catalogView{snap: snap, indexed: indexed, gen: gen, words: map[string]bool{}}
	for _, v := range snap.Views {
		cv.words[strings.ToLower(v.Name)] = true
	}
	for _, s := range snap.Services {
		cv.words[strings.ToLower(s.Name)] = true
	}
	if len(snap.Views) > 0 {
		cv.words[catalog.AllFeatures] = true
	}
	return cv
}

// catalogCache keeps one catalogView per project. Every statement and
// every lookup asks it, so a fresh view is read without a lock; only a
// refresh takes the project's mutex.
type catalogCache struct {
	projects sync.Map      // project -> *projectCatalog
	gen      atomic.Uint64 // last generation handed out
}

// projectCatalog is one project's entry; its mutex serializes refreshes.
type projectCatalog struct {
	view    atomic.Pointer[catalogView]
	checked atomic.Int64 // when the version was last compared, Unix nanoseconds
	mu      sync.Mutex
	indexes time.Time // when the indexes were last read, under mu
}

func (c *catalogCache) entry(project string) *projectCatalog {
	if e, ok := c.projects.Load(project); ok {
		return e.(*projectCatalog)
	}
	e, _ := c.projects.LoadOrStore(project, &projectCatalog{})
	return e.(*projectCatalog)
}

// invalidate makes the next get of project read the registry again.
func (c *catalogCache) invalidate(project string) {
	c.entry(project).checked.Store(0)
}

// fresh returns the entry's view if it was checked less than refreshEvery
// ago.
func (e *projectCatalog) fresh(now time.Time) *catalogView {
	if v := e.view.Load(); v != nil && now.UnixNano()-e.checked.Load() < int64(refreshEvery) {
		return v
	}
	return nil
}

// get returns project's catalog, refreshed from reg when it may be stale.
// When the registry cannot be read it returns the last good view, or an
// error when there is none.
func (c *catalogCache) get(ctx context.Context, reg Registry, project string) (*catalogView, error) {
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
	v, err := reg.Version(ctx, project)
	if err != nil {
		return last, errOrNil(last, err)
	}
	if last != nil && v == last.snap.Version && now.Sub(e.indexes) < indexesEvery {
		e.checked.Store(now.UnixNano())
		return last, nil
	}
	snap := last.snapshotIfVersion(v)
	if snap == nil {
		if snap, err = reg.Snapshot(ctx, project); err != nil {
			return last, errOrNil(last, err)
		}
	}
	indexed, err := reg.IndexedViews(ctx, snap)
	if err != nil {
		return last, errOrNil(last, err)
	}
	if last == nil || snap != last.snap || !sameIndexes(indexed, last.indexed) {
		last = newCatalogView(snap, indexed, c.gen.Add(1))
		e.view.Store(last)
	}
	e.indexes = now
	e.checked.Store(now.UnixNano())
	return last, nil
}

// snapshotIfVersion returns the view's snapshot when it is at version v.
func (cv *catalogView) snapshotIfVersion(v int64) *catalog.Snapshot {
	if cv != nil && cv.snap.Version == v {
		return cv.snap
	}
	return nil
}

// errOrNil hides err when a last good view can serve meanwhile.
func errOrNil(last *catalogView, err error) error {
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
