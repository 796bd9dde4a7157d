package onlineit

import (
	"context"
	"fmt"
	"testing"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// TestRestart: a gateway is stopped and a new one started over the same
// online store (the same Pebble directory, or the same PostgreSQL
// database); the new one serves the values and resumes from the
// watermark.
func TestRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		ctx := context.Background()
		db := fmt.Sprintf("restart_%s_%d", st.name, dbSeq.Add(1))
		direct := createDB(t, db)
		offlineExec(t, direct, incTable)
		dir := t.TempDir()
		start := func() *gatewaytest.Gateway {
			if st.kind == gatewaytest.Pebble {
				return gatewaytest.StartOnlineDir(t, pg, db, dir)
			}
			return gatewaytest.StartOnline(t, pg, db, st.kind)
		}

		first := start()
		e := &env{db: db, st: st, direct: direct, gw: first, conn: connect(t, first, db)}
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-01-20T00:00:00Z'`)["inc_fv"].counts(t, "first gateway", 2, 2, 0)
		want := [][]any{
			{"u1", int64(1), at("2024-01-05T00:00:00Z")},
			{"u2", int64(2), at("2024-01-15T00:00:00Z")},
			{"u3", nil, nil},
		}
		keys := []string{"u1", "u2", "u3"}
		lookupEquals(t, e.conn, want, lookupInc, keys)
		e.conn.Close(ctx)
		first.Stop()

		second := start()
		conn := connect(t, second, db)
		lookupEquals(t, conn, want, lookupInc, keys)
		r := materialize(t, conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		r.window(t, "after the restart", ptr(at("2024-01-20T00:00:00Z")), at("2024-02-01T00:00:00Z"))
		r.counts(t, "after the restart", 1, 1, 0)
		want[0] = []any{"u1", int64(11), at("2024-01-25T00:00:00Z")}
		lookupEquals(t, conn, want, lookupInc, keys)
	})
}
