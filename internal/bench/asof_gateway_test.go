package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// gatewayProc is a `featuregate serve` process, run apart from the
// benchmark so that its memory can be measured on its own.
type gatewayProc struct {
	cmd  *exec.Cmd
	addr string // host:port it listens on
	log  string // file holding its standard output and error
	done chan error
}

// buildGateway compiles cmd/featuregate into a temporary directory and
// returns the binary's path.
func buildGateway(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "featuregate")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/featuregate/featuregate/cmd/featuregate")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/featuregate: %v\n%s", err, out)
	}
	return bin
}

// startGatewayProc runs `bin serve` over the offline database at dsn on a
// free loopback port, with its default trust authentication, and waits
// until it accepts a PostgreSQL session for project db. The process is
// stopped when the benchmark ends.
func startGatewayProc(tb testing.TB, bin, dsn, db string) *gatewayProc {
	tb.Helper()
	addr, err := freeLoopbackAddr()
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	logf, err := os.Create(filepath.Join(dir, "gateway.log"))
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--offline", dsn,
		"--data", filepath.Join(dir, "data"), "--http", "off", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatalf("featuregate serve: %v", err)
	}
	g := &gatewayProc{cmd: cmd, addr: addr, log: logf.Name(), done: make(chan error, 1)}
	go func() { g.done <- cmd.Wait() }()
	tb.Cleanup(func() { g.stop(tb) })
	if err := g.waitUp(db, 30*time.Second); err != nil {
		tb.Fatalf("featuregate serve: %v\n%s", err, g.logTail())
	}
	return g
}

// DSN returns a client URL for user in project db.
func (g *gatewayProc) DSN(user, db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", user, g.addr, db)
}

// waitUp polls until a session opens, the process exits, or timeout passes.
func (g *gatewayProc) waitUp(db string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, g.DSN("bench", db))
		cancel()
		if err == nil {
			return conn.Close(context.Background())
		}
		select {
		case exitErr := <-g.done:
			g.done <- exitErr // for stop
			return fmt.Errorf("exited before accepting sessions: %v", exitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no session after %s: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// memory returns the process's peak resident set size (VmHWM) and current
// one (VmRSS), in bytes, from /proc.
func (g *gatewayProc) memory() (peak, current int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", g.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("gateway memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("gateway memory: %s: %w", sc.Text(), err)
		}
		if name == "VmHWM" {
			peak = kb << 10
		} else {
			current = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("gateway memory: %w", err)
	}
	if peak == 0 || current == 0 {
		return 0, 0, errors.New("gateway memory: no VmHWM or VmRSS in /proc/PID/status")
	}
	return peak, current, nil
}

// stop ends the process with SIGTERM (SIGKILL after 10 seconds).
func (g *gatewayProc) stop(tb testing.TB) {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
		tb.Logf("featuregate serve did not stop on SIGTERM within 10s; killed\n%s", g.logTail())
	}
}

// logTail returns the end of the process's log.
func (g *gatewayProc) logTail() string {
	b, err := os.ReadFile(g.log)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// mib converts bytes to MiB.
func mib(n int64) float64 { return float64(n) / (1 << 20) }

// cpuTime returns the user and system CPU time the process has used,
// from /proc (at the usual 100 clock ticks a second).
func (g *gatewayProc) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", g.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("gateway cpu: %w", err)
	}
	i := strings.LastIndexByte(string(b), ')')
	fields := strings.Fields(string(b[i+1:]))
	if i < 0 || len(fields) < 13 {
		return 0, fmt.Errorf("gateway cpu: unexpected /proc/PID/stat %q", b)
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime and stime, fields 14 and 15
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("gateway cpu: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
