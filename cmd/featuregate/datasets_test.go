package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
)

// TestSavedDatasets runs saved-datasets list, describe, export and
// validate against a gateway of its own.
func TestSavedDatasets(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	addr := startGateway(t, cfg)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://tester@"+addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`CREATE DATASET train COMMENT 'labels with stats' AS SELECT l.driver_id, l.event_timestamp, l.churned, f.conv_rate, f.trips
		 FROM labels l LEFT JOIN driver_stats_fv AS OF l.event_timestamp f USING (driver_id)`,
		`CREATE DATASET moved AS SELECT driver_id, event_timestamp, churned, conv_rate + 1 AS conv_rate, trips FROM train`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	list := mustRun(t, "saved-datasets", "list", "--config", cfg)
	if !strings.Contains(list, "train") || !strings.Contains(list, "moved") || !strings.Contains(list, "labels with stats") {
		t.Errorf("saved-datasets list:\n%s", list)
	}
	var d catalog.Dataset
	if err := json.Unmarshal([]byte(mustRun(t, "saved-datasets", "describe", "train", "--config", cfg, "-o", "json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Rows != 4 || d.Views[0] != "driver_stats_fv" || d.Profile.Column("conv_rate") == nil || d.TimeColumn != "event_timestamp" {
		t.Errorf("saved-datasets describe -o json: %+v", d)
	}
	table := mustRun(t, "saved-datasets", "describe", "train", "--config", cfg)
	if !strings.Contains(table, "conv_rate") || !strings.Contains(table, "driver_stats_fv") {
		t.Errorf("saved-datasets describe:\n%s", table)
	}
	wantFail(t, 1, []string{`saved dataset "nope" does not exist`}, "saved-datasets", "describe", "nope", "--config", cfg)

	file := filepath.Join(t.TempDir(), "train.csv")
	mustRun(t, "saved-datasets", "export", "train", "--output", file, "--config", cfg, "--listen", addr)
	url := "postgresql+psycopg2://tester@" + addr + "/rides"
	var out bytes.Buffer
	cmd := exec.Command("/usr/bin/python3", "-B", "testdata/compare_export.py", url, "train", file, "event_timestamp")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the CSV export differs from the dataset: %v\n%s", err, out.String())
	}
	// On a terminal, a progress bar shows the bytes written.
	defer func(f func(any) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(any) bool { return true }
	_, errOut, code := fgRun("", "saved-datasets", "export", "train", "--output", file, "--config", cfg, "--listen", addr)
	if code != 0 || !strings.Contains(errOut, "export train.csv") || !strings.Contains(errOut, "4 rows written to") {
		t.Errorf("export on a terminal: exit %d, stderr:\n%s", code, errOut)
	}
	pq := filepath.Join(filepath.Dir(file), "train.parquet")
	_, errOut, code = fgRun("", "saved-datasets", "export", "train", "--output", pq, "--config", cfg, "--listen", addr)
	if code != 0 || !strings.Contains(errOut, "export train.parquet") || !strings.Contains(errOut, "4 rows written to") {
		t.Errorf("parquet export on a terminal: exit %d, stderr:\n%s", code, errOut)
	}
	isTerminal = func(any) bool { return false }
	wantFail(t, 1, []string{"does not exist"}, "saved-datasets", "export", "nope", "--output", file+".2.csv", "--config", cfg, "--listen", addr)

	ok := mustRun(t, "saved-datasets", "validate", "train", "--against", "train", "--fail", "--config", cfg, "--listen", addr)
	if strings.Contains(ok, "drifted") || !strings.Contains(ok, "ok") {
		t.Errorf("validate train against itself:\n%s", ok)
	}
	drift := mustRun(t, "saved-datasets", "validate", "moved", "--against", "train", "--config", cfg, "--listen", addr)
	if !strings.Contains(drift, "drifted") {
		t.Errorf("validate moved without --fail:\n%s", drift)
	}
	wantFail(t, 1, []string{"checks of moved drifted from train"},
		"saved-datasets", "validate", "moved", "--against", "train", "--fail", "--config", cfg, "--listen", addr)
}
