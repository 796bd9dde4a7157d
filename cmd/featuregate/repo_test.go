package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/examples"
)

// streamFlowRepo is the example feature repo that `featuregate demo` ships:
// the tests apply exactly what users get.
const streamFlowRepo = "../../examples/streamflow/repo"

var dbCount atomic.Int64

// streamFlowDB creates a database of the test's own holding the StreamFlow
// tables, and returns its DSN.
func streamFlowDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, fmt.Sprintf("repo_%d", dbCount.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	data, err := examples.FS.ReadFile("streamflow/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, string(data)); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// fg runs featuregate with args in-process and returns what it printed.
func fg(args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// mustFG runs featuregate and fails the test on an error.
func mustFG(t *testing.T, args ...string) string {
	t.Helper()
	out, err := fg(args...)
	if err != nil {
		t.Fatalf("featuregate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// copyRepo copies the example repo to a new directory.
func copyRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(streamFlowRepo + "/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// editRepo replaces old by new in a file of the repo in dir.
func editRepo(t *testing.T, dir, file, old, new string) {
	t.Helper()
	path := filepath.Join(dir, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// registryVersion reads the version of project.
func registryVersion(t *testing.T, dsn, project string) int64 {
	t.Helper()
	s, err := catalog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.Version(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const streamFlowPlan = `+ entity user
+ source payments_agg_90d_source
+ source subs_profile_source
+ source support_agg_90d_source
+ source usage_agg_30d_source
+ feature view payments_agg_90d_fv
+ feature view subs_profile_fv
+ feature view support_agg_90d_fv
+ feature view usage_agg_30d_fv
+ feature service churn_v1
`

// TestPlanApply plans and applies the StreamFlow repo, then edits of it.
func TestPlanApply(t *testing.T) {
	dsn := streamFlowDB(t)
	reg := []string{"--offline", dsn, "--project", "streamflow"}
	repo := streamFlowRepo

	want := streamFlowPlan + "Plan: 10 to create, 0 to replace, 0 to drop.\n"
	if out := mustFG(t, append([]string{"plan", repo}, reg...)...); out != want {
		t.Fatalf("plan on an empty registry:\n%s\nwant\n%s", out, want)
	}
	if v := registryVersion(t, dsn, "streamflow"); v != 0 {
		t.Fatalf("plan changed the registry: version %d", v)
	}
	want = streamFlowPlan + "Applied version 1.\n"
	if out := mustFG(t, append([]string{"apply", repo}, reg...)...); out != want {
		t.Fatalf("apply:\n%s\nwant\n%s", out, want)
	}
	for _, verb := range []string{"plan", "apply"} {
		if out := mustFG(t, append([]string{verb, repo}, reg...)...); out != "No changes.\n" {
			t.Fatalf("%s of the applied repo: %q", verb, out)
		}
	}
	if v := registryVersion(t, dsn, "streamflow"); v != 1 {
		t.Fatalf("re-applying an unchanged repo: version %d, want 1", v)
	}

	// Remove a view and its source, change a type.
	dir := copyRepo(t)
	editRepo(t, dir, "feature_views.sql", "monthly_fee        REAL", "monthly_fee        DOUBLE PRECISION")
	editRepo(t, dir, "feature_views.sql", `CREATE FEATURE VIEW support_agg_90d_fv (
  support_tickets_90d           BIGINT,
  ticket_avg_resolution_hrs_90d REAL
) ENTITY user SOURCE support_agg_90d_source
  TTL NONE ONLINE TAGS (owner = 'mlops-course') COMMENT 'support interactions, last 90 days';`, "")
	editRepo(t, dir, "data_sources.sql", `CREATE SOURCE support_agg_90d_source TIMESTAMP COLUMN as_of AS TABLE support_agg_90d_snapshots;
COMMENT ON SOURCE support_agg_90d_source IS 'support ticket aggregates';`, "")
	changes := "- feature view support_agg_90d_fv\n~ feature view subs_profile_fv\n    ~ feature monthly_fee real -> monthly_fee double precision\n- source support_agg_90d_source\n"
	want = changes + "Plan: 0 to create, 1 to replace, 2 to drop.\n"
	if out := mustFG(t, append([]string{"plan", dir}, reg...)...); out != want {
		t.Fatalf("plan of the edited repo:\n%s\nwant\n%s", out, want)
	}
	if out := mustFG(t, append([]string{"apply", dir}, reg...)...); out != changes+"Applied version 2.\n" {
		t.Fatalf("apply of the edited repo:\n%s", out)
	}
	out := mustFG(t, append([]string{"features", "list", "--view", "subs_profile_fv"}, reg...)...)
	if !regexp.MustCompile(`(?m)^subs_profile_fv +monthly_fee +double precision `).MatchString(out) {
		t.Errorf("monthly_fee is not double precision:\n%s", out)
	}

	// A view and the service that reads it change together: the service
	// is re-created, which shows as a replace.
	editRepo(t, dir, "feature_views.sql", "  watch_hours_30d     REAL,\n", "")
	editRepo(t, dir, "feature_services.sql", "usage_agg_30d_fv.watch_hours_30d", "usage_agg_30d_fv.skips_7d")
	changes = "~ feature view usage_agg_30d_fv\n    - feature watch_hours_30d real\n" +
		"~ feature service churn_v1\n    + usage_agg_30d_fv.skips_7d\n    - usage_agg_30d_fv.watch_hours_30d\n"
	if out := mustFG(t, append([]string{"plan", dir}, reg...)...); out != changes+"Plan: 0 to create, 2 to replace, 0 to drop.\n" {
		t.Fatalf("plan of a view and its service:\n%s", out)
	}
	if out := mustFG(t, append([]string{"apply", dir}, reg...)...); out != changes+"Applied version 3.\n" {
		t.Fatalf("apply of a view and its service:\n%s", out)
	}
	if out := mustFG(t, append([]string{"plan", dir}, reg...)...); out != "No changes.\n" {
		t.Fatalf("plan after apply: %q", out)
	}
}

// TestApplyInvalidRepo: a definition the offline store refutes fails with
// its file, line and column, and changes nothing.
func TestApplyInvalidRepo(t *testing.T) {
	dsn := streamFlowDB(t)
	reg := []string{"--offline", dsn, "--project", "streamflow"}
	dir := copyRepo(t)
	editRepo(t, dir, "feature_views.sql", "failed_payments_90d BIGINT\n", "failed_payments_90d BIGINT,\n  failed_refunds_90d  BIGINT\n")
	want := filepath.Join(dir, "feature_views.sql") + fmt.Sprintf(":%d:1:", paymentsViewLine(t)) + ` feature view "payments_agg_90d_fv": column "failed_refunds_90d" does not exist in source "payments_agg_90d_source"
  hint: The source's columns are: user_id, as_of, failed_payments_90d.`
	for _, verb := range []string{"plan", "apply"} {
		out, err := fg(append([]string{verb, dir}, reg...)...)
		if err == nil || err.Error() != want {
			t.Fatalf("%s of an invalid repo: %v\nwant %s\n%s", verb, err, want, out)
		}
		if out != "" {
			t.Errorf("%s printed %q", verb, out)
		}
	}
	if v := registryVersion(t, dsn, "streamflow"); v != 0 {
		t.Fatalf("a failed apply changed the registry: version %d", v)
	}

	// Once applied, a bad edit leaves the registry as it was.
	mustFG(t, append([]string{"apply", streamFlowRepo}, reg...)...)
	if _, err := fg(append([]string{"apply", dir}, reg...)...); err == nil || err.Error() != want {
		t.Fatalf("apply of an invalid edit: %v", err)
	}
	if v := registryVersion(t, dsn, "streamflow"); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	if out := mustFG(t, append([]string{"plan", streamFlowRepo}, reg...)...); out != "No changes.\n" {
		t.Fatalf("the registry changed: %q", out)
	}
}

// TestRepoErrors: errors in the files themselves, found before the
// registry is read, each with its place.
func TestRepoErrors(t *testing.T) {
	reg := []string{"--offline", "postgres://nobody@127.0.0.1:1/none", "--project", "p"}
	tests := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		wants []string
	}{
		{"syntax error", func(t *testing.T, dir string) {
			editRepo(t, dir, "entities.sql", "(user_id TEXT)", "(user_id TEXT")
		}, []string{"entities.sql:2:34: syntax error at or near \"COMMENT\"", "hint: expected \",\" or \")\""}},
		{"drop in a repo file", func(t *testing.T, dir string) {
			writeFile(t, dir, "zz_cleanup.sql", "\n\nDROP FEATURE VIEW old_fv;\n")
		}, []string{"zz_cleanup.sql:3:1: DROP FEATURE: a repo file holds definitions only", "hint: Use CREATE"}},
		{"duplicate across files", func(t *testing.T, dir string) {
			writeFile(t, dir, "more.sql", "CREATE FEATURE SERVICE payments_agg_90d_fv AS subs_profile_fv.*;")
		}, []string{"more.sql:1:1: feature service \"payments_agg_90d_fv\" is defined twice: also at ", fmt.Sprintf("feature_views.sql:%d:1", paymentsViewLine(t))}},
		{"comment on a missing object", func(t *testing.T, dir string) {
			writeFile(t, dir, "notes.sql", "COMMENT ON ENTITY driver IS 'x';")
		}, []string{`notes.sql:1:1: COMMENT ON ENTITY "driver": no file of the repo defines it`}},
		{"every error at once", func(t *testing.T, dir string) {
			writeFile(t, dir, "a.sql", "SELECT 1;")
			writeFile(t, dir, "b.sql", "CREATE ENTITY user (user_id TEXT);")
		}, []string{"a.sql:1:1: SELECT 1: a repo file holds definitions only", "entities.sql:2:1: entity \"user\" is defined twice: also at ", "b.sql:1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyRepo(t)
			tt.edit(t, dir)
			_, err := fg(append([]string{"plan", dir}, reg...)...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRepoSetupErrors: what plan says when it lacks a registry, a project
// or a repo.
func TestRepoSetupErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"plan", streamFlowRepo, "--project", "p"}, "no registry: pass --offline"},
		{[]string{"apply", streamFlowRepo, "--offline", "postgres://x@127.0.0.1:1/x"}, "no project: pass --project NAME or set project in featuregate.yaml"},
		{[]string{"plan", empty}, "holds no *.sql files"},
		{[]string{"plan", filepath.Join(empty, "missing")}, "is not a directory"},
		{[]string{"plan", "a", "b"}, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		if _, err := fg(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("featuregate %s: %v, want an error containing %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

// TestRepoConfig: plan and apply read DIR/featuregate.yaml, or --config;
// flags override it.
func TestRepoConfig(t *testing.T) {
	dsn := streamFlowDB(t)
	dir := copyRepo(t)
	writeFile(t, dir, "featuregate.yaml", fmt.Sprintf("project: fromdir\noffline:\n  dsn: %s\n", dsn))
	if out := mustFG(t, "apply", dir); !strings.HasSuffix(out, "Applied version 1.\n") {
		t.Fatalf("apply with DIR/featuregate.yaml: %q", out)
	}
	if v := registryVersion(t, dsn, "fromdir"); v != 1 {
		t.Fatalf("project fromdir: version %d", v)
	}
	cfg := filepath.Join(t.TempDir(), "other.yaml")
	writeFile(t, filepath.Dir(cfg), "other.yaml", fmt.Sprintf("project: fromconfig\noffline:\n  dsn: %s\n", dsn))
	if out := mustFG(t, "plan", dir, "--config", cfg); !strings.HasPrefix(out, "+ entity user\n") {
		t.Fatalf("plan with --config: %q", out)
	}
	if out := mustFG(t, "plan", dir, "--project", "fromdir"); out != "No changes.\n" {
		t.Fatalf("plan with --project over the file: %q", out)
	}
}

// TestApplyConcurrent applies two repos to two projects, and one repo to
// one project from several goroutines, at once.
func TestApplyConcurrent(t *testing.T) {
	dsn := streamFlowDB(t)
	edited := copyRepo(t)
	editRepo(t, edited, "feature_views.sql", "monthly_fee        REAL", "monthly_fee        DOUBLE PRECISION")
	runs := []struct{ dir, project string }{
		{streamFlowRepo, "one"}, {edited, "two"},
		{streamFlowRepo, "same"}, {streamFlowRepo, "same"},
		{streamFlowRepo, "same"}, {edited, "one_more"},
	}
	outs := make([]string, len(runs))
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Go(func() {
			outs[i], errs[i] = fg("apply", r.dir, "--offline", dsn, "--project", r.project)
		})
	}
	wg.Wait()
	applied := 0
	for i, r := range runs {
		if errs[i] != nil {
			t.Fatalf("apply %s to %s: %v\n%s", r.dir, r.project, errs[i], outs[i])
		}
		if r.project == "same" && strings.HasSuffix(outs[i], "Applied version 1.\n") {
			applied++
		} else if r.project == "same" && outs[i] != "No changes.\n" {
			t.Errorf("apply to same: %q", outs[i])
		}
	}
	if applied != 1 {
		t.Errorf("%d of the applies of one repo to one project applied it, want 1", applied)
	}
	for _, r := range runs {
		if v := registryVersion(t, dsn, r.project); v != 1 {
			t.Errorf("project %s: version %d, want 1", r.project, v)
		}
		if out := mustFG(t, "plan", r.dir, "--offline", dsn, "--project", r.project); out != "No changes.\n" {
			t.Errorf("plan %s on %s after the applies: %q", r.dir, r.project, out)
		}
	}
}

// paymentsViewLine is the line of the example's feature_views.sql where
// payments_agg_90d_fv is defined.
func paymentsViewLine(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(streamFlowRepo, "feature_views.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "CREATE FEATURE VIEW payments_agg_90d_fv ") {
			return i + 1
		}
	}
	t.Fatal("feature_views.sql does not define payments_agg_90d_fv")
	return 0
}
