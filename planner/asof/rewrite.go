package asof

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// Result is a statement whose AS OF clauses were rewritten.
type Result struct {
	SQL     string   // the statement as the offline store runs it
	Notices []string // explain the plan, for EXPLAIN
	Views   []string // the feature views it reads, each once
}

// Rewrite replaces each AS OF clause of sql (one statement) with the
// point-in-time subquery that computes it. It reports false when sql has
// no AS OF clause over a feature relation.
func Rewrite(cv *catalogview.View, sql string, columns func(table string) []string) (res Result, found bool, err error) {
	clauses, err := findAsOf(sql, catalog.RelationSchema(cv.Snapshot().Project), func(name string) bool { return cv.Relation(name) != nil })
	if err != nil || len(clauses) == 0 {
		return Result{}, err != nil, err
	}
	tree, err := pg_query.Parse(placeholders(sql, clauses))
	if err != nil {
		return Result{}, false, nil // PostgreSQL reports the syntax error
	}
	refs := columnRefs(tree)
	var edits []edit
	sorted := map[string]bool{}
	for i := range clauses {
		sub, note, want, views, err := planClause(cv, sql, &clauses[i], refs)
		if err != nil {
			return Result{}, true, err
		}
		edits = append(edits, edit{start: clauses[i].start, end: clauses[i].end, text: sub})
		if c := clauses[i]; c.narrowed != "" {
			edits = append(edits, edit{start: c.usingStart, end: c.usingEnd, text: c.narrowed})
		}
		res.Notices = append(res.Notices, note...)
		for _, v := range views {
			if !slices.Contains(res.Views, v.Name) {
				res.Views = append(res.Views, v.Name)
			}
		}
		if want != nil && !sorted[want.alias] {
			if e, ok := spineOrder(sql, tree, clauses[0].start, *want, columns); ok {
				sorted[want.alias] = true
				edits = append(edits, e)
				res.Notices = append(res.Notices, "featuregate: the spine "+want.alias+" is read in ("+strings.Join(want.cols, ", ")+") order, so that consecutive probes read neighbouring index pages")
			}
		}
	}
	res.SQL = applyEdits(sql, edits)
	if _, err := pg_query.Parse(res.SQL); err != nil {
		return Result{}, true, featuregate.Errorf(featuregate.KindInternal, "the point-in-time rewrite does not parse: %v", err)
	}
	return res, true, nil
}

// placeholders replaces each clause with `<relation> AS <alias>`, which
// the grammar accepts, so that the query's column references can be read.
func placeholders(sql string, clauses []asOf) string {
	subs := make([]string, len(clauses))
	for i, a := range clauses {
		subs[i] = pit.Ident(a.rel.name) + " AS " + a.alias
	}
	return splice(sql, clauses, subs)
}

// splice replaces each clause's span of sql with subs[i].
func splice(sql string, clauses []asOf, subs []string) string {
	var b strings.Builder
	last := 0
	for i, a := range clauses {
		b.WriteString(sql[last:a.start])
		b.WriteString(subs[i])
		last = a.end
	}
	b.WriteString(sql[last:])
	return b.String()
}

// planClause writes the subquery of one clause and the notices that
// explain it, and tells which views it reads.
func planClause(cv *catalogview.View, sql string, a *asOf, refs []colRef) (string, []string, *spineWant, []pit.View, error) {
	rel := cv.Relation(a.rel.name)
	cols, err := usedColumns(rel, a, refs)
	if err != nil {
		return "", nil, nil, nil, err.At(pgtree.CharOffset(sql, a.rel.pos) + 1)
	}
	views := pitViews(cv, rel, cols)
	var sub string
	var want *spineWant
	if a.join == fromItem {
		sub, err = atTimeSQL(cv, rel, a, views, cols)
	} else {
		sub, want, err = joinSQL(sql, rel, a, views, cols)
	}
	if err != nil {
		return "", nil, nil, nil, err.At(pgtree.CharOffset(sql, a.rel.pos) + 1)
	}
	return "LATERAL " + sub + " AS " + a.alias, explainNotes(a, views, sub), want, views, nil
}

// atTimeSQL is the subquery of `FROM rel AS OF time`: every entity.
func atTimeSQL(cv *catalogview.View, rel *catalog.Relation, a *asOf, views []pit.View, cols []pit.Column) (string, *featuregate.Error) {
	if len(views) == 0 { // no feature read (count(*)): the entities of every view
		views = pitViewsAll(cv, rel)
	}
	keys := views[0].Keys
	for _, v := range views[1:] {
		if !slices.Equal(v.Keys, keys) {
			return "", featuregate.Errorf(featuregate.KindInvalid,
				"%s AS OF reads features of different entities (%s and %s)", a.rel.name, views[0].Name, v.Name).
				WithHint("join each feature view to a spine of keys and times: … LEFT JOIN %s AS OF spine.ts f USING (keys)", a.rel.name)
		}
	}
	at := pit.AtTime{Keys: keys, Time: a.timeSQL, Views: views, Columns: cols}
	sql, err := at.SQL()
	if err != nil {
		return "", kept(err)
	}
	return sql, nil
}

// joinSQL is the subquery of `JOIN rel AS OF time alias USING|ON …`.
func joinSQL(sql string, rel *catalog.Relation, a *asOf, views []pit.View, cols []pit.Column) (string, *spineWant, *featuregate.Error) {
	keys, err := joinKeys(sql, rel, a)
	if err != nil {
		return "", nil, err
	}
	j := pit.Join{Keys: keys, Time: a.timeSQL, Views: views, Inner: a.join == innerJoin, Columns: cols, Using: a.using != nil}
	have := map[string]bool{}
	for _, k := range keys {
		have[k.Name] = true
	}
	for _, v := range views {
		for _, k := range v.Keys {
			if !have[k] {
				return "", nil, featuregate.Errorf(featuregate.KindInvalid, "feature view %s needs join key %s, which the AS OF join does not give", v.Name, k).
					WithHint("add it to USING (…), or to ON as %s.%s = <spine column>", a.aliasName, k)
			}
		}
	}
	out, perr := j.SQL()
	if perr != nil {
		return "", nil, kept(perr)
	}
	if _, partial := j.SharedKeys(); a.using != nil && len(partial) > 0 {
		a.narrowed = j.UsingCondition() // each view on its own keys: a NULL key blanks only the views that read it
	}
	return out, spineOf(a, keys), nil
}

// spineOf is the order a per-row clause's spine is best read in: its
// keys, then its time, when the time is a column q.col of the spine q and
// the keys are q's own (USING names, or ON's q.key).
func spineOf(a *asOf, keys []pit.Key) *spineWant {
	q, col, ok := timeColumn(a.timeSQL)
	if !ok {
		return nil
	}
	w := &spineWant{alias: q}
	for _, k := range keys {
		name := k.Name
		if a.using == nil {
			qual, c, ok := timeColumn(k.Expr)
			if !ok || qual != q {
				return nil
			}
			name = c
		}
		w.cols = append(w.cols, name)
	}
	w.cols = append(w.cols, col)
	return w
}

// joinKeys gives the spine's value of each join key: from USING, the key's
// own name (the left side's column); from ON, the other side of
// alias.key = expression.
func joinKeys(sql string, rel *catalog.Relation, a *asOf) ([]pit.Key, *featuregate.Error) {
	isKey := func(n string) bool {
		return slices.ContainsFunc(rel.Keys, func(c catalog.Column) bool { return c.Name == n })
	}
	var keys []pit.Key
	if a.using != nil {
		for _, n := range a.using {
			if !isKey(n) {
				return nil, featuregate.Errorf(featuregate.KindInvalid, "USING names %s, which is not a join key of %s", n, rel.Name).
					WithHint("the join keys of %s are %s", rel.Name, keyNames(rel))
			}
			keys = append(keys, pit.Key{Name: n, Expr: pit.Ident(n)})
		}
		return keys, nil
	}
	found, err := onKeys(sql[a.onStart:a.onEnd], a.aliasName)
	if err != nil {
		return nil, err
	}
	for _, k := range rel.Keys {
		if e, ok := found[k.Name]; ok {
			keys = append(keys, pit.Key{Name: k.Name, Expr: e})
		}
	}
	return keys, nil
}

func keyNames(rel *catalog.Relation) string {
	var names []string
	for _, k := range rel.Keys {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// onKeys reads `alias.key = column` equalities, joined by AND, from an ON
// condition.
func onKeys(cond, alias string) (map[string]string, *featuregate.Error) {
	tree, err := pg_query.Parse("SELECT WHERE " + cond)
	if err != nil || len(tree.Stmts) != 1 {
		return nil, featuregate.Errorf(featuregate.KindSyntax, "cannot read the ON condition of an AS OF join")
	}
	out := map[string]string{}
	var visit func(n *pg_query.Node)
	visit = func(n *pg_query.Node) {
		if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
			for _, arg := range b.Args {
				visit(arg)
			}
			return
		}
		e := n.GetAExpr()
		if e == nil || e.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(e.Name) != 1 || e.Name[0].GetString_().GetSval() != "=" {
			return
		}
		l, r := refFields(e.Lexpr), refFields(e.Rexpr)
		if len(r) == 2 && r[0] == alias {
			l, r = r, l
		}
		if len(l) == 2 && l[0] == alias && len(r) > 0 && !(len(r) == 2 && r[0] == alias) {
			out[l[1]] = quoteFields(r)
		}
	}
	visit(tree.Stmts[0].Stmt.GetSelectStmt().WhereClause)
	if len(out) == 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "the ON condition of an AS OF join must equate %s.<key> with a spine column", alias).
			WithHint("write ON %s.user_id = s.user_id (AND … for each key), or USING (user_id)", alias)
	}
	return out, nil
}

// refFields returns the names of a plain column reference, or nil.
func refFields(n *pg_query.Node) []string {
	c := n.GetColumnRef()
	if c == nil {
		return nil
	}
	var out []string
	for _, f := range c.Fields {
		s := f.GetString_()
		if s == nil {
			return nil
		}
		out = append(out, s.Sval)
	}
	return out
}

func quoteFields(fields []string) string {
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = pit.Ident(f)
	}
	return strings.Join(q, ".")
}

// explainNotes describe a clause's plan, for EXPLAIN.
func explainNotes(a *asOf, views []pit.View, sub string) []string {
	var notes []string
	for _, v := range views {
		how := "LATERAL probe per spine row, on the index of (" + strings.Join(v.Keys, ", ") + ", " + v.Source.TS + ")"
		if !v.Indexed {
			how = "a window over each key's source rows, found without an index (none leads with (" + strings.Join(v.Keys, ", ") + ", " + v.Source.TS + "))"
		}
		notes = append(notes, fmt.Sprintf("featuregate: %s AS OF %s reads feature view %s by %s", a.rel.name, a.timeSQL, v.Name, how))
		if !v.Indexed && !strings.HasPrefix(v.Source.From, "(") {
			notes = append(notes, fmt.Sprintf("featuregate: an index would make it a probe per row: CREATE INDEX ON %s (%s, %s)",
				v.Source.From, strings.Join(quoteAll(v.Keys), ", "), pit.Ident(v.Source.TS)))
		}
	}
	return append(notes, "featuregate: "+a.rel.name+" AS OF "+a.timeSQL+" runs as: "+sub)
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = pit.Ident(x)
	}
	return out
}

// kept is pit's error with its kind (an invalid TTL is the user's to fix),
// or an internal error when pit gave no kind.
func kept(err error) *featuregate.Error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return fe
	}
	return featuregate.Errorf(featuregate.KindInternal, "%v", err)
}
