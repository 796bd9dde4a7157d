package pit

import "strings"

// Latest is the query of materialization: per entity, the newest row of a
// view's source with ts in [$1, $2] (both ends included, so that what is
// materialized up to t is what AS OF t reads), ties broken by the created
// timestamp. $1 and $2 are timestamptz. Its columns are the keys, ts
// (timestamptz), created (timestamptz, NULL without a created column), the
// features cast to their types, and fg_valid: false when the row breaks
// one of the view's CHECK rules. Naive timestamps are read as UTC, in any
// session. Rows come ordered by key, so they can be streamed and written
// in batches.
func (v *View) Latest() string {
	var b strings.Builder
	b.WriteString("SELECT DISTINCT ON (")
	for i, k := range v.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col(k))
	}
	b.WriteString(") ")
	for _, k := range v.Keys {
		b.WriteString(col(k) + ", ")
	}
	b.WriteString(v.Source.TSType.instant(col(v.Source.TS)) + ", ")
	if v.Source.Created != "" {
		b.WriteString(v.Source.CreatedType.instant(col(v.Source.Created)) + ", ")
	} else {
		b.WriteString("NULL::timestamptz, ")
	}
	v.featureList(&b, sourceAlias)
	if len(v.Features) > 0 {
		b.WriteString(", ")
	}
	b.WriteString(v.validity() + ` AS "fg_valid" FROM ` + v.Source.From + " AS " + sourceAlias)
	from, to := v.Source.TSType.probeTime("$1::timestamptz"), v.Source.TSType.probeTime("$2::timestamptz")
	b.WriteString(" WHERE " + col(v.Source.TS) + " >= " + from + " AND " + col(v.Source.TS) + " <= " + to)
	for _, k := range v.Keys {
		b.WriteString(" AND " + col(k) + " IS NOT NULL")
	}
	b.WriteString(" ORDER BY ")
	for _, k := range v.Keys {
		b.WriteString(col(k) + ", ")
	}
	b.WriteString(v.orderDesc())
	return b.String()
}

// validity is true unless a CHECK rule is false (NULL passes, as in
// PostgreSQL's CHECK constraints).
func (v *View) validity() string {
	if len(v.Checks) == 0 {
		return "true"
	}
	parts := make([]string, len(v.Checks))
	for i, c := range v.Checks {
		parts[i] = "(" + c + ") IS NOT FALSE"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}
