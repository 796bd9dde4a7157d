package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/syncbuf"
)

// The streaming tests run `featuregate serve` in child processes over a
// real PostgreSQL (wal_level = logical) and the real online stores, write
// the source table directly on the offline database, and poll online
// lookups until they converge, with generous deadlines.

const streamDeadline = 60 * time.Second

var streamDBs atomic.Int64

// streamDB creates a database holding table trips and returns its DSN as
// the superuser postgres (the gateway's owner).
func streamDB(t *testing.T, srv *localpg.Server) string {
	t.Helper()
	ctx := context.Background()
	dsn, err := srv.CreateDB(ctx, fmt.Sprintf("stream_%d", streamDBs.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, dsn, `CREATE TABLE trips (driver_id bigint, event_timestamp timestamptz, created timestamptz,
		conv_rate real, trips bigint)`)
	return dsn
}

// execSQL runs statements on dsn.
func execSQL(t *testing.T, dsn string, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// streamGateway is `featuregate serve` in a child process.
type streamGateway struct {
	addr, http, dataDir, cfg string
	project                  string
	cmd                      *exec.Cmd
	stderr                   *syncbuf.Buffer
	done                     chan error
}

// startStreamGateway runs serve for project on dsn with the online store
// onlineYAML ("" for Pebble in dataDir) until the test ends.
func startStreamGateway(t *testing.T, dsn, project, dataDir, onlineYAML string) *streamGateway {
	t.Helper()
	g := &streamGateway{addr: freeAddr(t), http: freeAddr(t), dataDir: dataDir, project: project}
	dir := t.TempDir()
	body := fmt.Sprintf("project: %s\nlisten: %s\nhttp_listen: %s\ndata_dir: %s\noffline:\n  dsn: %s\n%s",
		project, g.addr, g.http, dataDir, dsn, onlineYAML)
	writeFile(t, dir, "featuregate.yaml", body)
	g.cfg = filepath.Join(dir, "featuregate.yaml")
	g.start(t)
	t.Cleanup(func() { g.stop(t) })
	return g
}

func (g *streamGateway) start(t *testing.T) {
	t.Helper()
	g.stderr, g.done = &syncbuf.Buffer{}, make(chan error, 1)
	g.cmd = exec.Command(os.Args[0], "serve", "--config", g.cfg, "--log-level", "warn")
	g.cmd.Env = append(os.Environ(), childEnv+"=1")
	g.cmd.Stderr = g.stderr
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { g.done <- g.cmd.Wait() }()
	if out, err := psqlWhenUp(g.dsn(), "", "SELECT 1", 30*time.Second); err != nil {
		t.Fatalf("the gateway does not start: %v\n%s\n%s", err, out, g.stderr)
	}
}

func (g *streamGateway) dsn() string {
	return "postgres://tester@" + g.addr + "/" + g.project + "?sslmode=disable"
}

// kill ends the gateway with SIGKILL, as a crash would.
func (g *streamGateway) kill(t *testing.T) {
	t.Helper()
	_ = g.cmd.Process.Kill()
	<-g.done
}

// stop ends the gateway with SIGTERM unless it ended already.
func (g *streamGateway) stop(t *testing.T) {
	if g.cmd.ProcessState != nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(30 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
		t.Errorf("the gateway did not stop on SIGTERM\n%s", g.stderr)
	}
}

// query runs sql through the gateway and returns its rows as text.
func (g *streamGateway) query(t *testing.T, sql string) ([][]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, g.dsn())
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	return textRows(ctx, conn, sql)
}

func textRows(ctx context.Context, conn *pgx.Conn, sql string) ([][]string, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := rows.RawValues()
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// mustQuery is query that fails the test on an error.
func (g *streamGateway) mustQuery(t *testing.T, sql string) [][]string {
	t.Helper()
	rows, err := g.query(t, sql)
	if err != nil {
		t.Fatalf("%s: %v\n%s", sql, err, g.stderr)
	}
	return rows
}

// define creates the entity, the streaming source over trips and the
// feature view trips_fv (conv_rate must lie in [0, 1]).
func (g *streamGateway) define(t *testing.T) {
	t.Helper()
	for _, s := range []string{
		"CREATE ENTITY driver (driver_id BIGINT)",
		"CREATE SOURCE trips_source TIMESTAMP COLUMN event_timestamp CREATED COLUMN created AS TABLE trips WITH (streaming = on)",
		"CREATE FEATURE VIEW trips_fv (conv_rate REAL CHECK (conv_rate BETWEEN 0 AND 1), trips BIGINT) ENTITY driver SOURCE trips_source TTL NONE",
	} {
		g.mustQuery(t, s)
	}
}

// waitFor polls sql through the gateway until its rows, joined, equal want.
func (g *streamGateway) waitFor(t *testing.T, sql, want string) {
	t.Helper()
	g.waitColumn(t, sql, -1, want)
}

// waitColumn polls sql through the gateway until column col of its rows
// (every column when col < 0), joined, equals want.
func (g *streamGateway) waitColumn(t *testing.T, sql string, col int, want string) {
	t.Helper()
	deadline := time.Now().Add(streamDeadline)
	var got string
	for time.Now().Before(deadline) {
		rows, err := g.query(t, sql)
		if err == nil {
			if col >= 0 {
				for i, r := range rows {
					rows[i] = r[col : col+1]
				}
			}
			got = joinRows(rows)
			if got == want {
				return
			}
		} else {
			got = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: want %q, still %q after %v\n%s", sql, want, got, streamDeadline, g.stderr)
}

// The columns of SHOW STREAMS the tests read.
const (
	streamsSlot     = 3
	streamsState    = 4
	streamsRejected = 8
	streamsError    = 9
)

func joinRows(rows [][]string) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = strings.Join(r, "|")
	}
	return strings.Join(parts, "\n")
}

// waitStreaming waits until SHOW STREAMS says trips_source streams, and
// returns its slot.
func (g *streamGateway) waitStreaming(t *testing.T) string {
	t.Helper()
	g.waitColumn(t, "SHOW STREAMS", streamsState, "streaming")
	return g.mustQuery(t, "SHOW STREAMS")[0][streamsSlot]
}

// lookup is the online value of driver id.
func lookup(id int) string {
	return fmt.Sprintf("SELECT conv_rate, trips FROM trips_fv WHERE driver_id = %d", id)
}

// insertTrip commits one row on the offline database.
func insertTrip(t *testing.T, dsn string, id int, ts string, conv float64, trips int) {
	t.Helper()
	execSQL(t, dsn, "INSERT INTO trips VALUES ($1, $2, now(), $3, $4)", id, ts, conv, trips)
}

// TestStreamPebble: inserts and updates committed offline appear online
// without MATERIALIZE; a late row does not replace a newer value; a row
// that breaks a CHECK rule is counted and not served; /metrics shows the
// lag; turning streaming off drops the slot and the publication.
func TestStreamPebble(t *testing.T) {
	testStream(t, "")
}

// TestStreamPostgresOnline is TestStreamPebble with the PostgreSQL online
// store.
func TestStreamPostgresOnline(t *testing.T) {
	testStream(t, "online:\n  type: postgres\n")
}

func testStream(t *testing.T, onlineYAML string) {
	dsn := streamDB(t, pg)
	g := startStreamGateway(t, dsn, "trips", filepath.Join(t.TempDir(), "data"), onlineYAML)
	g.define(t)
	slot := g.waitStreaming(t)

	insertTrip(t, dsn, 1, "2025-06-01 10:00+00", 0.5, 10)
	g.waitFor(t, lookup(1), "0.5|10")

	execSQL(t, dsn, "UPDATE trips SET conv_rate = 0.75, trips = 11, created = now() WHERE driver_id = 1")
	g.waitFor(t, lookup(1), "0.75|11")

	// A late row, then a marker row: once the marker is online, the late
	// row (committed before it) was applied, and must not have won.
	insertTrip(t, dsn, 1, "2025-05-01 10:00+00", 0.1, 1)
	insertTrip(t, dsn, 2, "2025-06-01 10:00+00", 0.2, 2)
	g.waitFor(t, lookup(2), "0.2|2")
	g.waitFor(t, lookup(1), "0.75|11")

	// A newer row that breaks the CHECK rule is rejected: the value stays.
	insertTrip(t, dsn, 1, "2025-07-01 10:00+00", 5, 99)
	insertTrip(t, dsn, 3, "2025-06-01 10:00+00", 0.3, 3)
	g.waitFor(t, lookup(3), "0.3|3")
	g.waitFor(t, lookup(1), "0.75|11")
	g.waitColumn(t, "SHOW STREAMS", streamsRejected, "1")

	metrics := httpGet(t, "http://"+g.http+"/metrics")
	for _, want := range []string{"featuregate_stream_lag_bytes{", "featuregate_stream_lag_seconds{",
		`featuregate_stream_up{project="trips",slot="` + slot + `",source="trips_source",state="streaming"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "featuregate_stream"))
		}
	}

	g.mustQuery(t, "ALTER SOURCE trips_source SET (streaming = off)")
	waitOffline(t, dsn, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"+slot+"'", "0")
	waitOffline(t, dsn, "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'fg_pub_%'", "0")
	if rows := g.mustQuery(t, "SHOW STREAMS"); len(rows) != 0 {
		t.Errorf("SHOW STREAMS after streaming = off: %v", rows)
	}
	// The values stay, and new rows wait for MATERIALIZE.
	insertTrip(t, dsn, 4, "2025-06-01 10:00+00", 0.4, 4)
	g.mustQuery(t, "MATERIALIZE INCREMENTAL TO now()")
	g.waitFor(t, lookup(4), "0.4|4")
	g.waitFor(t, lookup(1), "0.75|11")
}

// waitOffline polls sql on the offline database until it gives want.
func waitOffline(t *testing.T, dsn, sql, want string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(streamDeadline)
	var got string
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			var rows [][]string
			rows, err = textRows(ctx, conn, sql)
			conn.Close(ctx)
			got = joinRows(rows)
		}
		if err != nil {
			got = err.Error()
		}
		if got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: want %q, still %q", sql, want, got)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var _ = errors.New
