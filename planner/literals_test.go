package planner

import (
	"reflect"
	"testing"
)

func TestTemplateOf(t *testing.T) {
	tests := []struct {
		sql  string
		tpl  string
		lits []any
	}{
		{`SELECT a FROM v WHERE k = 'u1'`, `SELECT a FROM v WHERE k = $1`, []any{"u1"}},
		{`SELECT a FROM v WHERE k IN ('a', 'it''s', '')`, `SELECT a FROM v WHERE k IN ($1, $2, $3)`, []any{"a", "it's", ""}},
		{`SELECT a FROM v WHERE d = 7 AND t=2`, `SELECT a FROM v WHERE d = $1 AND t=$2`, []any{int64(7), int64(2)}},
		{`SELECT a FROM v WHERE d = 3000000000`, `SELECT a FROM v WHERE d = $1`, []any{"3000000000"}},
		{`SELECT a FROM v WHERE d = 1.50`, `SELECT a FROM v WHERE d = $1`, []any{"1.50"}},
		{`SELECT "x1 'q'" FROM v2 WHERE k = 'ü'::text`, `SELECT "x1 'q'" FROM v2 WHERE k = $1::text`, []any{"ü"}},
		{`SELECT a FROM t1 WHERE k = -5`, `SELECT a FROM t1 WHERE k = -$1`, []any{int64(5)}},
	}
	for _, tt := range tests {
		tpl, lits, ok := templateOf(tt.sql)
		if !ok || tpl != tt.tpl || !reflect.DeepEqual(lits, tt.lits) {
			t.Errorf("templateOf(%q) = %q %#v %v, want %q %#v", tt.sql, tpl, lits, ok, tt.tpl, tt.lits)
		}
	}
	for _, sql := range []string{
		`SELECT a FROM v`,                         // no constant
		`SELECT a FROM v WHERE k = $1`,            // a parameter
		`SELECT a FROM v WHERE k = E'\n'`,         // an escape string
		`SELECT a FROM v WHERE k = 'x' -- note`,   // a comment
		`SELECT a FROM v WHERE k = 'x' /* c */`,   // a comment
		`SELECT a FROM v WHERE k = $$x$$`,         // a dollar quote
		`SELECT a FROM v WHERE k = 1e5`,           // an exponent
		`SELECT a FROM v WHERE k = 'unterminated`, // broken
		`SELECT a FROM v WHERE k = 1.2.3`,         // broken
	} {
		if tpl, lits, ok := templateOf(sql); ok {
			t.Errorf("templateOf(%q) = %q %v, want no template", sql, tpl, lits)
		}
	}
}
