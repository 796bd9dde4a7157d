package datasettest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// drifted is the training set with the score shifted up (mean and range),
// active missing for a third of the users (null fraction), and a plan the
// reference never had (new category).
const drifted = `SELECT user_id, as_of, label, score + 20 AS score,
	CASE WHEN user_id % 7 = 0 THEN 'enterprise' ELSE plan END AS plan,
	CASE WHEN user_id % 3 = 0 THEN NULL ELSE active END AS active
FROM train`

// TestValidate validates identical and drifted copies of a dataset.
func TestValidate(t *testing.T) {
	gw, _ := project(t, "ds_validate")
	admin := connect(t, gw, "admin", "ds_validate")
	exec(t, admin, "CREATE DATASET train AS "+trainingQuery)
	for _, q := range []string{"VALIDATE train AGAINST train", "VALIDATE (" + trainingQuery + ") AGAINST train",
		"VALIDATE (SELECT * FROM train) AGAINST train"} {
		rows := textRows(t, admin, q)
		if len(rows) == 0 {
			t.Fatalf("%s: no checks", q)
		}
		for _, r := range rows {
			if r[5] != "ok" {
				t.Errorf("%s: %v, want ok", q, r)
			}
		}
	}
	exec(t, admin, "CREATE DATASET moved AS "+drifted)
	want := map[string]bool{"score/range": true, "score/mean_shift": true, "plan/new_categories": true, "active/null_fraction": true}
	for _, q := range []string{"VALIDATE moved AGAINST train", "VALIDATE (" + drifted + ") AGAINST train"} {
		got := map[string]bool{}
		for _, r := range textRows(t, admin, q) {
			if r[5] == "drifted" {
				got[r[0]+"/"+r[1]] = true
			}
			if (r[5] == "drifted") != want[r[0]+"/"+r[1]] {
				t.Errorf("%s: %v", q, r)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: drifted %v, want %v", q, got, want)
		}
	}
	// Thresholds loose enough let the shifted score pass.
	for _, r := range textRows(t, admin, "VALIDATE moved AGAINST train WITH (mean_shift = 100, range = 10, null_fraction = 0.5, new_categories = 0.5)") {
		if r[5] != "ok" {
			t.Errorf("with loose thresholds: %v", r)
		}
	}
	// A column that went missing, and one that is new.
	rows := textRows(t, admin, "VALIDATE (SELECT user_id, as_of, label, score, plan, active::text AS flag FROM train) AGAINST train")
	text := fmt.Sprint(rows)
	if !strings.Contains(text, "[active column boolean missing <nil> drifted]") && !strings.Contains(text, "[active column boolean missing NULL drifted]") {
		t.Errorf("a missing column: %v", rows)
	}
	if !strings.Contains(text, "[flag column missing text NULL drifted]") {
		t.Errorf("a new column: %v", rows)
	}
	for _, q := range []string{"VALIDATE train AGAINST nothing", "VALIDATE nothing AGAINST train"} {
		if _, err := admin.Exec(t.Context(), q); err == nil || !strings.Contains(err.Error(), "42704") {
			t.Errorf("%s: %v, want 42704", q, err)
		}
	}
	if _, err := admin.Exec(t.Context(), "VALIDATE train AGAINST train WITH (shift = 1)"); err == nil || !strings.Contains(err.Error(), "unknown threshold") {
		t.Errorf("an unknown threshold: %v", err)
	}
}

// TestAtomic checks that a CREATE DATASET whose query fails midway leaves
// neither a table nor a registry row, and that the failure is the query's.
func TestAtomic(t *testing.T) {
	gw, direct := project(t, "ds_atomic")
	admin := connect(t, gw, "admin", "ds_atomic")
	_, err := admin.Exec(t.Context(), "CREATE DATASET broken AS SELECT user_id, 1 / (user_id - 150) AS x FROM spine")
	if err == nil || !strings.Contains(err.Error(), "22012") {
		t.Fatalf("a query that divides by zero: %v, want 22012", err)
	}
	checkAbsent(t, direct, "ds_atomic", "broken")
	// The session goes on, and the name is free.
	exec(t, admin, "CREATE DATASET broken AS SELECT user_id FROM spine")
	exec(t, admin, "DROP DATASET broken")
	// A query that writes is refused by the read-only transaction it runs in.
	_, err = admin.Exec(t.Context(), "CREATE DATASET w AS WITH d AS (DELETE FROM spine RETURNING *) SELECT * FROM d")
	if err == nil {
		t.Fatal("a query that deletes was saved")
	}
	checkAbsent(t, direct, "ds_atomic", "w")
	if n := textRows(t, direct, "SELECT count(*) FROM spine"); n[0][0] != "200" {
		t.Fatalf("spine has %s rows", n[0][0])
	}
	// A dataset may not take a feature relation's name.
	if _, err := admin.Exec(t.Context(), "CREATE DATASET stats AS SELECT 1 AS one"); err == nil || !strings.Contains(err.Error(), "42710") {
		t.Fatalf("a dataset called stats: %v, want 42710", err)
	}
	checkAbsent(t, direct, "ds_atomic", "stats")
	// Nor may a feature view take a dataset's.
	exec(t, admin, "CREATE DATASET kept AS SELECT 1 AS one")
	_, err = admin.Exec(t.Context(), "CREATE FEATURE VIEW kept (score DOUBLE PRECISION) ENTITY usr SOURCE stats_src TTL NONE")
	if err == nil || !strings.Contains(err.Error(), "42710") {
		t.Fatalf("a feature view called kept: %v, want 42710", err)
	}
	if _, err := admin.Exec(t.Context(), "BEGIN; CREATE DATASET x AS SELECT 1 AS one; COMMIT"); err == nil || !strings.Contains(err.Error(), "25001") {
		t.Fatalf("CREATE DATASET in a transaction block: %v, want 25001", err)
	}
}

// checkAbsent fails unless dataset name of project has neither a table
// nor a registry row.
func checkAbsent(t *testing.T, direct *pgx.Conn, project, name string) {
	t.Helper()
	rows := textRows(t, direct, `SELECT to_regclass(format('%I.%I', 'fg_datasets_' || $1::text, $2::text)) IS NULL,
		NOT EXISTS (SELECT FROM featuregate_registry.datasets WHERE project = $1 AND name = $2)`, project, name)
	if rows[0][0] != "t" || rows[0][1] != "t" {
		t.Fatalf("dataset %s: table gone %s, registry row gone %s", name, rows[0][0], rows[0][1])
	}
}
