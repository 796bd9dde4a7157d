package main

import (
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/featuregate/featuregate/internal/config"
)

// TestConfiguration prints the effective configuration: the file over the
// defaults, the environment, the flags; no password shows, and the output
// is a config file that loads again.
func TestConfiguration(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FG_CONF_PW", "s3cret")
	writeFile(t, dir, "featuregate.yaml", `project: streamflow
offline:
  dsn: postgres://fg:${FG_CONF_PW}@db.example:5432/streamflow?sslmode=disable
online:
  type: postgres
  dsn: host=db.example user=fg password=${FG_CONF_PW} dbname=online
auth:
  method: scram-sha-256
  users:
    - {name: alice, password: "${FG_CONF_PW}"}
    - {name: ana, password: x, upstream: {role: analyst, password: "${FG_CONF_PW}"}}
limits:
  idle_session_timeout: 5m
`)
	out := mustRun(t, "configuration", "--config", filepath.Join(dir, "featuregate.yaml"), "--listen", "0.0.0.0:6000", "--http", "off")
	if strings.Contains(out, "s3cret") {
		t.Fatalf("a password shows:\n%s", out)
	}
	for _, want := range []string{
		"project: streamflow\n", "listen: 0.0.0.0:6000\n", "http_listen: \"off\"\n", "data_dir: .featuregate\n",
		"dsn: postgres://fg:********@db.example:5432/streamflow?sslmode=disable\n",
		"dsn: host=db.example user=fg password=******** dbname=online\n",
		"password: '********'\n", "idle_session_timeout: 5m0s\n", "idle_in_transaction_timeout: 0s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("configuration lacks %q:\n%s", want, out)
		}
	}
	writeFile(t, dir, "printed.yaml", out)
	cfg, err := config.Load(filepath.Join(dir, "printed.yaml"))
	if err != nil || cfg.Listen != "0.0.0.0:6000" || cfg.Auth.Users[0].Name != "alice" {
		t.Errorf("the printed configuration does not load: %v", err)
	}

	// With no file: the defaults, and the current directory's file when
	// there is one.
	t.Chdir(t.TempDir())
	var def map[string]any
	if err := yaml.Unmarshal([]byte(mustRun(t, "configuration")), &def); err != nil || def["listen"] != "127.0.0.1:5433" || def["http_listen"] != "127.0.0.1:6566" {
		t.Errorf("default configuration: %v %v", def, err)
	}
	writeFile(t, ".", "featuregate.yaml", "project: here\n")
	if out := mustRun(t, "configuration", "--project", "flag"); !strings.Contains(out, "project: flag\n") {
		t.Errorf("--project over ./featuregate.yaml:\n%s", out)
	}
	if out := mustRun(t, "configuration"); !strings.Contains(out, "project: here\n") {
		t.Errorf("./featuregate.yaml:\n%s", out)
	}
	writeFile(t, ".", "featuregate.yaml", "project: here\nlisten_addr: x\n")
	wantFail(t, 1, []string{"line 2: field listen_addr not found"}, "configuration")
}

func TestMaskDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h/db":               "postgres://u:********@h/db",
		"postgres://u@h/db":                 "postgres://u@h/db",
		"postgres://h/db?password=x&user=u": "postgres://h/db?password=********&user=u",
		"host=h password='a b\\'c' user=u":  "host=h password=******** user=u",
		"host=h password = x":               "host=h password = ********",
		"":                                  "",
	} {
		if got := maskDSN(in); got != want {
			t.Errorf("maskDSN(%q) = %q, want %q", in, got, want)
		}
	}
}
