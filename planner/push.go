package planner

import (
	"context"
	"fmt"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
	"github.com/featuregate/featuregate/planner/lookup"
)

// INSERT INTO <feature view> (columns) VALUES … pushes rows straight to
// the online store (exec.Env.Push). The values are constants, parameters
// ($1, with the column's type), DEFAULT or NULL, and now() or
// CURRENT_TIMESTAMP (the gateway's clock): the gateway evaluates no other
// expression, since it would run with the gateway's own connection.

// insertTarget returns the feature relation an INSERT writes, if any.
func insertTarget(cv *catalogview.View, n *pg_query.Node) (*pg_query.InsertStmt, string, bool) {
	ins := n.GetInsertStmt()
	if ins == nil || ins.Relation == nil || ins.Relation.Schemaname != "" || cv == nil {
		return nil, "", false
	}
	name := ins.Relation.Relname
	sn := cv.Snapshot()
	if sn.Find(catalog.KindFeatureView, name) == nil && sn.Find(catalog.KindFeatureService, name) == nil {
		return nil, "", false
	}
	return ins, name, true
}

// pushStatement plans an INSERT into a feature relation; ok is false for
// any other statement.
func (p *Planner) pushStatement(s plan.Session, cv *catalogview.View, n *pg_query.Node, text string) (plan.Statement, bool) {
	ins, name, ok := insertTarget(cv, n)
	if !ok {
		return plan.Statement{}, false
	}
	st := plan.Statement{SQL: text, Command: "INSERT"}
	local, err := p.pushInsert(s, cv, ins, name)
	if err != nil {
		st.Refusal = err
		return st, true
	}
	st.Local = local
	return st, true
}

// pushAllowed refuses a push by a user without WRITE_ONLINE on the view
// (Feast's permission to write online) and by a read-only session of a
// user who does not administer the gateway.
func pushAllowed(s plan.Session, sn *catalog.Snapshot, view string) error {
	if s.ReadOnly && !s.Admin {
		return featuregate.Errorf(featuregate.KindPermission, "permission denied: a read-only session may not push into feature view %s", view).
			WithHint("%s", readOnlyHint)
	}
	return access.Check(sn, s.Who(), catalog.ActionWriteOnline, catalog.KindFeatureView, view)
}

// pushInsert makes the statement that runs an INSERT into view name.
func (p *Planner) pushInsert(s plan.Session, cv *catalogview.View, ins *pg_query.InsertStmt, name string) (plan.Local, error) {
	sn := cv.Snapshot()
	t, err := exec.Target(sn, name)
	if err != nil {
		return nil, err
	}
	if err := pushAllowed(s, sn, name); err != nil {
		return nil, err
	}
	if ins.WithClause != nil || ins.OnConflictClause != nil || len(ins.ReturningList) > 0 {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "INSERT INTO feature view %s takes no WITH, ON CONFLICT or RETURNING", name).
			WithHint("newer values replace older ones by themselves (newer wins)")
	}
	cols := insertColumns(ins, t)
	slots, err := t.Slots(cols)
	if err != nil {
		return nil, err
	}
	sel := ins.SelectStmt.GetSelectStmt()
	if sel == nil {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "INSERT INTO feature view %s takes VALUES or a SELECT", name).
			WithHint("give the rows as VALUES, or send them with COPY %s (…) FROM STDIN", name)
	}
	if len(sel.ValuesLists) == 0 {
		ps, err := p.selectPush(s, t, ins, slots)
		if err != nil {
			return nil, err
		}
		return ps, nil
	}
	l := &pushLocal{env: p.env, project: s.Database, target: t, slots: slots, now: p.opts.now}
	for _, lst := range sel.ValuesLists {
		items := lst.GetList().GetItems()
		if len(items) != len(slots) {
			return nil, featuregate.Errorf(featuregate.KindSyntax, "VALUES lists have %d values for %d columns", len(items), len(slots)).
				WithHint("give one value per column of the list (%s)", strings.Join(cols, ", "))
		}
		row := make([]pushValue, len(items))
		for i, it := range items {
			if row[i], err = l.value(it, t.Types[slots[i]]); err != nil {
				return nil, err
			}
		}
		l.rows = append(l.rows, row)
	}
	for i, p := range l.params {
		if p == 0 { // a parameter no value uses
			l.params[i] = lookup.TypeOID("text")
		}
	}
	return l, nil
}

// insertColumns are the columns an INSERT names, or without a list those
// a lookup returns: the keys, event_timestamp and the features.
func insertColumns(ins *pg_query.InsertStmt, t *exec.PushTarget) []string {
	if len(ins.Cols) == 0 {
		return lookupColumns(t)
	}
	out := make([]string, len(ins.Cols))
	for i, c := range ins.Cols {
		out[i] = c.GetResTarget().GetName()
	}
	return out
}

// pushValue is one value of an INSERT: a constant, a parameter or the
// time of the statement.
type pushValue struct {
	text  *string
	param int // 1-based; 0 for none
	now   bool
}

// value reads one VALUES item of a column of type typ.
func (l *pushLocal) value(n *pg_query.Node, typ string) (pushValue, error) {
	inner := n
	if tc := n.GetTypeCast(); tc != nil {
		inner = tc.Arg
	}
	switch {
	case n.GetSetToDefault() != nil:
		return pushValue{}, nil
	case inner.GetParamRef() != nil:
		num := int(inner.GetParamRef().Number)
		for len(l.params) < num {
			l.params = append(l.params, 0)
		}
		if l.params[num-1] == 0 {
			l.params[num-1] = lookup.TypeOID(typ)
		}
		return pushValue{param: num}, nil
	case isNow(inner):
		return pushValue{now: true}, nil
	}
	v, ok := pgtree.ConstantValue(n)
	if !ok {
		return pushValue{}, featuregate.Errorf(featuregate.KindUnsupported, "INSERT INTO a feature view takes constants, parameters and now() as values").
			WithHint("compute the values before the INSERT, or push them with COPY")
	}
	if v == nil {
		return pushValue{}, nil
	}
	s := fmt.Sprint(v)
	return pushValue{text: &s}, nil
}

// isNow reports whether n is now(), CURRENT_TIMESTAMP or LOCALTIMESTAMP.
func isNow(n *pg_query.Node) bool {
	if f := n.GetSqlvalueFunction(); f != nil {
		return f.Op == pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP ||
			f.Op == pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP
	}
	f := n.GetFuncCall()
	if f == nil || len(f.Args) > 0 || len(f.Funcname) == 0 {
		return false
	}
	name := f.Funcname[len(f.Funcname)-1].GetString_().GetSval()
	return name == "now" || name == "transaction_timestamp" || name == "statement_timestamp" || name == "clock_timestamp"
}

// pushLocal runs an INSERT into a feature view.
type pushLocal struct {
	env     *exec.Env
	project string
	target  *exec.PushTarget
	slots   []int
	rows    [][]pushValue
	params  []uint32
	now     func() time.Time
}

func (l *pushLocal) Params() []uint32 { return l.params }

func (l *pushLocal) Columns() []plan.Column { return nil }

// Run pushes the rows with the arguments args and tells how many the
// CHECK rules rejected and how many were not newer than the stored value.
func (l *pushLocal) Run(ctx context.Context, args []any, w plan.RowWriter) (string, error) {
	c, err := l.check(ctx, args)
	if err != nil {
		return "", err
	}
	st, err := l.env.WritePush(ctx, c)
	if err != nil {
		return "", err
	}
	PushNotice(w, l.target.View.Name, st)
	return fmt.Sprintf("INSERT 0 %d", st.Written), nil
}

// Stage checks the rows now and writes them when the transaction block
// commits. The tag counts the rows that passed the CHECK rules; newer
// wins when they are written.
func (l *pushLocal) Stage(ctx context.Context, args []any, w plan.RowWriter) (string, func(context.Context) error, error) {
	c, err := l.check(ctx, args)
	if err != nil {
		return "", nil, err
	}
	PushNotice(w, l.target.View.Name, exec.PushStats{Read: c.Stats.Read, Rejected: c.Stats.Rejected,
		Written: c.Stats.Read - c.Stats.Rejected})
	apply := func(ctx context.Context) error {
		_, err := l.env.WritePush(ctx, c)
		return err
	}
	return fmt.Sprintf("INSERT 0 %d", c.Stats.Read-c.Stats.Rejected), apply, nil
}

// check reads and checks the rows with the arguments args.
func (l *pushLocal) check(ctx context.Context, args []any) (*exec.CheckedPush, error) {
	values := make([][]*string, len(l.target.Columns))
	for i, s := range l.slots {
		values[s] = make([]*string, len(l.rows))
		for r, row := range l.rows {
			v, err := l.text(row[i], args)
			if err != nil {
				return nil, err
			}
			values[s][r] = v
		}
	}
	return l.env.CheckPush(ctx, l.project, l.target, values)
}

// text is the text of a value with the arguments args.
func (l *pushLocal) text(v pushValue, args []any) (*string, error) {
	switch {
	case v.now:
		t := time.Now()
		if l.now != nil {
			t = l.now()
		}
		s := t.UTC().Format(time.RFC3339Nano)
		return &s, nil
	case v.param > 0:
		if v.param > len(args) {
			return nil, featuregate.Errorf(featuregate.KindSyntax, "there is no parameter $%d", v.param)
		}
		return exec.TextOf(args[v.param-1])
	}
	return v.text, nil
}

// PushNotice tells the client of a push how many rows a CHECK rule
// rejected and how many were not newer than the stored values.
func PushNotice(w plan.RowWriter, view string, st exec.PushStats) {
	nw, ok := w.(plan.NoticeWriter)
	if !ok {
		return
	}
	if st.Rejected > 0 {
		nw.Notice(fmt.Sprintf("%d rows rejected: they break a CHECK rule of feature view %s and are not served", st.Rejected, view))
	}
	if older := st.Read - st.Rejected - st.Written; older > 0 {
		nw.Notice(fmt.Sprintf("%d rows not written: feature view %s holds a value as new or newer for their keys (newer wins)", older, view))
	}
}
