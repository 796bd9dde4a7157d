package onlineit

import (
	"fmt"
	"testing"
	"time"
)

// TestBatchLookupsAfterMaterialize: batch lookups repeated on one session
// right after a materialization into a fresh store keep their speed. A
// 5000-key lookup over 60000 entities takes tens of milliseconds when the
// store looks the keys up by index (a few hundred under -race); a plan
// that compares every stored row with every key takes seconds. No
// execution may take more than ten times the fastest of the first five,
// nor more than one second unless that bound is higher.
func TestBatchLookupsAfterMaterialize(t *testing.T) {
	const entities, batch, runs = 60_000, 5_000, 12
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "batchspeed", st, fmt.Sprintf(crashTables, entities))
		e.define(t, crashCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '`+crashMid+`'`)["crash_fv"].counts(t, "materialize", entities, entities, 0)
		keys := make([]int64, batch)
		for i := range keys {
			keys[i] = int64(i*(entities/batch) + 1)
		}
		var took []time.Duration
		limit := time.Duration(1<<63 - 1)
		for i := range runs {
			start := time.Now()
			rows := mustQuery(t, e.conn, `SELECT entity_id, f_int FROM crash_fv WHERE entity_id = ANY($1)`, keys)
			d := time.Since(start)
			took = append(took, d.Round(time.Millisecond))
			if len(rows) != batch || rows[batch-1][1] == nil {
				t.Fatalf("lookup %d: %d rows, want %d with values", i+1, len(rows), batch)
			}
			if i < 5 {
				limit = min(limit, max(10*d, time.Second))
			}
			if d > limit {
				t.Errorf("execution %d of a %d-key lookup took %v, more than %v", i+1, batch, d.Round(time.Millisecond), limit.Round(time.Millisecond))
				break
			}
		}
		t.Logf("%s: %d executions of a %d-key lookup took %v", st.name, runs, batch, took)
	})
}
