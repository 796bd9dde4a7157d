package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

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
	root.SetArgs([]string{"serve", "--config", cfgPath, "--listen", addr, "--log-level", "error"})
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
	root.SetArgs([]string{"serve", "--listen", freeAddr(t)})
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
