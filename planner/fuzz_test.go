package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner"
)

// planSeeds are real query strings of the kinds clients send: single and
// multi-statement strings, dollar quotes, comments, and the statements the
// read-only guard refuses.
var planSeeds = []string{
	"",
	";",
	"   ",
	"SELECT 1",
	"select 1; select 2;",
	"SELECT 1; SELECT 'a;b'; SELECT \"x;y\" FROM t",
	"BEGIN; SELECT * FROM t WHERE a = $1; COMMIT",
	"SELECT $$dollar ; quoted$$, $tag$nested $$ inside$tag$",
	"SELECT $a$unterminated",
	"-- a comment\nSELECT 1 -- trailing\n",
	"/* block /* nested */ comment */ SELECT 2",
	"/* unterminated comment SELECT 1",
	"SELECT 'unterminated",
	"SET ROLE postgres",
	"set role = 'postgres'",
	"RESET ROLE",
	"SET SESSION AUTHORIZATION postgres",
	"SET LOCAL role TO DEFAULT",
	"SET search_path = public, pg_temp",
	"SELECT set_config('role', 'postgres', false)",
	"SELECT pg_catalog.set_config('session_authorization', 'postgres', true)",
	"SELECT set_config(current_setting('x'), 'y', false)",
	"SELECT set_config('work_mem', '64MB', false)",
	"WITH c AS (SELECT set_config('role','postgres',false)) SELECT * FROM c",
	"PREPARE p AS SELECT set_config('ROLE', 'postgres', false); EXECUTE p",
	"DECLARE c CURSOR FOR SELECT set_config(' Role ', 'x', false)",
	"DO $$BEGIN PERFORM 1; END$$",
	"DO LANGUAGE plpgsql $body$ BEGIN RAISE NOTICE 'hi'; END $body$",
	"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$SELECT 1$$",
	"CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'",
	"CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (1); SELECT * FROM t",
	"CREATE TABLE A(); create table b as select 1",
	"COPY t FROM STDIN; COPY (SELECT 1) TO STDOUT",
	"EXPLAIN ANALYZE SELECT * FROM generate_series(1, 10)",
	"SELECT E'\\x00', U&'\\0041', B'101', X'ff'",
	"SELECT 1 FROM (((((((((((((((SELECT 1) a) b) c) d) e) f) g) h) i) j) k) l) m) n) o",
	"SELECT " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200),
	"SELECT \u00e9t\u00e9 FROM \"t\u00e4ble\"; SELECT '\U0001F600'",
	"\xff\xfe invalid utf-8 SELECT 1",
	"SELECT 1\x00SELECT 2",
}

// FuzzPlan checks that planning any string never panics, always yields a
// plan that covers the input, and refuses nothing in a read-write session.
func FuzzPlan(f *testing.F) {
	for _, s := range planSeeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	p := planner.New(nil)
	f.Fuzz(func(t *testing.T, sql string, readOnly bool) {
		sess := plan.Session{User: "fuzz", Database: "fuzz", ReadOnly: readOnly}
		pl, err := p.Plan(context.Background(), sess, sql)
		if err != nil {
			t.Fatalf("Plan(%q) returned an error: %v", sql, err)
		}
		if pl == nil {
			t.Fatalf("Plan(%q) returned no plan", sql)
		}
		// A read-only session's plain CREATE TABLE becomes CREATE TEMP
		// TABLE: that insertion is the only change a plan makes without a
		// catalog.
		unTemp := func(s string) string {
			if !readOnly {
				return s
			}
			return strings.ReplaceAll(s, " TEMP", "")
		}
		if unTemp(pl.Text) != unTemp(sql) {
			t.Fatalf("Plan(%q).Text = %q", sql, pl.Text)
		}
		for i, st := range pl.Statements {
			if !strings.Contains(unTemp(sql), unTemp(st.SQL)) {
				t.Fatalf("Plan(%q): statement %d text %q is not part of the input", sql, i, st.SQL)
			}
			if !readOnly && st.Refusal != nil {
				t.Fatalf("Plan(%q): read-write session refused statement %d: %v", sql, i, st.Refusal)
			}
		}
		// A fresh planner (no cache) must agree with the cached one.
		again, err := planner.New(nil).Plan(context.Background(), sess, sql)
		if err != nil {
			t.Fatalf("second Plan(%q) returned an error: %v", sql, err)
		}
		if len(again.Statements) != len(pl.Statements) || (again.Refusal() == nil) != (pl.Refusal() == nil) {
			t.Fatalf("Plan(%q) is not deterministic: %d statements (refused %v) then %d (refused %v)",
				sql, len(pl.Statements), pl.Refusal() != nil, len(again.Statements), again.Refusal() != nil)
		}
	})
}
