package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `featuregate demo` as the README's first command does and
// uses the StreamFlow example through it with psql.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := freeAddr(t)
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"demo", "--listen", addr, "--http", "off", "--log-level", "error"})
	root.SetOut(&out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	query := "SHOW FEATURE VIEWS; SELECT count(*) FROM labels; SELECT months_active FROM subscriptions_profile_snapshots WHERE user_id = '7590-VHVEG' ORDER BY as_of;" +
		" SELECT 'wal_level=' || current_setting('wal_level')"
	got, err := psqlWhenUp("postgres://demo@"+addr+"/streamflow", "", query, 60*time.Second)
	if err != nil {
		t.Fatalf("psql: %v\n%s\ndemo output:\n%s", err, got, out.String())
	}
	for _, want := range []string{
		"subs_profile_fv|user|subs_profile_source|6", "payments_agg_90d_fv|user|payments_agg_90d_source|1",
		"\n1000\n1\n2\n",
		"\nwal_level=logical\n", // sources can stream
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("psql output lacks %q:\n%s", want, got)
		}
	}
	quick, err := psqlWhenUp("postgres://demo@"+addr+"/quickstart", "", "SHOW FEATURE VIEWS", 10*time.Second)
	if err != nil || !strings.Contains(string(quick), "driver_hourly_stats|driver|") {
		t.Errorf("the quickstart project: %v\n%s", err, quick)
	}
	cancel()
	waitStopped(t, done, "demo")
	if !strings.Contains(out.String(), "Applied version 1.") || !strings.Contains(out.String(), "/streamflow") {
		t.Errorf("demo output:\n%s", out.String())
	}
}

// TestDemoStopsWithItsParent: a demo whose parent ends (`go run … demo`
// stopped by signalling the go command) stops too, closing its port,
// instead of being orphaned.
func TestDemoStopsWithItsParent(t *testing.T) {
	addr := freeAddr(t)
	logFile := filepath.Join(t.TempDir(), "demo.log")
	sh := exec.Command("sh", "-c", `"$0" demo --listen "$1" --http off >"$2" 2>&1 & wait`, os.Args[0], addr, logFile)
	sh.Env = append(os.Environ(), childEnv+"=1")
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	up := func() bool {
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			nc.Close()
		}
		return err == nil
	}
	ready := func() bool {
		log, _ := os.ReadFile(logFile)
		return strings.Contains(string(log), "featuregate is up")
	}
	for deadline := time.Now().Add(3 * time.Minute); !ready() || !up(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			_ = sh.Process.Kill()
			t.Fatalf("the demo never listened on %s:\n%s", addr, log)
		}
	}
	if err := sh.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = sh.Wait()
	for deadline := time.Now().Add(time.Minute); up(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("the demo still listens a minute after its parent ended:\n%s", log)
		}
	}
	if log, _ := os.ReadFile(logFile); !strings.Contains(string(log), "feature-views list --offline") {
		t.Errorf("the demo does not say how to point the CLI at it:\n%s", log)
	}
}
