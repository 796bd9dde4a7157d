package main

import (
	"context"
	"fmt"
	"github.com/featuregate/featuregate/internal/syncbuf"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// The reliability suite runs the real `featuregate serve` in a child
// process (this test binary, which runs the command line when childEnv is
// set) under a small descriptor limit, and attacks it from the test with
// connections that never log in. Its rounds are few in the normal run;
// FEATUREGATE_SOAK=1 runs more.

const (
	childEnv       = "FEATUREGATE_TEST_CHILD"  // run the command line of os.Args[1:]
	childNoFileEnv = "FEATUREGATE_TEST_NOFILE" // the child's RLIMIT_NOFILE, soft and hard
)

// childMain is the child process: it lowers its descriptor limit and runs
// the command line until SIGTERM.
func childMain() int {
	if v := os.Getenv(childNoFileEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// soakRounds is how many times each reliability test repeats its attack.
func soakRounds() int {
	if os.Getenv("FEATUREGATE_SOAK") != "" {
		return 10
	}
	return 1
}

// child is a gateway running in a child process.
type child struct {
	addr   string
	db     string // its project (the config's), which sessions open
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan error
}

// startChild runs `featuregate serve` with limitsYAML under the limits key,
// SCRAM user alice, and RLIMIT_NOFILE nofile, and waits until alice can
// log in. The child is stopped with SIGTERM when the test ends.
func startChild(t *testing.T, db string, nofile int, limitsYAML string) *child {
	t.Helper()
	dsn, err := pg.CreateDB(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	body := fmt.Sprintf("project: %s\nlisten: %s\nhttp_listen: \"off\"\ndata_dir: %s\noffline:\n  dsn: %s\n"+
		"auth:\n  method: scram-sha-256\n  users:\n    - {name: alice, password: s3cret}\nlimits:\n%s",
		db, addr, filepath.Join(dir, "data"), dsn, limitsYAML)
	writeFile(t, dir, "featuregate.yaml", body)
	c := &child{addr: addr, db: db, stderr: &syncbuf.Buffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(os.Args[0], "serve", "--config", filepath.Join(dir, "featuregate.yaml"), "--log-level", "warn")
	c.cmd.Env = append(os.Environ(), childEnv+"=1", childNoFileEnv+"="+strconv.Itoa(nofile))
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() { c.stop(t) })
	if err := c.login(20 * time.Second); err != nil {
		t.Fatalf("the gateway does not take logins: %v\n%s", err, c.stderr)
	}
	return c
}

// stop ends the child with SIGTERM and waits for it, killing it after 20s.
func (c *child) stop(t *testing.T) {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Errorf("the gateway did not stop on SIGTERM\n%s", c.stderr)
	}
}

// alive fails the test if the child has exited.
func (c *child) alive(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		t.Fatalf("the gateway exited: %v\n%s", err, c.stderr)
	default:
	}
}

// login logs in as alice and runs a query, retrying for up to within.
func (c *child) login(within time.Duration) error {
	ctx := context.Background()
	deadline := time.Now().Add(within)
	for {
		conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+c.addr+"/"+c.db+"?sslmode=disable&connect_timeout=5")
		if err == nil {
			var n int
			err = conn.QueryRow(ctx, "SELECT 6 * 7").Scan(&n)
			conn.Close(ctx)
			if err == nil && n == 42 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openIdle opens n connections to addr that send nothing.
func openIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	for range n {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns)+1, err)
		}
		conns = append(conns, nc)
	}
	return conns
}

func closeAll(conns []net.Conn) {
	for _, nc := range conns {
		nc.Close()
	}
}

// TestAcceptSurvivesDescriptorExhaustion: with more idle connections than
// the process has descriptors (pending logins allowed past the limit on
// purpose), Accept fails with EMFILE; the gateway backs off, logs it, and
// keeps serving: once the connections are gone a real client logs in.
func TestAcceptSurvivesDescriptorExhaustion(t *testing.T) {
	c := startChild(t, "emfile", 256, "  max_pending_logins: 1000\n  startup_timeout: 30s\n")
	for round := range soakRounds() {
		conns := openIdle(t, c.addr, 300)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(c.stderr.String(), "too many open files") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		c.alive(t)
		if !strings.Contains(c.stderr.String(), "accept failed; retrying") {
			t.Fatalf("round %d: the gateway never ran out of descriptors, so this tests nothing:\n%s", round, c.stderr)
		}
		closeAll(conns)
		if err := c.login(15 * time.Second); err != nil {
			t.Fatalf("round %d: no login after the idle connections closed: %v\n%s", round, err, c.stderr)
		}
		c.alive(t)
	}
}

// TestIdleConnectionsAreRefusedAndTimedOut: with the default-like
// limits below the descriptor limit, 300 connections that never log in
// get 53300 at once past max_pending_logins, the others are closed by the
// startup timeout, and a real client logs in while all 300 are still open
// on the client's side.
func TestIdleConnectionsAreRefusedAndTimedOut(t *testing.T) {
	c := startChild(t, "idlelogins", 256, "  max_connections: 50\n  max_pending_logins: 32\n  startup_timeout: 2s\n")
	for round := range soakRounds() {
		conns := openIdle(t, c.addr, 300)
		refused := 0
		for _, nc := range conns {
			_ = nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			fe := pgproto3.NewFrontend(nc, nc)
			if m, err := fe.Receive(); err == nil {
				if e, ok := m.(*pgproto3.ErrorResponse); ok && e.Code == "53300" {
					refused++
				}
			}
		}
		if refused < 300-32 {
			t.Fatalf("round %d: %d of 300 idle connections were refused with 53300, want at least %d", round, refused, 300-32)
		}
		if err := c.login(10 * time.Second); err != nil {
			t.Fatalf("round %d: no login while the idle connections are open: %v\n%s", round, err, c.stderr)
		}
		closeAll(conns)
		c.alive(t)
	}
}
