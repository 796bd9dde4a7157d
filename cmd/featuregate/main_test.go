package main

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelp: each command answers --help with its usage and
// exit code 0.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Parent() != nil && c.Parent().Name() == "completion" {
			return
		}
		if c.Short == "" {
			t.Errorf("%s has no short help", c.CommandPath())
		}
		args := append(strings.Fields(c.CommandPath())[1:], "--help")
		out, errOut, code := fgRun("", args...)
		if code != 0 || !strings.Contains(out, "Usage:") || errOut != "" {
			t.Errorf("featuregate %s: exit %d\n%s%s", strings.Join(args, " "), code, errOut, out)
		}
	}
	walk(newRootCmd())
	for _, name := range []string{"init", "plan", "apply", "materialize", "materialize-incremental", "teardown", "registry-dump",
		"serve", "entities", "sources", "feature-views", "feature-services", "features", "projects",
		"get-online-features", "get-historical-features", "version", "configuration"} {
		if c, _, err := newRootCmd().Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("no command %s (Feast's): %v", name, err)
		}
	}
}

// TestExitCodes: 2 for a command called wrongly, 1 for one that failed,
// 0 for success.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		code  int
		args  []string
		wants []string
	}{
		{2, []string{"nonsense"}, []string{`unknown command "nonsense" for "featuregate"`, "Run 'featuregate --help' for usage."}},
		{2, []string{"version", "--nonsense"}, []string{"unknown flag: --nonsense"}},
		{2, []string{"version", "extra"}, []string{`unknown command "extra" for "featuregate version"`}},
		{2, []string{"entities", "list", "-o", "xml"}, []string{`unknown output format "xml": use -o table, json or yaml`}},
		{2, []string{"entities", "describe"}, []string{"accepts 1 arg(s), received 0", "Run 'featuregate entities describe --help' for usage."}},
		{1, []string{"projects", "list"}, []string{"no registry: pass --offline"}},
		{1, []string{"entities", "list"}, []string{"no project: pass --project NAME"}},
		{1, []string{"plan", t.TempDir()}, []string{"holds no *.sql files"}},
	}
	for _, tt := range tests {
		wantFail(t, tt.code, tt.wants, tt.args...)
	}
	if exitCode(nil) != 0 || exitCode(errors.New("x")) != 1 || exitCode(usagef("x")) != 2 {
		t.Error("exitCode")
	}
}

func TestVersion(t *testing.T) {
	if out := mustRun(t, "version"); out != "featuregate "+version+"\n" {
		t.Errorf("version: %q", out)
	}
	var v versionInfo
	out := mustRun(t, "version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.Version != version || v.GoVersion != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version -o json: %+v", v)
	}
	wantFail(t, 2, []string{`unknown output format "yaml": use -o text or json`}, "version", "-o", "yaml")
}

// TestBinary builds featuregate and runs it as a script would: exit codes
// and streams of the real process, stdin a pipe.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "featuregate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := ridesConfig(t, ridesDB(t))
	exe := func(stdin string, args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}
	out, errOut, code := exe("", "materialize", "2024-01-01", "2024-02-01", "--config", cfg)
	if code != 0 || errOut != "" || !strings.Contains(out, "\ndriver_stats_fv  2024-01-01 00:00:00+00  2024-02-01 00:00:00+00  3          2             1 ") {
		t.Errorf("materialize: exit %d\n%s%s", code, errOut, out)
	}
	out, errOut, code = exe("rides\n", "teardown", "--config", cfg)
	if code != 1 || out != "" || !strings.Contains(errOut, "pass --yes to confirm") {
		t.Errorf("teardown with stdin a pipe: exit %d\n%s%s", code, errOut, out)
	}
	if _, errOut, code = exe("", "materialize", "2024-01-01", "--config", cfg); code != 2 || !strings.Contains(errOut, "accepts 2 arg(s)") {
		t.Errorf("materialize with one time: exit %d\n%s", code, errOut)
	}
	if _, errOut, code = exe("", "get-online-features", "-f", "nope:x", "-e", "driver_id=1", "--config", cfg); code != 1 || !strings.Contains(errOut, "SQLSTATE") {
		t.Errorf("get-online-features of a missing view: exit %d\n%s", code, errOut)
	}
}
