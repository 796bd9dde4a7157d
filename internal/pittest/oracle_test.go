package pittest

import (
	"slices"
	"time"
)

// The reference implementation of the point-in-time rule (docs/pit.md), in plain Go over rows
// held in memory, written from the rule and not from the planner:
//
// per spine row (k, t) and feature view with timestamp ts and created
// timestamp c, take the source row with key = k, ts <= t, and
// ts >= t - ttl when the view has a TTL (inclusive); the greatest ts wins,
// ties go to the greatest c (a NULL c loses to any non-NULL c); no such row
// gives NULL features. A NULL key, a NULL t or a NULL ts matches nothing.
// A TTL is an absolute duration: the same instant whatever the session's
// time zone.

// srcRow is one row of a view's source.
type srcRow struct {
	key   []any      // one value per entity join key; nil is NULL
	ts    *time.Time // nil is NULL
	c     *time.Time // nil is NULL, and always nil without a created column
	feats []any      // one value per feature; nil is NULL
}

// refView is a feature view as the reference sees it: its definition and
// every row of its source.
type refView struct {
	name     string
	entity   string
	keys     []string // the entity's join keys
	keyTypes []string
	features []string
	types    []string      // SQL types of the features
	table    string        // the source table
	ttl      time.Duration // 0: no TTL
	ttlSQL   string        // the TTL as the DDL writes it
	created  bool          // the source has a CREATED COLUMN
	rows     []srcRow
}

// match returns the source row the rule picks for key k at time t, or nil.
func (v *refView) match(k []any, t *time.Time) *srcRow {
	if t == nil || hasNull(k) {
		return nil
	}
	var best *srcRow
	for i := range v.rows {
		r := &v.rows[i]
		if r.ts == nil || !slices.Equal(r.key, k) || r.ts.After(*t) {
			continue
		}
		if v.ttl > 0 && r.ts.Before(t.Add(-v.ttl)) {
			continue
		}
		if best == nil || newer(r, best) {
			best = r
		}
	}
	return best
}

// newer reports whether a wins over b: a greater ts, or an equal ts and a
// greater created timestamp, a NULL one losing to any other.
func newer(a, b *srcRow) bool {
	if !a.ts.Equal(*b.ts) {
		return a.ts.After(*b.ts)
	}
	switch {
	case a.c == nil:
		return false
	case b.c == nil:
		return true
	}
	return a.c.After(*b.c)
}

// value returns the feature's value for key k at time t (nil: NULL).
func (v *refView) value(k []any, t *time.Time, feature string) any {
	r := v.match(k, t)
	if r == nil {
		return nil
	}
	return r.feats[v.featureIndex(feature)]
}

// featureIndex is the position of a feature in the view; it panics on an
// unknown name, a mistake in the suite itself.
func (v *refView) featureIndex(feature string) int {
	i := slices.Index(v.features, feature)
	if i < 0 {
		panic("pittest: view " + v.name + " has no feature " + feature)
	}
	return i
}

// present returns the distinct non-NULL keys that have a source row with
// ts <= t: the entities a constant-time AS OF without a key predicate
// returns.
func (v *refView) present(t time.Time) [][]any {
	var out [][]any
	for _, r := range v.rows {
		if r.ts == nil || hasNull(r.key) || r.ts.After(t) {
			continue
		}
		if !slices.ContainsFunc(out, func(k []any) bool { return slices.Equal(k, r.key) }) {
			out = append(out, r.key)
		}
	}
	return out
}

// ambiguousTie returns a pair of rows the rule cannot order (same key, ts
// and created timestamp) that carry different features, if any: data on
// which no answer is right, which the generator must never produce.
func (v *refView) ambiguousTie() (a, b *srcRow) {
	for i := range v.rows {
		for j := i + 1; j < len(v.rows); j++ {
			x, y := &v.rows[i], &v.rows[j]
			if x.ts == nil || y.ts == nil || !slices.Equal(x.key, y.key) || !x.ts.Equal(*y.ts) {
				continue
			}
			if sameInstant(x.c, y.c) && !slices.Equal(x.feats, y.feats) {
				return x, y
			}
		}
	}
	return nil, nil
}

// sameInstant compares two nullable timestamps, NULL equal to NULL.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// hasNull reports whether a key has a NULL part.
func hasNull(k []any) bool { return slices.Contains(k, nil) }
