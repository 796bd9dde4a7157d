package online

import "time"

// Row is one entity's latest feature values in a view, as materialization
// writes it. Created may be zero (the view's source has no created column).
type Row struct {
	Project, View string
	Key           []any // entity key values, in the entity's key order
	TS, Created   time.Time
	Values        []any // one per feature, in the view's feature order; nil is NULL
}

// Result is the stored value of one requested key. Found is false when the
// store holds nothing for the key. Expired is true when the value is older
// than the TTL; TS and Created are then set but Values is nil. Values come
// back as the Go types they were written with, except int (int64) and
// times (UTC, without a monotonic clock reading).
type Result struct {
	Found       bool
	Expired     bool
	TS, Created time.Time
	Values      []any
}
