package planner

import (
	"context"
	"strings"
	"sync"
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

// catalogCache keeps one catalogView per project.
type catalogCache struct {
	mu       sync.Mutex
	projects map[string]*projectCatalog
	gen      uint64 // last generation handed out, under mu
}

// projectCatalog is one project's entry; its mutex serializes refreshes.
type projectCatalog struct {
	mu      sync.Mutex
	view    *catalogView
	checked time.Time // when the version was last compared
	indexes time.Time // when the indexes were last read
}

func (c *catalogCache) entry(project string) *projectCatalog {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.projects == nil {
		c.projects = map[string]*projectCatalog{}
	}
	e := c.projects[project]
	if e == nil {
		e = &projectCatalog{}
		c.projects[project] = e
	}
	return e
}

func (c *catalogCache) nextGen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	return c.gen
}

// invalidate makes the next get of project read the registry again.
func (c *catalogCache) invalidate(project string) {
	e := c.entry(project)
	e.mu.Lock()
	e.checked = time.Time{}
	e.mu.Unlock()
}

// get returns project's catalog, refreshed from reg when it may be stale.
// When the registry cannot be read it returns the last good view, or an
// error when there is none.
func (c *catalogCache) get(ctx context.Context, reg Registry, project string) (*catalogView, error) {
	e := c.entry(project)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if e.view != nil && now.Sub(e.checked) < refreshEvery {
		return e.view, nil
	}
	v, err := reg.Version(ctx, project)
	if err != nil {
		return e.view, errOrNil(e.view, err)
	}
	if e.view != nil && v == e.view.snap.Version && now.Sub(e.indexes) < indexesEvery {
		e.checked = now
		return e.view, nil
	}
	snap := e.view.snapshotIfVersion(v)
	if snap == nil {
		if snap, err = reg.Snapshot(ctx, project); err != nil {
			return e.view, errOrNil(e.view, err)
		}
	}
	indexed, err := reg.IndexedViews(ctx, snap)
	if err != nil {
		return e.view, errOrNil(e.view, err)
	}
	if e.view == nil || snap != e.view.snap || !sameIndexes(indexed, e.view.indexed) {
		e.view = newCatalogView(snap, indexed, c.nextGen())
	}
	e.checked, e.indexes = now, now
	return e.view, nil
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
