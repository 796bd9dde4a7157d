package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "featuregate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	t.Setenv("FG_TEST_PW", "pa$$word")
	cfg, err := Load(write(t, `project: streamflow
listen: 127.0.0.1:6000
offline:
  type: postgres
  dsn: postgres://u:${FG_TEST_PW}@h/db
auth:
  method: scram-sha-256
  users:
    - {name: alice, password: "${FG_TEST_PW}"}
    - {name: etl, password: x, access: read-write}
limits:
  idle_session_timeout: 5m
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Project != "streamflow" || cfg.Listen != "127.0.0.1:6000" || cfg.DataDir != ".featuregate" ||
		cfg.Offline.DSN != "postgres://u:pa$$word@h/db" || cfg.Auth.Users[0].Password != "pa$$word" ||
		cfg.Auth.Users[1].Access != "read-write" || time.Duration(cfg.Limits.IdleSessionTimeout) != 5*time.Minute ||
		cfg.Online.Type != "pebble" {
		t.Fatalf("%+v", cfg)
	}
	// The limits the file does not set keep their defaults.
	want := DefaultLimits()
	want.IdleSessionTimeout = Duration(5 * time.Minute)
	if cfg.Limits != want {
		t.Fatalf("limits: %+v, want %+v", cfg.Limits, want)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"project: x\nofline:\n  dsn: y\n", "line 2: field ofline not found"},
		{"offline:\n  dsn: y\n  password: z\n", "line 3: field password not found"},
		{"offline:\n  dsn: ${FG_TEST_UNSET_VAR}\n", "FG_TEST_UNSET_VAR is not set"},
		{"auth:\n  method: md5\n", `auth.method "md5" is not supported`},
		{"limits:\n  idle_session_timeout: soon\n", `line 2: "soon" is not a duration`},
		{"auth:\n  users: [{name: a, access: root}]\n", `access "root" is not read-only, read-write or admin`},
		{"online:\n  type: redis\n", `online.type "redis"`},
		{"tls:\n  cert: a.pem\n", "tls needs both cert and key"},
		{"offline:\n  reader_role: a\n  roles: {reader: b}\n", "offline.reader_role \"a\" and offline.roles.reader \"b\" differ"},
		{"offline:\n  roles: {reader: x, writer: x}\n", "the reader and the writer must be two roles"},
		{"auth:\n  users: [{name: a, upstream: {password: p}}]\n", "upstream has a password but no role"},
		{"tls:\n  required: true\n", "tls.required needs tls.cert and tls.key"},
		{"limits:\n  max_keys_per_lookup: -5\n", "limits.max_keys_per_lookup must not be negative"},
		{"limits:\n  startup_timeout: -1s\n", "limits.startup_timeout must not be negative"},
		{"limits:\n  login_throttle_failures: -2\n", "login_throttle_failures is -1 (off)"},
		{"limits:\n  max_pending: 3\n", "field max_pending not found"},
	} {
		_, err := Load(write(t, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: want error containing %q, got %v", c.body, c.want, err)
		}
	}
}

// TestRoles: the roles' names default, reader_role is the older name of
// roles.reader, and users may name an upstream role.
func TestRoles(t *testing.T) {
	for body, want := range map[string]string{
		"project: x\n":                          "featuregate_reader featuregate_writer []",
		"offline:\n  reader_role: old_reader\n": "old_reader featuregate_writer []",
		"offline:\n  roles: {reader: r, writer: w}\n  read_schemas: [public, raw]\n": "r w [public raw]",
	} {
		cfg, err := Load(write(t, body))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Offline.ReaderName() + " " + cfg.Offline.WriterName() + " " + fmt.Sprint(cfg.Offline.ReadSchemas); got != want {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
	t.Setenv("FG_TEST_ANALYST_PW", "s3")
	cfg, err := Load(write(t, "auth:\n  users: [{name: a, upstream: {role: analyst, password: \"${FG_TEST_ANALYST_PW}\"}}]\n"))
	if err != nil || cfg.Auth.Users[0].Upstream != (Upstream{Role: "analyst", Password: "s3"}) {
		t.Fatalf("%+v %v", cfg.Auth.Users, err)
	}
}
