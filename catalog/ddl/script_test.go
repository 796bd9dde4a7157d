package ddl

import (
	"errors"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/catalog"
)

func TestParseScript(t *testing.T) {
	text := `-- StreamFlow entities
CREATE ENTITY user (user_id TEXT) COMMENT 'StreamFlow customer';

/* sources */
CREATE OR REPLACE SOURCE s TIMESTAMP COLUMN as_of AS
  SELECT 'a;b' AS user_id, now() AS as_of; -- the ';' in the string is no separator
COMMENT ON ENTITY user IS 'customer';
;
`
	stmts, err := ParseScriptStatements("entities.sql", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line, col int
		sql       string
	}{
		{2, 1, "CREATE ENTITY \"user\" (user_id text) COMMENT 'StreamFlow customer'"},
		{5, 1, "CREATE OR REPLACE SOURCE s TIMESTAMP COLUMN as_of AS SELECT 'a;b' AS user_id, now() AS as_of"},
		{7, 1, "COMMENT ON ENTITY \"user\" IS 'customer'"},
	}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements, want %d", len(stmts), len(want))
	}
	for i, w := range want {
		s := stmts[i]
		if s.Line != w.line || s.Col != w.col || s.Statement.SQL() != w.sql {
			t.Errorf("statement %d: got %d:%d %q, want %d:%d %q", i, s.Line, s.Col, s.Statement.SQL(), w.line, w.col, w.sql)
		}
	}
	ddl, err := ParseScript("entities.sql", text)
	if err != nil || len(ddl) != 3 {
		t.Fatalf("ParseScript: %d statements, %v", len(ddl), err)
	}
	if e := ddl[0].(*CreateStmt).Object.(*catalog.Entity); e.Name != "user" {
		t.Errorf("entity %q", e.Name)
	}
}

func TestParseScriptErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // each a line of the error, in order
	}{
		{"syntax error position", "CREATE ENTITY user (user_id TEXT);\n\nCREATE ENTITY e (k TEXT) BOGUS;\n",
			[]string{`f.sql:3:26: syntax error at or near "BOGUS"`}},
		{"position past a multibyte character", "CREATE ENTITY e (k TEXT) COMMENT 'é';\n  CREATE ENTITY é2 (k NOTATYPE[[]);",
			[]string{`f.sql:2:23: type "notatype" is not supported`}},
		{"drop", "\n  DROP ENTITY user;", []string{"f.sql:2:3: DROP ENTITY: a repo file holds definitions only", "  hint: Use CREATE"}},
		{"show", "SHOW ENTITIES", []string{"f.sql:1:1: SHOW ENTITIES: a repo file holds definitions only"}},
		{"plain SQL, after a comment", "CREATE ENTITY e (k TEXT);\n/* x */ CREATE TABLE t (a int);",
			[]string{"f.sql:2:9: CREATE TABLE: a repo file holds definitions only"}},
		{"several errors", "SELECT 1;\nCREATE ENTITY;\n",
			[]string{"f.sql:1:1: SELECT 1: a repo file holds definitions only", "  hint:", "f.sql:2:14: syntax error at end of input"}},
		{"unterminated string", "CREATE ENTITY e (k TEXT) COMMENT 'oops;\n",
			[]string{"f.sql:1:34: unterminated quoted string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScript("f.sql", tt.text)
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) < len(tt.want) {
				t.Fatalf("error %q: want lines starting %q", err, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d of the error: got %q, want prefix %q", i+1, lines[i], w)
				}
			}
			var se *ScriptError
			if !errors.As(err, &se) || se.File != "f.sql" {
				t.Errorf("error %T is not a *ScriptError for f.sql", err)
			}
		})
	}
}

func TestLineCol(t *testing.T) {
	text := "ab\nçd\n"
	for _, tt := range []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 2}, {7, 3, 1}, {100, 3, 1}, {-1, 1, 1},
	} {
		if l, c := lineCol(text, tt.off); l != tt.line || c != tt.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}
