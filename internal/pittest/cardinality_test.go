package pittest

import (
	"fmt"
	"slices"
	"strings"
)

// Every query of the suite is checked for its number of rows, apart from
// its values: a per-row query gives exactly one row per spine row (a
// JOIN at most one), a constant-time query and materialization one row
// per entity. A plan that returns a spine row twice fails here with the
// row named, whatever the reference says.

// cardinality is the shape a query's result must have.
type cardinality struct {
	kind   cardKind
	atMost bool // with cardSpine: at most one row per spine row (a JOIN, a filter)
	n      int  // with cardKey: the number of key columns, first in each row
}

type cardKind int

const (
	cardSpine cardKind = iota // the first column is a spine row's id
	cardKey                   // the first n columns are an entity key
	cardOne                   // one row (an aggregate)
)

// check returns an error naming the first spine row or key that breaks
// c; spineIDs are the ids of the spine rows the query reads, duplicates
// repeated.
func (c cardinality) check(spineIDs []int64, rows [][]any) error {
	switch c.kind {
	case cardOne:
		if len(rows) != 1 {
			return fmt.Errorf("%d rows, want 1", len(rows))
		}
	case cardKey:
		seen := map[string]bool{}
		for _, r := range rows {
			k := canonRow(r[:c.n])
			if seen[k] {
				return fmt.Errorf("entity %s has more than one row", k)
			}
			seen[k] = true
		}
	case cardSpine:
		return perSpineRow(spineIDs, rows, c.atMost)
	}
	return nil
}

// perSpineRow checks that rows hold each spine row once: as many rows
// with an id as the spine has rows with it (atMost: no more).
func perSpineRow(spineIDs []int64, rows [][]any, atMost bool) error {
	want := map[int64]int{}
	for _, id := range spineIDs {
		want[id]++
	}
	got := map[int64]int{}
	for _, r := range rows {
		id, ok := r[0].(int64)
		if !ok {
			return fmt.Errorf("row %s does not start with a spine id", canonRow(r))
		}
		got[id]++
	}
	var bad []string
	for id, n := range want {
		if got[id] > n || !atMost && got[id] < n {
			bad = append(bad, fmt.Sprintf("spine row %d came back %d times, want %d", id, got[id], n))
		}
	}
	for id, n := range got {
		if want[id] == 0 {
			bad = append(bad, fmt.Sprintf("row with id %d, which is no spine row, came back %d times", id, n))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}
