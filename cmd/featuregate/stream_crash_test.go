package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

// streamKeys and streamRows size the crash tests' write load: rows over
// streamKeys drivers, with event times in a shuffled order, so that many
// rows arrive late.
const (
	streamKeys = 40
	streamRows = 3000
)

// writeTrips commits rows [from, to) of the load, one transaction each,
// and returns the first error. Row i has trips = i (unique), so the
// online value names the row that won.
func writeTrips(ctx context.Context, dsn string, from, to int, progress *atomic.Int64) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		ts := base.Add(time.Duration(i*7919%streamRows) * time.Second)
		_, err := conn.Exec(ctx, "INSERT INTO trips VALUES ($1, $2, now(), 0.5, $3)", i%streamKeys, ts, i)
		if err != nil {
			return err
		}
		progress.Add(1)
	}
	return nil
}

// oracle is what MATERIALIZE computes: the newest row per driver, by
// (event time, created), as "driver|trips" lines in key order.
func oracle(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := textRows(ctx, conn, `SELECT DISTINCT ON (driver_id) driver_id, trips FROM trips
		ORDER BY driver_id, event_timestamp DESC, created DESC`)
	if err != nil {
		t.Fatal(err)
	}
	return joinRows(rows)
}

// allKeys looks every driver of the load up.
func allKeys() string {
	ids := make([]string, streamKeys)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	return "SELECT driver_id, trips FROM trips_fv WHERE driver_id IN (" + strings.Join(ids, ",") + ")"
}

// TestStreamKillResume kills `featuregate serve` with SIGKILL while rows
// stream in, starts it again on the same data directory, and checks that
// the online store converges to the newest row per key, as MATERIALIZE
// would compute it: the slot resends what was not confirmed, and
// newer-wins makes the replay harmless.
func TestStreamKillResume(t *testing.T) {
	dsn := streamDB(t, pg)
	g := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "data"), "")
	g.define(t)
	g.waitStreaming(t)

	ctx := context.Background()
	done := make(chan error, 1)
	var written atomic.Int64
	go func() { done <- writeTrips(ctx, dsn, 0, streamRows, &written) }()
	for written.Load() < streamRows/3 {
		time.Sleep(10 * time.Millisecond)
	}
	g.waitColumnAtLeast(t, "SHOW STREAMS", 7, 1) // rows_written: the stream is in flight
	g.kill(t)
	time.Sleep(300 * time.Millisecond) // rows go on committing while no gateway runs
	g.start(t)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	g.waitFor(t, allKeys(), oracle(t, dsn))
	g.waitColumn(t, "SHOW STREAMS", streamsState, "streaming")
}

// waitColumnAtLeast polls sql until column col of its first row is an
// integer of at least n.
func (g *streamGateway) waitColumnAtLeast(t *testing.T, sql string, col int, n int64) {
	t.Helper()
	deadline := time.Now().Add(streamDeadline)
	for time.Now().Before(deadline) {
		rows, err := g.query(t, sql)
		if err == nil && len(rows) > 0 {
			var v int64
			if _, err := fmt.Sscan(rows[0][col], &v); err == nil && v >= n {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: column %d never reached %d\n%s", sql, col, n, g.stderr)
}

// TestStreamOfflineRestart restarts the offline PostgreSQL under a
// streaming gateway: the follower reconnects with backoff and resumes
// from its slot.
func TestStreamOfflineRestart(t *testing.T) {
	srv, err := localpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dsn := streamDB(t, srv)
	g := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "data"), "")
	g.define(t)
	g.waitStreaming(t)
	insertTrip(t, dsn, 1, "2025-06-01 10:00+00", 0.5, 10)
	g.waitFor(t, lookup(1), "0.5|10")

	if err := srv.StopKeep(); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, g, `state="reconnecting"} 0`) // SHOW STREAMS needs the registry, /metrics does not
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	insertTrip(t, dsn, 1, "2025-06-02 10:00+00", 0.25, 12)
	g.waitFor(t, lookup(1), "0.25|12")
	g.waitColumn(t, "SHOW STREAMS", streamsState, "streaming")
}

// waitMetric polls the gateway's /metrics until it holds want.
func waitMetric(t *testing.T, g *streamGateway, want string) {
	t.Helper()
	deadline := time.Now().Add(streamDeadline)
	var got string
	for time.Now().Before(deadline) {
		got = httpGet(t, "http://"+g.http+"/metrics")
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("/metrics never held %s:\n%s", want, grepLines(got, "featuregate_stream"))
}

// TestStreamTwoGateways runs two gateways with their own Pebble stores
// over one offline database: each follows the source with its own slot.
func TestStreamTwoGateways(t *testing.T) {
	dsn := streamDB(t, pg)
	a := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "a"), "")
	b := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "b"), "")
	a.define(t)
	b.mustQuery(t, "SELECT 1") // b reads the registry on its own
	slotA, slotB := a.waitStreaming(t), b.waitStreaming(t)
	if slotA == slotB {
		t.Fatalf("two gateways with their own Pebble share slot %s", slotA)
	}
	insertTrip(t, dsn, 7, "2025-06-01 10:00+00", 0.7, 7)
	a.waitFor(t, lookup(7), "0.7|7")
	b.waitFor(t, lookup(7), "0.7|7")
	waitOffline(t, dsn, "SELECT count(*) FROM pg_replication_slots WHERE active AND database = current_database()", "2")
}

// TestStreamSharedOnlineStore runs two gateways over the PostgreSQL
// online store: one follows the source, the other stands by; killed, the
// follower's lock passes to the other, which resumes from the same slot.
func TestStreamSharedOnlineStore(t *testing.T) {
	dsn := streamDB(t, pg)
	const shared = "online:\n  type: postgres\n"
	a := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "a"), shared)
	a.define(t)
	a.waitStreaming(t)
	b := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "b"), shared)
	b.waitColumn(t, "SHOW STREAMS", streamsState, "standby")
	insertTrip(t, dsn, 1, "2025-06-01 10:00+00", 0.5, 10)
	b.waitFor(t, lookup(1), "0.5|10")

	a.kill(t)
	b.waitColumn(t, "SHOW STREAMS", streamsState, "streaming")
	insertTrip(t, dsn, 1, "2025-06-02 10:00+00", 0.25, 11)
	b.waitFor(t, lookup(1), "0.25|11")
	waitOffline(t, dsn, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()", "1")
}

// TestStreamWALLevelReplica: on a server with wal_level = replica, SHOW
// STREAMS says what to change, and the gateway goes on serving.
func TestStreamWALLevelReplica(t *testing.T) {
	srv, err := localpg.StartWith(localpg.Options{WALLevel: "replica"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dsn := streamDB(t, srv)
	g := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "data"), "")
	g.define(t)
	g.waitColumn(t, "SHOW STREAMS", streamsState, "error")
	msg := g.mustQuery(t, "SHOW STREAMS")[0][streamsError]
	if !strings.Contains(msg, "wal_level = replica") || !strings.Contains(msg, "wal_level = logical") {
		t.Errorf("SHOW STREAMS error: %s", msg)
	}
	if !strings.Contains(g.stderr.String(), "wal_level") {
		t.Errorf("the log does not say why the stream fails:\n%s", g.stderr)
	}
	metrics := httpGet(t, "http://"+g.http+"/metrics")
	if !strings.Contains(metrics, `state="error"} 0`) {
		t.Errorf("/metrics:\n%s", grepLines(metrics, "featuregate_stream"))
	}
	insertTrip(t, dsn, 1, "2025-06-01 10:00+00", 0.5, 10)
	g.mustQuery(t, "MATERIALIZE INCREMENTAL TO now()")
	g.waitFor(t, lookup(1), "0.5|10")
}

// TestStreamLostSlot drops a gateway's slot behind its back: SHOW
// STREAMS reports the gap until MATERIALIZE fills it, and the slot is
// made again, so that rows committed later stream again.
func TestStreamLostSlot(t *testing.T) {
	dsn := streamDB(t, pg)
	g := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "data"), "")
	g.define(t)
	slot := g.waitStreaming(t)
	insertTrip(t, dsn, 1, "2025-06-01 10:00+00", 0.5, 10)
	g.waitFor(t, lookup(1), "0.5|10")

	dropSlotBehindBack(t, dsn, slot)
	g.waitColumn(t, "SHOW STREAMS", streamsState, "gap")
	if msg := g.mustQuery(t, "SHOW STREAMS")[0][streamsError]; !strings.Contains(msg, "MATERIALIZE") {
		t.Errorf("SHOW STREAMS error does not say how to recover: %s", msg)
	}
	insertTrip(t, dsn, 2, "2025-06-01 10:00+00", 0.2, 2) // streams through the new slot
	g.waitFor(t, lookup(2), "0.2|2")
	g.mustQuery(t, "MATERIALIZE INCREMENTAL TO now()")
	g.waitColumn(t, "SHOW STREAMS", streamsState, "streaming")
}

// dropSlotBehindBack ends the WAL sender of slot and drops it, as an
// administrator might, retrying while the gateway reconnects.
func dropSlotBehindBack(t *testing.T, dsn, slot string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(streamDeadline)
	for time.Now().Before(deadline) {
		_, _ = conn.Exec(ctx, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active", slot)
		if _, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("could not drop slot %s", slot)
}
