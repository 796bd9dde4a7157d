package planner

import (
	"context"
	"testing"

	"github.com/featuregate/featuregate/plan"
)

// FuzzQuickForward checks the fast path against the full plan: whatever it
// lets through, the full plan forwards unchanged and unrefused, with at
// least one statement, no LISTEN, and none a front end answers itself
// (transaction control, cursors, prepared statements).
func FuzzQuickForward(f *testing.F) {
	for _, s := range []string{
		"SELECT abalance FROM pgbench_accounts WHERE aid = 42;",
		"select 1; select 2", "SELECT set_config('role', 'postgres', false)", "DO $$ begin end $$",
		"SET ROLE postgres", "SHOW ENTITIES", "CREATE ENTITY user (user_id text)", "LISTEN x",
		"select \"set_config\"('role','x',false)", "SELECT U&\"\\0073et_config\"('role','x',false)",
		"-- only a comment", "   ", "SELECT $1::int", "select 'do' as x", "VALUES (1)",
		"PREPARE p AS SELECT set_config('role','x',false)", "RESET SESSION AUTHORIZATION",
		"SELECT CASE WHEN true THEN 1 END", "select 1; commit", "BEGIN", " fetch 1 in c", "SELECT 'a;b'; end",
		"EXECUTE p(1)", "close c", "START TRANSACTION", "select 1;abort", "SAVEPOINT a", "release a",
	} {
		f.Add(s)
	}
	p := New(nil)
	f.Fuzz(func(t *testing.T, sql string) {
		if !quickForward(sql, nil) {
			return
		}
		for _, ro := range []bool{true, false} {
			full := p.plan(context.Background(), plan.Session{ReadOnly: ro}, nil, sql)
			if len(full.Statements) == 0 || full.Refusal() != nil || !full.Forwardable() || full.Listens() || full.Text != sql {
				t.Fatalf("fast path forwards %q, the full plan says %+v", sql, full.Statements)
			}
			for _, st := range full.Statements {
				if st.Txn != plan.TxnNone || st.Savepoint != nil || st.CursorOp != nil || st.Execute != nil || st.Declare != nil || st.Prepare != "" {
					t.Fatalf("fast path forwards %q, which the session answers itself: %+v", sql, st)
				}
			}
		}
	})
}

func TestQuickForward(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT abalance FROM pgbench_accounts WHERE aid = 42;": true,
		"SET ROLE postgres":                    false,
		"select \"set_config\"('role')":        false,
		"SHOW FEATURES":                        false,
		"":                                     false,
		"SELECT * FROM t WHERE a = 'x' -- y":   false,
		"SELECT CASE WHEN a THEN 1 END FROM t": true, // END only matters as a statement's keyword
		"select 1; end":                        false,
		"  Begin":                              false,
		"SELECT start, close FROM prices":      true,
	} {
		if got := quickForward(sql, nil); got != want {
			t.Errorf("quickForward(%q) = %v, want %v", sql, got, want)
		}
	}
	pl, err := New(nil).Plan(context.Background(), plan.Session{ReadOnly: true}, "SELECT 1")
	if err != nil || len(pl.Statements) != 1 || !pl.Forwardable() {
		t.Fatalf("%+v %v", pl, err)
	}
}
