package catalog

import (
	"slices"
	"strings"
)

// Diff returns the changes that turn the registry current (nil: empty)
// into exactly the objects desired, as featuregate apply does with a
// repo: OpCreate for a new object, OpCreateOrReplace for one whose SQL
// differs, OpDrop for one desired does not hold. An unchanged registry
// gives no changes.
//
// The changes are ordered so that Apply, which validates each change
// against the state the previous ones left, accepts them whenever the
// desired state is valid:
//
//  1. drops of feature services, then feature views: those removed, and
//     those re-created (below);
//  2. creates and replaces in dependency order: entities, sources, feature
//     views, feature services, each kind by name;
//  3. drops of removed sources, then entities, once the views that
//     referenced them have been replaced.
//
// Replacing an object revalidates the objects that depend on it, as they
// are. So a changed feature view whose entity or source changes too (other
// than its comment), and a changed feature service whose feature view
// changes too, are re-created: dropped in step 1 and created in step 2.
// So is a service that references a view removed or re-created. A
// re-created object shows as an OpDrop and a later OpCreate of one name.
func Diff(current *Snapshot, desired []Object) []Change {
	d := newDiffer(current, desired)
	d.markRecreated()
	var out []Change
	out = d.drops(out, KindPermission, KindFeatureService, KindFeatureView)
	for _, kind := range dependencyOrder {
		for _, k := range sortedKeys(d.des, kind) {
			if c, ok := d.create(k); ok {
				out = append(out, c)
			}
		}
	}
	return d.drops(out, KindSource, KindEntity)
}

// dependencyOrder lists the kinds so that each depends only on those
// before it.
var dependencyOrder = []Kind{KindEntity, KindSource, KindFeatureView, KindFeatureService, KindPermission}

// differ holds the two states Diff compares.
type differ struct {
	cur, des  map[objKey]Object
	recreated map[objKey]bool
}

func newDiffer(current *Snapshot, desired []Object) *differ {
	d := &differ{cur: map[objKey]Object{}, des: map[objKey]Object{}, recreated: map[objKey]bool{}}
	if current != nil {
		for _, o := range current.Objects() {
			d.cur[keyOf(o)] = o
		}
	}
	for _, o := range desired {
		d.des[keyOf(o)] = o
	}
	return d
}

func keyOf(o Object) objKey { return objKey{o.Kind(), o.ObjectName()} }

// sortedKeys returns the keys of m's objects of kind, by name.
func sortedKeys(m map[objKey]Object, kind Kind) []objKey {
	var keys []objKey
	for k := range m {
		if k.kind == kind {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b objKey) int { return strings.Compare(a.name, b.name) })
	return keys
}

// removed reports whether k is current but not desired.
func (d *differ) removed(k objKey) bool {
	_, c := d.cur[k]
	_, w := d.des[k]
	return c && !w
}

// changed reports whether k is current and desired with another SQL.
func (d *differ) changed(k objKey) bool {
	c, okc := d.cur[k]
	w, okw := d.des[k]
	return okc && okw && (c.SQL() != w.SQL() || fileChanged(c, w))
}

// fileChanged reports whether desired, a file source, names other
// content than current loaded.
func fileChanged(current, desired Object) bool {
	c, okc := current.(*Source)
	w, okw := desired.(*Source)
	return okc && okw && c.File != nil && w.File != nil && !c.File.SameContent(w.File)
}

// reshaped reports whether k changes other than in its comment.
func (d *differ) reshaped(k objKey) bool {
	c, okc := d.cur[k]
	w, okw := d.des[k]
	return okc && okw && withoutComment(c).SQL() != withoutComment(w).SQL()
}

// markRecreated finds the kept objects that must be dropped and created
// again rather than replaced: views first, since services follow them.
func (d *differ) markRecreated() {
	for _, k := range sortedKeys(d.cur, KindFeatureView) {
		v := d.cur[k].(*FeatureView)
		if d.changed(k) && (d.reshaped(objKey{KindEntity, v.Entity}) || d.reshaped(objKey{KindSource, v.Source})) {
			d.recreated[k] = true
		}
	}
	for _, k := range sortedKeys(d.cur, KindFeatureService) {
		if _, kept := d.des[k]; !kept {
			continue
		}
		for _, r := range d.cur[k].(*FeatureService).Features {
			vk := objKey{KindFeatureView, r.View}
			if d.removed(vk) || d.recreated[vk] || d.changed(k) && d.reshaped(vk) {
				d.recreated[k] = true
			}
		}
	}
}

// drops appends the drops of the current objects of kinds that are
// removed or re-created, kind by kind.
func (d *differ) drops(out []Change, kinds ...Kind) []Change {
	for _, kind := range kinds {
		for _, k := range sortedKeys(d.cur, kind) {
			if d.removed(k) || d.recreated[k] {
				out = append(out, Change{Op: OpDrop, Kind: k.kind, Name: k.name})
			}
		}
	}
	return out
}

// create returns the change that makes the desired object k current, if
// any.
func (d *differ) create(k objKey) (Change, bool) {
	obj := d.des[k]
	_, exists := d.cur[k]
	switch {
	case !exists || d.recreated[k]:
		return Change{Op: OpCreate, Object: obj}, true
	case d.changed(k):
		return Change{Op: OpCreateOrReplace, Object: obj}, true
	}
	return Change{}, false
}

// withoutComment returns a copy of o with no comment (and, for a source,
// not streaming: following a table changes no value a view serves).
func withoutComment(o Object) Object {
	switch o := o.(type) {
	case *Entity:
		c := *o
		c.Comment = ""
		return &c
	case *Source:
		c := *o
		c.Comment, c.Streaming = "", false
		return &c
	case *FeatureView:
		c := *o
		c.Comment = ""
		return &c
	case *FeatureService:
		c := *o
		c.Comment = ""
		return &c
	}
	return o
}
