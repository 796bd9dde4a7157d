package catalog

import (
	"context"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// IndexedViews reports, per feature view of sn, whether its source table
// has an index whose leading columns are the entity's join keys (in any
// order) followed by the event timestamp column: the index that makes a
// point-in-time probe one index lookup. A source defined by a query counts
// when the query reads one table with no joins, grouping or limits.
func (s *Store) IndexedViews(ctx context.Context, sn *Snapshot) (map[string]bool, error) {
	out := make(map[string]bool, len(sn.Views))
	for _, v := range sn.Views {
		src, _ := findByName(sn.Sources, v.Source).(*Source)
		ent, _ := findByName(sn.Entities, v.Entity).(*Entity)
		if src == nil || ent == nil {
			continue
		}
		table := SourceTable(src)
		if table == "" {
			continue
		}
		var keys []string
		for _, k := range ent.Keys {
			keys = append(keys, k.Name)
		}
		ok, err := s.hasIndex(ctx, table, keys, src.TimestampColumn)
		if err != nil {
			return nil, err
		}
		out[v.Name] = ok
	}
	return out, nil
}

// SourceTable returns the one table a source reads, as SQL text, or ""
// when it is a query that is more than a plain read of one table.
func SourceTable(src *Source) string {
	if src.Table != "" {
		return src.Table
	}
	tree, err := pg_query.Parse(src.Query)
	if err != nil || len(tree.Stmts) != 1 {
		return ""
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.FromClause) != 1 || sel.GroupClause != nil || sel.DistinctClause != nil ||
		sel.LimitCount != nil || sel.Op != pg_query.SetOperation_SETOP_NONE || sel.WithClause != nil {
		return ""
	}
	rv := sel.FromClause[0].GetRangeVar()
	if rv == nil {
		return ""
	}
	if rv.Schemaname != "" {
		return QuoteIdent(rv.Schemaname) + "." + QuoteIdent(rv.Relname)
	}
	return QuoteIdent(rv.Relname)
}

// hasIndex looks for an index on table led by keys (any order), then ts.
func (s *Store) hasIndex(ctx context.Context, table string, keys []string, ts string) (bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT array(SELECT a.attname::text
		FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(num, ord)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.ord)
		FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisvalid AND i.indpred IS NULL`, table)
	if err != nil {
		return false, dbError(err, "registry: read the indexes of %s", table)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var cols []string
		if err := rows.Scan(&cols); err != nil {
			return false, dbError(err, "registry: read the indexes of %s", table)
		}
		found = found || leads(cols, keys, ts)
	}
	return found, rows.Err()
}

// leads reports whether cols starts with keys, in any order, then ts.
func leads(cols, keys []string, ts string) bool {
	if len(cols) <= len(keys) || cols[len(keys)] != ts {
		return false
	}
	for _, c := range cols[:len(keys)] {
		if !slices.Contains(keys, c) {
			return false
		}
	}
	return true
}
