package catalogview

import (
	"strings"

	"github.com/featuregate/featuregate/catalog"
)

// View is what the planner knows of a project's catalog at one moment. It
// is immutable; its generation changes whenever its content does, so
// plans cached under one generation never outlive it. The methods of a
// nil *View answer as for a gateway without a registry.
type View struct {
	snap    *catalog.Snapshot
	indexed map[string]bool              // feature view name -> source has a (keys, ts) index
	times   map[string]catalog.TimeTypes // feature view name -> its source's time column types
	// words are the lower-cased names of the project's feature relations
	// and datasets: a text that contains none of them (nor AS OF) reads no
	// features and no dataset.
	words map[string]bool
	gen   uint64
}

// New returns the view of snap, generation gen; indexed tells which
// feature views' sources have a (keys, ts) index.
func New(snap *catalog.Snapshot, indexed map[string]bool, gen uint64) *View {
	cv := &View{snap: snap, indexed: indexed, gen: gen, words: map[string]bool{}}
	for _, v := range snap.Views {
		cv.words[strings.ToLower(v.Name)] = true
	}
	for _, s := range snap.Services {
		cv.words[strings.ToLower(s.Name)] = true
	}
	if len(snap.Views) > 0 {
		cv.words[catalog.AllFeatures] = true
	}
	for _, d := range snap.Datasets { // reads need a permission check
		cv.words[strings.ToLower(d.Name)] = true
	}
	return cv
}

// WithTimes returns cv with the types of its views' sources' time columns
// (catalog.Store.SourceTimeTypes); a view without them reads its source's
// times as timestamptz.
func (cv *View) WithTimes(times map[string]catalog.TimeTypes) *View {
	out := *cv
	out.times = times
	return &out
}

// Snapshot returns the registry snapshot the view was made of; nil for a
// nil view.
func (cv *View) Snapshot() *catalog.Snapshot {
	if cv == nil {
		return nil
	}
	return cv.snap
}

// RelationWords returns the words that make a text worth a full parse:
// the lower-cased names of the project's feature relations. The map must
// not be changed.
func (cv *View) RelationWords() map[string]bool {
	if cv == nil {
		return nil
	}
	return cv.words
}

// Generation identifies the view's content; 0 without a catalog.
func (cv *View) Generation() uint64 {
	if cv == nil {
		return 0
	}
	return cv.gen
}

// Relation returns the feature relation called name, or nil.
func (cv *View) Relation(name string) *catalog.Relation {
	if cv == nil || cv.snap == nil {
		return nil
	}
	return cv.snap.Relation(name)
}

// snapshotIfVersion returns the view's snapshot when it is at version v.
func (cv *View) snapshotIfVersion(v int64) *catalog.Snapshot {
	if cv != nil && cv.snap.Version == v {
		return cv.snap
	}
	return nil
}
