package bench

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
)

// onlineVerify checks, before anything is timed, that featuregate answers
// the lookups of the legs with the baseline's values: single-key lookups
// of the 6-feature view for a sample of keys (prepared, and with the
// simple protocol), batches of the 50-feature
// view (in request order) for a larger one, and an unknown key (one row of
// NULLs). So a wrong or empty answer cannot pass for a fast one.
func onlineVerify(ctx context.Context, fgDSN, pgDSN string, keys []string) error {
	fg, err := pgx.Connect(ctx, fgDSN)
	if err != nil {
		return err
	}
	defer fg.Close(ctx)
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	sample := keys[:min(onlineSample, len(keys))]
	for _, target := range []string{onlineFG, onlineFGSimple} {
		if err := onlineVerifySingle(ctx, fg, pg, onlineViews[0], sample[:min(200, len(sample))], target); err != nil {
			return err
		}
	}
	for o := 0; o+onlineBatch <= len(sample); o += onlineBatch {
		if err := onlineVerifyBatch(ctx, fg, pg, onlineViews[1], sample[o:o+onlineBatch]); err != nil {
			return err
		}
	}
	return onlineVerifyMissing(ctx, fg, onlineViews[0])
}

// onlineVerifySingle compares single-key lookups key by key, with the
// extended protocol (binary results) or for onlineFGSimple the simple
// one (text results).
func onlineVerifySingle(ctx context.Context, fg, pg *pgx.Conn, v onlineView, keys []string, target string) error {
	for _, k := range keys {
		args := []any{k}
		if target == onlineFGSimple {
			args = []any{pgx.QueryExecModeSimpleProtocol, k}
		}
		got, err := onlineRows(ctx, fg, onlineLookupSQL(v, onlineFG, 1), args...)
		if err != nil {
			return err
		}
		want, err := onlineRows(ctx, pg, onlineLookupSQL(v, onlinePG, 1), k)
		if err != nil {
			return err
		}
		if len(got) != 1 || len(want) != 1 {
			return fmt.Errorf("key %s: %d rows from featuregate, %d from PostgreSQL, want 1", k, len(got), len(want))
		}
		if err := onlineSameRow(got[0], want[0]); err != nil {
			return fmt.Errorf("%s (%s), key %s: %w", v.view(), target, k, err)
		}
	}
	return nil
}

// onlineVerifyBatch compares one = ANY batch: featuregate's rows come in
// request order, PostgreSQL's in any order.
func onlineVerifyBatch(ctx context.Context, fg, pg *pgx.Conn, v onlineView, keys []string) error {
	got, err := onlineRows(ctx, fg, onlineLookupSQL(v, onlineFG, len(keys)), keys)
	if err != nil {
		return err
	}
	want, err := onlineRows(ctx, pg, onlineLookupSQL(v, onlinePG, len(keys)), keys)
	if err != nil {
		return err
	}
	if len(got) != len(keys) || len(want) != len(keys) {
		return fmt.Errorf("batch of %d keys: %d rows from featuregate, %d from PostgreSQL", len(keys), len(got), len(want))
	}
	byKey := map[any][]any{}
	for _, r := range want {
		byKey[r[0]] = r
	}
	for i, r := range got {
		if r[0] != keys[i] {
			return fmt.Errorf("batch row %d is key %v, want %s (request order)", i, r[0], keys[i])
		}
		if err := onlineSameRow(r, byKey[keys[i]]); err != nil {
			return fmt.Errorf("%s, key %s: %w", v.view(), keys[i], err)
		}
	}
	return nil
}

// onlineVerifyMissing checks that an unknown key gives one row of NULLs.
func onlineVerifyMissing(ctx context.Context, fg *pgx.Conn, v onlineView) error {
	got, err := onlineRows(ctx, fg, onlineLookupSQL(v, onlineFG, 1), onlineMissingKey)
	if err != nil {
		return err
	}
	if len(got) != 1 {
		return fmt.Errorf("unknown key: %d rows, want 1", len(got))
	}
	for i, x := range got[0] {
		if x != nil {
			return fmt.Errorf("unknown key: f%d is %v, want NULL", i+1, x)
		}
	}
	return nil
}

// onlineRows runs a query (with binary results unless args ask for the
// simple protocol) and returns its decoded rows.
func onlineRows(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([][]any, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	return out, nil
}

// onlineSameRow compares two rows value by value, types included; times
// are compared as instants.
func onlineSameRow(got, want []any) error {
	if want == nil {
		return fmt.Errorf("PostgreSQL has no row")
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d columns, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if gt, ok := g.(time.Time); ok {
			if wt, ok := w.(time.Time); ok && gt.Equal(wt) {
				continue
			}
		} else if reflect.DeepEqual(g, w) {
			continue
		}
		return fmt.Errorf("column %d is %#v (%T), want %#v (%T)", i+1, g, g, w, w)
	}
	return nil
}
