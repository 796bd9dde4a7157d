package lookup

import (
	"slices"

	"github.com/jackc/pgx/v5/pgtype"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
	"github.com/featuregate/featuregate/planner/internal/spell"
)

// parseLookup checks that sel is a key lookup of the feature relation
// named relName and plans it.
func (rd *Reader) parseLookup(cv *catalogview.View, sel *pg_query.SelectStmt, relName string) (*lookupExec, error) {
	r := cv.Relation(relName)
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE || len(sel.FromClause) != 1 || sel.FromClause[0].GetRangeVar() == nil {
		return nil, refuseRead(relName, "this statement reads it in another way", r.Keys)
	}
	if sel.WithClause != nil || sel.DistinctClause != nil || sel.GroupClause != nil || sel.HavingClause != nil ||
		sel.SortClause != nil || sel.WindowClause != nil || sel.LimitOffset != nil || sel.IntoClause != nil || sel.LockingClause != nil {
		return nil, refuseRead(relName, "a lookup takes no WITH, DISTINCT, GROUP BY, ORDER BY, OFFSET, INTO or FOR clause", r.Keys)
	}
	rv := sel.FromClause[0].GetRangeVar()
	alias := rv.Relname
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	e := &lookupExec{r: rd, project: cv.Snapshot().Project}
	keyed := *r // the relation as the lookup sees it: the keys it gives
	if e.empty = isLimitZero(sel.LimitCount); !e.empty {
		if sel.LimitCount != nil {
			return nil, refuseRead(relName, "a lookup returns one row per key: LIMIT is not accepted", r.Keys)
		}
		given, err := e.where(r, alias, sel.WhereClause)
		if err != nil {
			return nil, err
		}
		keyed.Keys = e.onlyKeys(r.Keys, given)
	}
	starFeatures := keyed.Features
	if keyed.Name == catalog.AllFeatures && cv.Snapshot().Find(catalog.KindFeatureView, catalog.AllFeatures) == nil {
		starFeatures = servable(cv, keyed.Features, keyed.Keys) // * of features: what these keys can serve
	}
	feats, err := e.targets(&keyed, starFeatures, alias, sel.TargetList)
	if err != nil {
		return nil, err
	}
	keyNames := make([]string, len(keyed.Keys))
	for i, k := range keyed.Keys {
		keyNames[i] = k.Name
	}
	if e.plan, err = planLookup(cv, keyNames, feats); err != nil {
		return nil, err
	}
	e.plan.keys = keyed.Keys
	return e, nil
}

// onlyKeys keeps the keys the predicate gives (indices into keys, in
// order) and renumbers the key sources' parts to match.
func (e *lookupExec) onlyKeys(keys []catalog.Column, given []int) []catalog.Column {
	out := make([]catalog.Column, len(given))
	for i, k := range given {
		out[i] = keys[k]
	}
	for i, ks := range e.keys {
		if ks.array > 0 {
			continue
		}
		parts := make([]valueSource, len(given))
		for j, k := range given {
			parts[j] = ks.parts[k]
		}
		e.keys[i].parts = parts
	}
	return out
}

func isLimitZero(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && c.GetIval() != nil && c.GetIval().Ival == 0
}

// targets resolves the select list into output columns and returns the
// features it reads.
func (e *lookupExec) targets(r *catalog.Relation, star []catalog.RelationFeature, alias string, list []*pg_query.Node) ([]catalog.RelationFeature, error) {
	var feats []catalog.RelationFeature
	addFeature := func(f catalog.RelationFeature, name string) {
		e.outputs = append(e.outputs, lookupOutput{key: -1, feature: len(feats)})
		e.cols = append(e.cols, plan.Column{Name: name, OID: typeOID(f.Type)})
		feats = append(feats, f)
	}
	for _, t := range list {
		rt := t.GetResTarget()
		fields := refFieldsStar(rt.GetVal())
		if fields == nil || len(fields) > 2 || len(fields) == 2 && fields[0] != alias {
			return nil, refuseRead(r.Name, "a lookup selects plain columns of the relation (compute expressions in the client)", r.Keys)
		}
		name := fields[len(fields)-1]
		if name == "*" {
			e.star(r, star, addFeature)
			continue
		}
		out := name
		if rt.Name != "" {
			out = rt.Name
		}
		if err := e.column(r, name, out, addFeature); err != nil {
			return nil, err
		}
	}
	return feats, nil
}

// star adds every column of r: keys, event_timestamp, features.
func (e *lookupExec) star(r *catalog.Relation, feats []catalog.RelationFeature, addFeature func(catalog.RelationFeature, string)) {
	for i, k := range r.Keys {
		e.outputs = append(e.outputs, lookupOutput{key: i, feature: -1})
		e.cols = append(e.cols, plan.Column{Name: k.Name, OID: typeOID(k.Type)})
	}
	e.outputs = append(e.outputs, lookupOutput{key: -1, feature: -1})
	e.cols = append(e.cols, plan.Column{Name: catalog.EventTimestamp, OID: pgtype.TimestamptzOID})
	for _, f := range feats {
		addFeature(f, f.Column)
	}
}

// column adds the column called name, output as out.
func (e *lookupExec) column(r *catalog.Relation, name, out string, addFeature func(catalog.RelationFeature, string)) error {
	if i := slices.IndexFunc(r.Keys, func(k catalog.Column) bool { return k.Name == name }); i >= 0 {
		e.outputs = append(e.outputs, lookupOutput{key: i, feature: -1})
		e.cols = append(e.cols, plan.Column{Name: out, OID: typeOID(r.Keys[i].Type)})
		return nil
	}
	if name == catalog.EventTimestamp {
		e.outputs = append(e.outputs, lookupOutput{key: -1, feature: -1})
		e.cols = append(e.cols, plan.Column{Name: out, OID: pgtype.TimestamptzOID})
		return nil
	}
	wanted := map[string]bool{}
	if err := catalogview.ResolveColumn(r, name, wanted); err != nil {
		return err
	}
	for _, f := range r.Features {
		if f.Column == name || f.FullName() == name {
			addFeature(f, out)
			return nil
		}
	}
	err := featuregate.Errorf(featuregate.KindUndefined, "column %q does not exist in %s", name, r.Name)
	var names []string
	for _, f := range r.Features {
		names = append(names, f.Column, f.FullName())
	}
	if n := spell.Nearest(name, names); n != "" {
		return err.WithHint("did you mean %q? SHOW FEATURES lists the features", n)
	}
	return err.WithHint("SHOW FEATURES lists the features; \\d %s shows the relation's columns", r.Name)
}

// refFieldsStar returns a column reference's names, "*" for a star.
func refFieldsStar(n *pg_query.Node) []string {
	c := n.GetColumnRef()
	if c == nil {
		return nil
	}
	var out []string
	for _, f := range c.Fields {
		switch {
		case f.GetAStar() != nil:
			out = append(out, "*")
		case f.GetString_() != nil:
			out = append(out, f.GetString_().Sval)
		default:
			return nil
		}
	}
	return out
}

// where reads the key predicate: the key sources and parameter types. It
// returns the indices of the keys given, in the relation's order; the
// key sources' parts are indexed like the relation's keys.
func (e *lookupExec) where(r *catalog.Relation, alias string, w *pg_query.Node) ([]int, error) {
	noKey := func() error {
		return refuseRead(r.Name, "its WHERE clause must give the entity key: key = value, key IN (…) or key = ANY(array), and for a composite key each key = value AND …", r.Keys)
	}
	keyOf := func(n *pg_query.Node) int {
		f := refFieldsStar(n)
		if len(f) == 0 || len(f) > 2 || len(f) == 2 && f[0] != alias {
			return -1
		}
		return slices.IndexFunc(r.Keys, func(k catalog.Column) bool { return k.Name == f[len(f)-1] })
	}
	if w == nil {
		return nil, noKey()
	}
	if b := w.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
		return e.tuple(r, b.Args, keyOf, noKey)
	}
	a := w.GetAExpr()
	if a == nil {
		return nil, noKey()
	}
	op := ""
	if len(a.Name) == 1 {
		op = a.Name[0].GetString_().GetSval()
	}
	switch {
	case a.Kind == pg_query.A_Expr_Kind_AEXPR_OP && op == "=":
		return e.tuple(r, []*pg_query.Node{w}, keyOf, noKey)
	case a.Kind == pg_query.A_Expr_Kind_AEXPR_IN && op == "=":
		return e.in(r, a, keyOf, noKey)
	case a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY && op == "=" && keyOf(a.Lexpr) >= 0:
		k := keyOf(a.Lexpr)
		return []int{k}, e.any(r, k, a.Rexpr)
	}
	return nil, noKey()
}

// tuple reads key = value for some keys, joined by AND: one key tuple.
func (e *lookupExec) tuple(r *catalog.Relation, conds []*pg_query.Node, keyOf func(*pg_query.Node) int, noKey func() error) ([]int, error) {
	parts := make([]valueSource, len(r.Keys))
	seen := make([]bool, len(r.Keys))
	for _, c := range conds {
		a := c.GetAExpr()
		if a == nil || a.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(a.Name) != 1 || a.Name[0].GetString_().GetSval() != "=" {
			return nil, noKey()
		}
		k, v := keyOf(a.Lexpr), a.Rexpr
		if k < 0 {
			k, v = keyOf(a.Rexpr), a.Lexpr
		}
		if k < 0 || seen[k] {
			return nil, noKey()
		}
		vs, err := e.value(v, r.Keys[k].Type)
		if err != nil {
			return nil, err
		}
		parts[k], seen[k] = vs, true
	}
	e.keys = append(e.keys, keySource{parts: parts})
	var given []int
	for k, ok := range seen {
		if ok {
			given = append(given, k)
		}
	}
	return given, nil
}

// in reads key IN (v, …), or (k1, k2) IN ((v1, v2), …).
func (e *lookupExec) in(r *catalog.Relation, a *pg_query.A_Expr, keyOf func(*pg_query.Node) int, noKey func() error) ([]int, error) {
	var order []int // key index of each tuple position
	if row := a.Lexpr.GetRowExpr(); row != nil {
		for _, f := range row.Args {
			order = append(order, keyOf(f))
		}
	} else {
		order = []int{keyOf(a.Lexpr)}
	}
	if slices.Contains(order, -1) || hasDuplicate(order) {
		return nil, noKey()
	}
	for _, item := range a.Rexpr.GetList().GetItems() {
		vals := []*pg_query.Node{item}
		if row := item.GetRowExpr(); row != nil && len(order) > 1 {
			vals = row.Args
		}
		if len(vals) != len(order) {
			return nil, noKey()
		}
		parts := make([]valueSource, len(r.Keys))
		for i, v := range vals {
			vs, err := e.value(v, r.Keys[order[i]].Type)
			if err != nil {
				return nil, err
			}
			parts[order[i]] = vs
		}
		e.keys = append(e.keys, keySource{parts: parts})
	}
	given := slices.Clone(order)
	slices.Sort(given)
	return given, nil
}

func hasDuplicate(xs []int) bool {
	seen := map[int]bool{}
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

// any reads the array of key = ANY(array): a parameter, ARRAY[…] or an
// array literal.
func (e *lookupExec) any(r *catalog.Relation, k int, n *pg_query.Node) error {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	typ := r.Keys[k].Type
	switch {
	case n.GetParamRef() != nil:
		num := int(n.GetParamRef().Number)
		e.setParam(num, arrayOID(typ))
		e.keys = append(e.keys, keySource{array: num})
	case n.GetAArrayExpr() != nil:
		for _, el := range n.GetAArrayExpr().Elements {
			vs, err := e.value(el, typ)
			if err != nil {
				return err
			}
			e.keys = append(e.keys, keySource{parts: oneKey(len(r.Keys), k, vs)})
		}
	case n.GetAConst() != nil && n.GetAConst().GetSval() != nil:
		elems, err := parseArrayLiteral(n.GetAConst().GetSval().Sval)
		if err != nil {
			return featuregate.Errorf(featuregate.KindSyntax, "malformed array literal: %v", err)
		}
		for _, el := range elems {
			e.keys = append(e.keys, keySource{parts: oneKey(len(r.Keys), k, valueSource{value: el})})
		}
	default:
		return refuseRead(r.Name, "= ANY takes a parameter, ARRAY[…] or an array literal", r.Keys)
	}
	return nil
}

// value reads a constant or a parameter given for a key of type typ.
func (e *lookupExec) value(n *pg_query.Node, typ string) (valueSource, error) {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	if pr := n.GetParamRef(); pr != nil {
		e.setParam(int(pr.Number), typeOID(typ))
		return valueSource{param: int(pr.Number)}, nil
	}
	v, ok := pgtree.ConstantValue(n)
	switch {
	case !ok:
		return valueSource{}, featuregate.Errorf(featuregate.KindUnsupported, "a lookup key must be a constant or a parameter").
			WithHint("compute the key in the client, or pass it as $1")
	case v == nil:
		return valueSource{}, featuregate.Errorf(featuregate.KindInvalid, "a join key cannot be NULL")
	}
	return valueSource{value: v}, nil
}

// setParam records the type of parameter $num.
func (e *lookupExec) setParam(num int, oid uint32) {
	for len(e.params) < num {
		e.params = append(e.params, 0)
	}
	e.params[num-1] = oid
}

// oneKey is a tuple of n key parts with only part k set.
func oneKey(n, k int, vs valueSource) []valueSource {
	parts := make([]valueSource, n)
	parts[k] = vs
	return parts
}

// servable keeps the features of online views whose entity keys are all
// among keys: what `SELECT * FROM features WHERE …` can answer.
func servable(cv *catalogview.View, feats []catalog.RelationFeature, keys []catalog.Column) []catalog.RelationFeature {
	var out []catalog.RelationFeature
	for _, f := range onlineOnly(cv, feats) {
		v, _ := cv.Snapshot().Find(catalog.KindFeatureView, f.View).(*catalog.FeatureView)
		ent, _ := cv.Snapshot().Find(catalog.KindEntity, v.Entity).(*catalog.Entity)
		if ent != nil && !slices.ContainsFunc(ent.Keys, func(k catalog.Column) bool { return !slices.Contains(keys, k) }) {
			out = append(out, f)
		}
	}
	return out
}
