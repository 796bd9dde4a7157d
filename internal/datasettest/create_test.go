package datasettest

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestCreateAndRead saves an AS OF training set and reads it back by name
// through the gateway: the same rows as the training set's own SELECT.
func TestCreateAndRead(t *testing.T) {
	gw, direct := project(t, "ds_create")
	admin := connect(t, gw, "admin", "ds_create")
	exec(t, admin, "CREATE DATASET train COMMENT 'January' AS "+trainingQuery)
	want := textRows(t, admin, trainingQuery+" ORDER BY user_id")
	got := textRows(t, admin, "SELECT * FROM train ORDER BY user_id")
	if len(got) != 200 || !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("SELECT * FROM train: %d rows, want the training set's %d\nfirst: %v\nwant: %v", len(got), len(want), got[:min(2, len(got))], want[:2])
	}
	// The table lives in the project's dataset schema on PostgreSQL.
	n := textRows(t, direct, "SELECT count(*) FROM fg_datasets_ds_create.train")
	if n[0][0] != "200" {
		t.Fatalf("fg_datasets_ds_create.train holds %s rows", n[0][0])
	}
	show := textRows(t, admin, "SHOW DATASETS")
	if len(show) != 1 || show[0][0] != "train" || show[0][1] != "200" || show[0][4] != "stats" || show[0][7] != "January" {
		t.Fatalf("SHOW DATASETS: %v", show)
	}
	create := textRows(t, admin, "SHOW CREATE DATASET train")
	if len(create) != 1 || !strings.HasPrefix(create[0][1], "CREATE DATASET train COMMENT 'January' AS SELECT s.user_id") {
		t.Fatalf("SHOW CREATE DATASET: %v", create)
	}
	if _, err := admin.Exec(context.Background(), "CREATE DATASET train AS SELECT 1"); err == nil || !strings.Contains(err.Error(), "42710") {
		t.Fatalf("a second dataset train: %v, want 42710", err)
	}
	exec(t, admin, "DROP DATASET train")
	if rows := textRows(t, admin, "SHOW DATASETS"); len(rows) != 0 {
		t.Fatalf("SHOW DATASETS after DROP: %v", rows)
	}
	if n := textRows(t, direct, "SELECT to_regclass('fg_datasets_ds_create.train') IS NULL"); n[0][0] != "t" {
		t.Fatal("DROP DATASET left the table")
	}
}
