package wire

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// abortSQL is sent upstream to put an open transaction into the failed
// state when the gateway itself rejects a statement inside it, so that the
// offline store and the client agree, as with PostgreSQL, that only
// ROLLBACK is accepted now. It is a syntax error by design.
const abortSQL = "featuregate: abort the transaction after an error raised by the gateway"

// simpleQuery runs a Query message: plan it, refuse it or forward it, and
// end with ReadyForQuery.
func (s *session) simpleQuery(ctx context.Context, sql string) {
	defer s.readyForQuery()
	plan, err := s.srv.planner.Plan(ctx, s.psess, sql)
	if err == nil {
		err = plan.Refusal()
	}
	if err != nil {
		s.sendError(err)
		s.abortUpstreamTxn()
		return
	}
	if len(plan.Statements) == 0 {
		s.c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	plan = s.adapt(plan)
	s.listening = s.listening || plan.Listens()
	if controlsTxnAlone(plan) {
		s.runTxn(ctx, plan.Statements[0])
		return
	}
	if plan.Forwardable() && !s.deallocatesLocal(plan) {
		s.sendNotices(plan.Statements...)
		s.markSavepoints(plan.Statements...)
		if s.forwardQuery(ctx, plan.Text) {
			s.afterDeallocate(plan.Statements...)
		}
		return
	}
	s.runStatements(ctx, plan)
}

// deallocatesLocal reports whether plan has a DEALLOCATE of a statement
// the session prepared itself.
func (s *session) deallocatesLocal(plan *plan.Plan) bool {
	for _, st := range plan.Statements {
		if s.deallocatesHere(st) {
			return true
		}
	}
	return false
}

// deallocatesHere reports whether st is a DEALLOCATE the session answers
// itself: of a statement it prepared itself, or of one that went with a
// lost upstream connection.
func (s *session) deallocatesHere(st plan.Statement) bool {
	if st.Deallocate == "" {
		return false
	}
	if _, ok := s.stmts[st.Deallocate]; ok {
		return true
	}
	_, up := s.upStmts[st.Deallocate]
	return up && s.stale(st.Deallocate)
}

// afterDeallocate drops the session's own prepared statements and portals
// once a DEALLOCATE ALL or DISCARD ALL succeeded upstream.
func (s *session) afterDeallocate(stmts ...plan.Statement) {
	for _, st := range stmts {
		if st.DeallocateAll {
			clear(s.stmts)
			clear(s.portals)
		}
		s.forgetDeallocated(st.Deallocate, st.DeallocateAll)
	}
}

// runStatements runs a query string that mixes local and forwarded
// statements, one statement at a time, stopping at the first error.
func (s *session) runStatements(ctx context.Context, pl *plan.Plan) {
	multi := len(pl.Statements) > 1
	for _, st := range pl.Statements {
		if s.deallocatesHere(st) {
			delete(s.stmts, st.Deallocate)
			s.forget(st.Deallocate)
			s.c.send(&pgproto3.CommandComplete{CommandTag: []byte("DEALLOCATE")})
			continue
		}
		if st.Local == nil {
			s.sendNotices(st)
			s.markSavepoints(st)
			if !s.applyStaged(ctx, st) || !s.forwardQuery(ctx, st.SQL) {
				return
			}
			s.afterDeallocate(st)
			continue
		}
		err := s.checkLocal(st, multi)
		if err == nil {
			err = s.runLocalSimple(ctx, st)
		}
		if err != nil {
			s.sendError(err)
			s.abortUpstreamTxn()
			return
		}
	}
}

// checkLocal refuses a local statement that cannot run now: inside a
// failed transaction, or inside a transaction block when it must not.
func (s *session) checkLocal(st plan.Statement, multi bool) error {
	if s.txStatus == 'E' {
		return featuregate.Errorf(featuregate.KindTxnAborted,
			"current transaction is aborted, commands ignored until end of transaction block")
	}
	return s.checkTopLevel(st, multi)
}

// forwardQuery sends a query string upstream as one Query message and
// relays the responses until ReadyForQuery, which it keeps for itself. It
// reports whether everything succeeded.
func (s *session) forwardQuery(ctx context.Context, sql string) bool {
	if !s.beginUpstream(ctx) {
		return false
	}
	if err := s.connect(ctx); err != nil {
		s.sendError(err)
		return false
	}
	return s.queryUpstream(sql, true)
}

// queryUpstream runs sql upstream with a Query message and reads up to
// ReadyForQuery, relaying the responses to the client or dropping them. It
// reports whether everything succeeded.
func (s *session) queryUpstream(sql string, relay bool) bool {
	up := s.up
	up.send(&pgproto3.Query{String: sql})
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		return false
	}
	ok := true
	for {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			s.ready(m.TxStatus)
			return ok
		case *pgproto3.CopyInResponse:
			if !relay {
				up.send(&pgproto3.CopyFail{Message: "featuregate sent no COPY data"})
				continue
			}
			s.c.send(m)
			if err := s.copyIn(); err != nil {
				return false
			}
		case *pgproto3.ErrorResponse:
			ok = false
			if relay {
				s.annotate(m)
				s.c.send(m)
			}
		default:
			if relay {
				s.c.send(m)
			}
		}
	}
}

// copyIn relays the client's COPY data upstream until CopyDone or CopyFail.
// It returns an error when either side is gone.
func (s *session) copyIn() error {
	if err := s.c.flush(); err != nil {
		return err
	}
	up := s.up
	for {
		msg, err := s.nextCopyMessage()
		if err != nil {
			up.send(&pgproto3.CopyFail{Message: "the client connection was lost during COPY"})
			_ = up.flush()
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			up.send(m)
		case *pgproto3.CopyDone, *pgproto3.CopyFail:
			up.send(m)
			// In the extended protocol the server holds the COPY's
			// CommandComplete until a Flush; in the simple one a Flush is harmless.
			up.send(&pgproto3.Flush{})
			if err := up.flush(); err != nil {
				s.upstreamLost(err)
				return err
			}
			return nil
		case *pgproto3.Flush, *pgproto3.Sync:
			// ignored during COPY, as PostgreSQL does
		default:
			up.send(&pgproto3.CopyFail{Message: fmt.Sprintf("unexpected message type %T during COPY from stdin", m)})
			if err := up.flush(); err != nil {
				s.upstreamLost(err)
				return err
			}
			return nil
		}
	}
}

// abortUpstreamTxn puts the upstream transaction into the failed state
// after a local error inside a transaction block. Outside a block there is
// nothing to do.
func (s *session) abortUpstreamTxn() {
	if s.deferred != "" {
		if s.txStatus == 'T' {
			s.txStatus = 'E'
		}
		return
	}
	if s.up != nil && s.txStatus == 'T' {
		s.queryUpstream(abortSQL, false)
	}
}

// nextCopyMessage is the client's next message during COPY FROM STDIN: the
// one held back when the COPY was started by it, or the next one read.
func (s *session) nextCopyMessage() (pgproto3.FrontendMessage, error) {
	if m := s.take(); m != nil {
		return m, nil
	}
	return s.c.be.Receive()
}

// copyFrontend copies a COPY message out of the receive buffer, which the
// next Receive reuses.
func copyFrontend(m pgproto3.FrontendMessage) pgproto3.FrontendMessage {
	switch v := m.(type) {
	case *pgproto3.CopyData:
		return &pgproto3.CopyData{Data: append([]byte(nil), v.Data...)}
	case *pgproto3.CopyFail:
		return &pgproto3.CopyFail{Message: v.Message}
	}
	return &pgproto3.CopyDone{}
}
