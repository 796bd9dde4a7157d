package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLazyFreeEnv(t *testing.T) {
	tests := []struct {
		in, want string
		again    bool
	}{
		{"", "madvdontneed=0", true},
		{"gctrace=1", "gctrace=1,madvdontneed=0", true},
		{"madvdontneed=1", "madvdontneed=1", false},
		{"gctrace=1, madvdontneed=0", "gctrace=1, madvdontneed=0", false},
		{"xmadvdontneed=1", "xmadvdontneed=1,madvdontneed=0", true},
	}
	for _, tc := range tests {
		if got, again := lazyFreeEnv(tc.in); got != tc.want || again != tc.again {
			t.Errorf("lazyFreeEnv(%q) = %q, %v; want %q, %v", tc.in, got, again, tc.want, tc.again)
		}
	}
	for args, want := range map[string]bool{"serve": true, "demo": true, "--log-level warn serve": true,
		"materialize 2024-01-01 2024-02-01": false, "version": false, "": false} {
		if got := runsGateway(strings.Fields(args)); got != want {
			t.Errorf("runsGateway(%q) = %v", args, got)
		}
	}
}

// TestServeFreesMemoryLazily runs the built binary's serve and checks
// that the process serving (the same PID) runs with madvdontneed=0, and
// that a madvdontneed the user set is kept.
func TestServeFreesMemoryLazily(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "featuregate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dsn := ridesDB(t)
	for godebug, want := range map[string]string{"": "GODEBUG=madvdontneed=0", "madvdontneed=1": "GODEBUG=madvdontneed=1"} {
		cfg := ridesConfig(t, dsn)
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", addr)
		cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitListening(t, addr, &stderr)
		env, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/environ")
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains("\x00"+string(env)+"\x00", "\x00"+want+"\x00") {
			t.Errorf("GODEBUG=%q: the serving process's environment lacks %s: %q", godebug, want, env)
		}
	}
}

// waitListening waits until addr takes TCP connections, for up to 30 s.
func waitListening(t *testing.T, addr string, stderr *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("serve does not listen on %s\n%s", addr, stderr)
}
