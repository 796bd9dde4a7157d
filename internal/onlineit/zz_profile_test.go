package onlineit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestZZProfileLookup(t *testing.T) {
	if os.Getenv("FG_PROFILE") == "" {
		return
	}
	e := newLookupEnv(t, stores[0])
	ctx := context.Background()
	mode := pgx.QueryExecModeCacheStatement
	sql := `SELECT user_id, months_active, monthly_fee, plan, active, score FROM profile_fv WHERE user_id = $1`
	if os.Getenv("FG_PROFILE") == "simple" {
		mode = pgx.QueryExecModeSimpleProtocol
	}
	n := 0
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		rows, err := e.conn.Query(ctx, sql, mode, "u1")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		n++
	}
	t.Logf("%d lookups, %.1f µs each", n, float64(time.Since(start).Microseconds())/float64(n))
}
