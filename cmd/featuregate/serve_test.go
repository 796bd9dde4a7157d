package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

// TestMain runs the package's tests over one throwaway PostgreSQL, or,
// in a child process that a test started (childEnv), the command line.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	pgtest.Main(m, &pg)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeCommand runs `featuregate serve --config … --listen …` as a user
// would, with SCRAM users from the config file and a password from the
// environment, and queries it with psql.
func TestServeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn, err := pg.CreateDB(ctx, "servecmd")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "featuregate.yaml")
	body := fmt.Sprintf("project: demo\nlisten: 127.0.0.1:1\noffline:\n  dsn: %s\nauth:\n  method: scram-sha-256\n"+
		"  users:\n    - {name: alice, password: \"${FG_ALICE_PW}\"}\n", dsn)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FG_ALICE_PW", "wonderland")
	addr := freeAddr(t)
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--config", cfgPath, "--listen", addr, "--http", "off", "--log-level", "error"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	out, err := psqlWhenUp("postgres://alice@"+addr+"/demo", "wonderland", "SELECT current_user, 6 * 7", 20*time.Second)
	if err != nil || strings.TrimSpace(string(out)) != "featuregate_reader|42" {
		t.Fatalf("psql through featuregate serve: %v\n%s", err, out)
	}
	cmd := exec.Command(filepath.Join(localpg.BinDir, "psql"), "-X", "postgres://alice@"+addr+"/demo", "-c", "SELECT 1")
	cmd.Env = append(os.Environ(), "PGPASSWORD=wrong")
	out, err = cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte(`password authentication failed for user "alice"`)) {
		t.Fatalf("wrong password: %v\n%s", err, out)
	}
	cancel()
	waitStopped(t, done, "serve")
}

// TestServeNeedsOffline fails fast, saying what to pass.
func TestServeNeedsOffline(t *testing.T) {
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--listen", freeAddr(t), "--http", "off"})
	root.SetOut(&bytes.Buffer{})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--offline") {
		t.Fatalf("want an error naming --offline, got %v", err)
	}
}

// psqlWhenUp runs query with psql (unaligned, tuples only) against url,
// retrying until it succeeds or within has passed: the server under test
// starts in the background.
func psqlWhenUp(url, password, query string, within time.Duration) ([]byte, error) {
	deadline := time.Now().Add(within)
	for {
		cmd := exec.Command(filepath.Join(localpg.BinDir, "psql"), "-X", "-A", "-t", url, "-c", query)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
		out, err := cmd.CombinedOutput()
		if err == nil || time.Now().After(deadline) {
			return out, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// servedRides is `featuregate serve` running over a fresh rides project,
// on free wire and HTTP addresses.
type servedRides struct {
	cfg, addr, httpAddr string
	stop                func() // stops it and waits for it; also done when the test ends
}

// serveRides starts serve over a fresh rides project and returns once psql
// can query it.
func serveRides(t *testing.T) *servedRides {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &servedRides{cfg: ridesConfig(t, ridesDB(t)), addr: freeAddr(t), httpAddr: freeAddr(t)}
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--config", s.cfg, "--listen", s.addr, "--http", s.httpAddr, "--log-level", "error"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var once sync.Once
	s.stop = func() { once.Do(func() { cancel(); waitStopped(t, done, "serve") }) }
	t.Cleanup(s.stop)
	if out, err := psqlWhenUp("postgres://tester@"+s.addr+"/rides", "", "SELECT 1", 20*time.Second); err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	return s
}

// waitStopped waits for a command run in the background to return nil
// after its context was cancelled.
func waitStopped(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop", what)
	}
}

// TestServeHTTP: serve runs the HTTP API next to the wire protocol, over
// the same online store: what materialize wrote through the gateway is
// what POST /get-online-features reads, in Feast's JSON.
func TestServeHTTP(t *testing.T) {
	srv := serveRides(t)
	cfg, addr, httpAddr := srv.cfg, srv.addr, srv.httpAddr
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg, "--listen", addr)

	resp, err := http.Get("http://" + httpAddr + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health: %v %v", resp, err)
	}
	resp.Body.Close()
	body := `{"features": ["driver_stats_fv:trips"], "entities": {"driver_id": [1, 3]}}`
	resp, err = http.Post("http://"+httpAddr+"/get-online-features", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Metadata struct {
			FeatureNames []string `json:"feature_names"`
		} `json:"metadata"`
		Results []struct {
			Values   []any    `json:"values"`
			Statuses []string `json:"statuses"`
		} `json:"results"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /get-online-features: %d %v", resp.StatusCode, err)
	}
	if fmt.Sprint(got.Metadata.FeatureNames) != "[driver_id trips]" || len(got.Results) != 2 ||
		fmt.Sprint(got.Results[1].Values) != "[20 <nil>]" || fmt.Sprint(got.Results[1].Statuses) != "[PRESENT NOT_FOUND]" {
		t.Errorf("POST /get-online-features (project rides by default): %+v", got)
	}
	srv.stop()
	if _, err := http.Get("http://" + httpAddr + "/health"); err == nil {
		t.Errorf("the HTTP API outlived serve")
	}
}

// TestServeHTTPAddressInUse fails at start, naming the flag to change.
func TestServeHTTPAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg := ridesConfig(t, ridesDB(t))
	_, errOut, code := fgRun("", "serve", "--config", cfg, "--listen", freeAddr(t), "--http", l.Addr().String())
	if code != 1 || !strings.Contains(errOut, "choose another address with --http ADDR, or --http off") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestServeUpstreamRoles: each user's sessions log in as the role of its
// access level, or as the role auth.users[].upstream names;
// offline.read_schemas are readable; a mapping to the owner is refused.
func TestServeUpstreamRoles(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, "serveroles")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP ROLE IF EXISTS analyst; CREATE ROLE analyst LOGIN;
		CREATE SCHEMA analytics; CREATE TABLE analytics.t (a int); INSERT INTO analytics.t VALUES (5)`); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FG_ANALYST_PW", "unused-under-trust")
	dir := t.TempDir()
	body := fmt.Sprintf(`project: serveroles
http_listen: "off"
data_dir: %s
offline:
  dsn: %s
  read_schemas: [public, analytics]
auth:
  method: password
  users:
    - {name: alice, password: a}
    - {name: etl, password: e, access: read-write}
    - {name: ana, password: n, upstream: {role: analyst, password: "${FG_ANALYST_PW}"}}
`, filepath.Join(dir, "data"), dsn)
	writeFile(t, dir, "featuregate.yaml", body)
	addr := startGateway(t, filepath.Join(dir, "featuregate.yaml"))
	for user, want := range map[string]string{"alice:a": "featuregate_reader|5", "etl:e": "featuregate_writer|5"} {
		name, pw, _ := strings.Cut(user, ":")
		out, err := psqlWhenUp("postgres://"+name+"@"+addr+"/serveroles", pw, "SELECT current_user, sum(a) FROM analytics.t", 5*time.Second)
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("%s: %v %s", name, err, out)
		}
	}
	out, err := psqlWhenUp("postgres://ana@"+addr+"/serveroles", "n", "SELECT current_user", 5*time.Second)
	if err != nil || strings.TrimSpace(string(out)) != "analyst" {
		t.Errorf("ana: %v %s", err, out)
	}

	cfg, err := config.Load(filepath.Join(dir, "featuregate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.Users[2].Upstream.Role = "postgres"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = serveOn(ctx, cfg, slog.New(slog.DiscardHandler), ln, nil)
	if err == nil || !strings.Contains(err.Error(), `auth.users "ana": upstream: role postgres is the gateway's own role`) {
		t.Fatalf("a mapping to the owner: %v", err)
	}
}

// TestServeMaxKeysPerLookup: limits.max_keys_per_lookup caps SQL lookups
// as it caps HTTP ones: over it, 54000 and a hint, before anything is read.
func TestServeMaxKeysPerLookup(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, "servekeys")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `CREATE TABLE k_src (k bigint, ts timestamptz, v real)`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "featuregate.yaml", fmt.Sprintf("project: servekeys\nhttp_listen: \"off\"\ndata_dir: %s\noffline:\n  dsn: %s\nlimits:\n  max_keys_per_lookup: 2\n",
		filepath.Join(dir, "data"), dsn))
	addr := startGateway(t, filepath.Join(dir, "featuregate.yaml"))
	for _, stmt := range []string{"CREATE ENTITY ke (k BIGINT)", "CREATE SOURCE ks TIMESTAMP COLUMN ts AS TABLE k_src",
		"CREATE FEATURE VIEW kv (v REAL) ENTITY ke SOURCE ks TTL NONE"} {
		if out, err := psqlWhenUp("postgres://dev@"+addr+"/servekeys", "", stmt, 10*time.Second); err != nil {
			t.Fatalf("%s: %v %s", stmt, err, out)
		}
	}
	if out, err := psqlWhenUp("postgres://dev@"+addr+"/servekeys", "", "SELECT k, v FROM kv WHERE k IN (1, 2)", 5*time.Second); err != nil || strings.Count(string(out), "\n") != 2 {
		t.Fatalf("2 keys: %v %q", err, out)
	}
	cmd := exec.Command(filepath.Join(localpg.BinDir, "psql"), "-X", "-v", "VERBOSITY=verbose", "postgres://dev@"+addr+"/servekeys", "-c", "SELECT k, v FROM kv WHERE k IN (1, 2, 3)")
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("54000")) || !bytes.Contains(out, []byte("max_keys_per_lookup")) {
		t.Fatalf("3 keys: %v\n%s", err, out)
	}
}
