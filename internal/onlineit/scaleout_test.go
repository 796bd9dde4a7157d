package onlineit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// registryDelay bounds how long a definition made through one gateway
// takes to show in another's lookups: the planner checks the registry
// every second; the rest is slack for a loaded machine.
const registryDelay = 3 * time.Second

// TestScaleOut runs two gateways, A and B, over one offline PostgreSQL.
// They share the registry: a view created through A is served by B within
// about a second. With Pebble each keeps its own values and watermarks: A's
// incremental run does not make B skip data. With the PostgreSQL online
// store they share both: B serves what A wrote and its incremental run
// reads nothing A already read.
func TestScaleOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		ctx := context.Background()
		db := fmt.Sprintf("scaleout_%s_%d", st.name, dbSeq.Add(1))
		direct := createDB(t, db)
		offlineExec(t, direct, incTable+`;
			CREATE TABLE other_src (user_id text, ts timestamptz, level bigint);
			INSERT INTO other_src VALUES ('u1', '2024-01-03T00:00:00Z', 9)`)
		gwA := gatewaytest.StartOnline(t, pg, db, st.kind)
		gwB := gatewaytest.StartOnline(t, pg, db, st.kind)
		a := &env{db: db, st: st, direct: direct, gw: gwA, conn: connect(t, gwA, db)}
		b := connect(t, gwB, db)

		a.define(t, `CREATE ENTITY customer (user_id TEXT)`,
			`CREATE SOURCE other_source TIMESTAMP COLUMN ts AS TABLE other_src`,
			`CREATE FEATURE VIEW other_fv (level BIGINT) ENTITY customer SOURCE other_source`)
		waitServed(t, b, `SELECT user_id, level FROM other_fv WHERE user_id = ANY($1)`, []string{"u1"}) // B has the catalog cached now
		a.define(t, incCatalog[1:]...)
		// B prepares a lookup before it refreshed its catalog (it does so
		// once a second); executed later, the statement must be a lookup.
		early, err := b.Prepare(ctx, "early", lookupInc)
		if err != nil {
			t.Logf("B prepared the lookup before it knew inc_fv: %v", err)
		}
		took := waitServed(t, b, lookupInc, []string{"u1"})
		t.Logf("%s: a view created through gateway A was served by B after %v", st.name, took.Round(time.Millisecond))

		keys := []string{"u1", "u2"}
		full := [][]any{{"u1", int64(11), at("2024-01-25T00:00:00Z")}, {"u2", int64(2), at("2024-01-15T00:00:00Z")}}
		empty := [][]any{{"u1", nil, nil}, {"u2", nil, nil}}
		feb1 := at("2024-02-01T00:00:00Z")
		materialize(t, a.conn, `MATERIALIZE INCREMENTAL inc_fv TO '2024-02-01T00:00:00Z'`)["inc_fv"].counts(t, "A's incremental run", 2, 2, 0)
		lookupEquals(t, a.conn, full, lookupInc, keys)
		if early != nil {
			// It went to PostgreSQL, which B's catalog did not yet
			// redirect: the relation's stub refuses it, never answering
			// with empty rows; prepared again, it is a lookup.
			var pe *pgconn.PgError
			if _, err := b.Exec(ctx, "early", keys); !errors.As(err, &pe) || pe.Code != "0A000" {
				t.Errorf("the lookup B prepared before it knew inc_fv: want 0A000, got %v", err)
			}
		}

		if st.kind == gatewaytest.Pebble {
			lookupEquals(t, b, empty, lookupInc, keys)
			r := materialize(t, b, `MATERIALIZE INCREMENTAL inc_fv TO '2024-02-01T00:00:00Z'`)["inc_fv"]
			r.window(t, "B's incremental run", nil, feb1)
			r.counts(t, "B's incremental run", 2, 2, 0)
			lookupEquals(t, b, full, lookupInc, keys)
			return
		}
		lookupEquals(t, b, full, lookupInc, keys)
		r := materialize(t, b, `MATERIALIZE INCREMENTAL inc_fv TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		r.window(t, "B's incremental run", ptr(feb1), feb1)
		r.counts(t, "B's incremental run", 0, 0, 0)
		offlineExec(t, direct, `INSERT INTO inc_src VALUES ('u2', '2024-02-05T00:00:00Z', 25)`)
		r = materialize(t, b, `MATERIALIZE INCREMENTAL inc_fv TO '2024-02-10T00:00:00Z'`)["inc_fv"]
		r.window(t, "B's next incremental run", ptr(feb1), at("2024-02-10T00:00:00Z"))
		r.counts(t, "B's next incremental run", 1, 1, 0)
		full[1] = []any{"u2", int64(25), at("2024-02-05T00:00:00Z")}
		lookupEquals(t, a.conn, full, lookupInc, keys)
		// An older window through A cannot undo B's newer value.
		materialize(t, a.conn, `MATERIALIZE inc_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)["inc_fv"].
			counts(t, "A's older window", 2, 0, 0)
		lookupEquals(t, b, full, lookupInc, keys)
		r = materialize(t, a.conn, `MATERIALIZE INCREMENTAL inc_fv TO '2024-02-10T00:00:00Z'`)["inc_fv"]
		r.window(t, "A's incremental run after B's", ptr(at("2024-02-10T00:00:00Z")), at("2024-02-10T00:00:00Z"))
		r.counts(t, "A's incremental run after B's", 0, 0, 0)
	})
}

// waitServed runs a lookup of keys through conn until it answers one row
// per key, and returns how long that took; it fails the test after
// registryDelay. Until then the gateway does not know the relation yet,
// and each answer must be an error: an empty result would be a silent
// wrong answer to a lookup.
func waitServed(t *testing.T, conn *pgx.Conn, sql string, keys []string) time.Duration {
	t.Helper()
	start := time.Now()
	silent := 0
	for {
		// The simple protocol plans the text afresh each time.
		_, rows, err := queryAll(context.Background(), conn, sql, pgx.QueryExecModeSimpleProtocol, keys)
		if err == nil && len(rows) == len(keys) {
			if silent > 0 {
				t.Errorf("%s: before the gateway saw the definition, %d answers were empty results without an error", sql, silent)
			}
			return time.Since(start)
		}
		if err == nil {
			silent++
		}
		if time.Since(start) > registryDelay {
			t.Fatalf("%s: not served after %v: %d rows, %v", sql, registryDelay, len(rows), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
