package httpapi_test

import (
	"context"
	"fmt"
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

// pingHealth is a health check that connects to a PostgreSQL server and
// pings it, as serve's check of the offline store would.
func pingHealth(dsn string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("offline store: %w", err)
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}
}

// TestHealth checks /health with a check against the real offline
// PostgreSQL (200) and against a port where nothing listens (503).
func TestHealth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	tests := []struct {
		name    string
		health  func(context.Context) error
		code    int
		pattern string
	}{
		{"no check", nil, 200, `^\{"status":"ok"\}\n$`},
		{"offline store up", pingHealth(pg.DSN("postgres")), 200, `^\{"status":"ok"\}\n$`},
		{"offline store down", pingHealth("postgres://postgres@" + deadAddr + "/postgres?sslmode=disable&connect_timeout=5"), 503,
			`^\{"error":\{"message":"offline store: failed to connect to .*"\},"status":"unavailable"\}\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(httpapi.New(nil, httpapi.Config{Health: tt.health}))
			defer srv.Close()
			code, h, body := do(t, http.MethodGet, srv.URL+"/health", "")
			if code != tt.code || h.Get("Content-Type") != "application/json" || !regexp.MustCompile(tt.pattern).Match(body) {
				t.Errorf("status %d (%s) %q; want %d matching %s", code, h.Get("Content-Type"), body, tt.code, tt.pattern)
			}
			if code, _, body := do(t, http.MethodHead, srv.URL+"/health", ""); code != tt.code || len(body) != 0 {
				t.Errorf("HEAD: status %d, body %q", code, body)
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
