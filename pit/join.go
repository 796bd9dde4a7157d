package pit

import (
	"fmt"
	"slices"
	"strings"
)

// Key is one join key of a point-in-time join: its name, which is a column
// of every view's source that has it, and the SQL expression that gives its
// value on the spine row.
type Key struct {
	Name string
	Expr string
}

// Join is the per-row form: for each spine row, the features valid at the
// row's time. Its SQL replaces `<relation> AS OF <time> <alias>` in a FROM
// clause, after LATERAL.
type Join struct {
	// Keys are the spine's key values, one per key of the views' entities.
	Keys []Key
	// Time is the SQL expression of the spine row's time.
	Time string
	// Views are the feature views the query reads.
	Views []View
	// Inner drops the spine rows that find no value in some view (JOIN);
	// otherwise they get NULL features (LEFT JOIN).
	Inner bool
	// Columns are the feature columns of the result, in order: each names
	// a feature of one of Views and its output name. A feature may appear
	// under two names (its bare and its full name).
	Columns []Column
	// Using says the client joins the subquery with USING: its key
	// columns are then only the keys every view reads (SharedKeys), the
	// ones the USING list may name. A key some view does not read is not
	// a column, so that a NULL in it cannot blank that view's features
	// through the client's join condition; it is still read from the spine
	// by the views that need it.
	Using bool
}

// Column is an output column: feature Feature of view View, named As.
type Column struct {
	View, Feature, As string
}

// The names of the subqueries inside a join.
const (
	spineAlias = `"fg_spine"`
	timeColumn = "event_timestamp"
)

func viewAlias(i int) string { return fmt.Sprintf(`"fg_v%d"`, i+1) }

// SQL returns the parenthesized subquery. Its columns are the keys (with
// Using, the shared ones), event_timestamp (the spine's time as an
// instant) and the views' features.
func (j *Join) SQL() (string, error) {
	if err := j.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("(SELECT ")
	if err := j.outputs(&b, j.keyColumns()); err != nil {
		return "", err
	}
	b.WriteString(" FROM (SELECT ")
	for _, k := range j.Keys {
		b.WriteString(k.Expr + " AS " + Ident(k.Name) + ", ")
	}
	b.WriteString(spineInstant + " AS " + Ident(timeColumn) + " FROM " + spineTime(j.Time) + ") AS " + spineAlias)
	if err := j.probes(&b, spineAlias); err != nil {
		return "", err
	}
	b.WriteString(")")
	return b.String(), nil
}

// check refuses a join some view of which has a key the spine lacks.
func (j *Join) check() error {
	have := map[string]bool{}
	for _, k := range j.Keys {
		have[k.Name] = true
	}
	for _, v := range j.Views {
		for _, k := range v.Keys {
			if !have[k] {
				return fmt.Errorf("pit: view %s needs key %s, which the join does not give", v.Name, k)
			}
		}
	}
	return nil
}

// SharedKeys returns the join keys every view reads, in the order of
// Keys, and the others, which only some views read. With USING, the
// client's list must be the shared keys (none: ON true), so that a NULL in
// a key some view does not read leaves that view's features alone; with
// ON, the conditions on the other keys must be null-safe (IS NOT DISTINCT
// FROM). A join whose views all have the same keys has no other keys.
func (j *Join) SharedKeys() (shared, partial []string) {
	for _, k := range j.Keys {
		every := true
		for _, v := range j.Views {
			every = every && slices.Contains(v.Keys, k.Name)
		}
		if every {
			shared = append(shared, k.Name)
		} else {
			partial = append(partial, k.Name)
		}
	}
	return shared, partial
}

// UsingCondition is the join condition that replaces the client's
// `USING (…)` when some key is read by only some views: USING over the
// shared keys, or ON true when there is none. (When every view reads
// every key, the client's USING stands as written.)
func (j *Join) UsingCondition() string {
	shared, _ := j.SharedKeys()
	if len(shared) == 0 {
		return "ON true"
	}
	q := make([]string, len(shared))
	for i, k := range shared {
		q[i] = Ident(k)
	}
	return "USING (" + strings.Join(q, ", ") + ")"
}

// keyColumns are the keys the subquery has as columns.
func (j *Join) keyColumns() []string {
	if j.Using {
		shared, _ := j.SharedKeys()
		return shared
	}
	var all []string
	for _, k := range j.Keys {
		all = append(all, k.Name)
	}
	return all
}

// outputs writes the select list: the key columns, time, then Columns.
func (j *Join) outputs(b *strings.Builder, keys []string) error {
	for _, k := range keys {
		b.WriteString(spineAlias + "." + Ident(k) + ", ")
	}
	b.WriteString(spineAlias + "." + Ident(timeColumn))
	for _, c := range j.Columns {
		src, err := j.column(c)
		if err != nil {
			return err
		}
		b.WriteString(", " + src + " AS " + Ident(c.As))
	}
	return nil
}

// column finds the probe column that holds c.
func (j *Join) column(c Column) (string, error) {
	for i, v := range j.Views {
		if v.Name != c.View {
			continue
		}
		for _, f := range v.Features {
			if f.Name == c.Feature {
				return viewAlias(i) + "." + Ident(f.As), nil
			}
		}
	}
	return "", fmt.Errorf("pit: column %s: view %s reads no feature %s", c.As, c.View, c.Feature)
}

// probes joins each view's subquery to spine, whose columns are the keys
// and event_timestamp.
func (j *Join) probes(b *strings.Builder, spine string) error {
	join := " LEFT JOIN LATERAL "
	if j.Inner {
		join = " JOIN LATERAL "
	}
	for i := range j.Views {
		p, err := j.Views[i].probe(spine)
		if err != nil {
			return err
		}
		b.WriteString(join + "(" + p + ") AS " + viewAlias(i) + " ON true")
	}
	return nil
}

// probe is the subquery that finds v's row valid at the spine's time.
func (v *View) probe(spine string) (string, error) {
	cond, err := v.matchSpine(spine)
	if err != nil {
		return "", err
	}
	if v.Indexed {
		return v.indexProbe(cond), nil
	}
	return v.windowProbe(cond, spine), nil
}

// indexProbe reads the newest row that meets cond: one index probe when
// the source has an index on (keys, ts), which orders the rows as their
// instants do.
func (v *View) indexProbe(cond string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	v.featureList(&b, sourceAlias)
	b.WriteString(" FROM " + v.Source.From + " AS " + sourceAlias + " WHERE " + cond)
	b.WriteString(" ORDER BY " + v.orderDesc() + " LIMIT 1")
	return b.String()
}

// windowProbe reads the row that meets cond and whose validity, from its
// ts to the next row's, covers the time. Without LIMIT, PostgreSQL
// flattens it into a join.
func (v *View) windowProbe(cond, spine string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	v.featureList(&b, sourceAlias)
	b.WriteString(" FROM (SELECT ")
	cols := append(append([]string{}, v.Keys...), v.Source.TS)
	if v.Source.Created != "" {
		cols = append(cols, v.Source.Created)
	}
	for _, f := range v.Features {
		cols = append(cols, f.Name)
	}
	for _, c := range dedupe(cols) {
		b.WriteString(`"fg_all".` + Ident(c) + ", ")
	}
	b.WriteString("lead(" + `"fg_all".` + Ident(v.Source.TS) + ") OVER (PARTITION BY ")
	for i, k := range v.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"fg_all".` + Ident(k))
	}
	b.WriteString(" ORDER BY " + `"fg_all".` + Ident(v.Source.TS))
	if v.Source.Created != "" {
		b.WriteString(`, "fg_all".` + Ident(v.Source.Created) + " NULLS FIRST")
	}
	b.WriteString(`) AS "fg_next" FROM ` + v.Source.From + ` AS "fg_all" WHERE "fg_all".` + Ident(v.Source.TS) + " IS NOT NULL) AS " + sourceAlias)
	t := v.Source.TSType.probeTime(spine + "." + Ident(timeColumn))
	b.WriteString(" WHERE " + cond + ` AND (` + sourceAlias + `."fg_next" IS NULL OR ` + sourceAlias + `."fg_next" > ` + t + ")")
	return b.String()
}

// matchSpine is the condition that ties a source row to the spine row:
// equal keys, ts at or before the time, and within the TTL, the times
// compared in the column's type.
func (v *View) matchSpine(spine string) (string, error) {
	var b strings.Builder
	for _, k := range v.Keys {
		b.WriteString(col(k) + " = " + spine + "." + Ident(k) + " AND ")
	}
	t := v.Source.TSType.probeTime(spine + "." + Ident(timeColumn))
	b.WriteString(col(v.Source.TS) + " <= " + t)
	ttl, err := v.ttl()
	if err != nil {
		return "", err
	}
	if ttl != "" {
		b.WriteString(" AND " + col(v.Source.TS) + " >= " + t + " - " + ttl)
	}
	return b.String(), nil
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
