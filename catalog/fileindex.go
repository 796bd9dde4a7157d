package catalog

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The table of a file source belongs to featuregate, so its users cannot
// index it: featuregate indexes it for each feature view that reads it,
// on the entity's join keys then the timestamp column, the index that
// makes a point-in-time probe one lookup (IndexedViews). The indexes are
// built when the view is created (Apply only, not Check) and again with
// every load, on the staging table before the swap.

// indexView indexes the file source's table of view obj, if it is a
// feature view over a loaded file source and the index is missing.
func (st *state) indexView(ctx context.Context, obj Object) error {
	v, ok := obj.(*FeatureView)
	if !ok || !st.load {
		return nil
	}
	src := st.sources[v.Source]
	if src == nil || src.File == nil {
		return nil
	}
	return st.indexFor(ctx, src.Table, v, src.TimestampColumn)
}

// indexViews indexes table, a file source's staging table, for every view
// of source name.
func (st *state) indexViews(ctx context.Context, table, name, ts string) error {
	for _, v := range sortedViews(st.views) {
		if v.Source == name {
			if err := st.indexFor(ctx, table, v, ts); err != nil {
				return err
			}
		}
	}
	return nil
}

// indexFor creates the index of view v on table unless one exists. A view
// whose keys the table lacks is left to validation.
func (st *state) indexFor(ctx context.Context, table string, v *FeatureView, ts string) error {
	e := st.entities[v.Entity]
	if e == nil {
		return nil
	}
	var keys, cols []string
	for _, k := range e.Keys {
		keys = append(keys, k.Name)
		cols = append(cols, pgx.Identifier{k.Name}.Sanitize())
	}
	has, err := st.hasIndex(ctx, table, keys, ts)
	if err != nil || has {
		return err
	}
	err = st.v.savepoint(ctx, func() error {
		_, err := st.v.tx.Exec(ctx, "CREATE INDEX ON "+table+" ("+strings.Join(cols, ", ")+", "+pgx.Identifier{ts}.Sanitize()+")")
		return err
	})
	if err != nil && !isPgError(err) {
		return dbError(err, "registry: index %s", table)
	}
	return nil // a key the table lacks: validation says so
}

// hasIndex is Store.hasIndex within the registry transaction.
func (st *state) hasIndex(ctx context.Context, table string, keys []string, ts string) (bool, error) {
	rows, err := st.v.tx.Query(ctx, `SELECT array(SELECT a.attname::text
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
