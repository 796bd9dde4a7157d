package securitytest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/plan"
)

// definitions are the project the permission matrix runs on, made by the
// administrator: two views, one of them tagged as personal data, a
// service, and permissions in Feast's model.
var definitions = []string{
	"CREATE SOURCE ev TIMESTAMP COLUMN ts AS TABLE events",
	"CREATE FEATURE VIEW public_fv (score REAL) ENTITY usr SOURCE ev TTL NONE ONLINE",
	"CREATE FEATURE VIEW pii_fv (score REAL) ENTITY usr SOURCE ev TTL NONE ONLINE TAGS (pii = 'true')",
	"CREATE FEATURE SERVICE svc AS public_fv.*",
	"CREATE PERMISSION ds_read ON FEATURE VIEW MATCHING 'public_.*' ALLOW READ_ONLINE, READ_OFFLINE, DESCRIBE TO data_scientist",
	"CREATE PERMISSION etl_write ON FEATURE VIEW ALLOW WRITE_ONLINE, READ_ONLINE, DESCRIBE TO etl",
	"CREATE PERMISSION pii ON FEATURE VIEW TAGS (pii = 'true') ALLOW READ_OFFLINE TO auditor",
	"MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'",
	"CREATE DATASET ds AS SELECT s.user_id, f.score FROM (VALUES (1::bigint, now())) s(user_id, t) LEFT JOIN public_fv AS OF s.t f USING (user_id)",
}

// matrix is every featuregate statement as each user sends it: "" when
// allowed, else the refused action as the 42501 message names it (or the
// words of another 42501 refusal).
var matrix = []struct {
	sql              string
	alice, etl, root string
}{
	{"CREATE ENTITY other (k TEXT)", "CREATE", "CREATE", ""},
	{"CREATE OR REPLACE ENTITY usr (user_id BIGINT) COMMENT 'users'", "UPDATE", "UPDATE", ""},
	{"COMMENT ON FEATURE VIEW public_fv IS 'x'", "UPDATE", "UPDATE", ""},
	{"CREATE SOURCE ev2 TIMESTAMP COLUMN ts AS TABLE events", "CREATE", "CREATE", ""},
	// A file source needs CREATE before any file is read; this gateway has
	// no files.root, so it reads none, even for an administrator.
	{"CREATE SOURCE fsrc TIMESTAMP COLUMN ts AS FILE '../../etc/passwd.csv'", "CREATE", "CREATE", "reads no files"},
	{"MATERIALIZE public_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'", "WRITE_ONLINE", "", ""},
	{"MATERIALIZE pii_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'", "WRITE_ONLINE", "", ""},
	{"SELECT score FROM public_fv WHERE user_id = 1", "", "", ""},
	{"SELECT score FROM pii_fv WHERE user_id = 1", "READ_ONLINE", "", ""},
	{"SELECT * FROM svc WHERE user_id = 1", "", "", ""},
	{"SELECT s.user_id, f.score FROM (VALUES (1::bigint, now())) s(user_id, t) LEFT JOIN public_fv AS OF s.t f USING (user_id)", "", "READ_OFFLINE", ""},
	{"SELECT s.user_id, f.score FROM (VALUES (1::bigint, now())) s(user_id, t) LEFT JOIN pii_fv AS OF s.t f USING (user_id)", "READ_OFFLINE", "READ_OFFLINE", ""},
	{"CREATE DATASET ds2 AS SELECT 1 AS one", "CREATE", "CREATE", ""},
	{"SELECT * FROM ds", "", "", ""},
	{"VALIDATE ds AGAINST ds", "", "", ""},
	{"DROP DATASET ds", "DELETE", "DELETE", ""},
	{"CREATE PERMISSION p2 ON ENTITY ALLOW DESCRIBE TO data_scientist", "administrators", "administrators", ""},
	{"DROP PERMISSION IF EXISTS p2", "administrators", "administrators", ""},
	{"DROP FEATURE SERVICE svc", "DELETE", "DELETE", ""},
	{"DROP PROJECT sec", "DELETE", "DELETE", ""},
}

// TestPermissionMatrix runs every featuregate statement as a read-only
// user with a role, a read-write user with another and an administrator,
// for both kinds of owner: each is allowed or refused with 42501 naming
// the missing action, and a refused statement changes nothing.
func TestPermissionMatrix(t *testing.T) {
	for _, o := range owners {
		t.Run(o.name, func(t *testing.T) {
			e := newEnv(t, o.super)
			root := e.session(t, "root")
			for _, d := range definitions {
				if err := exec(root, d); err != nil {
					t.Fatalf("%s: %v", d, err)
				}
			}
			for _, c := range matrix {
				for _, u := range []struct{ name, want string }{{"alice", c.alice}, {"etl", c.etl}, {"root", c.root}} {
					if u.name == "root" {
						continue // root's changes run last, below: they change the project
					}
					checkStatement(t, e, u.name, c.sql, u.want)
				}
			}
			for _, c := range matrix {
				checkStatement(t, e, "root", c.sql, c.root)
			}
		})
	}
}

// checkStatement runs sql as user and checks its outcome against want: ""
// for success, else a word of the 42501 message.
func checkStatement(t *testing.T, e *env, user, sql, want string) {
	t.Helper()
	before := registryVersion(t, e)
	err := exec(e.session(t, user), sql)
	var pe *pgconn.PgError
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %s: refused: %v", user, sql, err)
	case want == "":
	case !errors.As(err, &pe) || pe.Code != "42501" || !strings.Contains(pe.Message, want):
		t.Errorf("%s: %s: got %v, want 42501 naming %s", user, sql, err, want)
	case registryVersion(t, e) != before:
		t.Errorf("%s: %s: refused, but the registry changed", user, sql)
	}
}

func registryVersion(t *testing.T, e *env) int64 {
	t.Helper()
	var v int64
	if err := e.oc.QueryRow(context.Background(),
		`SELECT coalesce(max(version), 0) FROM featuregate_registry.versions WHERE project = 'sec'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestShowDescribes: SHOW lists only what the user may describe; SHOW
// PERMISSIONS lists them all.
func TestShowDescribes(t *testing.T) {
	e := newEnv(t, true)
	root := e.session(t, "root")
	for _, d := range definitions {
		if err := exec(root, d); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	for user, want := range map[string]string{"alice": "public_fv", "etl": "pii_fv,public_fv", "root": "pii_fv,public_fv"} {
		conn := e.session(t, user)
		if got := column(t, conn.PgConn(), "SHOW FEATURE VIEWS"); got != want {
			t.Errorf("%s: SHOW FEATURE VIEWS lists %s, want %s", user, got, want)
		}
		if got := column(t, conn.PgConn(), "SHOW PERMISSIONS"); got != "ds_read,etl_write,pii" {
			t.Errorf("%s: SHOW PERMISSIONS lists %s", user, got)
		}
		// A misspelled relation's hint names only what the user may describe.
		_, err := conn.Exec(context.Background(), "SELECT 1 FROM pii_f")
		var pe *pgconn.PgError
		named := errors.As(err, &pe) && strings.Contains(pe.Hint, "pii_fv")
		if named != strings.Contains(want, "pii_fv") {
			t.Errorf("%s: the hint of a misspelled pii_fv: %v", user, err)
		}
	}
}

// column returns the first column of sql's rows, joined by commas.
func column(t *testing.T, conn *pgconn.PgConn, sql string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), sql).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var names []string
	for _, row := range res[0].Rows {
		names = append(names, string(row[0]))
	}
	return strings.Join(names, ",")
}

// TestProjectsAndHTTP: users open only existing projects they are bound
// to, and HTTP requests authenticate with bearer tokens and meet the same
// permissions as SQL.
func TestProjectsAndHTTP(t *testing.T) {
	e := newEnv(t, true)
	root := e.session(t, "root")
	for _, d := range definitions {
		if err := exec(root, d); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	var pe *pgconn.PgError
	if _, err := e.connect(t, "bob", bobPW, nil); !errors.As(err, &pe) || pe.Code != "42501" || !strings.Contains(pe.Message, `may not open project "sec"`) {
		t.Errorf("bob, bound to another project, opened sec: %v", err)
	}
	if _, err := e.connectTo(t, "alice", alicePW, "nope"); !errors.As(err, &pe) || pe.Code != "3D000" || !strings.Contains(pe.Message, `project "nope" does not exist`) {
		t.Errorf("alice opened an unknown project: %v", err)
	}
	srv := httptest.NewServer(httpapi.New(e.gw.Planner, httpapi.Config{Project: "sec", Auth: httpapi.Tokens(map[string]plan.Identity{
		"tok-alice": {User: "alice", Roles: []string{"data_scientist"}},
		"tok-bob":   {User: "bob", Projects: []string{"elsewhere"}},
	})}))
	defer srv.Close()
	for _, c := range []struct {
		token, body string
		code        int
		want        string
	}{
		{"", `{"features": ["public_fv:score"], "entities": {"user_id": [1]}}`, 401, "authentication required"},
		{"wrong", `{"features": ["public_fv:score"], "entities": {"user_id": [1]}}`, 401, "authentication required"},
		{"tok-alice", `{"features": ["public_fv:score"], "entities": {"user_id": [1]}}`, 200, `"PRESENT"`},
		{"tok-alice", `{"features": ["pii_fv:score"], "entities": {"user_id": [1]}}`, 403, "may not READ_ONLINE feature view pii_fv"},
		{"tok-bob", `{"features": ["public_fv:score"], "entities": {"user_id": [1]}}`, 403, `may not open project \"sec\"`},
		{"tok-alice", `{"features": ["public_fv:score"], "entities": {"user_id": [1]}, "project": "nope"}`, 404, `project \"nope\" does not exist`},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/get-online-features", strings.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("%s %s: %d %s, want %d containing %s", c.token, c.body, resp.StatusCode, body, c.code, c.want)
		}
	}
}

// TestRefreshSource: REFRESH SOURCE needs UPDATE on the source; an
// administrator's, of a table source, is refused as such.
func TestRefreshSource(t *testing.T) {
	e := newEnv(t, true)
	root := e.session(t, "root")
	for _, d := range definitions {
		if err := exec(root, d); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	checkStatement(t, e, "alice", "REFRESH SOURCE ev", "UPDATE")
	checkStatement(t, e, "etl", "REFRESH SOURCE ev", "UPDATE")
	err := exec(root, "REFRESH SOURCE ev")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "22023" || !strings.Contains(pe.Message, `source "ev" is not a file source`) {
		t.Errorf("root: REFRESH SOURCE of a table source: %v", err)
	}
}
