package lookup

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// A SELECT that reads a feature relation without AS OF is a lookup of the
// latest values by key, answered from the online store:
//
//	SELECT cols | * FROM rel [alias] WHERE key = v | key IN (v, …) | key = ANY(v)
//
// with v a constant or a parameter, and for a composite key one equality
// per key joined by AND. Anything else that reads a feature relation
// without AS OF is refused with a hint.

// Statement plans a parsed statement that reads a feature relation
// without AS OF, for who, who must be allowed to read every view it reads
// online; it reports false when the statement reads none. text is the
// statement's text, which a prepared lookup plans again when the catalog
// changes.
func (rd *Reader) Statement(cv *catalogview.View, who plan.Identity, stmt *pg_query.Node, text string) (plan.Statement, bool) {
	rel := readsRelation(cv, stmt)
	if rel == "" {
		return plan.Statement{}, false
	}
	st := plan.Statement{SQL: text, Command: "SELECT"}
	explain := false
	if e := stmt.GetExplainStmt(); e != nil {
		stmt, explain = e.Query, true
	}
	lk, err := rd.parseLookup(cv, stmt.GetSelectStmt(), rel)
	if err == nil {
		lk.text, lk.gen, lk.who = text, cv.Generation(), who
		err = lk.plan.allowed(cv, who)
	}
	switch {
	case err != nil:
		st.Refusal = err
	case explain:
		st.Command = "EXPLAIN"
		st.Local = lk.explain()
	default:
		st.Local = lk
	}
	return st, true
}

// readsRelation returns the name of a feature relation stmt reads, or "".
func readsRelation(cv *catalogview.View, stmt *pg_query.Node) string {
	if cv == nil || len(cv.RelationWords()) == 0 {
		return ""
	}
	ctes := map[string]bool{}
	var found string
	pgtree.Walk(stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		switch n := m.Interface().(type) {
		case *pg_query.CommonTableExpr:
			ctes[n.Ctename] = true
		case *pg_query.RangeVar:
			if found == "" && (n.Schemaname == "" || n.Schemaname == catalog.RelationSchema(cv.Snapshot().Project)) &&
				!ctes[n.Relname] && cv.Relation(n.Relname) != nil {
				found = n.Relname
			}
		}
		return true
	})
	return found
}

// lookupExec is a planned lookup statement.
type lookupExec struct {
	r       *Reader
	project string
	text    string // the statement, planned again when the catalog changes
	gen     uint64 // the catalog generation it was planned in
	plan    *lookupPlan
	outputs []lookupOutput
	cols    []plan.Column
	keys    []keySource // one per requested key tuple, or a parameter array
	params  []uint32
	empty   bool          // LIMIT 0: the columns only
	who     plan.Identity // the session's user, whose permissions the plan passed
}

// lookupOutput is one output column: a key, event_timestamp or a feature.
type lookupOutput struct {
	key     int // index among the keys, or -1
	feature int // index among the plan's features, or -1
}

// keySource gives key tuples: constants, parameters, or one parameter
// holding an array (= ANY($n)) of a single key.
type keySource struct {
	parts []valueSource // one per key, for a tuple
	array int           // parameter number (1-based) of an array, 0 for a tuple
}

// valueSource is a constant or a parameter.
type valueSource struct {
	param int // 1-based parameter number, 0 for a constant
	value any
}

func (e *lookupExec) Params() []uint32       { return e.params }
func (e *lookupExec) Columns() []plan.Column { return e.cols }

// Run reads the keys' values and writes one row per requested key.
func (e *lookupExec) Run(ctx context.Context, args []any, w plan.RowWriter) (string, error) {
	if err := e.replan(ctx); err != nil {
		return "", err
	}
	if e.empty {
		return "SELECT 0", nil
	}
	rows, err := e.keyRows(args)
	if err != nil {
		return "", err
	}
	res, err := e.r.runLookup(ctx, e.project, e.plan, rows)
	if err != nil {
		return "", err
	}
	out := make([]any, len(e.outputs))
	for i := range res.KeyRows {
		for j, o := range e.outputs {
			out[j] = outputValue(res, o, i)
		}
		if err := w.WriteRow(out); err != nil {
			return "", err
		}
	}
	return "SELECT " + strconv.Itoa(len(res.KeyRows)), nil
}

// outputValue is column o of row i.
func outputValue(res *plan.LookupResult, o lookupOutput, i int) any {
	switch {
	case o.key >= 0:
		return res.KeyRows[i][o.key]
	case o.feature >= 0:
		f := res.Features[o.feature]
		return wireValue(f.Values[i], f.Type)
	}
	var latest time.Time // event_timestamp: the newest value of the row
	for _, f := range res.Features {
		if f.Status[i] == plan.StatusPresent && f.EventTS[i].After(latest) {
			latest = f.EventTS[i]
		}
	}
	if latest.IsZero() {
		return nil
	}
	return latest
}

// wireValue converts a stored value to one the wire codecs take for typ.
func wireValue(v any, typ string) any {
	if s, ok := v.(string); ok && typ == "numeric" {
		var n pgtype.Numeric
		if n.Scan(s) == nil {
			return n
		}
	}
	return v
}

// keyRows expands the key sources with the statement's arguments.
func (e *lookupExec) keyRows(args []any) ([][]any, error) {
	var rows [][]any
	for _, ks := range e.keys {
		if ks.array > 0 {
			elems, err := arrayElems(args[ks.array-1])
			if err != nil {
				return nil, featuregate.Errorf(featuregate.KindDatatypeMismatch, "parameter $%d: %v", ks.array, err)
			}
			for _, v := range elems {
				rows = append(rows, []any{v})
			}
			continue
		}
		row := make([]any, len(ks.parts))
		for i, vs := range ks.parts {
			row[i] = vs.value
			if vs.param > 0 {
				row[i] = args[vs.param-1]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// arrayElems returns the elements of a decoded array parameter.
func arrayElems(v any) ([]any, error) {
	switch a := v.(type) {
	case []any:
		return a, nil
	case []string:
		return toAny(a), nil
	case []int64:
		return toAny(a), nil
	case []int32:
		return toAny(a), nil
	case nil:
		return nil, nil
	case string: // an array literal in text
		return parseArrayLiteral(a)
	}
	return nil, fmt.Errorf("%T is not an array", v)
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// parseArrayLiteral reads a one-dimensional array literal such as
// {a,"b c",NULL} with pgtype's text array codec; NULL elements are nil.
func parseArrayLiteral(s string) ([]any, error) {
	if nestedArray(s) {
		return nil, fmt.Errorf("an array of keys must have one dimension: %s", s)
	}
	var arr pgtype.Array[*string]
	if err := pgtype.NewMap().Scan(pgtype.TextArrayOID, pgtype.TextFormatCode, []byte(s), &arr); err != nil {
		return nil, err
	}
	out := make([]any, len(arr.Elements))
	for i, el := range arr.Elements {
		if el != nil {
			out[i] = *el
		}
	}
	return out, nil
}

// nestedArray reports whether an array literal opens a brace inside its
// outer braces, outside quoted elements: an array of arrays.
func nestedArray(s string) bool {
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '{':
			if depth++; depth > 1 {
				return true
			}
		case !quoted && c == '}':
			depth--
		}
	}
	return false
}

// explain describes the lookup instead of running it.
func (e *lookupExec) explain() plan.Local {
	lines := [][]any{{fmt.Sprintf("Online lookup in project %s: %d key source(s), no query to the offline store", e.project, len(e.keys))}}
	for _, v := range e.plan.views {
		ttl := "none"
		if v.ttl > 0 {
			ttl = v.ttl.String()
		}
		lines = append(lines, []any{fmt.Sprintf("  -> Get feature view %s (online name %s, keys %s, TTL %s)", v.view.Name, v.name, keyList(e.plan.keys, v.keyIdx), ttl)})
	}
	return &explainExec{lines: lines}
}

// explainExec answers the EXPLAIN of a lookup: its plan, a line a row.
type explainExec struct{ lines [][]any }

func (e *explainExec) Params() []uint32 { return nil }

func (e *explainExec) Columns() []plan.Column {
	return []plan.Column{{Name: "QUERY PLAN", OID: pgtype.TextOID}}
}

func (e *explainExec) Run(_ context.Context, _ []any, w plan.RowWriter) (string, error) {
	for _, r := range e.lines {
		if err := w.WriteRow(r); err != nil {
			return "", err
		}
	}
	return "EXPLAIN", nil
}

func keyList(keys []catalog.Column, idx []int) string {
	var names []string
	for _, i := range idx {
		names = append(names, keys[i].Name)
	}
	return strings.Join(names, ", ")
}

// refuseRead is the error for a read of a feature relation that is
// neither a key lookup nor AS OF.
func refuseRead(rel, why string, keys []catalog.Column) error {
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	k := strings.Join(names, ", ")
	return featuregate.Errorf(featuregate.KindUnsupported, "%s is a feature relation: without AS OF it is read by entity key from the online store, and %s", rel, why).
		WithHint("write SELECT … FROM %s WHERE %s = … (or IN (…), = ANY($1)), or read history with SELECT … FROM %s AS OF <time> …",
			rel, firstOr(names, k), rel)
}

func firstOr(names []string, all string) string {
	if len(names) == 1 {
		return names[0]
	}
	return "(" + all + ")"
}

// replan plans a prepared lookup again when the catalog has changed since
// it was planned, as PostgreSQL does for a prepared statement whose tables
// change; like PostgreSQL, it refuses a new plan with other columns.
func (e *lookupExec) replan(ctx context.Context) error {
	cv, err := e.r.Catalogs.View(ctx, e.project)
	if err != nil || cv == nil || cv.Generation() == e.gen || e.text == "" {
		return err
	}
	tree, err := pg_query.Parse(e.text)
	if err != nil || len(tree.Stmts) != 1 {
		return featuregate.Errorf(featuregate.KindInternal, "cannot plan the prepared lookup again: %v", err)
	}
	stmt := tree.Stmts[0].Stmt
	rel := readsRelation(cv, stmt)
	if rel == "" {
		return featuregate.Errorf(featuregate.KindUndefined, "the feature relation of this prepared statement no longer exists").
			WithHint("prepare the statement again")
	}
	ne, err := e.r.parseLookup(cv, stmt.GetSelectStmt(), rel)
	if err != nil {
		return err
	}
	if !slices.Equal(ne.cols, e.cols) || !slices.Equal(ne.params, e.params) {
		return featuregate.Errorf(featuregate.KindUnsupported, "cached plan must not change result type").
			WithHint("the feature relation changed since the statement was prepared: prepare it again")
	}
	if err := ne.plan.allowed(cv, e.who); err != nil {
		return err
	}
	ne.text, ne.gen, ne.who = e.text, cv.Generation(), e.who
	*e = *ne
	return nil
}
