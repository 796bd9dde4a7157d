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

// A savepoint marks how much staged work the block held when it was set:
// ROLLBACK TO it drops what was staged since (the pushes the rolled back
// statements made), RELEASE forgets it, as PostgreSQL forgets the
// savepoint. The marks follow the savepoint statements of both protocols:
// one of the extended protocol (a Parse of it alone) runs in the session,
// which marks and then runs it upstream (runSavepoint). Marks are taken
// before the statement goes upstream: a savepoint statement that fails
// there fails the block, which then drops everything anyway.
type mark struct {
	name   string
	staged int
}

// markSavepoints keeps the marks of the savepoint statements of stmts.
func (s *session) markSavepoints(stmts ...plan.Statement) {
	for _, st := range stmts {
		sp := st.Savepoint
		// A failed block takes only ROLLBACK TO, the way out of its failure.
		if sp == nil || s.txStatus == 'I' || (s.txStatus == 'E' && sp.Op != plan.SavepointRollbackTo) {
			continue
		}
		i := s.lastMark(sp.Name)
		switch {
		case sp.Op == plan.SavepointDefine:
			s.marks = append(s.marks, mark{name: sp.Name, staged: len(s.staged)})
		case i < 0:
		case sp.Op == plan.SavepointRelease:
			s.marks = s.marks[:i]
		case sp.Op == plan.SavepointRollbackTo:
			s.staged, s.marks = s.staged[:s.marks[i].staged], s.marks[:i+1]
		}
	}
}

// runSavepoint runs a savepoint statement of the extended protocol: it
// marks the staged work, then runs the statement upstream, inline when a
// batch of the client's is open there.
func (s *session) runSavepoint(ctx context.Context, st plan.Statement) bool {
	s.markSavepoints(st)
	if !s.inBatch {
		return s.forwardQuery(ctx, st.SQL)
	}
	return s.inline(st.SQL)
}

// lastMark is the index of the newest mark called name, or -1.
func (s *session) lastMark(name string) int {
	for i := len(s.marks) - 1; i >= 0; i-- {
		if s.marks[i].name == name {
			return i
		}
	}
	return -1
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
	s.staged, s.marks = nil, nil
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
