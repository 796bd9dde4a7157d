package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/featuregate/featuregate/internal/syncbuf"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/catalog/filesource"
	"github.com/featuregate/featuregate/examples"
	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// The clients the READMEs use: PostgreSQL 15's psql and Debian's python3
// (pandas, SQLAlchemy 1.4, psycopg2, scikit-learn).
const (
	psqlBin   = "/usr/lib/postgresql/15/bin/psql"
	pythonBin = "/usr/bin/python3"
)

// example is an example set up as its README's first steps do: its
// tables loaded into the offline PostgreSQL, a gateway over it, its
// definitions applied in the project of the example's name.
type example struct {
	name string
	db   string // the database, and so the project
	gw   *gatewaytest.Gateway
}

// startExample sets up example name in a database of the same name.
func startExample(t *testing.T, name string) *example {
	t.Helper()
	return startExampleIn(t, name, name)
}

// startExampleIn sets up example name in database (and project) db.
func startExampleIn(t *testing.T, name, db string) *example {
	t.Helper()
	gw := gatewaytest.Start(t, pg, db)
	runPsql(t, gw.OffDSN, "-f", filepath.Join(name, "data.sql"))
	applyRepo(t, gw.DSN("demo", db), gw.OffDSN, name, db)
	return &example{name: name, db: db, gw: gw}
}

// url is the gateway's URL for the example's project, as the scripts take
// it in FEATUREGATE_URL.
func (e *example) url() string {
	return fmt.Sprintf("postgresql://demo@%s/%s", e.gw.Addr, e.db)
}

// direct runs a query on the offline PostgreSQL itself, not through the
// gateway, and returns its rows as psql prints them, normalized.
func (e *example) direct(t *testing.T, query string) []string {
	t.Helper()
	out := runPsql(t, e.gw.OffDSN, "-A", "-t", "-F", " | ", "-c", query)
	return nonEmptyLines(normalize(out))
}

// applyRepo sends each definition of the example's repo (as embedded in
// the binary) through the gateway, one statement at a time (featuregate's
// DDL does not run in a transaction block), in dependency order: what
// `featuregate apply` makes of an empty project. File sources are applied
// as featuregate apply does (applyFileSource), to project on offDSN.
func applyRepo(t *testing.T, dsn, offDSN, name, project string) {
	t.Helper()
	ctx := context.Background()
	files, err := fs.Glob(examples.FS, name+"/repo/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("%s/repo has no *.sql files (%v)", name, err)
	}
	var stmts []ddl.Statement
	for _, f := range files {
		text, err := examples.FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ddl.ParseScriptStatements(f, string(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range parsed {
			stmts = append(stmts, st.Statement)
		}
	}
	slices.SortStableFunc(stmts, func(a, b ddl.Statement) int { return rank(a) - rank(b) })
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, st := range stmts {
		if applyFileSource(t, offDSN, name, project, st) {
			continue
		}
		if _, err := conn.Exec(ctx, st.SQL()); err != nil {
			t.Fatalf("%s: %s: %v", name, st.SQL(), err)
		}
	}
}

// applyFileSource applies st when it creates a file source as featuregate
// apply does: the example's data files written where the repo is (moved to
// today, as featuregate demo and init write them), the file read there, and
// its rows sent through the registry's connection. It reports whether st
// was one.
func applyFileSource(t *testing.T, offDSN, name, project string, st ddl.Statement) bool {
	t.Helper()
	c, ok := st.(*ddl.CreateStmt)
	if !ok {
		return false
	}
	src, _ := c.Object.(*catalog.Source)
	if src == nil || src.File == nil {
		return false
	}
	ctx := context.Background()
	dir := t.TempDir()
	if err := examples.WriteData(name, filepath.Join(dir, "data"), time.Now()); err != nil {
		t.Fatal(err)
	}
	data, err := filesource.Open(ctx, filepath.Join(dir, filepath.FromSlash(src.File.Path)), src.File.Path)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := catalog.Open(ctx, offDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := reg.Apply(ctx, project, "demo", st.SQL(), []catalog.Change{{Op: catalog.OpCreate, Object: src, Data: data}}); err != nil {
		t.Fatalf("%s: %s: %v", name, st.SQL(), err)
	}
	return true
}

// rank orders definitions so that each comes after what it uses.
func rank(d ddl.Statement) int {
	c, ok := d.(*ddl.CreateStmt)
	if !ok {
		return 4 // COMMENT ON, after its object
	}
	return slices.Index([]catalog.Kind{catalog.KindEntity, catalog.KindSource, catalog.KindFeatureView,
		catalog.KindFeatureService}, c.Object.Kind())
}

// runPsql runs psql on url with ON_ERROR_STOP, as the READMEs do (and
// -X, so that no ~/.psqlrc interferes, and PGTZ=UTC, so that times print
// in UTC), and returns its output, stderr after stdout.
func runPsql(t *testing.T, url string, args ...string) string {
	t.Helper()
	args = append([]string{"-X", "-v", "ON_ERROR_STOP=1", url}, args...)
	return run(t, "", []string{"PGTZ=UTC"}, psqlBin, args...)
}

// scoreIn reads the number after "name: " in a script's output; -1 when
// there is none.
func scoreIn(out, name string) float64 {
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `: ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return f
}

// runPython runs a script with Debian's python3 in dir, with
// FEATUREGATE_URL set to url and the extra environment env.
func runPython(t *testing.T, dir, url string, env []string, script string, args ...string) string {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	env = append([]string{"FEATUREGATE_URL=" + url}, env...)
	return run(t, dir, env, pythonBin, append([]string{"-B", abs}, args...)...)
}

// run runs a command to completion and fails the test if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String() + stderr.String()
}

var spaces = regexp.MustCompile(` +`)

// normalize makes psql's aligned and unaligned outputs comparable: runs of
// spaces become one, and lines lose their leading and trailing spaces.
func normalize(s string) string {
	lines := strings.Split(spaces.ReplaceAllString(s, " "), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// section returns the part of a psql output between the \echo line that
// starts with from and the next \echo line (== …), or the end.
func section(t *testing.T, out, from string) string {
	t.Helper()
	i := strings.Index(out, from)
	if i < 0 {
		t.Fatalf("the output has no %q:\n%s", from, out)
	}
	rest := out[i+len(from):]
	if j := strings.Index(rest, "\n== "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// containsLines fails the test unless every line of want is a line of got.
func containsLines(t *testing.T, what, got string, want []string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		have[l] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("%s lacks the line %q:\n%s", what, w, got)
		}
	}
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startPythonServer runs a Python web app (script PORT) in dir on a free
// port, its gateway at url, with extra environment env; it waits until
// health answers 200 and returns the app's URL. The process ends with the
// test.
func startPythonServer(t *testing.T, dir, url, script, health string, env ...string) string {
	t.Helper()
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pythonBin, "-B", abs, port)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "FEATUREGATE_URL="+url), env...)
	var log syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("%s did not answer %s:\n%s", script, health, log.String())
	return ""
}
