package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// outageLookup is the online lookup every client of the outage test runs.
const outageLookup = "SELECT trips FROM driver_stats_fv WHERE driver_id = $1"

// outageUpstream is a statement only the offline store can answer.
const outageUpstream = "SELECT count(*) FROM driver_stats WHERE driver_id = $1"

// psycopg2Load looks up driver 1 over and over in psycopg2's default
// mode, where the driver opens a transaction block before the first
// statement and the script commits after each lookup. It prints its counts
// after every 10 lookups, and the first error's text, until its standard
// input closes.
const psycopg2Load = `
import sys, threading, psycopg2
conn = psycopg2.connect(sys.argv[1])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
ok = err = 0
first = ""
while not stop.is_set():
    try:
        cur = conn.cursor()
        cur.execute("SELECT trips FROM driver_stats_fv WHERE driver_id = %s", (1,))
        if cur.fetchall() != [(20,)]:
            raise Exception("wrong rows")
        conn.commit()
        ok += 1
    except Exception as e:
        err += 1
        first = first or repr(e).replace("\n", " ")
        conn.rollback()
    if (ok + err) % 10 == 0:
        print(ok, err, first, flush=True)
print(ok, err, first, flush=True)
`

// loadCounter counts one client's lookups.
type loadCounter struct {
	name    string
	ok, err atomic.Int64
	mu      sync.Mutex
	first   string
}

func (c *loadCounter) record(err error) {
	if err == nil {
		c.ok.Add(1)
		return
	}
	c.err.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == "" {
		c.first = err.Error()
	}
}

func (c *loadCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%s: %d ok, %d failed (first: %s)", c.name, c.ok.Load(), c.err.Load(), c.first)
}

// TestOfflineOutageUnderLoad: pgx (in and out of transaction blocks, with
// its statement cache), psycopg2 in its default transaction mode and the
// HTTP API look features up while the offline PostgreSQL stops and starts
// again. No lookup fails; a statement for the offline store fails with an
// 08 SQLSTATE while it is down; /health stays 200; and a statement pgx
// prepared upstream before the outage runs again after it, prepared anew
// by the gateway.
func TestOfflineOutageUnderLoad(t *testing.T) {
	srv := serveRides(t)
	cfg, addr, httpAddr := srv.cfg, srv.addr, srv.httpAddr
	dsn := "postgres://tester@" + addr + "/rides?sslmode=disable"
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg, "--listen", addr)

	cached := connectPgx(t, dsn) // prepares the upstream statement before the outage
	failing := connectPgx(t, dsn)
	for _, c := range []*pgx.Conn{cached, failing} {
		if n := upstreamCount(t, c); n != 3 {
			t.Fatalf("upstream statement before the outage: %d rows", n)
		}
	}

	loads := &outageLoads{stop: make(chan struct{})}
	loads.start(t, dsn, httpAddr, cached)
	loads.waitEach(t, 10, "before the outage")

	if err := pg.StopKeep(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = pg.StartAgain()
		}
	}()
	loads.waitEach(t, 50, "while the offline store is down")
	checkDuringOutage(t, failing, httpAddr)

	if err := pg.StartAgain(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	loads.waitEach(t, 10, "after the offline store is back")
	loads.finish(t)

	for _, c := range []*pgx.Conn{cached, failing} {
		if n := upstreamCount(t, c); n != 3 {
			t.Errorf("upstream statement after the outage: %d rows", n)
		}
	}
	srv.stop()
}

// checkDuringOutage checks what needs the offline store while it is down:
// an upstream statement fails with an 08 SQLSTATE, and lookups on the same
// pgx connection go on (pgx then closes the failed statement first).
func checkDuringOutage(t *testing.T, conn *pgx.Conn, httpAddr string) {
	t.Helper()
	ctx := context.Background()
	var n int64
	err := conn.QueryRow(ctx, outageUpstream, 1).Scan(&n)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "08") {
		t.Errorf("an upstream statement while the offline store is down: %v, want an 08 SQLSTATE", err)
	}
	if _, err := conn.Exec(ctx, "SHOW FEATURE VIEWS"); err != nil && (!errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "08")) {
		t.Errorf("SHOW FEATURE VIEWS while the offline store is down: %v, want success or an 08 SQLSTATE", err)
	}
	for range 3 {
		var trips int64
		if err := conn.QueryRow(ctx, outageLookup, 1).Scan(&trips); err != nil || trips != 20 {
			t.Errorf("a lookup after a failed upstream statement: %d, %v", trips, err)
		}
	}
	resp, err := http.Get("http://" + httpAddr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/health while the offline store is down: %d", resp.StatusCode)
	}
}

func connectPgx(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func upstreamCount(t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), outageUpstream, 1).Scan(&n); err != nil {
		t.Fatalf("upstream statement: %v", err)
	}
	return n
}

// outageLoads are the clients looking features up during the test.
type outageLoads struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	counters []*loadCounter
	py       *exec.Cmd
	pyIn     io.WriteCloser
	pyOut    *pyCounts
}

// pyCounts are the psycopg2 script's last reported counts.
type pyCounts struct {
	mu    sync.Mutex
	ok    int64
	err   int64
	first string
	done  chan struct{}
}

func (l *outageLoads) start(t *testing.T, dsn, httpAddr string, cached *pgx.Conn) {
	t.Helper()
	txConn := connectPgx(t, dsn)
	l.run("pgx in transaction blocks", func() error { return lookupInTx(txConn) })
	l.run("pgx with an upstream statement cached", func() error { return lookupOnce(cached) })
	client := &http.Client{Timeout: 30 * time.Second}
	l.run("HTTP", func() error { return lookupHTTP(client, httpAddr) })
	l.startPython(t, dsn)
}

func (l *outageLoads) run(name string, op func() error) {
	c := &loadCounter{name: name}
	l.counters = append(l.counters, c)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			c.record(op())
		}
	}()
}

func (l *outageLoads) startPython(t *testing.T, dsn string) {
	t.Helper()
	l.py = exec.Command("/usr/bin/python3", "-c", psycopg2Load, dsn)
	in, err := l.py.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.py.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	l.py.Stderr = &stderr
	if err := l.py.Start(); err != nil {
		t.Fatal(err)
	}
	l.pyIn, l.pyOut = in, &pyCounts{done: make(chan struct{})}
	go l.pyOut.read(out, &stderr)
	t.Cleanup(func() { _ = l.py.Process.Kill(); _ = l.py.Wait() })
}

// read keeps the script's last counts until its output ends.
func (p *pyCounts) read(r io.Reader, stderr *strings.Builder) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var ok, bad int64
		fields := strings.SplitN(sc.Text(), " ", 3)
		if len(fields) < 2 {
			continue
		}
		fmt.Sscan(fields[0], &ok)
		fmt.Sscan(fields[1], &bad)
		p.mu.Lock()
		p.ok, p.err = ok, bad
		if len(fields) == 3 {
			p.first = fields[2]
		}
		p.mu.Unlock()
	}
}

func (p *pyCounts) counts() (int64, int64, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ok, p.err, p.first
}

// waitEach waits until every client has made n more lookups, failing the
// test if one stops making progress for a minute.
func (l *outageLoads) waitEach(t *testing.T, n int64, when string) {
	t.Helper()
	base := l.totals()
	deadline := time.Now().Add(time.Minute)
	for {
		now := l.totals()
		behind := ""
		for i := range now {
			if now[i]-base[i] < n {
				behind = l.name(i)
			}
		}
		if behind == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s made fewer than %d lookups in a minute\n%s", when, behind, n, l.report())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// totals are the lookups each client made, failed or not.
func (l *outageLoads) totals() []int64 {
	var out []int64
	for _, c := range l.counters {
		out = append(out, c.ok.Load()+c.err.Load())
	}
	ok, bad, _ := l.pyOut.counts()
	return append(out, ok+bad)
}

func (l *outageLoads) name(i int) string {
	if i < len(l.counters) {
		return l.counters[i].name
	}
	return "psycopg2"
}

func (l *outageLoads) report() string {
	var b strings.Builder
	for _, c := range l.counters {
		b.WriteString(c.String() + "\n")
	}
	ok, bad, first := l.pyOut.counts()
	fmt.Fprintf(&b, "psycopg2: %d ok, %d failed (first: %s)\n", ok, bad, first)
	return b.String()
}

// finish stops the clients and fails the test if any lookup failed.
func (l *outageLoads) finish(t *testing.T) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	l.pyIn.Close()
	<-l.pyOut.done
	failed := false
	for _, c := range l.counters {
		failed = failed || c.err.Load() > 0
	}
	_, bad, _ := l.pyOut.counts()
	if failed || bad > 0 {
		t.Errorf("lookups failed during the offline store's outage:\n%s", l.report())
	}
	t.Logf("lookups during the test:\n%s", l.report())
}

func lookupOnce(conn *pgx.Conn) error {
	var trips int64
	if err := conn.QueryRow(context.Background(), outageLookup, 1).Scan(&trips); err != nil {
		return err
	}
	if trips != 20 {
		return fmt.Errorf("trips %d, want 20", trips)
	}
	return nil
}

func lookupInTx(conn *pgx.Conn) error {
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	if err := lookupOnce(conn); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

func lookupHTTP(client *http.Client, httpAddr string) error {
	body := `{"features": ["driver_stats_fv:trips"], "entities": {"driver_id": [1]}}`
	resp, err := client.Post("http://"+httpAddr+"/get-online-features", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"values":[20]`) {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}
