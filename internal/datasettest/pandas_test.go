package datasettest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	osexec "os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
)

// pythonBin is Debian's interpreter, which has SQLAlchemy and pandas.
const pythonBin = "/usr/bin/python3"

// pandasRead reads query with pandas.read_sql through the gateway as
// user, and returns the columns and rows its script prints.
func pandasRead(t *testing.T, url, query string) ([]string, [][]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := osexec.CommandContext(ctx, pythonBin, "-B", "testdata/read_dataset.py", url, query)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("read_dataset.py: %v\n%s", err, errOut.String())
	}
	var res struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("read_dataset.py printed %q: %v", out.String(), err)
	}
	return res.Columns, res.Rows
}

// TestPandas reads a dataset with pandas.read_sql by its plain name and
// compares every row with pgx's.
func TestPandas(t *testing.T) {
	gw, _ := project(t, "ds_pandas")
	admin := connect(t, gw, "admin", "ds_pandas")
	exec(t, admin, "CREATE DATASET train AS "+trainingQuery)
	url := fmt.Sprintf("postgresql+psycopg2://alice@%s:%d/ds_pandas", gw.Host, gw.Port)
	cols, rows := pandasRead(t, url, "SELECT * FROM train ORDER BY user_id")
	if want := []string{"user_id", "as_of", "label", "score", "plan", "active"}; !slices.Equal(cols, want) {
		t.Fatalf("pandas columns %v, want %v", cols, want)
	}
	want := textRows(t, admin, "SELECT user_id, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS+00:00'), label, score, plan, active FROM train ORDER BY user_id")
	if len(rows) != len(want) {
		t.Fatalf("pandas read %d rows, pgx %d", len(rows), len(want))
	}
	for i, r := range rows {
		if got := pandasText(r); !slices.Equal(got, want[i]) {
			t.Fatalf("row %d: pandas %v, pgx %v", i, got, want[i])
		}
	}
}

// pandasText renders a row pandas read as PostgreSQL's text output.
func pandasText(r []any) []string {
	out := make([]string, len(r))
	for i, v := range r {
		switch v := v.(type) {
		case nil:
			out[i] = "NULL"
		case bool:
			out[i] = map[bool]string{true: "t", false: "f"}[v]
		case float64:
			out[i] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}
