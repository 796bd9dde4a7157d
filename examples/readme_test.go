package examples_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fencedBlocks returns the fenced code blocks of a markdown file whose
// language is lang, in order.
func fencedBlocks(t *testing.T, path, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?ms)^```" + regexp.QuoteMeta(lang) + "\n(.*?)^```")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// demoAddr is where the README's commands find featuregate demo.
const demoAddr = "127.0.0.1:5433"

// TestReadmeTour runs the README's psql tour as written, against the
// quickstart project, and the README's pandas snippet against the
// streamflow project, each on a gateway of the tests instead of the demo's
// address: the commands a newcomer copies work.
func TestReadmeTour(t *testing.T) {
	sql := fencedBlocks(t, "../README.md", "sql")
	if len(sql) == 0 {
		t.Fatal("README.md has no sql block")
	}
	ex := startExampleIn(t, "quickstart", "readme_quickstart")
	dir := t.TempDir()
	script := filepath.Join(dir, "tour.sql")
	if err := os.WriteFile(script, []byte(sql[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runPsql(t, ex.gw.DSN("demo", ex.db), "-f", script) // ON_ERROR_STOP: any error fails
	for _, want := range []string{"driver_hourly_stats", "(3 rows)", "| 2025-06-01 00:00:00+00 | 2025-06-04 00:00:00+00 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("the README's tour printed no %q:\n%s", want, out)
		}
	}

	py := fencedBlocks(t, "../README.md", "python")
	if len(py) == 0 {
		t.Fatal("README.md has no python block")
	}
	sf := startExampleIn(t, "streamflow", "readme_streamflow")
	code := strings.ReplaceAll(py[0], demoAddr+"/streamflow", sf.gw.Addr+"/"+sf.db)
	if code == py[0] {
		t.Fatalf("the README's pandas snippet does not connect to %s/streamflow:\n%s", demoAddr, py[0])
	}
	snippet := filepath.Join(dir, "snippet.py")
	if err := os.WriteFile(snippet, []byte(code+"\nprint(len(training_df), list(training_df.columns)[:3])\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = run(t, dir, nil, pythonBin, "-B", snippet)
	if !strings.Contains(out, "['user_id', 'event_timestamp', 'churn_label']") {
		t.Errorf("the README's pandas snippet printed:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "training_df.csv")); err != nil {
		t.Errorf("the snippet wrote no training_df.csv: %v", err)
	}
}
