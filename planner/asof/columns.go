package asof

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// colRef is a column reference of a query: its names, and whether it ends
// with * (all columns). An unqualified * of a select list has the aliases
// of that SELECT's FROM items as its scope.
type colRef struct {
	names []string
	star  bool
	scope []string
}

// columnRefs collects every column reference of a parsed query.
func columnRefs(tree *pg_query.ParseResult) []colRef {
	var out []colRef
	pgtree.Walk(tree.ProtoReflect(), func(m protoreflect.Message) bool {
		switch n := m.Interface().(type) {
		case *pg_query.SelectStmt:
			out = append(out, selectStars(n)...)
		case *pg_query.ColumnRef:
			var r colRef
			for _, f := range n.Fields {
				if f.GetAStar() != nil {
					r.star = true
				} else if s := f.GetString_(); s != nil {
					r.names = append(r.names, s.Sval)
				}
			}
			if !r.star || len(r.names) > 0 { // a bare * is scoped by selectStars
				out = append(out, r)
			}
		}
		return true
	})
	return out
}

// selectStars returns the bare * of sel's select list, scoped to the
// aliases of its FROM items.
func selectStars(sel *pg_query.SelectStmt) []colRef {
	var scope []string
	var from func(n *pg_query.Node)
	from = func(n *pg_query.Node) {
		switch {
		case n.GetRangeVar() != nil:
			rv := n.GetRangeVar()
			if rv.Alias != nil {
				scope = append(scope, rv.Alias.Aliasname)
			} else {
				scope = append(scope, rv.Relname)
			}
		case n.GetJoinExpr() != nil:
			from(n.GetJoinExpr().Larg)
			from(n.GetJoinExpr().Rarg)
		}
	}
	for _, n := range sel.FromClause {
		from(n)
	}
	var out []colRef
	for _, t := range sel.TargetList {
		c := t.GetResTarget().GetVal().GetColumnRef()
		if c != nil && len(c.Fields) == 1 && c.Fields[0].GetAStar() != nil {
			out = append(out, colRef{star: true, scope: scope})
		}
	}
	return out
}

// usedColumns returns the feature columns of rel that the query refers to,
// for the clause a: qualified by its alias, unqualified, or all of them
// through *. A bare name that is ambiguous in rel is an error that lists
// the full names.
func usedColumns(rel *catalog.Relation, a *asOf, refs []colRef) ([]pit.Column, *featuregate.Error) {
	all := false
	wanted := map[string]bool{}
	for _, r := range refs {
		switch {
		case r.star && len(r.names) == 0 && slices.Contains(r.scope, a.aliasName),
			r.star && len(r.names) == 1 && r.names[0] == a.aliasName:
			all = true
		case !r.star && len(r.names) == 1:
			if err := catalogview.ResolveColumn(rel, r.names[0], wanted); err != nil {
				return nil, err
			}
		case !r.star && len(r.names) == 2 && r.names[0] == a.aliasName:
			if err := catalogview.ResolveColumn(rel, r.names[1], wanted); err != nil {
				return nil, err
			}
		}
	}
	var cols []pit.Column
	for _, f := range rel.Features {
		if all || wanted[f.Column] {
			cols = append(cols, pit.Column{View: f.View, Feature: f.Feature, As: f.Column})
		}
	}
	for _, f := range rel.Features {
		if full := f.FullName(); wanted[full] && full != f.Column {
			cols = append(cols, pit.Column{View: f.View, Feature: f.Feature, As: full})
		}
	}
	return cols, nil
}

// pitViews describes, for pit, the views that hold cols.
func pitViews(cv *catalogview.View, rel *catalog.Relation, cols []pit.Column) []pit.View {
	var views []pit.View
	index := map[string]int{}
	for _, c := range cols {
		i, ok := index[c.View]
		if !ok {
			v := cv.PitView(c.View)
			if v == nil {
				continue
			}
			i = len(views)
			index[c.View] = i
			views = append(views, *v)
		}
		v := &views[i]
		if !containsFeature(v.Features, c.Feature) {
			v.Features = append(v.Features, pit.Feature{Name: c.Feature, Type: featureType(rel, c), As: c.Feature})
		}
	}
	return views
}

// pitViewsAll describes every view of rel, reading no features.
func pitViewsAll(cv *catalogview.View, rel *catalog.Relation) []pit.View {
	var views []pit.View
	seen := map[string]bool{}
	for _, f := range rel.Features {
		if !seen[f.View] {
			seen[f.View] = true
			if v := cv.PitView(f.View); v != nil {
				views = append(views, *v)
			}
		}
	}
	return views
}

func containsFeature(fs []pit.Feature, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

func featureType(rel *catalog.Relation, c pit.Column) string {
	for _, f := range rel.Features {
		if f.View == c.View && f.Feature == c.Feature {
			return f.Type
		}
	}
	return "text"
}
