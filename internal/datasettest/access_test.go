package datasettest

import (
	"context"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/wire"
)

// users are the accounts of the permission test: an administrator, an
// analyst and an intern, both read-only on the offline store.
func users(c *wire.Config) {
	c.Users = []wire.User{{Name: "admin", ReadWrite: true, Admin: true},
		{Name: "alice", Roles: []string{"analyst"}}, {Name: "bob", Roles: []string{"intern"}}}
	c.DefaultAdmin = false
}

// TestPermissions checks that creating a dataset needs CREATE on it, and
// reading, validating or describing it the permissions that cover it.
func TestPermissions(t *testing.T) {
	gw, direct := project(t, "ds_access", users)
	admin := connect(t, gw, "admin", "ds_access")
	alice := connect(t, gw, "alice", "ds_access")
	bob := connect(t, gw, "bob", "ds_access")
	refused := func(who string, err error, what string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "42501") {
			t.Fatalf("%s %s: %v, want 42501", who, what, err)
		}
	}
	// By default only administrators create.
	_, err := alice.Exec(t.Context(), "CREATE DATASET mine AS "+trainingQuery)
	refused("alice", err, "creates a dataset without a permission")
	checkAbsent(t, direct, "ds_access", "mine")
	exec(t, admin, "CREATE PERMISSION analysts ON DATASET ALLOW CREATE, DESCRIBE, READ_OFFLINE TO analyst")
	// Alice's query runs as her session's read-only role.
	exec(t, alice, "CREATE DATASET mine AS "+trainingQuery)
	if rows := textRows(t, alice, "SELECT count(*) FROM mine"); rows[0][0] != "200" {
		t.Fatalf("alice reads %s rows", rows[0][0])
	}
	// On the offline PostgreSQL itself, a role that is not the gateway's
	// reads no dataset (the rows may come from tables it may not read).
	for _, sql := range []string{"CREATE ROLE ds_outsider", "GRANT CONNECT ON DATABASE ds_access TO ds_outsider"} {
		if _, err := direct.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = direct.Exec(context.Background(), "RESET ROLE") })
	_, err = direct.Exec(t.Context(), "SET ROLE ds_outsider; SELECT count(*) FROM fg_datasets_ds_access.mine")
	if err == nil || !strings.Contains(err.Error(), "42501") {
		t.Fatalf("a role of the offline store that is not the gateway's reads a dataset: %v, want 42501", err)
	}
	if _, err := direct.Exec(t.Context(), "RESET ROLE"); err != nil {
		t.Fatal(err)
	}
	_, err = bob.Exec(t.Context(), "CREATE DATASET his AS SELECT 1 AS one")
	refused("bob", err, "creates a dataset")
	_, err = bob.Exec(t.Context(), "SELECT * FROM mine")
	refused("bob", err, "reads a dataset")
	_, err = bob.Exec(t.Context(), "SELECT count(*) FROM (SELECT * FROM fg_datasets_ds_access.mine) AS m")
	refused("bob", err, "reads a dataset by its schema")
	_, err = bob.Exec(t.Context(), "SELECT s.user_id FROM mine s LEFT JOIN stats AS OF s.as_of f USING (user_id)")
	refused("bob", err, "joins a dataset with AS OF")
	_, err = bob.Exec(t.Context(), "VALIDATE mine AGAINST mine")
	refused("bob", err, "validates a dataset")
	_, err = bob.Exec(t.Context(), "SHOW CREATE DATASET mine")
	refused("bob", err, "describes a dataset")
	if rows := textRows(t, bob, "SHOW DATASETS"); len(rows) != 0 {
		t.Fatalf("bob sees datasets %v", rows)
	}
	_, err = bob.Exec(t.Context(), "DROP DATASET mine")
	refused("bob", err, "drops a dataset")
	// A CTE of the dataset's name is not the dataset.
	if rows := textRows(t, bob, "WITH mine AS (SELECT 1 AS one) SELECT * FROM mine"); len(rows) != 1 {
		t.Fatalf("bob's CTE: %v", rows)
	}
	_, err = alice.Exec(t.Context(), "DROP DATASET mine")
	refused("alice", err, "drops a dataset without DELETE")
	exec(t, admin, "DROP DATASET mine")
}
