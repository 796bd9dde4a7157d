package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInitEveryTemplate creates a repo from each template with --offline,
// which loads its sample data, and applies it as a user would: in the
// repo's directory, with its featuregate.yaml.
func TestInitEveryTemplate(t *testing.T) {
	names := templates()
	if !slices.Contains(names, "streamflow") {
		t.Fatalf("templates %v lack streamflow", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dsn, err := pg.CreateDB(context.Background(), fmt.Sprintf("init_%d", dbCount.Add(1)))
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "My-"+name+" repo")
			out := mustRun(t, "init", dir, "--template", name, "--offline", dsn)
			project := "my_" + name + "_repo"
			if !strings.Contains(out, "Created feature repo "+dir+": project "+project+", template "+name+".\n") ||
				!strings.Contains(out, "Loaded the sample data") {
				t.Errorf("init:\n%s", out)
			}
			cfg := readFile(t, filepath.Join(dir, "featuregate.yaml"))
			if !strings.Contains(cfg, "project: "+project+"\n") || !strings.Contains(cfg, fmt.Sprintf("dsn: %q\n", dsn)) ||
				!strings.Contains(cfg, "http_listen: 127.0.0.1:6566") {
				t.Errorf("featuregate.yaml:\n%s", cfg)
			}
			readme := readFile(t, filepath.Join(dir, "README.md"))
			if !strings.Contains(readme, "featuregate apply") || !strings.Contains(readme, "featuregate get-online-features --service ") {
				t.Errorf("README.md:\n%s", readme)
			}
			out = mustRun(t, "apply", dir)
			if !strings.HasSuffix(out, "Applied version 1.\n") {
				t.Errorf("apply of the new repo:\n%s", out)
			}
			if v := registryVersion(t, dsn, project); v != 1 {
				t.Errorf("project %s: version %d", project, v)
			}
		})
	}
}

// TestInitWithoutOffline writes the DSN as ${FEATUREGATE_OFFLINE_DSN},
// which the commands then read from the environment.
func TestInitWithoutOffline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "feature_repo")
	mustRun(t, "init", dir, "-t", "streamflow")
	for _, f := range []string{"featuregate.yaml", "README.md", "data/data.sql", "entities.sql", "feature_views.sql"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not create %s: %v", f, err)
		}
	}
	if cfg := readFile(t, filepath.Join(dir, "featuregate.yaml")); !strings.Contains(cfg, "dsn: ${FEATUREGATE_OFFLINE_DSN}\n") {
		t.Errorf("featuregate.yaml:\n%s", cfg)
	}
	wantFail(t, 1, []string{"environment variable FEATUREGATE_OFFLINE_DSN is not set"}, "plan", dir)
	dsn := streamFlowDB(t)
	t.Setenv("FEATUREGATE_OFFLINE_DSN", dsn)
	if out := mustRun(t, "plan", dir); !strings.Contains(out, "+ entity user\n") {
		t.Errorf("plan of the new repo:\n%s", out)
	}
}

func TestInitRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "notes.txt", "mine")
	wantFail(t, 1, []string{dir + " is not empty: init creates a new repo"}, "init", dir, "-t", "streamflow")
	if b := readFile(t, filepath.Join(dir, "notes.txt")); b != "mine" {
		t.Errorf("init touched the directory")
	}
	wantFail(t, 2, []string{`no template "nope": choose one of `, "streamflow"}, "init", filepath.Join(dir, "x"), "--template", "nope")
	wantFail(t, 2, []string{"accepts at most 1 arg(s)"}, "init", "a", "b")
	// An empty directory is fine.
	empty := t.TempDir()
	mustRun(t, "init", empty, "-t", "streamflow")
}

// TestInitDefaultDir creates feature_repo in the current directory.
func TestInitDefaultDir(t *testing.T) {
	t.Chdir(t.TempDir())
	out := mustRun(t, "init")
	if !strings.Contains(out, "Created feature repo feature_repo: project feature_repo, template "+defaultTemplate()) {
		t.Errorf("init:\n%s", out)
	}
	if slices.Contains(templates(), "quickstart") && defaultTemplate() != "quickstart" {
		t.Errorf("default template %s", defaultTemplate())
	}
}

func TestProjectName(t *testing.T) {
	for in, want := range map[string]string{
		"feature_repo": "feature_repo", "My-Repo": "my_repo", "2024 churn": "p_2024_churn", "---": "feature_repo", "été": "t",
	} {
		if got := projectName(in); got != want {
			t.Errorf("projectName(%q) = %q, want %q", in, got, want)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestInitQuickstartFlow follows the new repo's README with the quickstart
// template: apply, materialize, read online and point in time, with no
// flags but --listen (a free port, so that the commands start their own
// gateway whatever runs on 5433 here).
func TestInitQuickstartFlow(t *testing.T) {
	dsn, err := pg.CreateDB(context.Background(), fmt.Sprintf("init_%d", dbCount.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "drivers")
	mustRun(t, "init", dir, "--template", "quickstart", "--offline", dsn)
	t.Chdir(dir)
	listen := []string{"--listen", freeAddr(t)}
	mustRun(t, "apply")
	out := mustRun(t, append([]string{"materialize-incremental", "now", "-o", "json"}, listen...)...)
	if !strings.Contains(out, `"feature_view": "driver_hourly_stats"`) || !strings.Contains(out, `"rows_written": 5`) {
		t.Errorf("materialize-incremental now:\n%s", out)
	}
	// Driver 1001's last hour was corrected later: the correction wins.
	out = mustRun(t, append([]string{"get-online-features", "--service", "driver_activity", "-e", "driver_id=1001", "-o", "json"}, listen...)...)
	if want := "{\n  \"driver_id\": [1001],\n  \"conv_rate\": [0.99],\n  \"acc_rate\": [0.99],\n  \"avg_daily_trips\": [999]\n}\n"; out != want {
		t.Errorf("get-online-features:\n%s\nwant\n%s", out, want)
	}
	out = mustRun(t, append([]string{"get-historical-features", "-f", "driver_hourly_stats:avg_daily_trips",
		"--dataframe", `[{"driver_id": 1001, "event_timestamp": "2025-06-03T23:30:00"}, {"driver_id": 1001, "event_timestamp": "2025-05-01"}]`}, listen...)...)
	want := []string{"driver_id,event_timestamp,avg_daily_trips", "1001,2025-05-01 00:00:00+00,", "1001,2025-06-03 23:30:00+00,999"}
	if got := sortedLines(out); !slices.Equal(got, want) {
		t.Errorf("get-historical-features:\n%s", out)
	}
	if out := mustRun(t, "configuration"); !strings.Contains(out, "project: drivers\n") {
		t.Errorf("configuration:\n%s", out)
	}
}

// TestInitOfflineTwiceAndUnreachable: init over a database that holds the
// sample tables already leaves them and succeeds; init over a database it
// cannot reach creates nothing.
func TestInitOfflineTwiceAndUnreachable(t *testing.T) {
	dsn, err := pg.CreateDB(context.Background(), fmt.Sprintf("init_%d", dbCount.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "init", filepath.Join(t.TempDir(), "first"), "-t", "quickstart", "--offline", dsn)
	out := mustRun(t, "init", filepath.Join(t.TempDir(), "second"), "-t", "quickstart", "--offline", dsn)
	if !strings.Contains(out, "The sample tables exist already in the offline store: left as they are.") {
		t.Errorf("init over loaded sample tables:\n%s", out)
	}
	dir := filepath.Join(t.TempDir(), "unreachable")
	wantFail(t, 1, []string{"cannot reach the offline PostgreSQL of --offline (nothing was created)"},
		"init", dir, "-t", "quickstart", "--offline", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("init over an unreachable database created %s (%v)", dir, err)
	}
}
