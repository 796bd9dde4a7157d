package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/planner"
)

// pingHealth is a check that connects to a PostgreSQL server and pings
// it, as serve's check of the offline store does; its failures name the
// offline store.
func pingHealth(dsn string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return &httpapi.Unavailable{Part: "the offline store", Err: err}
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}
}

// TestHealth checks /health (liveness) and /ready (readiness) with checks
// against the real offline PostgreSQL and against a port where nothing
// listens: a failing readiness check leaves /health at 200, and no answer
// names the host, port, user or database of the failed connection, which
// the log has instead, once per change.
func TestHealth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	_, deadPort, _ := net.SplitHostPort(deadAddr)
	up := pingHealth(pg.DSN("postgres"))
	down := pingHealth("postgres://secretuser@" + deadAddr + "/secretdb?sslmode=disable&connect_timeout=5")
	broken := func(context.Context) error { return errors.New("online store: closed at secretdb") }
	const ok = `^\{"status":"ok"\}\n$`
	offlineDown := `^\{"error":\{"message":"the offline store is unavailable","hint":"the gateway's log has the details"\},"status":"unavailable"\}\n$`
	gatewayDown := `^\{"error":\{"message":"the gateway is unavailable","hint":"the gateway's log has the details"\},"status":"unavailable"\}\n$`
	tests := []struct {
		name                  string
		health, ready         func(context.Context) error
		healthCode, readyCode int
		healthBody, readyBody string
	}{
		{"no checks", nil, nil, 200, 200, ok, ok},
		{"all up", up, up, 200, 200, ok, ok},
		{"offline store down", up, down, 200, 503, ok, offlineDown},
		{"lookups down", broken, up, 503, 503, gatewayDown, gatewayDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			srv := httptest.NewServer(httpapi.New(nil, httpapi.Config{Health: tt.health, Ready: tt.ready, Logger: log}))
			defer srv.Close()
			for _, c := range []struct {
				path, body string
				code       int
			}{{"/health", tt.healthBody, tt.healthCode}, {"/ready", tt.readyBody, tt.readyCode}} {
				for range 3 {
					code, h, body := do(t, http.MethodGet, srv.URL+c.path, "")
					if code != c.code || h.Get("Content-Type") != "application/json" || !regexp.MustCompile(c.body).Match(body) {
						t.Errorf("%s: status %d (%s) %q; want %d matching %s", c.path, code, h.Get("Content-Type"), body, c.code, c.body)
					}
				}
				if code, _, body := do(t, http.MethodHead, srv.URL+c.path, ""); code != c.code || len(body) != 0 {
					t.Errorf("HEAD %s: status %d, body %q", c.path, code, body)
				}
			}
			if tt.readyCode == 503 {
				text := logs.String()
				for _, detail := range []string{"secretdb", "check failed"} {
					if !strings.Contains(text, detail) {
						t.Errorf("the log lacks %q:\n%s", detail, text)
					}
				}
				if n := strings.Count(text, "level=WARN"); n != 1 && n != 2 {
					t.Errorf("%d warnings for a failure that did not change, want one per endpoint:\n%s", n, text)
				}
				if tt.ready != nil && tt.name == "offline store down" && !strings.Contains(text, deadPort) {
					t.Errorf("the log lacks the failed address:\n%s", text)
				}
			}
		})
	}
}

// TestMetrics sends a known mix of requests and reads the counters and
// histograms back from /metrics, with the Go and process collectors.
func TestMetrics(t *testing.T) {
	f := newFixture(t, gatewaytest.Pebble)
	good := `{"features": ["driver_fv:rating"], "entities": {"driver_id": [1001]}}`
	for range 3 {
		if code, _, b := do(t, http.MethodPost, f.srv.URL+"/get-online-features", good); code != 200 {
			t.Fatalf("status %d: %s", code, b)
		}
	}
	do(t, http.MethodPost, f.srv.URL+"/get-online-features", `{`)
	do(t, http.MethodPost, f.srv.URL+"/get-online-features", `{"features": ["nope:x"], "entities": {"driver_id": [1]}}`)
	do(t, http.MethodGet, f.srv.URL+"/get-online-features", "")
	do(t, http.MethodGet, f.srv.URL+"/no/such/path", "")
	do(t, http.MethodGet, f.srv.URL+"/another", "")
	code, h, body := do(t, http.MethodGet, f.srv.URL+"/metrics", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d (%s): %s", code, h.Get("Content-Type"), body)
	}
	want := map[string]float64{
		`featuregate_http_requests_total{code="200",path="/get-online-features"}`:               3,
		`featuregate_http_requests_total{code="400",path="/get-online-features"}`:               1,
		`featuregate_http_requests_total{code="404",path="/get-online-features"}`:               1,
		`featuregate_http_requests_total{code="405",path="/get-online-features"}`:               1,
		`featuregate_http_requests_total{code="404",path="other"}`:                              2,
		`featuregate_http_request_duration_seconds_count{path="/get-online-features"}`:          6,
		`featuregate_http_request_duration_seconds_count{path="other"}`:                         2,
		`featuregate_http_request_duration_seconds_bucket{path="other",le="+Inf"}`:              2,
		`featuregate_http_request_duration_seconds_bucket{path="/get-online-features",le="10"}`: 6,
	}
	samples := parseSamples(string(body))
	for name, v := range want {
		if got, ok := samples[name]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, v)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if _, ok := samples[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// A second scrape counts the first one.
	_, _, body = do(t, http.MethodGet, f.srv.URL+"/metrics", "")
	if got := parseSamples(string(body))[`featuregate_http_requests_total{code="200",path="/metrics"}`]; got != 1 {
		t.Errorf("the first scrape counted %v times, want 1", got)
	}
}

// TestSharedRegistry checks that two handlers may share one registry: the
// second reuses the first one's collectors, and both count into them.
func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := httptest.NewServer(httpapi.New(nil, httpapi.Config{Registry: reg}))
	defer a.Close()
	b := httptest.NewServer(httpapi.New(nil, httpapi.Config{Registry: reg}))
	defer b.Close()
	do(t, http.MethodGet, a.URL+"/health", "")
	do(t, http.MethodGet, b.URL+"/health", "")
	_, _, body := do(t, http.MethodGet, b.URL+"/metrics", "")
	if got := parseSamples(string(body))[`featuregate_http_requests_total{code="200",path="/health"}`]; got != 2 {
		t.Errorf("health requests counted %v, want 2\n%s", got, body)
	}
}

// parseSamples reads the samples of a Prometheus text exposition.
func parseSamples(text string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// TestNoOnlineStore checks that a planner without an online store answers
// 503 with its hint.
func TestNoOnlineStore(t *testing.T) {
	srv := httptest.NewServer(httpapi.New(planner.New(nil), httpapi.Config{Project: "streamflow"}))
	defer srv.Close()
	code, _, body := do(t, http.MethodPost, srv.URL+"/get-online-features",
		`{"features": ["subs_profile_fv:months_active"], "entities": {"user_id": ["7590-VHVEG"]}}`)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", code, body)
	}
	sameJSON(t, body, `{"error": {"message": "this gateway has no online store",
		"hint": "start featuregate serve with a data directory or online.type: postgres"}}`)
}
