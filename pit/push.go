package pit

import (
	"fmt"
	"strings"
)

// Push is the query that reads rows pushed to a view (INSERT, COPY or
// HTTP into a feature view) as materialization reads its source's rows:
// its parameters are text arrays of equal length, one per column, in the
// order keys, event timestamp, created timestamp, features (v.Features);
// keyTypes are the entity's key types. PostgreSQL casts each value to its
// column's type (a value that does not read as it is an error, such as
// 22P02) and evaluates the view's CHECK rules, which name the source's
// columns, on the typed row. Its columns are those of Latest: the keys,
// ts and created (timestamptz; a time without a zone reads as UTC), the
// features, and fg_valid; one row per pushed row, in order.
func (v *View) Push(keyTypes []string) string {
	var in, typed []string
	for i, k := range v.Keys {
		in = append(in, Ident(k))
		typed = append(typed, pushCast(k, keyTypes[i])+" AS "+Ident(k))
	}
	ts, created := pushTimeNames(v)
	in = append(in, Ident(ts), Ident(created))
	typed = append(typed, pushInstant(ts)+" AS "+Ident(ts), pushInstant(created)+" AS "+Ident(created))
	for _, f := range v.Features {
		in = append(in, Ident(f.Name))
		typed = append(typed, pushCast(f.Name, f.Type)+" AS "+Ident(f.Name))
	}
	args := make([]string, len(in))
	for i := range in {
		args[i] = fmt.Sprintf("$%d::text[]", i+1)
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, k := range v.Keys {
		b.WriteString(col(k) + ", ")
	}
	b.WriteString(col(ts) + ", " + col(created))
	for _, f := range v.Features {
		b.WriteString(", " + col(f.Name))
		if f.Type == "jsonb" { // kept as its JSON text, as materialization keeps it
			b.WriteString("::text")
		}
	}
	b.WriteString(", " + v.validity() + ` AS "fg_valid" FROM (SELECT ` + strings.Join(typed, ", "))
	b.WriteString(` FROM unnest(` + strings.Join(args, ", ") + `) AS "fg_in"(` + strings.Join(in, ", ") + `)) AS ` + sourceAlias)
	return b.String()
}

// pushTimeNames are the names the pushed event and created timestamps
// take in the query: the source's own, so that CHECK rules naming them
// read them; a source without a created column gets a name of its own.
func pushTimeNames(v *View) (ts, created string) {
	created = v.Source.Created
	if created == "" {
		created = "fg_created"
	}
	return v.Source.TS, created
}

// pushCast reads the pushed text of column name as typ.
func pushCast(name, typ string) string {
	return `"fg_in".` + Ident(name) + "::" + typ
}

// pushInstant reads a pushed time as an instant: with its zone when it
// has one, in the session's time zone when it has none (the gateway's
// connections to the offline store run in UTC).
func pushInstant(name string) string {
	return `"fg_in".` + Ident(name) + "::timestamptz"
}
