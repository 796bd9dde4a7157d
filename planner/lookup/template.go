package lookup

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Template is a lookup planned with parameters in place of the constants
// of a query string (see the planner's templateOf), shared by every string
// of that shape: Bind gives the statement of one string.
type Template struct {
	exec *lookupExec
}

// Template plans tpl, a lookup whose n parameters stand for the key
// constants of a query string, for who. It reports false unless tpl is a
// lookup that who may run and whose every parameter is a key value, so
// that binding the constants gives exactly the plan of the string itself.
func (rd *Reader) Template(cv *catalogview.View, who plan.Identity, tpl string, n int) (*Template, bool) {
	tree, err := pg_query.Parse(tpl)
	if err != nil || len(tree.Stmts) != 1 {
		return nil, false
	}
	stmt := tree.Stmts[0].Stmt
	rel := readsRelation(cv, stmt)
	if rel == "" || stmt.GetSelectStmt() == nil {
		return nil, false
	}
	lk, err := rd.parseLookup(cv, stmt.GetSelectStmt(), rel)
	if err != nil || len(lk.params) != n || !lk.keysAreParams(n) {
		return nil, false
	}
	lk.text, lk.gen, lk.who = tpl, cv.Generation(), who
	if lk.plan.allowed(cv, who) != nil {
		return nil, false
	}
	return &Template{exec: lk}, true
}

// keysAreParams reports whether each of the parameters 1..n gives one key
// value (and so nothing else of the statement depends on one). An array
// constant (= ANY('{…}')) is not templated: its errors speak of the
// constant, not of a parameter.
func (e *lookupExec) keysAreParams(n int) bool {
	used := make([]bool, n+1)
	for _, ks := range e.keys {
		if ks.array > 0 {
			return false
		}
		for _, vs := range ks.parts {
			if vs.param > 0 {
				used[vs.param] = true
			}
		}
	}
	for _, u := range used[1:] {
		if !u {
			return false
		}
	}
	return true
}

// Bind returns the statement of the query string sql whose constants are
// lits.
func (t *Template) Bind(sql string, lits []any) plan.Statement {
	return plan.Statement{SQL: sql, Command: "SELECT", Local: &bound{exec: t.exec, args: lits}}
}

// bound is a template bound to the constants of one query string.
type bound struct {
	exec *lookupExec
	args []any
}

// Params is empty: the string's constants are the template's arguments.
func (b *bound) Params() []uint32 { return nil }

// Columns describes the rows, as the template's.
func (b *bound) Columns() []plan.Column { return b.exec.Columns() }

// Run runs the template with the string's constants. The template is
// shared: a run that must plan it again (the catalog changed since) does so
// on a copy.
func (b *bound) Run(ctx context.Context, _ []any, w plan.RowWriter) (string, error) {
	e := *b.exec
	return e.Run(ctx, b.args, w)
}
