package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/config"
)

// ridesRepo is the CLI tests' own small project: drivers (a bigint key)
// and trips (a composite key), with a CHECK rule that one row breaks.
const ridesRepo = "testdata/rides/repo"

// ridesDB creates a database of the test's own with the rides tables and
// project rides applied, and returns its DSN.
func ridesDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, fmt.Sprintf("rides_%d", dbCount.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/rides/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, string(data)); err != nil {
		t.Fatal(err)
	}
	mustFG(t, "apply", ridesRepo, "--offline", dsn, "--project", "rides")
	return dsn
}

// ridesConfig writes a featuregate.yaml for project rides on dsn, whose
// listen address has no gateway (so commands start their own), and
// returns its path.
func ridesConfig(t *testing.T, dsn string) string {
	t.Helper()
	dir := t.TempDir()
	body := fmt.Sprintf("project: rides\nlisten: %s\nhttp_listen: \"off\"\ndata_dir: %s\noffline:\n  dsn: %s\n",
		freeAddr(t), filepath.Join(dir, "data"), dsn)
	writeFile(t, dir, "featuregate.yaml", body)
	return filepath.Join(dir, "featuregate.yaml")
}

// startGateway runs the gateway of the config at cfgPath on a free port
// until the test ends, and returns its address.
func startGateway(t *testing.T, cfgPath string) string {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, cfg, slog.New(slog.DiscardHandler), ln, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serveOn: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		waitStopped(t, done, "gateway")
	})
	return ln.Addr().String()
}

// fgRun runs featuregate as main does, with stdin, and returns what it
// wrote to stdout and stderr and its exit code.
func fgRun(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// mustRun runs featuregate and fails the test unless it exits with 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := fgRun("", args...)
	if code != 0 {
		t.Fatalf("featuregate %s: exit %d\n%s%s", strings.Join(args, " "), code, errOut, out)
	}
	return out
}

// wantFail runs featuregate, wants exit code code and a stderr containing
// every one of wants.
func wantFail(t *testing.T, code int, wants []string, args ...string) {
	t.Helper()
	out, errOut, got := fgRun("", args...)
	if got != code {
		t.Errorf("featuregate %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, code, errOut, out)
	}
	for _, w := range wants {
		if !strings.Contains(errOut, w) {
			t.Errorf("featuregate %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, errOut)
		}
	}
}

// queryGateway runs sql on the gateway at addr, in project rides, and
// returns the first column of each row as text.
func queryGateway(t *testing.T, addr, sql string, args ...any) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://tester@"+addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rs, err := queryText(ctx, conn, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for _, r := range rs.rows {
		if r[0] == nil {
			out = append(out, "NULL")
		} else {
			out = append(out, *r[0])
		}
	}
	return out
}

// TestWithGatewayFallback: with no gateway at the listen address, the
// session runs on a gateway of its own, which is gone afterwards; with
// one there, the session is the running gateway's.
func TestWithGatewayFallback(t *testing.T) {
	dsn := ridesDB(t)
	cfg, err := config.Load(ridesConfig(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var local string
	sessionAddr := func(conn *pgx.Conn) string {
		return conn.PgConn().Conn().RemoteAddr().String()
	}
	var used string
	err = withGateway(ctx, cfg, func(conn *pgx.Conn) error {
		used = sessionAddr(conn)
		var app string
		if err := conn.QueryRow(ctx, "SHOW application_name").Scan(&app); err != nil {
			return err
		}
		if app != "featuregate-cli" {
			t.Errorf("application_name %q", app)
		}
		return nil
	}, onStart(func(addr string) { local = addr }))
	if err != nil {
		t.Fatal(err)
	}
	if local == "" || used != local || used == cfg.Listen {
		t.Fatalf("session at %s, in-process gateway at %q, listen %s", used, local, cfg.Listen)
	}
	if c, err := net.DialTimeout("tcp", local, time.Second); err == nil {
		c.Close()
		t.Fatalf("the in-process gateway at %s still listens", local)
	}

	// Now a gateway runs at the config's address: the session is its.
	path := ridesConfig(t, dsn)
	addr := startGateway(t, path)
	cfg.Listen = addr
	local = ""
	err = withGateway(ctx, cfg, func(conn *pgx.Conn) error {
		used = sessionAddr(conn)
		return nil
	}, onStart(func(addr string) { local = addr }))
	if err != nil || local != "" || used != addr {
		t.Fatalf("with a gateway at %s: session at %s, started %q, %v", addr, used, local, err)
	}
}

// TestWithGatewayErrors: errors name what to do.
func TestWithGatewayErrors(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Listen = freeAddr(t)
	noop := func(*pgx.Conn) error { return nil }
	if err := withGateway(ctx, cfg, noop); err == nil || !strings.Contains(err.Error(), "no project: pass --project NAME") {
		t.Errorf("without a project: %v", err)
	}
	cfg.Project = "rides"
	if err := withGateway(ctx, cfg, noop); err == nil || !strings.Contains(err.Error(), "pass --offline postgres://") {
		t.Errorf("without a gateway or an offline store: %v", err)
	}
	cfg.Offline.DSN = "postgres://nobody@127.0.0.1:1/none?connect_timeout=5"
	if err := withGateway(ctx, cfg, noop); err == nil || !strings.Contains(err.Error(), "starting one failed") {
		t.Errorf("with an unreachable offline store: %v", err)
	}

	// A server error keeps its SQLSTATE and gets a hint.
	dsn := ridesDB(t)
	cfg, _ = config.Load(ridesConfig(t, dsn))
	err := withGateway(ctx, cfg, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SELECT * FROM nothing_here")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `relation "nothing_here" does not exist (SQLSTATE 42P01)`) ||
		!strings.Contains(err.Error(), "hint: featuregate feature-views list") {
		t.Errorf("server error: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	t.Setenv("USER", "me")
	users := []config.User{{Name: "alice", Password: "a"}, {Name: "etl", Password: "e", Access: "read-write"}}
	tests := []struct {
		users              []config.User
		flag               string
		wantUser, wantPass string
	}{
		{nil, "", "me", ""},
		{users, "", "etl", "e"},
		{users, "alice", "alice", "a"},
		{users, "bob", "bob", ""},
		{users[:1], "", "alice", "a"},
	}
	for _, tt := range tests {
		cfg := config.Default()
		cfg.Auth.Users = tt.users
		if u, p := credentials(cfg, tt.flag); u != tt.wantUser || p != tt.wantPass {
			t.Errorf("credentials(%v, %q) = %q, %q; want %q, %q", tt.users, tt.flag, u, p, tt.wantUser, tt.wantPass)
		}
	}
}
