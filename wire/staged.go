package wire

import (
	"context"

	"github.com/featuregate/featuregate/plan"
)

// Statements whose effect waits for COMMIT (plan.Stager: a push into a
// feature view) run checked but unapplied inside a transaction block; the
// session keeps what each would apply, applies it all in order when the
// block commits, before the COMMIT itself, and drops it on ROLLBACK, on a
// failed block, or when the session ends. psycopg2, which opens a block
// before its first statement, pushes at conn.commit() that way. If an
// apply fails the COMMIT fails with its error and the block is rolled
// back; what was applied before it stays (newer-wins values).

// runLocal runs l, or stages it inside a transaction block.
func (s *session) runLocal(ctx context.Context, l plan.Local, args []any, w plan.RowWriter) (string, error) {
	sl, ok := l.(plan.Stager)
	if !ok || s.txStatus != 'T' {
		return l.Run(ctx, args, w)
	}
	tag, apply, err := sl.Stage(ctx, args, w)
	if err == nil {
		s.staged = append(s.staged, apply)
	}
	return tag, err
}

// applyStaged runs before a transaction control statement st: a COMMIT of
// a healthy block applies the staged work first. Any end of the block
// drops it. It reports false, having sent the error and rolled the block
// back, when an apply failed.
func (s *session) applyStaged(ctx context.Context, st plan.Statement) bool {
	if st.Txn == plan.TxnNone || st.Txn == plan.TxnBegin {
		return true
	}
	staged := s.staged
	s.staged = nil
	if st.Txn != plan.TxnCommit || s.txStatus != 'T' {
		return true
	}
	for _, apply := range staged {
		if err := apply(ctx); err != nil {
			s.sendError(err)
			s.rollbackBlock()
			return false
		}
	}
	return true
}

// rollbackBlock ends the open transaction block after a failed COMMIT,
// without a response to the client: as PostgreSQL does, the failed COMMIT
// leaves no block open.
func (s *session) rollbackBlock() {
	if s.deferred != "" {
		s.endDeferred()
	} else if s.up != nil && s.txStatus != 'I' {
		s.queryUpstream("ROLLBACK", false)
	}
	s.endTxnCursors(true)
}
