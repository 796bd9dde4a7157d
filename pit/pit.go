// Package pit writes the SQL of point-in-time retrieval (AS OF reads and
// materialization; docs/pit.md). It knows nothing of statements or sessions: it is given feature
// views, the SQL text of the spine's keys and time, and returns SQL text
// that runs on the offline PostgreSQL.
//
// # The rule
//
// For a spine row (k, t) and a feature view whose source has event
// timestamp ts and created timestamp c, the value is that of the source
// row with key = k, ts <= t and, when the view has a TTL, ts >= t - ttl;
// the greatest ts wins and ties go to the greatest c (a NULL c loses to any
// other). No such row gives NULL features; a NULL key or NULL t matches
// nothing. Each view is looked up on its own entity's keys
// (Join.SharedKeys). Times are instants: a timestamp without time zone or
// a date, in the spine or in a source, is read as UTC (times.go). A TTL
// is an exact duration (ParseTTL).
//
// # Two plans
//
// When the view's source has an index on (keys, ts), each view is one
// LATERAL subquery, ORDER BY ts DESC, c DESC LIMIT 1: one index probe per
// spine row. Without such an index the view is read with a window
// function instead: each source row gets the ts of its successor in (ts,
// c) order, and the row valid at t is the one with ts <= t < next ts.
// PostgreSQL pushes the key into the window's partition, so each spine row
// reads only its key's rows, but it must find them without an index:
// EXPLAIN names the index to create. (A plan that joins the sources to
// the spine as sets needs the time condition in the outer join's ON
// clause, which `JOIN … USING (keys)` cannot carry; see docs/pit.md.)
// Both compare a source's timestamp in its own type (Source.TSType), so
// both order rows as their instants run, and the plain index on (keys,
// ts) serves every type.
//
// Every identifier is quoted; user values never enter the text: times and
// keys are SQL expressions the caller takes from the user's own query
// (column references, parameters), and the only constants are TTLs from
// the registry, written as exact numbers of seconds.
package pit

import (
	"fmt"
	"strings"
)

// View is a feature view as point-in-time reads see it.
type View struct {
	// Name is the view's name; it names its subquery.
	Name string
	// Keys are the entity's join keys, which are columns of the source.
	Keys []string
	// Source is where the rows come from.
	Source Source
	// TTL is the view's TTL as the registry holds it, any PostgreSQL
	// interval ("90 days", "1 day 02:00", "P1M"); "" means none. It is read
	// with ParseTTL and written into the SQL as its exact number of
	// seconds, the same in every session time zone.
	TTL string
	// Indexed reports that the source has an index on (Keys, TS), which
	// makes the LATERAL plan the fast one.
	Indexed bool
	// Features are the features to read.
	Features []Feature
	// Checks are the view's CHECK rules, SQL over the source's columns;
	// materialization rejects the rows that break one.
	Checks []string
}

// Source is a feature view's source on the offline store.
type Source struct {
	// From is a FROM item: a table name as written in the registry
	// (possibly qualified and quoted), or a parenthesized query.
	From string
	// TS is the event timestamp column; Created the created timestamp
	// column, "" when the source has none.
	TS, Created string
	// TSType and CreatedType are the types of TS and Created; the zero
	// value is timestamptz.
	TSType, CreatedType TimeType
}

// Feature is one feature to read.
type Feature struct {
	// Name is the feature's column in the source.
	Name string
	// Type is its declared PostgreSQL type: values are cast to it.
	Type string
	// As is the name of its output column.
	As string
}

// Ident quotes name as a PostgreSQL identifier, always.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Literal renders s as a PostgreSQL string constant.
func Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// sourceAlias names the source inside a view's subquery.
const sourceAlias = `"fg_src"`

// col is a column of the source inside a view's subquery.
func col(name string) string { return sourceAlias + "." + Ident(name) }

// orderDesc is the ORDER BY that puts the winning row first.
func (v *View) orderDesc() string {
	o := col(v.Source.TS) + " DESC"
	if v.Source.Created != "" {
		o += ", " + col(v.Source.Created) + " DESC NULLS LAST"
	}
	return o
}

// ttl is the view's TTL as an SQL interval of exact seconds, "" for none.
func (v *View) ttl() (string, error) {
	if v.TTL == "" {
		return "", nil
	}
	d, err := ParseTTL(v.TTL)
	if err != nil {
		return "", fmt.Errorf("pit: feature view %s: %w", v.Name, err)
	}
	return Literal(Seconds(d)) + "::interval", nil
}

// featureList writes the view's features, cast to their declared types,
// from rel (a subquery alias whose columns are the source's).
func (v *View) featureList(b *strings.Builder, rel string) {
	for i, f := range v.Features {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(rel + "." + Ident(f.Name) + "::" + f.Type + " AS " + Ident(f.As))
	}
}
