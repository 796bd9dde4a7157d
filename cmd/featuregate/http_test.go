package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/planner"
)

// TestHTTPTimeouts: the HTTP API disconnects a client that sends its body
// too slowly and one that stays idle between requests, after the limits
// of the config.
func TestHTTPTimeouts(t *testing.T) {
	cfg := config.Default()
	cfg.HTTPListen = freeAddr(t)
	cfg.Limits.HTTPReadTimeout = config.Duration(time.Second)
	cfg.Limits.HTTPIdleTimeout = config.Duration(time.Second)
	stop, err := serveHTTP(cfg, slog.New(slog.DiscardHandler), planner.New(nil), healthChecks{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	slow, err := net.Dial("tcp", cfg.HTTPListen)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"feat"); err != nil {
		t.Fatal(err)
	}
	if d := closedAfter(t, slow); d > 3*time.Second {
		t.Errorf("a slow body stayed open %s", d)
	}

	idle, err := net.Dial("tcp", cfg.HTTPListen)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := io.WriteString(idle, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /health: %v %v", resp, err)
	}
	resp.Body.Close()
	if d := closedAfter(t, idle); d > 3*time.Second {
		t.Errorf("an idle keep-alive connection stayed open %s", d)
	}
}

// closedAfter reads nc until the server closes it (at most 10 seconds)
// and returns how long that took.
func closedAfter(t *testing.T, nc net.Conn) time.Duration {
	t.Helper()
	start := time.Now()
	_ = nc.SetReadDeadline(start.Add(10 * time.Second))
	b, err := io.ReadAll(nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection in 10s (read %q)", b)
	}
	return time.Since(start)
}

// TestServeHealthReadyMetrics runs serve with its HTTP API: /metrics has
// the wire's logins and sessions and the online store's size; while the
// offline PostgreSQL is down, /health stays 200 and lookups work, /ready
// is 503, and neither body names the offline store's address or user.
func TestServeHealthReadyMetrics(t *testing.T) {
	srv := serveRides(t)
	cfg, addr, httpAddr := srv.cfg, srv.addr, srv.httpAddr
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg, "--listen", addr)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, metrics := get("/metrics")
	for _, want := range []string{`featuregate_wire_logins_total{result="ok"}`, "featuregate_wire_sessions ",
		"featuregate_online_store_disk_bytes "} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	if code, _ := get("/ready"); code != 200 {
		t.Fatalf("/ready with everything up: %d", code)
	}
	if err := pg.StopKeep(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = pg.StartAgain()
		}
	}()
	hc, hbody := get("/health")
	rc, rbody := get("/ready")
	if hc != 200 || rc != 503 || !strings.Contains(rbody, "the offline store is unavailable") {
		t.Errorf("offline store down: /health %d %s, /ready %d %s", hc, hbody, rc, rbody)
	}
	port := strconv.Itoa(pg.Port)
	for _, b := range []string{hbody, rbody} {
		if strings.Contains(b, port) || strings.Contains(b, "postgres") || strings.Contains(b, "127.0.0.1") {
			t.Errorf("a body names the offline store's connection: %s", b)
		}
	}
	body := `{"features": ["driver_stats_fv:trips"], "entities": {"driver_id": [1]}}`
	resp, err := http.Post("http://"+httpAddr+"/get-online-features", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// MATERIALIZE … TO 2024-02-01 includes the row of February 1st.
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"values":[20]`) {
		t.Errorf("a lookup while the offline store is down: %d %s", resp.StatusCode, b)
	}
	if err := pg.StartAgain(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	srv.stop()
}
