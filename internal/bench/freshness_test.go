package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	freshDB         = "fresh"
	freshRateEnv    = "FEATUREGATE_FRESHNESS_RATE"    // source rows committed per second (default 10000)
	freshSecondsEnv = "FEATUREGATE_FRESHNESS_SECONDS" // seconds each leg writes (default 30)
	freshCommits    = 100                             // transactions per second that carry the rate
	freshTarget     = time.Second                     // issue 15's target for the stream's lag p99
	freshTimeout    = 15 * time.Second                // a sample not seen online this long after its COMMIT is missed
)

// freshLegs are the two ways BenchmarkFreshness makes rows visible online.
var freshLegs = []string{"stream", "materialize"}

// freshSizes are BenchmarkFreshness's load.
type freshSizes struct {
	rate    int           // source rows committed per second
	per     int           // rows per transaction
	seconds time.Duration // how long each leg writes
}

// BenchmarkFreshness measures issue 15's freshness lag: how long a row
// committed on the offline PostgreSQL takes to be served by an online
// lookup through a `featuregate serve` process, while rows are committed
// at a steady rate. Leg stream writes into the table of a streaming
// source (logical replication); leg materialize writes the same rows
// into the table of a plain source while a loop runs MATERIALIZE
// INCREMENTAL … TO now() through the gateway as fast as it can. Every
// row is a new entity; a sample (every transaction's last row) is looked
// up until it is served. A wrong value fails the benchmark, and so does
// a row of the stream leg that never arrives; a missed target does not.
// One op is the whole run: -benchtime 1x.
func BenchmarkFreshness(b *testing.B) {
	ctx := context.Background()
	sz := freshSizesFromEnv(b)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	dsn, err := srv.CreateDB(ctx, freshDB)
	if err != nil {
		b.Fatal(err)
	}
	gw := startGatewayProc(b, buildGateway(b), dsn, freshDB)
	conn := connectLeg(ctx, b, gw.DSN("bench", freshDB))
	freshSetUp(ctx, b, dsn, conn)
	freshWaitStreaming(ctx, b, conn)
	sample := onlineSampler(srv, gw.cmd.Process.Pid, 0, 0)
	b.ResetTimer()
	for range b.N {
		var lines []string
		for _, leg := range freshLegs {
			res, err := freshRun(ctx, dsn, gw.DSN("bench", freshDB), leg, sz, sample)
			if err != nil {
				b.Fatalf("leg %s: %v\n%s", leg, err, gw.logTail())
			}
			if res.lost, err = freshLost(ctx, conn, leg, res.rows, sz.per); err != nil {
				b.Fatalf("leg %s: %v", leg, err)
			}
			lines = append(lines, res.report(b, leg, sz))
			if leg == "stream" && (res.missed > 0 || res.lost > 0) {
				b.Errorf("leg stream: %d samples never served, %d rows missing online", res.missed, res.lost)
			}
		}
		b.Log("freshness (mode=process): COMMIT on the offline PostgreSQL to the value served by a lookup\n" +
			strings.Join(lines, "\n"))
	}
}

// freshSizesFromEnv reads the load from the environment.
func freshSizesFromEnv(b *testing.B) freshSizes {
	rate := onlineEnvInt(b, freshRateEnv, 10000, freshCommits)
	seconds := onlineEnvInt(b, freshSecondsEnv, 30, 1)
	return freshSizes{rate: rate, per: rate / freshCommits, seconds: time.Duration(seconds) * time.Second}
}

// freshSetUp creates each leg's table on the offline PostgreSQL and,
// through the gateway, the entity, each leg's source (streaming for leg
// stream) and feature view.
func freshSetUp(ctx context.Context, b *testing.B, dsn string, conn *pgx.Conn) {
	off := connectLeg(ctx, b, dsn)
	stmts := []string{"CREATE ENTITY fresh_user (user_id BIGINT)"}
	for _, leg := range freshLegs {
		with := ""
		if leg == "stream" {
			with = " WITH (streaming = on)"
		}
		for _, s := range []string{
			fmt.Sprintf("CREATE TABLE fresh_%s (user_id bigint, event_timestamp timestamptz, created timestamptz, seq bigint, tag bigint)", leg),
			fmt.Sprintf("CREATE INDEX ON fresh_%s (event_timestamp)", leg),
		} {
			if _, err := off.Exec(ctx, s); err != nil {
				b.Fatalf("%s: %v", s, err)
			}
		}
		stmts = append(stmts,
			fmt.Sprintf("CREATE SOURCE fresh_%s_src TIMESTAMP COLUMN event_timestamp CREATED COLUMN created AS TABLE fresh_%s%s", leg, leg, with),
			fmt.Sprintf("CREATE FEATURE VIEW fresh_%s_fv (seq BIGINT, tag BIGINT) ENTITY fresh_user SOURCE fresh_%s_src TTL NONE", leg, leg))
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
}

// freshWaitStreaming waits until SHOW STREAMS says the gateway follows
// fresh_stream_src.
func freshWaitStreaming(ctx context.Context, b *testing.B, conn *pgx.Conn) {
	deadline := time.Now().Add(60 * time.Second)
	var state string
	for time.Now().Before(deadline) {
		rows, err := conn.Query(ctx, "SHOW STREAMS", pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			b.Fatalf("SHOW STREAMS: %v", err)
		}
		for rows.Next() {
			if v := rows.RawValues(); string(v[0]) == "fresh_stream_src" {
				state = string(v[4])
			}
		}
		if rows.Close(); rows.Err() != nil {
			b.Fatalf("SHOW STREAMS: %v", rows.Err())
		}
		if state == "streaming" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatalf("the gateway does not follow fresh_stream_src (state %q)", state)
}

// freshLost looks up every row leg's writer committed (one entity each)
// and returns how many are not served; a served value other than the
// one committed is an error.
func freshLost(ctx context.Context, conn *pgx.Conn, leg string, rows, per int) (int, error) {
	const chunk = 1000
	lost := 0
	for first := 0; first < rows; first += chunk {
		keys := make([]int64, 0, chunk)
		for k := first; k < min(rows, first+chunk); k++ {
			keys = append(keys, int64(k))
		}
		got, err := freshLookup(ctx, conn, leg, keys)
		if err != nil {
			return 0, err
		}
		for i, v := range got {
			want := freshSample{key: keys[i], seq: keys[i]/int64(per) + 1}
			switch {
			case v == nil:
				lost++
			case *v != want.seq:
				return 0, fmt.Errorf("key %d: seq %d online, committed %d", keys[i], *v, want.seq)
			}
		}
	}
	return lost, nil
}
