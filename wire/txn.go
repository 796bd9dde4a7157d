package wire

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// A transaction block opens upstream only when a statement needs the
// offline store. BEGIN is answered by the gateway and remembered; the first
// statement that goes upstream inside the block sends it first. A block of
// online lookups alone (psycopg2 opens one before every statement) never
// reaches the offline store, so it costs no round trip and keeps working
// while the offline store is down. PostgreSQL takes a transaction's
// snapshot at its first statement, not at BEGIN, so the client sees the
// same data; only transaction_timestamp() and now() are read at the first
// statement that goes upstream instead of at BEGIN.

// inlineName names the statement and portal that run a transaction
// control statement upstream in the middle of a client's batch, so that
// the client's unnamed ones are left alone.
const inlineName = "featuregate_txn"

// runTxn runs a transaction control statement for the simple or the
// extended protocol and reports whether it succeeded. It is answered by the
// gateway unless the offline store holds the block or a batch of the
// client's is open upstream.
func (s *session) runTxn(ctx context.Context, st plan.Statement) bool {
	if !s.applyStaged(ctx, st) {
		return false
	}
	ends := st.Txn != plan.TxnBegin && s.txStatus != 'I'
	rollback := st.Txn == plan.TxnRollback || s.txStatus == 'E'
	var ok bool
	if s.inBatch || (s.deferred == "" && s.txStatus != 'I' && st.Txn != plan.TxnBegin) {
		ok = s.txnUpstream(ctx, st)
	} else {
		ok = s.txnLocal(st)
	}
	if ends {
		s.endTxnCursors(rollback || !ok)
	}
	return ok
}

// txnLocal answers a transaction control statement that nothing upstream
// depends on, with PostgreSQL's warnings and command tags.
func (s *session) txnLocal(st plan.Statement) bool {
	switch {
	case st.Txn == plan.TxnBegin && s.txStatus == 'E':
		s.sendError(featuregate.Errorf(featuregate.KindTxnAborted,
			"current transaction is aborted, commands ignored until end of transaction block"))
		return false
	case st.Txn == plan.TxnBegin && s.txStatus == 'T':
		s.warn("25001", "there is already a transaction in progress")
		s.complete(st.Command)
	case st.Txn == plan.TxnBegin:
		s.deferBegin(st.SQL)
		s.complete(st.Command)
	case s.deferred == "": // nothing to end
		s.warn("25P01", "there is no transaction in progress")
		s.complete(txnTag(st.Txn, 'T'))
	default:
		tag := txnTag(st.Txn, s.txStatus)
		s.endDeferred()
		s.complete(tag)
	}
	return true
}

// txnTag is the command tag ending a block in status tx: COMMIT of a failed
// block rolls it back.
func txnTag(t plan.Txn, tx byte) string {
	if t == plan.TxnCommit && tx != 'E' {
		return "COMMIT"
	}
	return "ROLLBACK"
}

// txnUpstream runs a transaction control statement on the offline store:
// with a Query message between batches, inline otherwise.
func (s *session) txnUpstream(ctx context.Context, st plan.Statement) bool {
	if !s.inBatch {
		return s.forwardQuery(ctx, st.SQL)
	}
	if !s.inline(st.SQL) {
		return false
	}
	if st.Txn == plan.TxnBegin {
		s.txStatus = 'T'
	} else {
		s.txStatus = 'I'
	}
	return true
}

// inline runs sql upstream inside the open batch with a statement and
// portal of the gateway's own, relaying its notices, command tag and
// error. The batch's Sync reports the transaction status.
func (s *session) inline(sql string) bool {
	if !s.drain() {
		return false
	}
	up := s.up
	up.send(&pgproto3.Parse{Name: inlineName, Query: sql})
	up.send(&pgproto3.Bind{DestinationPortal: inlineName, PreparedStatement: inlineName})
	up.send(&pgproto3.Execute{Portal: inlineName})
	up.send(&pgproto3.Close{ObjectType: 'P', Name: inlineName})
	up.send(&pgproto3.Close{ObjectType: 'S', Name: inlineName})
	up.send(&pgproto3.Flush{})
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		s.refused()
		return false
	}
	for closes := 0; closes < 2; {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			s.refused()
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			s.failed()
			s.c.send(m)
			return false
		case *pgproto3.CloseComplete:
			closes++
		case *pgproto3.CommandComplete, *pgproto3.NoticeResponse:
			s.c.send(m)
		}
	}
	return true
}

// beginUpstream opens upstream the block BEGIN deferred, before a
// statement that needs the offline store. It reports false, having told
// the client, when the block cannot go on there: the block has failed
// already, or the offline store cannot be reached (the block fails then,
// as after any error).
func (s *session) beginUpstream(ctx context.Context) bool {
	if s.deferred == "" {
		return true
	}
	if s.txStatus == 'E' {
		s.sendError(featuregate.Errorf(featuregate.KindTxnAborted,
			"current transaction is aborted, commands ignored until end of transaction block"))
		return false
	}
	if err := s.connect(ctx); err != nil {
		s.sendError(err)
		s.txStatus = 'E'
		return false
	}
	begin := s.deferred
	s.endDeferred()
	if s.queryUpstream(begin, false) && s.txStatus == 'T' {
		return true
	}
	if s.up != nil { // refused rather than lost
		s.sendError(featuregate.Errorf(featuregate.KindInternal, "the offline store did not open the transaction block %q", begin))
	}
	s.deferBegin(begin)
	s.txStatus = 'E'
	return false
}

func (s *session) warn(code, msg string) {
	s.c.send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: msg})
}

func (s *session) complete(tag string) {
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}
