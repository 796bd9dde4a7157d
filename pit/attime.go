package pit

import (
	"fmt"
	"strings"
)

// AtTime is the form with one time for every key: each entity found in
// the views' sources at or before Time, with its features valid then. Its
// SQL replaces `<relation> AS OF <time>` as a FROM item.
type AtTime struct {
	// Keys are the join keys, shared by every view.
	Keys []string
	// Time is the SQL expression of the time.
	Time string
	// Views are the feature views the query reads.
	Views []View
	// Columns are the feature columns of the result, as in Join.
	Columns []Column
}

// SQL returns the parenthesized subquery; its columns are the keys,
// event_timestamp (the time) and the features.
func (a *AtTime) SQL() (string, error) {
	if len(a.Views) == 0 {
		return "", fmt.Errorf("pit: no feature view to read")
	}
	for _, v := range a.Views {
		if strings.Join(v.Keys, "\x00") != strings.Join(a.Keys, "\x00") {
			return "", fmt.Errorf("pit: view %s has keys (%s), not (%s)", v.Name, strings.Join(v.Keys, ", "), strings.Join(a.Keys, ", "))
		}
	}
	j := Join{Time: a.Time, Views: a.Views, Columns: a.Columns}
	for _, k := range a.Keys {
		j.Keys = append(j.Keys, Key{Name: k})
	}
	var b strings.Builder
	b.WriteString("(SELECT ")
	if err := j.outputs(&b, a.Keys); err != nil {
		return "", err
	}
	b.WriteString(" FROM (SELECT ")
	for _, k := range a.Keys {
		b.WriteString(`"fg_e".` + Ident(k) + ", ")
	}
	b.WriteString(`"fg_at"."t" AS ` + Ident(timeColumn) + ` FROM (SELECT ` + spineInstant + ` AS "t" FROM ` + spineTime(a.Time) + `) AS "fg_at"`)
	b.WriteString(` CROSS JOIN LATERAL (` + a.entities() + `) AS "fg_e") AS ` + spineAlias)
	if err := j.probes(&b, spineAlias); err != nil {
		return "", err
	}
	b.WriteString(")")
	return b.String(), nil
}

// entities is the set of keys that have a row at or before the time in
// some view's source, whatever its TTL: an entity whose rows are all
// older than a view's TTL is listed, with NULL features (docs/pit.md).
func (a *AtTime) entities() string {
	var arms []string
	for _, v := range a.Views {
		var b strings.Builder
		b.WriteString("SELECT DISTINCT ")
		for i, k := range a.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(col(k))
		}
		b.WriteString(" FROM " + v.Source.From + " AS " + sourceAlias + ` WHERE ` + col(v.Source.TS) + ` <= ` + v.Source.TSType.probeTime(`"fg_at"."t"`))
		for _, k := range a.Keys {
			b.WriteString(" AND " + col(k) + " IS NOT NULL")
		}
		arms = append(arms, b.String())
	}
	return strings.Join(arms, " UNION ")
}
