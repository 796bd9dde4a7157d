package main

import (
	"strings"
	"testing"
)

// TestTeardown: without --yes on a pipe, teardown refuses and drops
// nothing; with --yes it drops the definitions and the online values, so
// that a re-applied project serves nothing until materialized again.
func TestTeardown(t *testing.T) {
	dsn := ridesDB(t)
	cfg := ridesConfig(t, dsn)
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg)

	out, errOut, code := fgRun("", "teardown", "--config", cfg)
	if code != 1 || out != "" || !strings.Contains(errOut, `teardown drops project "rides" and its online values: pass --yes to confirm (stdin is not a terminal`) {
		t.Fatalf("teardown without --yes: exit %d\n%s%s", code, errOut, out)
	}
	if out := mustRun(t, "feature-views", "list", "--config", cfg); !strings.Contains(out, "driver_stats_fv") {
		t.Fatalf("a refused teardown dropped the views:\n%s", out)
	}

	if out := mustRun(t, "teardown", "--yes", "--config", cfg); out != "Project rides torn down: its definitions and online values are dropped.\n" {
		t.Errorf("teardown --yes: %q", out)
	}
	if out := mustRun(t, "feature-views", "list", "--config", cfg); out != "name  entity  source  features  ttl  online  tags  comment\n" {
		t.Errorf("views after teardown:\n%s", out)
	}
	if out := mustRun(t, "projects", "list", "--config", cfg); strings.Contains(out, "rides") {
		t.Errorf("projects list still shows the torn-down project:\n%s", out)
	}
	mustFG(t, "apply", ridesRepo, "--offline", dsn, "--project", "rides")
	if out := mustRun(t, "get-online-features", "--config", cfg, "-f", "driver_stats_fv:trips", "-e", "driver_id=1"); out != "driver_id  trips\n1\n" {
		t.Errorf("online values survived teardown:\n%s", out)
	}
	wantFail(t, 1, []string{"SQLSTATE 42704"}, "teardown", "--yes", "--config", cfg, "--project", "never_defined")
}

// TestTeardownConfirm: on a terminal, teardown goes ahead only once the
// project name is typed.
func TestTeardownConfirm(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	defer func(f func(any) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(any) bool { return true }
	for _, typed := range []string{"", "ride\n", "yes\n"} {
		out, errOut, code := fgRun(typed, "teardown", "--config", cfg)
		if code != 1 || !strings.Contains(errOut, "Type the project name to confirm: ") ||
			!strings.Contains(errOut, "teardown cancelled: the project name was not typed; nothing was dropped") || out != "" {
			t.Errorf("typing %q: exit %d\n%s%s", typed, code, errOut, out)
		}
	}
	out, errOut, code := fgRun("rides\n", "teardown", "--config", cfg)
	if code != 0 || !strings.HasPrefix(out, "Project rides torn down") {
		t.Errorf("typing rides: exit %d\n%s%s", code, errOut, out)
	}
}
