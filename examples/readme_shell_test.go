package examples_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A shellWalk runs the sh blocks of a README as a newcomer pastes them,
// one bash script per README, in a work directory that holds a symlink to
// every top-level entry of the repository (so `go build ./cmd/featuregate`
// and the examples' relative paths work as written, and what the commands
// write stays out of the repository). The lines run as written but for
// these rewrites, each what a newcomer does by hand:
//   - `$DSN` is the test's fresh database (an `export DSN=…` line of the
//     README names it instead of "me:secret");
//   - `featuregate demo` and a `featuregate serve` the README says to leave
//     running are started in
//     the background, and every background server is waited for (its port
//     accepting connections) before the next line, as a reader waits for
//     its first log line;
//   - paths under /tmp/ are moved into the work directory, so that no
//     earlier run's repo or store is reused;
//   - blocks that start a PostgreSQL of one's own (initdb) and the test
//     command are not run: the test brings its own server. The streamflow
//     README is walked twice: with the demo (its quick way, skipping the
//     block that loads an own PostgreSQL) and with an own PostgreSQL.
//
// The gateways bind the README's ports (5433, 6566, 8000, 8001): no other
// test of the suite binds them.
type shellWalk struct {
	name   string   // the subtest's
	readme string   // path of the README, from the examples directory
	skip   []string // blocks holding one of these are not run
	want   []string // the script's output must hold each
}

// TestReadmeShellBlocks walks the shell blocks of the README (its shell
// workflow: init, plan, apply, serve, materialize, lookups, curl) and of
// each example's README (the demo, or load the data, apply, serve; then the example's
// own steps: training, materialization, predictions, the HTTP calls, the
// FastAPI services, and the quickstart's streaming source, a row inserted
// offline served by an online lookup), each against a fresh database.
func TestReadmeShellBlocks(t *testing.T) {
	// The streamflow README's generator reads the Telco dataset, which the
	// repository does not hold; its first rows stand in for it.
	telco, err := filepath.Abs("testdata/telco_head.csv")
	if err != nil {
		t.Fatal(err)
	}
	walks := []shellWalk{
		{name: "README", readme: "../README.md", skip: []string{"featuregate demo", "scripts/test.sh"},
			want: []string{"rows_written", "1001       0.99", `"feature_names":["driver_id","conv_rate"]`, `"values":[0.99]`}},
		{name: "quickstart", readme: "quickstart/README.md",
			want: []string{"(3 rows)", `"feature_names"`, "driver_id",
				"|      0.42 |     0.97 |             424", " driver_stats_source | driver_stats | fg_pub_"}}, // the Streaming section
		{name: "biometrics", readme: "biometrics/README.md",
			want: []string{"user_1", `"predictions"`}},
		{name: "streamflow-demo", readme: "streamflow/README.md", skip: []string{"export DSN"},
			want: []string{"test ROC AUC", `{"user_id":"7590-VHVEG","features":{"months_active":1`}},
		{name: "streamflow", readme: "streamflow/README.md", skip: []string{"featuregate demo"},
			want: []string{"test ROC AUC", " 7590-VHVEG |             1 |       29.85 | t",
				`{"user_id":"7590-VHVEG","features":{"months_active":1,"monthly_fee":29.85,"paperless_billing":true}}{"user_id":"7590-VHVEG"`}},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			w.run(t, telco)
		})
	}
}

// run writes the README's script, runs it with bash -e, and checks its
// output.
func (w shellWalk) run(t *testing.T, telco string) {
	dir := workDir(t)
	if err := os.Symlink(telco, filepath.Join(dir, "telco-customer-churn.csv")); err != nil {
		t.Fatal(err)
	}
	db := "walk_" + strings.ToLower(w.name)
	dsn, err := pg.CreateDB(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString(shellPrelude + "export DSN=" + dsn + "\n")
	for _, block := range fencedBlocks(t, w.readme, "sh") {
		if containsAny(block, append(w.skip, "initdb")) {
			continue
		}
		for _, line := range strings.Split(block, "\n") {
			script.WriteString(rewriteLine(line, dsn, dir) + "\n")
		}
	}
	out := runScript(t, dir, script.String())
	for _, s := range w.want {
		if !strings.Contains(out, s) {
			t.Errorf("%s's commands printed no %q:\n%s", w.readme, s, out)
		}
	}
}

// shellPrelude makes the script stop at the first failing command, puts
// the work directory's bin (where the README's `go install` would put
// featuregate) on PATH, stops every background server when it ends, and
// defines fgwait.
const shellPrelude = `set -euo pipefail
export PATH="$PWD/bin:$PATH" PGTZ=UTC
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
fgwait() {
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; return 1
}
`

var (
	serveLine   = regexp.MustCompile(`^(\S*featuregate serve\b[^#&]*?)\s*(&)?\s*(#.*)?$`)
	pyServer    = regexp.MustCompile(`\.py (\d+) &\s*$`)
	dataDirFlag = regexp.MustCompile(`--data /tmp/`)
)

// rewriteLine applies shellWalk's rewrites to one line.
func rewriteLine(line, dsn, dir string) string {
	line = strings.ReplaceAll(line, "/tmp/", dir+"/")
	if strings.HasPrefix(strings.TrimSpace(line), "export DSN=") {
		return "export DSN=" + dsn
	}
	if strings.HasPrefix(line, "go run ./cmd/featuregate demo") {
		return line + " &\nfgwait 5433; fgwait 6566"
	}
	if m := serveLine.FindStringSubmatch(line); m != nil {
		cmd := dataDirFlag.ReplaceAllString(m[1], "--data "+dir+"/")
		return cmd + " &\nfgwait 5433; fgwait 6566"
	}
	if m := pyServer.FindStringSubmatch(line); m != nil {
		return line + "\nfgwait " + m[1]
	}
	return line
}

// workDir is a temporary directory with a symlink to each top-level entry
// of the repository (but .git), and an empty bin.
func workDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		src, err := filepath.Abs(filepath.Join("..", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(src, filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "featuregate"), "./cmd/featuregate")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// runScript runs script with bash in dir, in a process group of its own
// that is killed when it ends, and returns its output; a failure fails the
// test with the output.
func runScript(t *testing.T, dir, script string) string {
	t.Helper()
	path := filepath.Join(dir, "walk.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n--- script\n%s\n--- output\n%s", err, script, out)
	}
	return string(out)
}

// containsAny says whether s holds one of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
