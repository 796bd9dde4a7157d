package wire

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// Statements that run in the gateway live in the session, under the
// client's names, beside the ones prepared on the offline store.

type localStmt struct {
	st     plan.Statement
	params []uint32 // parameter types, as ParameterDescription reports them
	// enc encodes the rows of executions that stream them, its plans kept
	// from one execution to the next.
	enc rowEncoder
}

// columns describes the statement's rows; nil for a command without rows.
func (ls *localStmt) columns() []plan.Column {
	if ls.st.Local == nil { // a transaction control statement
		return nil
	}
	return ls.st.Local.Columns()
}

// ownParams are the parameter types the statement itself declares.
func ownParams(st plan.Statement) []uint32 {
	if st.Local == nil {
		return nil
	}
	return st.Local.Params()
}

// controlsTxnAlone reports whether a query string is one transaction
// control statement, which the session runs itself. (Within a string of
// several statements, which PostgreSQL runs as one implicit block,
// transaction control goes upstream with the rest.)
func controlsTxnAlone(p *plan.Plan) bool {
	return len(p.Statements) == 1 && p.Statements[0].Txn != plan.TxnNone
}

// savepointAlone reports whether a query string is one savepoint
// statement. The extended protocol runs it in the session, which marks
// the staged work before it runs the statement upstream (runSavepoint);
// the simple protocol marks it on the way upstream (markSavepoints).
func savepointAlone(p *plan.Plan) bool {
	return len(p.Statements) == 1 && p.Statements[0].Savepoint != nil
}

type localPortal struct {
	stmt    *localStmt
	args    []any
	formats []int16    // result formats
	ran     bool       // the statement ran; rows holds what is left to send
	rows    [][][]byte // encoded rows not yet sent
	tag     string
}

// extendedLocal handles a message addressed to a local statement or
// portal; it reports false when the message is for the offline store.
func (s *session) extendedLocal(ctx context.Context, msg pgproto3.FrontendMessage, plan *plan.Plan) bool {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		if plan.Forwardable() && !controlsTxnAlone(plan) && !savepointAlone(plan) {
			return s.shadowed(m.Name)
		}
		s.parseLocal(m, plan)
	case *pgproto3.Bind:
		ls, ok := s.stmts[m.PreparedStatement]
		if !ok {
			delete(s.portals, m.DestinationPortal)
			return false
		}
		s.bindLocal(m, ls)
	case *pgproto3.Describe:
		if !s.describeLocal(m) {
			return false
		}
	case *pgproto3.Execute:
		p, ok := s.portals[m.Portal]
		if !ok {
			return false
		}
		s.executeLocal(ctx, p, int(m.MaxRows))
	case *pgproto3.Close:
		if !s.closeLocal(m) {
			return false
		}
	default:
		return false
	}
	return true
}

// shadowed handles a Parse for the offline store under a name a local
// statement holds: the unnamed statement is replaced, a named one is a
// duplicate. It reports true when it answered the message itself.
func (s *session) shadowed(name string) bool {
	if _, ok := s.stmts[name]; !ok {
		return false
	}
	if name == "" {
		delete(s.stmts, name)
		return false
	}
	s.extendedError(featuregate.Errorf(featuregate.KindDuplicate, "prepared statement %q already exists", name))
	return true
}

func (s *session) parseLocal(m *pgproto3.Parse, plan *plan.Plan) {
	if !s.drain() {
		return
	}
	if len(plan.Statements) != 1 {
		s.extendedError(featuregate.Errorf(featuregate.KindSyntax, "cannot insert multiple commands into a prepared statement"))
		return
	}
	if err := s.checkFailedBlock(plan.Statements[0]); err != nil {
		s.extendedError(err)
		return
	}
	if _, dup := s.stmts[m.Name]; dup && m.Name != "" {
		s.extendedError(featuregate.Errorf(featuregate.KindDuplicate, "prepared statement %q already exists", m.Name))
		return
	}
	s.stmts[m.Name] = &localStmt{st: plan.Statements[0], params: paramTypes(ownParams(plan.Statements[0]), m.ParameterOIDs)}
	s.c.send(&pgproto3.ParseComplete{})
}

// checkFailedBlock refuses, in a failed transaction block, every
// statement but those that end it and ROLLBACK TO SAVEPOINT (the way back
// into it), as PostgreSQL does at Parse and Bind.
func (s *session) checkFailedBlock(st plan.Statement) error {
	if s.txStatus != 'E' || st.Txn == plan.TxnCommit || st.Txn == plan.TxnRollback ||
		(st.Savepoint != nil && st.Savepoint.Op == plan.SavepointRollbackTo) {
		return nil
	}
	return featuregate.Errorf(featuregate.KindTxnAborted,
		"current transaction is aborted, commands ignored until end of transaction block")
}

// paramTypes are a local statement's parameter types: those the client
// gave in Parse, as PostgreSQL keeps them, and the statement's own where
// the client left them unspecified (0).
func paramTypes(own, client []uint32) []uint32 {
	out := append([]uint32(nil), own...)
	for i, oid := range client {
		switch {
		case i >= len(out):
			out = append(out, oid)
		case oid != 0:
			out[i] = oid
		}
	}
	return out
}

func (s *session) bindLocal(m *pgproto3.Bind, ls *localStmt) {
	if !s.drain() {
		return
	}
	if err := s.checkFailedBlock(ls.st); err != nil {
		s.extendedError(err)
		return
	}
	oids := ls.params
	if len(m.Parameters) != len(oids) {
		s.extendedError(featuregate.Errorf(featuregate.KindInvalid,
			"bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(oids)))
		return
	}
	if err := checkFormats(m.ParameterFormatCodes, len(oids), "parameter formats", "parameters"); err != nil {
		s.extendedError(err)
		return
	}
	if err := checkFormats(m.ResultFormatCodes, len(ls.columns()), "result formats", "columns"); err != nil {
		s.extendedError(err)
		return
	}
	args := make([]any, len(oids))
	for i, raw := range m.Parameters {
		v, err := s.decodeParam(oids[i], formatOf(m.ParameterFormatCodes, i), raw)
		if err != nil {
			s.extendedError(&featuregate.Error{Kind: featuregate.KindInvalid,
				Message: fmt.Sprintf("invalid value for parameter $%d", i+1), Err: err})
			return
		}
		args[i] = v
	}
	s.portals[m.DestinationPortal] = &localPortal{stmt: ls, args: args,
		formats: append([]int16(nil), m.ResultFormatCodes...)}
	s.c.send(&pgproto3.BindComplete{})
}

func (s *session) decodeParam(oid uint32, format int16, raw []byte) (any, error) {
	if raw == nil {
		return nil, nil
	}
	t, ok := s.types.TypeForOID(oid)
	if !ok {
		return string(raw), nil
	}
	return t.Codec.DecodeValue(s.types, oid, format, raw)
}

func (s *session) describeLocal(m *pgproto3.Describe) bool {
	var cols []plan.Column
	var formats []int16
	switch m.ObjectType {
	case 'S':
		ls, ok := s.stmts[m.Name]
		if !ok {
			return false
		}
		if !s.drain() {
			return true
		}
		s.c.send(&pgproto3.ParameterDescription{ParameterOIDs: ls.params})
		cols = ls.columns()
	default:
		p, ok := s.portals[m.Name]
		if !ok {
			return false
		}
		if !s.drain() {
			return true
		}
		cols, formats = p.stmt.columns(), p.formats
	}
	if cols == nil {
		s.c.send(&pgproto3.NoData{})
	} else {
		s.c.send(rowDescription(cols, formats))
	}
	return true
}

// executeLocal runs a local portal, or goes on with one that a row limit
// suspended.
func (s *session) executeLocal(ctx context.Context, p *localPortal, maxRows int) {
	if !s.drain() {
		return
	}
	if p.stmt.st.Txn != plan.TxnNone {
		if !s.runTxn(ctx, p.stmt.st) {
			s.refused()
		}
		return
	}
	if p.stmt.st.Savepoint != nil {
		if !s.runSavepoint(ctx, p.stmt.st) {
			s.refused()
		}
		return
	}
	if !p.ran && maxRows <= 0 {
		s.executeStreaming(ctx, p)
		return
	}
	if !p.ran {
		if err := s.checkLocal(p.stmt.st, false); err != nil {
			s.extendedError(err)
			return
		}
		w := &bufferWriter{s: s, enc: rowEncoder{types: s.types, cols: p.stmt.st.Local.Columns(), formats: p.formats}}
		tag, err := s.runLocal(ctx, p.stmt.st.Local, p.args, w)
		if err != nil {
			s.extendedError(err)
			return
		}
		p.ran, p.rows, p.tag = true, w.rows, tag
	}
	n := len(p.rows)
	if maxRows > 0 && maxRows < n {
		n = maxRows
	}
	for _, vals := range p.rows[:n] {
		s.c.send(&pgproto3.DataRow{Values: vals})
	}
	p.rows = p.rows[n:]
	if maxRows > 0 && n == maxRows && len(p.rows) > 0 {
		s.c.send(&pgproto3.PortalSuspended{})
		return
	}
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag)})
}

// executeStreaming runs a local portal whose rows all go at once: each row
// is written to the connection's buffer as it comes, with the statement's
// encoder.
func (s *session) executeStreaming(ctx context.Context, p *localPortal) {
	if err := s.checkLocal(p.stmt.st, false); err != nil {
		s.extendedError(err)
		return
	}
	enc := &p.stmt.enc
	if enc.types == nil {
		*enc = rowEncoder{types: s.types, cols: p.stmt.columns(), reuse: true}
	}
	enc.setFormats(p.formats)
	w := &streamWriter{s: s, enc: enc}
	tag, err := s.runLocal(ctx, p.stmt.st.Local, p.args, w)
	if err != nil {
		s.extendedError(err)
		return
	}
	p.ran, p.tag = true, tag
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}

func (s *session) closeLocal(m *pgproto3.Close) bool {
	if m.ObjectType == 'S' {
		if _, ok := s.stmts[m.Name]; !ok {
			return false
		}
		delete(s.stmts, m.Name)
	} else {
		if _, ok := s.portals[m.Name]; !ok {
			return false
		}
		delete(s.portals, m.Name)
	}
	if s.drain() {
		s.c.send(&pgproto3.CloseComplete{})
	}
	return true
}
