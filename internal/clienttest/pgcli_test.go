package clienttest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgcli (Debian's pgcli, on psycopg 3 and pgspecial), run as users run it,
// with its commands on standard input.
const (
	pgcliBin     = "/usr/bin/pgcli"
	pgcliTimeout = 60 * time.Second
)

// pgcliErrorLog matches the line pgcli logs for a failed statement: the
// psycopg exception class names the SQLSTATE (SyntaxError is 42601,
// UndefinedTable 42P01, DatatypeMismatch 42804, …).
var pgcliErrorLog = regexp.MustCompile(`pgcli\.pgexecute ERROR - sql: (.*), error: (\w+)\(`)

// pgcliSession runs pgcli on dsn with commands on its standard input (a
// pipe, as pgcli's prompt needs) and returns what it printed without the
// echo of the prompt, then one "error <class> <sql>" line per statement
// that failed, from pgcli's log.
func pgcliSession(t *testing.T, dsn, commands string) string {
	t.Helper()
	dir := t.TempDir()
	rc := strings.Replace(readFile(t, "testdata/pgcli/pgclirc"), "[main]\n",
		fmt.Sprintf("[main]\nlog_file = %s\nhistory_file = %s\n", filepath.Join(dir, "log"), filepath.Join(dir, "history")), 1)
	if err := os.WriteFile(filepath.Join(dir, "pgclirc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgcliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, pgcliBin, "--pgclirc", filepath.Join(dir, "pgclirc"), "--less-chatty", dsn)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "TERM=dumb", "PGTZ=UTC")
	cmd.Stdin = strings.NewReader(commands)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pgcli: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if e := strings.TrimSpace(stderr.String()); e != "Warning: Input is not a terminal (fd=0)." {
		t.Errorf("pgcli wrote to its standard error (a failed completion refresh shows here):\n%s", e)
	}
	var out strings.Builder
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l != "" && !strings.Contains(l, "\r") && !strings.Contains(l, "PGCLI>") {
			out.WriteString(l + "\n")
		}
	}
	for _, m := range pgcliErrorLog.FindAllStringSubmatch(readFile(t, filepath.Join(dir, "log")), -1) {
		fmt.Fprintf(&out, "error %s %s\n", m[2], m[1])
	}
	return out.String()
}

// pgcliRows returns the data rows of the tables pgcli printed, in order,
// one line each: kind, then the cells, with <null> as NULL and decimals
// with two digits, as expectedFeatureLines writes them.
func pgcliRows(out, kind string) []string {
	var rows []string
	lines := strings.Split(out, "\n")
	for i := 0; i+2 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "+-") || !strings.HasPrefix(lines[i+2], "|-") {
			continue
		}
		for i += 3; i < len(lines) && strings.HasPrefix(lines[i], "| "); i++ {
			var cells []string
			for _, c := range strings.Split(strings.Trim(lines[i], "|"), "|") {
				c = strings.TrimSpace(c)
				if c == "<null>" {
					c = "NULL"
				} else if f, err := strconv.ParseFloat(c, 64); err == nil && strings.Contains(c, ".") {
					c = fmt.Sprintf("%.2f", f)
				}
				cells = append(cells, c)
			}
			rows = append(rows, kind+" "+strings.Join(cells, " "))
		}
	}
	return rows
}

// pgcliDirect is the fixture's DSN straight to PostgreSQL with the
// search_path the gateway gives its sessions, so that catalog commands
// resolve names alike.
func pgcliDirect(f *fixture, project string) string {
	return f.direct + "&options=" + url.QueryEscape(`-csearch_path="$user",public,fg_`+project+`,fg_datasets_`+project)
}

// TestPgcli runs pgcli through the gateway and on PostgreSQL: its start-up
// catalog queries (run by pgcli's own completion refresher) learn the same
// relations and offer the same completions, \dt, \dv, \dn and \d print the
// same, errors reach it with the same SQLSTATE; then a named query with a
// parameter does lookups and AS OF queries give the snapshot tables' values.
func TestPgcli(t *testing.T) {
	const db = "clients_pgcli"
	f, u1, u2 := featureFixture(t, db)
	direct := pgcliDirect(f, db)

	want := run(t, pyTimeout, pythonBin, "-B", "testdata/pgcli/completion.py", direct)
	got := run(t, pyTimeout, pythonBin, "-B", "testdata/pgcli/completion.py", f.via)
	if got != want {
		t.Errorf("pgcli's completer differs through the gateway\n--- direct:\n%s\n--- gateway:\n%s", want, got)
	}
	mustContain(t, "pgcli completion", got,
		"search_path ['pg_catalog', 'public', 'fg_"+db+"']\n", "database listed True\n",
		"view fg_"+db+" subs_profile_fv user_id:text,event_timestamp:timestamp with time zone,months_active:bigint,monthly_fee:real,",
		"table public users user_id:text,signup_date:date,gender:text,senior_citizen:boolean\n",
		"('subs_profile_fv', 'view'), ('subscriptions_profile_snapshots', 'table')]\n",
		"complete 'SELECT mon' [('monthly_fee', 'column'), ('months_active', 'column')]\n",
		"complete 'SELECT f.watch' [('watch_hours_30d', 'column')]\n",
		"complete 'SELECT * FROM fg_"+db+".pay' [('payments_agg_90d_fv', 'view')]\n")

	session := readFile(t, "testdata/pgcli/session.txt")
	want = pgcliSession(t, direct, session)
	got = pgcliSession(t, f.via, session)
	if got != want {
		t.Errorf("pgcli's session differs through the gateway\n--- direct:\n%s\n--- gateway:\n%s", want, got)
	}
	mustContain(t, "pgcli", got,
		"| public | users                           | table | postgres |\n",
		"| fg_"+db+" | subs_profile_fv     | view | postgres |\n",
		"| monthly_fee        | real                     |           |\n",
		"| failed_payments_90d | bigint                   |           |\n",
		"| 685   |\n", `syntax error at or near "SELEC"`, "| after the errors |\n",
		"error SyntaxError 'SELEC 1'\n", "error UndefinedTable 'SELECT * FROM no_such_table'\n")

	out := pgcliSession(t, f.via, strings.NewReplacer("{user1}", u1, "{user2}", u2).Replace(readFile(t, "testdata/pgcli/features.txt")))
	lines := expectedFeatureLines(t, f, u1, u2)
	lookups := withPrefix(lines, "lookup ")
	asofs := withPrefix(lines, "asof-const ")
	wantRows := append(append(relabel(lookups[:3], "row"), relabel(asofs, "row")...), relabel(asofs, "row")...)
	wantRows = append(wantRows, "row after the error")
	if g := pgcliRows(out, "row"); strings.Join(g, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("pgcli printed the rows\n%s\nwant\n%s\noutput:\n%s", strings.Join(g, "\n"), strings.Join(wantRows, "\n"), out)
	}
	mustContain(t, "pgcli", out, "Saved.\n",
		"> SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = '$1'\n",
		"error DatatypeMismatch 'SELECT * FROM subs_profile_fv WHERE user_id = 1'\n")
}
