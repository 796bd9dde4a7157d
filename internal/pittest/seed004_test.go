package pittest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/examples"
	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// Seed 004 (the StreamFlow course lab) builds its churn training set with
// Feast's get_historical_features at 2024-01-31, merged with the labels,
// into training_df.csv. Here the example's tables are loaded into
// PostgreSQL, its feature repo is applied through the gateway, and a
// Python script reads the training set with pandas.read_sql through the
// gateway and writes the CSV, which is checked against PostgreSQL.

// pythonBin is Debian's interpreter, which has SQLAlchemy 1.4 and pandas.
const pythonBin = "/usr/bin/python3"

// seedProject is the example's project (and database).
const seedProject = "streamflow"

// repoOrder is the order the example's repo files are applied in:
// entities before the sources, views and services that use them.
var repoOrder = []string{"entities.sql", "data_sources.sql", "feature_views.sql", "feature_services.sql"}

// trainingColumns is the header of training_df.csv, as in the seed.
var trainingColumns = []string{"user_id", "event_timestamp", "months_active", "monthly_fee", "paperless_billing",
	"watch_hours_30d", "avg_session_mins_7d", "failed_payments_90d", "churn_label"}

// TestSeed004TrainingSet runs the seed 004 flow with pandas and checks
// training_df.csv value by value.
func TestSeed004TrainingSet(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, seedProject)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	loadExampleData(t, direct)
	gw := gatewaytest.Start(t, pg, seedProject)
	applyExampleRepo(t, gw)

	dir := t.TempDir()
	url := fmt.Sprintf("postgresql+psycopg2://alice@%s:%d/%s", gw.Host, gw.Port, seedProject)
	out := runPython(t, "testdata/seed004/build_training_dataset.py", url, dir)
	t.Logf("build_training_dataset.py:\n%s", out)
	rows := readTrainingCSV(t, filepath.Join(dir, "training_df.csv"))
	want := expectedTrainingSet(t, direct)
	if len(rows) != len(want) {
		t.Fatalf("training_df.csv has %d rows, the spine at 2024-01-31 %d", len(rows), len(want))
	}
	for _, r := range rows {
		w, ok := want[r[0]]
		if !ok {
			t.Fatalf("training_df.csv has user %s, not in the spine", r[0])
		}
		for i, col := range trainingColumns {
			if !sameCell(r[i], w[i]) {
				t.Errorf("user %s: %s is %q in training_df.csv, %q in PostgreSQL", r[0], col, r[i], w[i])
			}
		}
		delete(want, r[0])
	}
	checkKnownUser(t, rows)
}

// loadExampleData creates and fills the example's tables directly on
// PostgreSQL, unless an earlier run of the test did.
func loadExampleData(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	var loaded bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('labels') IS NOT NULL").Scan(&loaded); err != nil || loaded {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := examples.FS.ReadFile("streamflow/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, string(data)); err != nil {
		t.Fatalf("streamflow/data.sql: %v", err)
	}
}

// applyExampleRepo sends each statement of the example's repo files
// through the gateway, one at a time (featuregate DDL does not run in a
// transaction block, which a multi-statement query is), unless an earlier
// run applied them.
func applyExampleRepo(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	ctx := context.Background()
	files, err := fs.Glob(examples.FS, "streamflow/repo/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	slices.Sort(names)
	if sorted := slices.Sorted(slices.Values(repoOrder)); !slices.Equal(names, sorted) {
		t.Fatalf("the example repo has %v; the test applies %v", names, repoOrder)
	}
	conn, err := pgx.Connect(ctx, gw.DSN("alice", seedProject))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, rows, err := queryRows(ctx, conn, "SHOW FEATURE VIEWS")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) > 0 {
		return
	}
	for _, name := range repoOrder {
		text, err := examples.FS.ReadFile("streamflow/repo/" + name)
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := ddl.ParseScript(name, string(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, st := range stmts {
			if _, err := conn.Exec(ctx, st.SQL()); err != nil {
				t.Fatalf("%s: %s through the gateway: %v", name, st.SQL(), err)
			}
		}
	}
}

// runPython runs a script with Debian's python3 and returns its output.
func runPython(t *testing.T, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonBin, append([]string{"-B", script}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out.String())
	}
	return out.String()
}

// readTrainingCSV reads training_df.csv, checking its header.
func readTrainingCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], trainingColumns) {
		t.Fatalf("training_df.csv header %v, want %v", rows[:min(1, len(rows))], trainingColumns)
	}
	return rows[1:]
}

// expectedTrainingSet reads, directly on PostgreSQL, each spine user's
// values at 2024-01-31 as text in training_df.csv's columns. Every table
// has a snapshot on that very day, so the point-in-time answer is the row
// of that day; the inner joins drop a user lacking one, which the row
// count check then catches.
func expectedTrainingSet(t *testing.T, conn *pgx.Conn) map[string][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT s.user_id, s.as_of::text, s.months_active::text, s.monthly_fee::text,
		       CASE WHEN s.paperless_billing THEN 'True' ELSE 'False' END,
		       u.watch_hours_30d::text, u.avg_session_mins_7d::text, p.failed_payments_90d::text,
		       CASE WHEN l.churn_label THEN 'True' ELSE 'False' END
		FROM subscriptions_profile_snapshots s
		JOIN labels l USING (user_id)
		JOIN usage_agg_30d_snapshots u ON u.user_id = s.user_id AND u.as_of = s.as_of
		JOIN payments_agg_90d_snapshots p ON p.user_id = s.user_id AND p.as_of = s.as_of
		WHERE s.as_of = DATE '2024-01-31'`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for rows.Next() {
		r := make([]string, len(trainingColumns))
		dest := make([]any, len(r))
		for i := range r {
			dest[i] = &r[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out[r[0]] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var spine int
	if err := conn.QueryRow(context.Background(),
		"SELECT count(*) FROM subscriptions_profile_snapshots WHERE as_of = DATE '2024-01-31'").Scan(&spine); err != nil {
		t.Fatal(err)
	}
	if spine == 0 || len(out) != spine {
		t.Fatalf("PostgreSQL: %d spine rows at 2024-01-31, %d with every snapshot", spine, len(out))
	}
	return out
}

// sameCell compares a CSV cell with PostgreSQL's text: numbers by value
// (pandas writes 119.0 where PostgreSQL writes 119), the rest exactly.
// An empty cell (NULL) equals nothing.
func sameCell(got, want string) bool {
	if got == "" {
		return false
	}
	g, errG := strconv.ParseFloat(got, 64)
	w, errW := strconv.ParseFloat(want, 64)
	if errG == nil && errW == nil {
		return g == w
	}
	return got == want
}

// checkKnownUser checks user 7590-VHVEG, the lab's example customer, in
// January against the generated data (examples.StreamFlowSQL, seed 1):
// none of its February values (months_active 2, watch_hours_30d 56.2,
// avg_session_mins_7d 23.6) may leak in.
func checkKnownUser(t *testing.T, rows [][]string) {
	t.Helper()
	want := []string{"7590-VHVEG", "2024-01-31", "1", "29.85", "True", "23.8", "15.9", "0", "False"}
	for _, r := range rows {
		if r[0] != want[0] {
			continue
		}
		for i, col := range trainingColumns {
			if !sameCell(r[i], want[i]) {
				t.Errorf("%s: %s is %q, the generated data gives %q", want[0], col, r[i], want[i])
			}
		}
		return
	}
	t.Errorf("%s is not in training_df.csv: %s", want[0], strings.Join(trainingColumns, ","))
}
