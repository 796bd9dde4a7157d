package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPushCommand: featuregate push writes a view from CSV, a push source
// (each online view over it) from JSON lines, through the running
// gateway; a bad value fails with its SQLSTATE and writes nothing.
func TestPushCommand(t *testing.T) {
	srv := serveRides(t)
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "stats.csv")
	if err := os.WriteFile(csvFile, []byte("driver_id,event_timestamp,conv_rate,trips\n1,2024-03-01T00:00:00Z,0.9,90\n2,2024-03-01T00:00:00Z,1.9,95\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "push", "driver_stats_fv", "--file", csvFile, "--config", srv.cfg, "--listen", srv.addr)
	if !strings.Contains(out, "online driver_stats_fv: 1 rows written") {
		t.Errorf("push csv: %s", out)
	}
	_, errOut, code := fgRun(`{"driver_id": 1, "trip_id": 7, "event_timestamp": "2024-03-01T00:00:00Z", "fare": 12.5}
{"driver_id": 3, "event_timestamp": "2024-03-01T00:00:00Z", "conv_rate": 0.3, "trips": 33}
`, "push", "trip_fares_source", "--format", "jsonl", "--config", srv.cfg, "--listen", srv.addr)
	if code != 1 || !strings.Contains(errOut, "23502") && !strings.Contains(errOut, "null value") {
		t.Errorf("push jsonl with a missing trip_id: exit %d\n%s", code, errOut)
	}
	stdinRows := `{"driver_id": 1, "trip_id": 7, "event_timestamp": "2024-03-01T00:00:00Z", "fare": 12.5}` + "\n"
	out, errOut, code = fgRun(stdinRows, "push", "trip_fares_source", "--format", "jsonl", "--config", srv.cfg, "--listen", srv.addr)
	if code != 0 || !strings.Contains(out, "online trip_fv: 1 rows written") {
		t.Errorf("push jsonl: exit %d\n%s%s", code, out, errOut)
	}
	got := queryGateway(t, srv.addr, "SELECT trips FROM driver_stats_fv WHERE driver_id = 1")
	if len(got) != 1 || got[0] != "90" {
		t.Errorf("lookup after push: %v", got)
	}
	got = queryGateway(t, srv.addr, "SELECT fare FROM trip_fv WHERE driver_id = 1 AND trip_id = 7")
	if len(got) != 1 || got[0] != "12.5" {
		t.Errorf("lookup of trip_fv after push: %v", got)
	}
	wantFail(t, 1, []string{"22P02"}, "push", "driver_stats_fv", "--file", writeTemp(t, "driver_id,event_timestamp,trips\n4,2024-03-01T00:00:00Z,x\n"),
		"--config", srv.cfg, "--listen", srv.addr)
	wantFail(t, 2, []string{"--to is online, offline or online_and_offline"}, "push", "driver_stats_fv", "--to", "nowhere", "--config", srv.cfg)
}

// writeTemp writes body to a temporary file and returns its path.
func writeTemp(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rows")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPushHTTPOffline: POST /push to online_and_offline inserts the rows
// into the source's table (as the read-write role, not the owner) and
// then writes them online.
func TestPushHTTPOffline(t *testing.T) {
	srv := serveRides(t)
	body := `{"push_source_name": "driver_stats_source", "to": "online_and_offline", "project": "rides",
		"df": {"driver_id": [5], "event_timestamp": ["2024-04-01T00:00:00Z"], "conv_rate": [0.5], "trips": [5]}}`
	resp, err := http.Post("http://"+srv.httpAddr+"/push", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"offline_rows":1`) {
		t.Fatalf("/push: %d %s", resp.StatusCode, raw)
	}
	got := queryGateway(t, srv.addr, "SELECT trips FROM driver_stats_fv WHERE driver_id = 5")
	if len(got) != 1 || got[0] != "5" {
		t.Errorf("online after push: %v", got)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://tester@"+srv.addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM driver_stats WHERE driver_id = 5").Scan(&n); err != nil || n != 1 {
		t.Errorf("offline rows of driver 5: %d %v", n, err)
	}
}
