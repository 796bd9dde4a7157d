package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestRolesCommands: roles setup creates the roles of offline.roles and
// their secrets, and roles rotate replaces the secrets. (Roles belong to
// the cluster, which this package's tests share: the roles here are this
// database's own.)
func TestRolesCommands(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, "rolescmd")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "featuregate.yaml")
	body := "offline:\n  dsn: " + dsn + "\n  roles: {reader: rc_reader, writer: rc_writer}\n"
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	rolesCmd := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetArgs(append([]string{"roles", "--config", cfgPath, "--log-level", "error"}, args...))
		if err := root.ExecuteContext(ctx); err != nil {
			t.Fatalf("roles %v: %v", args, err)
		}
		return out.String()
	}
	secrets := func() map[string]string {
		t.Helper()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, _ := conn.Query(ctx, "SELECT role, secret FROM featuregate_registry.upstream_credentials")
		m := map[string]string{}
		var role, secret string
		_, err = pgx.ForEachRow(rows, []any{&role, &secret}, func() error { m[role] = secret; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if out := rolesCmd("setup"); !strings.Contains(out, "rc_reader (read-only) and rc_writer (read-write) are ready") {
		t.Fatalf("setup: %q", out)
	}
	before := secrets()
	if len(before["rc_reader"]) != 43 || len(before["rc_writer"]) != 43 {
		t.Fatalf("secrets after setup: %v", before)
	}
	if out := rolesCmd("rotate"); !strings.Contains(out, "Rotated the secrets of rc_reader and rc_writer") {
		t.Fatalf("rotate: %q", out)
	}
	after := secrets()
	for r, s := range before {
		if after[r] == s || len(after[r]) != 43 {
			t.Errorf("%s: secret not rotated", r)
		}
	}
}
