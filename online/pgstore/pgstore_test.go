package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

var dbSeq atomic.Int64

// newDB creates a fresh database and returns its DSN.
func newDB(t testing.TB) string {
	t.Helper()
	dsn, err := pg.CreateDB(context.Background(), fmt.Sprintf("online_%d", dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// open opens a Store on dsn, closed when the test ends.
func open(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestConformance runs the online store suite, a fresh database per subtest.
func TestConformance(t *testing.T) {
	onlinetest.Run(t, func(t *testing.T) online.Store { return open(t, newDB(t)) })
}

var t0 = onlinetest.T0

func key(parts ...any) []any { return parts }

func mustWrite(t testing.TB, s *Store, rows ...online.Row) int {
	t.Helper()
	n, err := s.Write(context.Background(), rows)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return n
}

func mustGet(t testing.TB, s *Store, project, view string, keys ...[]any) []online.Result {
	t.Helper()
	res, err := s.Get(context.Background(), project, view, keys, t0, 0)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return res
}

// TestGatewaysShareOneCopy opens two Stores on one database, as two gateways
// would, and checks that each sees the other's rows, newer-wins decisions,
// watermarks and drops.
func TestGatewaysShareOneCopy(t *testing.T) {
	dsn := newDB(t)
	a, b := open(t, dsn), open(t, dsn)
	ctx := context.Background()
	mustWrite(t, a, online.Row{Project: "p", View: "v", Key: key("u1"), TS: t0, Values: []any{"from a"}})
	if r := mustGet(t, b, "p", "v", key("u1"))[0]; !r.Found || r.Values[0] != "from a" {
		t.Fatalf("b reads %+v", r)
	}
	if n := mustWrite(t, b, online.Row{Project: "p", View: "v", Key: key("u1"), TS: t0.Add(-time.Second), Values: []any{"older from b"}}); n != 0 {
		t.Errorf("b's older row was written (%d)", n)
	}
	mustWrite(t, b, online.Row{Project: "p", View: "v", Key: key("u1"), TS: t0.Add(time.Second), Values: []any{"newer from b"}})
	if r := mustGet(t, a, "p", "v", key("u1"))[0]; r.Values[0] != "newer from b" {
		t.Errorf("a reads %+v", r)
	}
	if err := a.SetWatermark(ctx, "p", "v", t0); err != nil {
		t.Fatal(err)
	}
	if w, ok, err := b.Watermark(ctx, "p", "v"); !ok || err != nil || !w.Equal(t0) {
		t.Errorf("b's watermark: %v %v %v", w, ok, err)
	}
	if err := b.DropView(ctx, "p", "v"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Watermark(ctx, "p", "v"); ok || mustGet(t, a, "p", "v", key("u1"))[0].Found {
		t.Error("a still sees the view b dropped")
	}
	// A Store opened later (a restarted gateway) finds what the others wrote.
	mustWrite(t, a, online.Row{Project: "p", View: "v", Key: key("u2"), TS: t0, Values: []any{"kept"}})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, open(t, dsn), "p", "v", key("u2"))[0]; !r.Found || r.Values[0] != "kept" {
		t.Errorf("after reopen: %+v", r)
	}
}

// TestConcurrentGatewaysKeepNewest has two Stores on one database write
// older and newer rows of the same keys at once, many times; the newest row
// of each key must always be what remains.
func TestConcurrentGatewaysKeepNewest(t *testing.T) {
	dsn := newDB(t)
	stores := []*Store{open(t, dsn), open(t, dsn)}
	const keys, rounds = 30, 20
	for round := range rounds {
		var wg sync.WaitGroup
		for w, s := range stores {
			wg.Go(func() {
				// Writer 1 writes the newer rows, in a shuffled order.
				rows := make([]online.Row, keys)
				for k := range keys {
					ts := t0.Add(time.Duration(round*10+w) * time.Second)
					rows[k] = online.Row{Project: "p", View: "v", Key: key(int64(k)), TS: ts, Values: []any{int64(w)}}
				}
				rand.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
				if _, err := s.Write(context.Background(), rows); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		want := t0.Add(time.Duration(round*10+1) * time.Second)
		for k, r := range mustGet(t, stores[0], "p", "v", keysUpTo(keys)...) {
			if !r.TS.Equal(want) || r.Values[0] != int64(1) {
				t.Fatalf("round %d key %d: got %v %v, want the newer row at %v", round, k, r.TS, r.Values, want)
			}
		}
	}
}

func keysUpTo(n int) [][]any {
	ks := make([][]any, n)
	for i := range ks {
		ks[i] = key(int64(i))
	}
	return ks
}

// TestWritesAndDropsDoNotDeadlock runs writers of overlapping keys in
// random order against repeated drops of the same view and project; every
// call must succeed (PostgreSQL would abort one side of a deadlock).
func TestWritesAndDropsDoNotDeadlock(t *testing.T) {
	dsn := newDB(t)
	s := open(t, dsn)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 30 {
				var rows []online.Row
				for range 40 {
					rows = append(rows, online.Row{Project: "p", View: []string{"v", "w"}[rng.IntN(2)],
						Key: key(int64(rng.IntN(40))), TS: t0.Add(time.Duration(i) * time.Second)})
				}
				if _, err := s.Write(ctx, rows); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 30 {
			var err error
			if i%2 == 0 {
				err = s.DropView(ctx, "p", "v")
			} else {
				err = s.DropProject(ctx, "p")
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
}

// TestConcurrentOpen opens four Stores at once on a fresh database: the
// schema must be created once, without an error in any of them.
func TestConcurrentOpen(t *testing.T) {
	for range 3 {
		dsn := newDB(t)
		errs := make([]error, 4)
		stores := make([]*Store, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dsn) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		mustWrite(t, stores[0], online.Row{Project: "p", View: "v", Key: key("k"), TS: t0})
		if r := mustGet(t, stores[3], "p", "v", key("k"))[0]; !r.Found {
			t.Fatal("stores opened together do not share the table")
		}
	}
}

// TestTableLayout reads the tables with SQL: one row per entity holding
// EncodeKey and EncodeValue, readable timestamps, NULL for an absent
// created, the nanoseconds apart, and watermarks.
func TestTableLayout(t *testing.T) {
	dsn := newDB(t)
	s := open(t, dsn)
	ctx := context.Background()
	ts := t0.Add(1500 * time.Nanosecond) // t0 ends in …456789 ns
	mustWrite(t, s,
		online.Row{Project: "p", View: "v", Key: key("u1", int64(7)), TS: t0, Values: []any{"old"}},
		online.Row{Project: "p", View: "v", Key: key("u1", int32(7)), TS: ts, Values: []any{"new", 1.5}},
		online.Row{Project: "p", View: "v", Key: key("u2", int64(7)), TS: t0, Created: ts, Values: nil})
	if err := s.SetWatermark(ctx, "p", "v", ts); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT key, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ts_ns,
		created IS NULL, created_ns, value FROM featuregate_online.features ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Key       []byte
		TS        string
		TSNs      int16
		NoCreated bool
		CreatedNs int16
		Value     []byte
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := online.EncodeKey(key("u1", int64(7)))
	k2, _ := online.EncodeKey(key("u2", int64(7)))
	v1, _ := online.EncodeValue(ts, time.Time{}, []any{"new", 1.5})
	v2, _ := online.EncodeValue(t0, ts, nil)
	want := []row{
		{k1, "2024-01-31 12:00:00.123458", 289, true, 0, v1},
		{k2, "2024-01-31 12:00:00.123456", 789, false, 289, v2},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("features rows:\n got %v\nwant %v", got, want)
	}
	var wm string
	var wmNs int16
	err = conn.QueryRow(ctx, `SELECT to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), watermark_ns
		FROM featuregate_online.watermarks WHERE project = 'p' AND view = 'v'`).Scan(&wm, &wmNs)
	if err != nil || wm != "2024-01-31 12:00:00.123458" || wmNs != 289 {
		t.Errorf("watermark row: %q %d %v", wm, wmNs, err)
	}
}

// TestCommitsAreDurable checks that the store's connections commit
// synchronously although the test server's default is off.
func TestCommitsAreDurable(t *testing.T) {
	s := open(t, newDB(t))
	ctx := context.Background()
	var def string
	if err := pgxQueryRow(t, s, "SELECT boot_val FROM pg_settings WHERE name = 'synchronous_commit'", &def); err != nil {
		t.Fatal(err)
	}
	var conf string
	if err := pgxQueryRow(t, s, "SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'", &conf); err != nil {
		t.Fatal(err)
	}
	if conf != "off" {
		t.Fatalf("the test server's synchronous_commit is %q, want off (localpg's setting) for this test to mean something", conf)
	}
	var got string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got); err != nil || got != "on" {
		t.Errorf("synchronous_commit on the store's connection: %q %v", got, err)
	}
}

func pgxQueryRow(t *testing.T, s *Store, sql string, dst any) error {
	t.Helper()
	return s.pool.QueryRow(context.Background(), sql).Scan(dst)
}

// TestCancelWhileBlocked starts a Write that waits on a row lock held by
// another session, and checks that its context's deadline ends it promptly
// with nothing written.
func TestCancelWhileBlocked(t *testing.T) {
	dsn := newDB(t)
	s := open(t, dsn)
	ctx := context.Background()
	mustWrite(t, s, online.Row{Project: "p", View: "v", Key: key("k"), TS: t0, Values: []any{"old"}})
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT FROM featuregate_online.features FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Write(short, []online.Row{{Project: "p", View: "v", Key: key("k"), TS: t0.Add(time.Hour), Values: []any{"new"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("blocked Write: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("blocked Write returned after %v", d)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, s, "p", "v", key("k"))[0]; r.Values[0] != "old" {
		t.Errorf("canceled Write wrote %v", r.Values)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, dsn := range []string{"postgres://%zz", pg.DSN("no_such_database")} {
		if s, err := Open(ctx, dsn); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}
