package wire

import (
	"context"
	"slices"
	"strconv"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// A session keeps the cursors declared over statements it runs itself
// (lookups, for BI drivers such as psqlODBC with UseDeclareFetch, which
// wrap every SELECT in a cursor) and the lookups prepared with SQL-level
// PREPARE, and answers the FETCH, MOVE, CLOSE and EXECUTE that name them.
// Every other cursor and prepared statement is the offline store's.

// maxLocalCursors bounds the lookup cursors a session holds: each holds at
// most a lookup's rows (limits.max_keys_per_lookup), so a session's memory
// stays bounded.
const maxLocalCursors = 64

// localCursor is a cursor over rows the gateway produced: all of them,
// read at DECLARE (a lookup's rows are one per requested key).
type localCursor struct {
	cols []plan.Column
	rows [][]any
	pos  int
	hold bool // WITH HOLD: it outlives its transaction
}

// adapt returns pl with the statements this session answers itself given
// their Local: DECLARE and PREPARE of lookups, and the FETCH, MOVE, CLOSE
// and EXECUTE of cursors and statements the session holds (or that pl
// itself declares or prepares before them). pl itself, which the planner
// may share, is not changed.
func (s *session) adapt(pl *plan.Plan) *plan.Plan {
	if !slices.ContainsFunc(pl.Statements, sessionBound) {
		return pl // the common case, a lookup or plain SQL: nothing to allocate
	}
	var out *plan.Plan
	cursors, prepared := map[string]bool{}, map[string]bool{}
	for i, st := range pl.Statements {
		local := s.adaptStatement(st, cursors, prepared)
		if local == nil {
			continue
		}
		if out == nil {
			out = &plan.Plan{Text: pl.Text, Statements: slices.Clone(pl.Statements)}
		}
		out.Statements[i].Local = local
	}
	if out == nil {
		return pl
	}
	return out
}

// sessionBound reports whether st names a cursor or prepared statement
// the session may hold.
func sessionBound(st plan.Statement) bool {
	return st.Declare != nil || st.Prepare != "" || st.CursorOp != nil || st.Execute != nil
}

// adaptStatement returns the Local that runs st in the session, or nil
// when st runs as planned. cursors and prepared collect the names st's
// query string declares and prepares.
func (s *session) adaptStatement(st plan.Statement, cursors, prepared map[string]bool) plan.Local {
	switch {
	case st.Declare != nil && st.Local != nil:
		cursors[st.Declare.Name] = true
		return &declareLocal{s: s, cur: *st.Declare, query: st.Local}
	case st.Prepare != "" && st.Local != nil:
		prepared[st.Prepare] = true
		return &prepareLocal{s: s, name: st.Prepare, st: st}
	case st.CursorOp != nil && st.CursorOp.Cursor != "":
		if _, ok := s.cursors[st.CursorOp.Cursor]; ok || cursors[st.CursorOp.Cursor] {
			return &cursorOpLocal{s: s, op: *st.CursorOp}
		}
	case st.CursorOp != nil && st.CursorOp.Close: // CLOSE ALL: the session's, then upstream's
		clear(s.cursors)
	case st.Execute != nil:
		if ls, ok := s.stmts[st.Execute.Name]; ok || prepared[st.Execute.Name] {
			return &executeLocal{s: s, ex: *st.Execute, ls: ls}
		}
	}
	return nil
}

// endTxnCursors ends the transaction's part in the session's cursors:
// after a rollback, the cursors it declared are gone, WITH HOLD or not.
func (s *session) endTxnCursors(rolledBack bool) {
	if rolledBack {
		for _, name := range s.txnCursors {
			delete(s.cursors, name)
		}
	}
	s.txnCursors = s.txnCursors[:0]
}

// endCursors drops the cursors without HOLD once no transaction is open.
func (s *session) endCursors() {
	if s.txStatus != 'I' {
		return
	}
	for name, c := range s.cursors {
		if !c.hold {
			delete(s.cursors, name)
		}
	}
}

// declareLocal runs DECLARE … CURSOR FOR a lookup: the lookup's rows are
// kept for FETCH.
type declareLocal struct {
	s     *session
	cur   plan.Cursor
	query plan.Local
}

func (d *declareLocal) Params() []uint32       { return d.query.Params() }
func (d *declareLocal) Columns() []plan.Column { return nil }

func (d *declareLocal) Run(ctx context.Context, args []any, _ plan.RowWriter) (string, error) {
	if _, dup := d.s.cursors[d.cur.Name]; dup {
		return "", featuregate.Errorf(featuregate.KindDuplicate, "cursor %q already exists", d.cur.Name)
	}
	if len(d.s.cursors) >= maxLocalCursors {
		return "", featuregate.Errorf(featuregate.KindLimitExceeded, "a session may hold at most %d lookup cursors", maxLocalCursors).
			WithHint("CLOSE the cursors it no longer reads")
	}
	if !d.cur.Hold && d.s.txStatus == 'I' {
		return "", featuregate.Errorf(featuregate.KindNoTransaction, "DECLARE CURSOR can only be used in transaction blocks").
			WithHint("declare it inside BEGIN … COMMIT, or WITH HOLD")
	}
	c := &localCursor{cols: d.query.Columns(), hold: d.cur.Hold}
	if _, err := d.query.Run(ctx, args, rowCollector{c}); err != nil {
		return "", err
	}
	d.s.cursors[d.cur.Name] = c
	if d.s.txStatus != 'I' {
		d.s.txnCursors = append(d.s.txnCursors, d.cur.Name)
	}
	return "DECLARE CURSOR", nil
}

// rowCollector keeps copies of the rows written to it.
type rowCollector struct{ c *localCursor }

func (r rowCollector) WriteRow(values []any) error {
	r.c.rows = append(r.c.rows, slices.Clone(values))
	return nil
}

// cursorOpLocal runs FETCH, MOVE or CLOSE of a session's cursor.
type cursorOpLocal struct {
	s  *session
	op plan.CursorOp
}

func (f *cursorOpLocal) Params() []uint32 { return nil }

func (f *cursorOpLocal) Columns() []plan.Column {
	if c, ok := f.s.cursors[f.op.Cursor]; ok && !f.op.Close && !f.op.Move {
		return c.cols
	}
	return nil
}

func (f *cursorOpLocal) Run(_ context.Context, _ []any, w plan.RowWriter) (string, error) {
	c, ok := f.s.cursors[f.op.Cursor]
	switch {
	case !ok:
		return "", featuregate.Errorf(featuregate.KindUndefinedCursor, "cursor %q does not exist", f.op.Cursor)
	case f.op.Close:
		delete(f.s.cursors, f.op.Cursor)
		return "CLOSE CURSOR", nil
	case !f.op.Forward:
		return "", featuregate.Errorf(featuregate.KindUnsupported, "cursor %q over a lookup only moves forward", f.op.Cursor).
			WithHint("FETCH NEXT, FETCH n, FETCH ALL or FETCH FORWARD …")
	}
	n := len(c.rows) - c.pos
	if f.op.Count >= 0 && int64(n) > f.op.Count {
		n = int(f.op.Count)
	}
	if !f.op.Move {
		for _, r := range c.rows[c.pos : c.pos+n] {
			if err := w.WriteRow(r); err != nil {
				return "", err
			}
		}
	}
	c.pos += n
	if f.op.Move {
		return "MOVE " + strconv.Itoa(n), nil
	}
	return "FETCH " + strconv.Itoa(n), nil
}

// prepareLocal runs PREPARE … AS a lookup: the session keeps it, as it
// keeps the lookups clients prepare with Parse.
type prepareLocal struct {
	s    *session
	name string
	st   plan.Statement
}

func (p *prepareLocal) Params() []uint32       { return nil }
func (p *prepareLocal) Columns() []plan.Column { return nil }

func (p *prepareLocal) Run(context.Context, []any, plan.RowWriter) (string, error) {
	if _, dup := p.s.stmts[p.name]; dup {
		return "", featuregate.Errorf(featuregate.KindDuplicate, "prepared statement %q already exists", p.name)
	}
	p.s.stmts[p.name] = &localStmt{st: plan.Statement{SQL: p.st.SQL, Local: p.st.Local, Command: "SELECT"},
		params: p.st.Local.Params()}
	return "PREPARE", nil
}

// executeLocal runs EXECUTE of a lookup the session prepared.
type executeLocal struct {
	s  *session
	ex plan.Execute
	ls *localStmt // nil when the query string prepares it before
}

func (e *executeLocal) stmt() (*localStmt, error) {
	if ls, ok := e.s.stmts[e.ex.Name]; ok {
		return ls, nil
	}
	return nil, featuregate.Errorf(featuregate.KindUndefinedStatement, "prepared statement %q does not exist", e.ex.Name)
}

// Params are the EXECUTE's own parameters, typed as the prepared
// statement's arguments they stand for.
func (e *executeLocal) Params() []uint32 {
	ls, err := e.stmt()
	if err != nil {
		return nil
	}
	var oids []uint32
	for i, n := range e.ex.Params {
		for n > 0 && len(oids) < n {
			oids = append(oids, 0)
		}
		if n > 0 && i < len(ls.params) {
			oids[n-1] = ls.params[i]
		}
	}
	return oids
}

func (e *executeLocal) Columns() []plan.Column {
	if ls, err := e.stmt(); err == nil {
		return ls.columns()
	}
	return nil
}

func (e *executeLocal) Run(ctx context.Context, params []any, w plan.RowWriter) (string, error) {
	ls, err := e.stmt()
	if err != nil {
		return "", err
	}
	if !e.ex.Simple {
		return "", featuregate.Errorf(featuregate.KindUnsupported, "EXECUTE of a lookup takes constants or parameters").
			WithHint("compute the arguments in the client")
	}
	if len(e.ex.Args) != len(ls.params) {
		return "", featuregate.Errorf(featuregate.KindSyntax, "wrong number of parameters for prepared statement %q", e.ex.Name).
			WithHint("it takes %d", len(ls.params))
	}
	args := slices.Clone(e.ex.Args)
	for i, n := range e.ex.Params {
		if n > 0 && n <= len(params) {
			args[i] = params[n-1]
		}
	}
	return ls.st.Local.Run(ctx, args, w)
}
