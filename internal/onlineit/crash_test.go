package onlineit

import (
	"context"
	"fmt"
	"github.com/featuregate/featuregate/internal/syncbuf"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The crash test runs `featuregate serve` as a child process, SIGKILLs it
// in the middle of a MATERIALIZE several times, restarts it on the same
// data directory (or the same PostgreSQL online store) and checks the
// store: every value is exactly one source row's (the newest of the
// window materialized before, or of the one being materialized: never a
// torn or mixed value), nothing durable is lost, and the watermark is not
// ahead of the data (the incremental run after the crashes starts from
// the last completed run's end and brings every entity to its newest row).

// crashEntities is the number of entities of the crash test's source.
const crashEntities = 300_000

// crashTables: generation A (ts in 2024-01-01) for every entity, then
// generation B (ts in 2024-01-10), and for every tenth entity a second B
// row with the same ts and an older created timestamp, which must never
// be served.
const crashTables = `
CREATE TABLE crash_src (entity_id bigint, ts timestamptz, created timestamptz,
	f_int bigint, f_float double precision, f_text text);
INSERT INTO crash_src
	SELECT i, '2024-01-01T00:00:00Z'::timestamptz + (i %% 86400) * interval '1 second', '2024-01-03T00:00:00Z',
	       i * 10, i / 7.0, 'a-' || i
	FROM generate_series(1, %[1]d) AS i;
INSERT INTO crash_src
	SELECT i, '2024-01-10T00:00:00Z'::timestamptz + (i %% 86400) * interval '1 second' + (i %% 1000) * interval '1 microsecond',
	       '2024-01-12T00:00:00Z', i * 10 + 1, i / 3.0, 'b-' || i || repeat('x', i %% 50)
	FROM generate_series(1, %[1]d) AS i;
INSERT INTO crash_src
	SELECT i, '2024-01-10T00:00:00Z'::timestamptz + (i %% 86400) * interval '1 second' + (i %% 1000) * interval '1 microsecond',
	       '2024-01-11T00:00:00Z', -1, -1, 'older created: never served'
	FROM generate_series(10, %[1]d, 10) AS i;
`

var crashCatalog = []string{
	`CREATE ENTITY thing (entity_id BIGINT)`,
	`CREATE SOURCE crash_source TIMESTAMP COLUMN ts CREATED COLUMN created AS TABLE crash_src`,
	`CREATE FEATURE VIEW crash_fv (f_int BIGINT, f_float DOUBLE PRECISION, f_text TEXT) ENTITY thing SOURCE crash_source`,
}

// The windows: the first run loads generation A up to crashMid; the runs
// that are killed, and the final one, go to crashEnd.
const (
	crashMid = "2024-01-05T00:00:00Z"
	crashEnd = "2024-02-01T00:00:00Z"
)

// crashStatements alternate between the two forms of MATERIALIZE.
var crashStatements = []string{
	`MATERIALIZE INCREMENTAL TO '` + crashEnd + `'`,
	`MATERIALIZE crash_fv FROM '2024-01-01T00:00:00Z' TO '` + crashEnd + `'`,
}

// crashFractions are the kill delays, as fractions of the first (complete)
// run's duration, bounded to [50 ms, 1.5 s].
var crashFractions = []float64{0, 0.15, 0.3, 0.45, 0.6}

func TestCrash(t *testing.T) {
	bin := buildFeaturegate(t)
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { crashStore(t, bin, st) })
	}
}

// buildFeaturegate builds ./cmd/featuregate into a temporary directory.
func buildFeaturegate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "featuregate")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/featuregate/featuregate/cmd/featuregate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/featuregate: %v\n%s", err, out)
	}
	return bin
}

// crashRow is one entity's expected (or served) value.
type crashRow struct {
	ts     time.Time
	fInt   int64
	fFloat float64
	fText  string
}

func (r crashRow) equal(o crashRow) bool {
	return r.ts.Equal(o.ts) && r.fInt == o.fInt && r.fFloat == o.fFloat && r.fText == o.fText
}

func crashStore(t *testing.T, bin string, st store) {
	ctx := context.Background()
	db := fmt.Sprintf("crash_%s_%d", st.name, dbSeq.Add(1))
	direct := createDB(t, db)
	loadStart := time.Now()
	offlineExec(t, direct, fmt.Sprintf(crashTables, crashEntities))
	offlineExec(t, direct, "ANALYZE crash_src")
	t.Logf("%s: loaded %d entities (%d rows) in %v", st.name, crashEntities, 2*crashEntities+crashEntities/10, time.Since(loadStart).Round(time.Millisecond))
	srv := newCrashServer(t, bin, st, db)
	srv.start(t)
	conn := srv.connect(t)
	for _, d := range crashCatalog {
		if _, err := conn.Exec(ctx, d); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	expA := expectedCrash(t, direct, crashMid)
	expB := expectedCrash(t, direct, crashEnd)

	began := time.Now()
	first := materialize(t, conn, `MATERIALIZE INCREMENTAL TO '`+crashMid+`'`)["crash_fv"]
	full := time.Since(began)
	first.counts(t, "the first run", crashEntities, crashEntities, 0)
	t.Logf("%s: the first run materialized %d entities in %v (%.0f rows/s)", st.name, crashEntities, full.Round(time.Millisecond), float64(crashEntities)/full.Seconds())
	conn.Close(ctx)

	newer := 0  // entities holding their generation B value
	midRun := 0 // rounds whose kill landed while the statement ran
	for i, frac := range crashFractions {
		delay := min(max(time.Duration(frac*float64(full)), 50*time.Millisecond), 1500*time.Millisecond)
		stmt := crashStatements[i%len(crashStatements)]
		mid, active := srv.killDuring(t, stmt, delay, direct, db)
		if mid {
			midRun++
		}
		srv.waitOfflineIdle(t, direct, db)
		srv.start(t)
		conn = srv.connect(t)
		checked := time.Now()
		got := verifyCrash(t, conn, expA, expB, false)
		if got < newer {
			t.Errorf("round %d: %d entities hold their newest value, %d did before: durable writes were lost", i+1, got, newer)
		}
		newer = got
		t.Logf("%s: round %d: killed %v into %q (still running: %v, source query active on PostgreSQL: %v); after the restart %d of %d entities hold the newer value (read back in %v)",
			st.name, i+1, delay.Round(time.Millisecond), stmt, mid, active, newer, crashEntities, time.Since(checked).Round(time.Millisecond))
		conn.Close(ctx)
	}
	// Later rounds have less left to write and may finish before their
	// kill; most rounds must still land mid-statement.
	if midRun < len(crashFractions)-2 {
		t.Fatalf("only %d of %d kills landed while the statement ran: choose shorter delays", midRun, len(crashFractions))
	}

	conn = srv.connect(t)
	last := materialize(t, conn, `MATERIALIZE INCREMENTAL TO '`+crashEnd+`'`)["crash_fv"]
	last.window(t, "the incremental run after the crashes", ptr(at(crashMid)), at(crashEnd))
	last.counts(t, "the incremental run after the crashes", crashEntities, int64(crashEntities-newer), 0)
	verifyCrash(t, conn, expA, expB, true)
	again := materialize(t, conn, `MATERIALIZE INCREMENTAL TO '`+crashEnd+`'`)["crash_fv"]
	again.window(t, "the re-run", ptr(at(crashEnd)), at(crashEnd))
	again.counts(t, "the re-run", 0, 0, 0)
	conn.Close(ctx)
	srv.stop(t)
}

// expectedCrash computes, directly on PostgreSQL, each entity's newest
// row with ts before end, indexed by entity id.
func expectedCrash(t *testing.T, direct *pgx.Conn, end string) []crashRow {
	t.Helper()
	rows, err := direct.Query(context.Background(), `
		SELECT DISTINCT ON (entity_id) entity_id, ts, f_int, f_float, f_text FROM crash_src
		WHERE ts < $1 ORDER BY entity_id, ts DESC, created DESC NULLS LAST`, end)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([]crashRow, crashEntities+1)
	n := 0
	for rows.Next() {
		var id int64
		var r crashRow
		if err := rows.Scan(&id, &r.ts, &r.fInt, &r.fFloat, &r.fText); err != nil {
			t.Fatal(err)
		}
		out[id] = r
		n++
	}
	if err := rows.Err(); err != nil || n != crashEntities {
		t.Fatalf("expected rows before %s: %d, %v", end, n, err)
	}
	return out
}

// crashBatch is how many keys one verification lookup asks for.
const crashBatch = 10_000

// verifyCrash reads every entity through SQL lookups (= ANY($1)) and
// checks each is present and equal to its generation A or B row; with
// final, to B. It returns how many hold B.
func verifyCrash(t *testing.T, conn *pgx.Conn, expA, expB []crashRow, final bool) int {
	t.Helper()
	ctx := context.Background()
	newer, bad := 0, 0
	keys := make([]int64, 0, crashBatch)
	for first := int64(1); first <= crashEntities; first += crashBatch {
		keys = keys[:0]
		for id := first; id < first+crashBatch && id <= crashEntities; id++ {
			keys = append(keys, id)
		}
		rows, err := conn.Query(ctx, `SELECT entity_id, event_timestamp, f_int, f_float, f_text FROM crash_fv WHERE entity_id = ANY($1)`, keys)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for rows.Next() {
			var id int64
			var ts *time.Time
			var fInt *int64
			var fFloat *float64
			var fText *string
			if err := rows.Scan(&id, &ts, &fInt, &fFloat, &fText); err != nil {
				t.Fatal(err)
			}
			if id != keys[i] {
				t.Fatalf("lookup row %d is entity %d, want %d (request order)", i, id, keys[i])
			}
			i++
			if ts == nil || fInt == nil || fFloat == nil || fText == nil {
				if bad++; bad <= 5 {
					t.Errorf("entity %d: missing or partly NULL value (ts %v, f_int %v, f_float %v, f_text %v)", id, ts, fInt, fFloat, fText)
				}
				continue
			}
			got := crashRow{ts: *ts, fInt: *fInt, fFloat: *fFloat, fText: *fText}
			switch {
			case got.equal(expB[id]):
				newer++
			case !final && got.equal(expA[id]):
			default:
				if bad++; bad <= 5 {
					t.Errorf("entity %d: served %+v, which is neither its newest row %+v nor (before the final run) the older %+v", id, got, expB[id], expA[id])
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if i != len(keys) {
			t.Fatalf("lookup of %d keys gave %d rows", len(keys), i)
		}
	}
	if bad > 0 {
		t.Fatalf("%d entities served a wrong value", bad)
	}
	return newer
}

// crashServer is a `featuregate serve` child process.
type crashServer struct {
	bin, config, addr string
	project           string // the database, and the project
	cmd               *exec.Cmd
	log               *syncbuf.Buffer
	exited            chan struct{}
}

// newCrashServer writes the config of a server over database db with the
// online store st, on a free port, with its data directory in a
// temporary directory.
func newCrashServer(t *testing.T, bin string, st store, db string) *crashServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("project: %s\nlisten: %s\nhttp_listen: \"off\"\ndata_dir: %s\noffline:\n  dsn: %s\nonline:\n  type: %s\n",
		db, addr, filepath.Join(dir, "data"), pg.DSN(db), st.name)
	path := filepath.Join(dir, "featuregate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &crashServer{bin: bin, config: path, addr: addr, project: db, log: &syncbuf.Buffer{}}
	t.Cleanup(func() {
		if s.cmd != nil {
			s.kill()
		}
		if t.Failed() {
			t.Logf("featuregate serve output:\n%s", s.log.String())
		}
	})
	return s
}

// start runs the server and waits until it accepts sessions.
func (s *crashServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "serve", "--config", s.config, "--log-level", "error")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), s.dsn())
		if err == nil {
			conn.Close(context.Background())
			return
		}
		select {
		case <-s.exited:
			t.Fatalf("featuregate serve exited: %v\n%s", s.cmd.ProcessState, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("featuregate serve not accepting sessions after 30s: %v\n%s", err, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dsn is a client URL for the project, as the read-only user alice, in UTC.
func (s *crashServer) dsn() string {
	return "postgres://alice@" + s.addr + "/" + s.project + "?sslmode=disable&timezone=UTC"
}

// connect opens a session.
func (s *crashServer) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.dsn())
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// kill sends SIGKILL and waits for the process to end.
func (s *crashServer) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// stop ends the server with SIGTERM, as a user would.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		s.cmd = nil
	case <-time.After(20 * time.Second):
		t.Errorf("featuregate serve did not stop on SIGTERM")
	}
}

// killDuring runs stmt from a client goroutine and SIGKILLs the server
// delay after sending it. It reports whether the statement was still
// running at the kill (a statement that had already finished must have
// succeeded; the server is killed idle then), and whether the
// materialization's source query was running on the offline PostgreSQL
// at that moment.
func (s *crashServer) killDuring(t *testing.T, stmt string, delay time.Duration, direct *pgx.Conn, db string) (mid, active bool) {
	t.Helper()
	ctx := context.Background()
	conn := s.connect(t)
	defer conn.Close(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, stmt)
		done <- err
	}()
	time.Sleep(delay)
	if err := direct.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_stat_activity
		WHERE datname = $1 AND state = 'active' AND query LIKE 'SELECT DISTINCT ON%'`, db).Scan(&active); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%q failed before the kill: %v", stmt, err)
		}
		s.kill()
		return false, active
	default:
	}
	s.kill()
	if err := <-done; err == nil {
		t.Fatalf("%q succeeded although the server was killed during it", stmt)
	}
	return true, active
}

// waitOfflineIdle waits until the killed server's sessions on the
// offline PostgreSQL are gone, so that none of its statements can still
// commit while the store is checked.
func (s *crashServer) waitOfflineIdle(t *testing.T, direct *pgx.Conn, db string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := direct.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`, db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions of the killed server still on PostgreSQL after 60s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
