package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
)

// Querier runs queries: a pgx.Tx or a *pgx.Conn.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ColumnType is a column's name and PostgreSQL type (format_type's
// spelling).
type ColumnType struct {
	Name string
	Type string
}

// TopValues is how many of a category column's most frequent values a
// profile keeps.
const TopValues = 10

// TableColumns reads the columns of table (a quoted, qualified name).
func TableColumns(ctx context.Context, q Querier, table string) ([]ColumnType, error) {
	rows, err := q.Query(ctx, `SELECT attname, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, table)
	if err != nil {
		return nil, dbError(err, "read the columns of %s", table)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ColumnType, error) {
		var c ColumnType
		return c, r.Scan(&c.Name, &c.Type)
	})
	return cols, dbError(err, "read the columns of %s", table)
}

// TimeColumn chooses the column whose range is a dataset's event time: the
// column called event_timestamp when it holds times, otherwise the first
// column that holds times (in an AS OF training set, the spine's time);
// "" when none does.
func TimeColumn(cols []ColumnType) string {
	first := ""
	for _, c := range cols {
		if ClassOf(c.Type) != ClassTime {
			continue
		}
		if c.Name == EventTimestamp {
			return c.Name
		}
		if first == "" {
			first = c.Name
		}
	}
	return first
}

// ProfileSQL is the one query that profiles the rows of query, whose
// columns are cols: the row count, then per column the values
// ProfileRelation reads. It runs entirely on PostgreSQL.
func ProfileSQL(query string, cols []ColumnType) string {
	var sel []string
	sel = append(sel, "count(*)")
	for _, c := range cols {
		id := pgx.Identifier{c.Name}.Sanitize()
		sel = append(sel, "count("+id+")")
		switch ClassOf(c.Type) {
		case ClassNumber:
			sel = append(sel, "min("+id+")::text", "max("+id+")::text",
				"avg("+id+")::float8", "stddev_samp("+id+")::float8")
		case ClassTime:
			sel = append(sel, "min("+id+")::text", "max("+id+")::text")
		case ClassCategory:
			sel = append(sel, "count(DISTINCT "+id+")", fmt.Sprintf(`(SELECT coalesce(json_agg(json_build_array(v, n) ORDER BY n DESC, v), '[]')::text
				FROM (SELECT %s::text AS v, count(*) AS n FROM src WHERE %s IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d) AS top)`,
				id, id, TopValues))
		}
	}
	return "WITH src AS MATERIALIZED (" + query + ")\nSELECT " + strings.Join(sel, ",\n  ") + "\nFROM src"
}

// ProfileRelation profiles the rows of query (a SELECT whose columns are
// cols) with ProfileSQL, on PostgreSQL: nothing but the profile comes back.
func ProfileRelation(ctx context.Context, q Querier, query string, cols []ColumnType) (*Profile, error) {
	p := &Profile{Columns: make([]ColumnProfile, len(cols))}
	counts := make([]int64, len(cols))
	tops := make([]*string, len(cols))
	dest := []any{&p.Rows}
	for i, c := range cols {
		cp := &p.Columns[i]
		cp.Name, cp.Type, cp.Class = c.Name, c.Type, ClassOf(c.Type)
		dest = append(dest, &counts[i])
		switch cp.Class {
		case ClassNumber:
			dest = append(dest, &cp.Min, &cp.Max, &cp.Mean, &cp.StdDev)
		case ClassTime:
			dest = append(dest, &cp.Min, &cp.Max)
		case ClassCategory:
			dest = append(dest, &cp.Distinct, &tops[i])
		}
	}
	if err := q.QueryRow(ctx, ProfileSQL(query, cols)).Scan(dest...); err != nil {
		return nil, dbError(err, "profile the rows")
	}
	for i := range p.Columns {
		finiteOnly(&p.Columns[i].Mean)
		finiteOnly(&p.Columns[i].StdDev)
		if p.Rows > 0 {
			p.Columns[i].NullFraction = float64(p.Rows-counts[i]) / float64(p.Rows)
		}
		if tops[i] != nil {
			if err := decodeTop(*tops[i], &p.Columns[i]); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// finiteOnly drops a statistic that is not a finite number: the mean of
// a column holding Infinity or NaN (PostgreSQL's avg gives them) says
// nothing a drift check could compare, and JSON cannot hold it. Min and
// Max keep PostgreSQL's text, Infinity included.
func finiteOnly(x **float64) {
	if *x != nil && (math.IsInf(**x, 0) || math.IsNaN(**x)) {
		*x = nil
	}
}

// decodeTop reads the [[value, count], …] JSON of a column's top values.
func decodeTop(text string, cp *ColumnProfile) error {
	var pairs [][2]json.RawMessage
	if err := json.Unmarshal([]byte(text), &pairs); err != nil {
		return featuregate.Errorf(featuregate.KindInternal, "read the top values of %s: %v", cp.Name, err)
	}
	for _, pr := range pairs {
		var tv TopValue
		if err := json.Unmarshal(pr[0], &tv.Value); err != nil {
			return featuregate.Errorf(featuregate.KindInternal, "read the top values of %s: %v", cp.Name, err)
		}
		if err := json.Unmarshal(pr[1], &tv.Count); err != nil {
			return featuregate.Errorf(featuregate.KindInternal, "read the top values of %s: %v", cp.Name, err)
		}
		cp.Top = append(cp.Top, tv)
	}
	return nil
}
