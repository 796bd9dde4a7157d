package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// fixtureTables is the offline data: seed 004's profile snapshots (every
// feature type), a usage table for TTL, and trips keyed by integers.
// %[1]s is a recent time (inside the usage view's TTL).
const fixtureTables = `
CREATE TABLE subscriptions_profile_snapshots (
	user_id text, as_of timestamptz, months_active integer, monthly_fee real,
	paperless_billing boolean, net_service text, score numeric(6,2), prefs jsonb,
	tags text[], signup date, last_seen timestamptz, ratio double precision);
INSERT INTO subscriptions_profile_snapshots VALUES
	('7590-VHVEG', '2023-12-31', 0, 25.00, false, 'DSL', 1, '{}', '{}', '2023-12-01', '2023-12-30', 0),
	('7590-VHVEG', '2024-01-31', 1, 29.85, true, 'DSL', 12.50, '{"plan": "basic", "devices": [1, 2]}',
	 '{tv,movies}', '2023-12-01', '2024-01-30 10:00:00.5+00', 'NaN'),
	('5575-GNVDE', '2024-01-15', 33, 56.95, false, 'Fiber optic', 3, '[]', '{}', '2021-02-03', '2024-01-14', 1),
	('5575-GNVDE', '2024-01-31 06:30:00+00', 34, 56.95, false, 'Fiber optic', NULL, NULL, NULL, NULL, NULL, 0.5),
	('9999-EARLY', '2023-06-01', 5, 10.00, true, 'DSL', 1, '{}', '{}', '2023-01-01', '2023-06-01', 1);
CREATE TABLE usage_agg_30d_snapshots (user_id text, as_of timestamptz, watch_hours_30d double precision);
INSERT INTO usage_agg_30d_snapshots VALUES
	('7590-VHVEG', '%[1]s', 47.5), ('5575-GNVDE', '2024-01-20', 30.25);
CREATE TABLE trips (driver_id bigint, ts timestamptz, trips_today integer, rating real);
INSERT INTO trips VALUES (1001, '2024-01-10', 5, 4.5), (1002, '2024-01-11 12:00:00.123+00', 7, 4.75);
`

// fixtureCatalog defines the feature store through the gateway.
var fixtureCatalog = []string{
	`CREATE ENTITY user (user_id TEXT)`,
	`CREATE ENTITY driver (driver_id BIGINT)`,
	`CREATE SOURCE subs_profile_source TIMESTAMP COLUMN as_of AS TABLE subscriptions_profile_snapshots`,
	`CREATE SOURCE usage_source TIMESTAMP COLUMN as_of AS TABLE usage_agg_30d_snapshots`,
	`CREATE SOURCE trips_source TIMESTAMP COLUMN ts AS TABLE trips`,
	`CREATE FEATURE VIEW subs_profile_fv (months_active BIGINT, monthly_fee REAL, paperless_billing BOOLEAN,
		net_service TEXT, score NUMERIC, prefs JSONB, tags TEXT[], signup DATE, last_seen TIMESTAMPTZ,
		ratio DOUBLE PRECISION) ENTITY user SOURCE subs_profile_source TTL NONE ONLINE`,
	`CREATE FEATURE VIEW usage_agg_30d_fv (watch_hours_30d DOUBLE PRECISION)
		ENTITY user SOURCE usage_source TTL INTERVAL '30 days' ONLINE`,
	`CREATE FEATURE VIEW usage_offline_fv (watch_hours_30d DOUBLE PRECISION) ENTITY user SOURCE usage_source OFFLINE`,
	`CREATE FEATURE VIEW driver_fv (trips_today INTEGER, rating REAL) ENTITY driver SOURCE trips_source ONLINE`,
	`CREATE FEATURE SERVICE churn_v1 AS subs_profile_fv.months_active, subs_profile_fv.monthly_fee,
		usage_agg_30d_fv.watch_hours_30d`,
}

// fixture is a gateway with the fixture materialized, and the HTTP front
// end over its planner.
type fixture struct {
	db     string
	gw     *gatewaytest.Gateway
	srv    *httptest.Server
	reg    *prometheus.Registry
	recent time.Time // the event time of 7590-VHVEG's usage row
}

// dbSeq keeps database names unique when -count reruns tests in one process.
var dbSeq atomic.Int64

// newFixture creates the tables, starts a gateway with the given online
// store, defines the catalog and materializes it through the gateway, and
// serves httpapi.New(gw.Planner) with the database as default project.
func newFixture(t *testing.T, kind gatewaytest.OnlineKind) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: fmt.Sprintf("http_%d_%d", kind, dbSeq.Add(1)),
		recent: time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond), reg: prometheus.NewRegistry()}
	dsn, err := pg.CreateDB(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	if _, err := direct.Exec(ctx, fmt.Sprintf(fixtureTables, f.recent.Format(time.RFC3339Nano))); err != nil {
		t.Fatal(err)
	}
	f.gw = gatewaytest.StartOnline(t, pg, f.db, kind)
	conn := f.connect(t)
	for _, ddl := range fixtureCatalog {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	to := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	if _, err := conn.Exec(ctx, "MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '"+to+"'"); err != nil {
		t.Fatalf("MATERIALIZE: %v", err)
	}
	f.srv = httptest.NewServer(httpapi.New(f.gw.Planner, httpapi.Config{Project: f.db, Registry: f.reg}))
	t.Cleanup(f.srv.Close)
	return f
}

// connect opens a read-only session through the gateway, closed at cleanup.
func (f *fixture) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), f.gw.DSN("alice", f.db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// do sends a request to the fixture's server and returns its status,
// headers and body.
func do(t *testing.T, method, url, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// sameJSON fails unless got and want hold the same JSON, numbers compared
// by their text.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	g, err := decodeJSON(got)
	if err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	w, err := decodeJSON([]byte(want))
	if err != nil {
		t.Fatalf("expected JSON is wrong: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("response differs\n--- got:\n%s\n--- want:\n%s", indent(got), indent([]byte(want)))
	}
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// newServer serves another httpapi handler over the fixture's planner,
// with default project project, and returns its URL.
func newServer(t *testing.T, f *fixture, project string) string {
	t.Helper()
	srv := httptest.NewServer(httpapi.New(f.gw.Planner, httpapi.Config{Project: project}))
	t.Cleanup(srv.Close)
	return srv.URL
}
