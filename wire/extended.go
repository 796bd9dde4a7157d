package wire

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/plan"
)

// maxPending bounds the forwarded messages awaiting responses; past it the
// session collects responses before reading more, as PostgreSQL does when
// its output buffer fills.
const maxPending = 512

// extended handles Parse, Bind, Describe, Execute and Close. Statements
// that may run are forwarded upstream as they are, under the client's own
// statement and portal names; responses are relayed at Sync or Flush, so a
// pipeline costs one round trip.
func (s *session) extended(ctx context.Context, msg pgproto3.FrontendMessage) {
	var plan *plan.Plan
	if p, ok := msg.(*pgproto3.Parse); ok {
		var err error
		plan, err = s.srv.planner.Plan(ctx, s.psess, p.Query)
		if err == nil {
			err = plan.Refusal()
		}
		if err != nil {
			s.extendedError(err)
			return
		}
		s.listening = s.listening || plan.Listens()
		plan = s.adapt(plan)
		s.sendNotices(plan.Statements...)
		if plan.Text != p.Query { // a point-in-time query, rewritten
			msg = &pgproto3.Parse{Name: p.Name, Query: plan.Text, ParameterOIDs: p.ParameterOIDs}
		}
	}
	if s.extendedLocal(ctx, msg, plan) {
		return
	}
	s.forward(ctx, msg)
}

// forward queues msg for the upstream server.
func (s *session) forward(ctx context.Context, msg pgproto3.FrontendMessage) {
	if c, ok := msg.(*pgproto3.Close); ok && s.closeStale(c) {
		return
	}
	if !s.inBatch {
		if !s.beginUpstream(ctx) {
			s.refused()
			return
		}
		if err := s.connect(ctx); err != nil {
			s.sendError(err)
			s.refused()
			return
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Parse:
		s.prepared(m)
	case *pgproto3.Bind:
		if !s.reprepare(m.PreparedStatement) {
			return
		}
	case *pgproto3.Describe:
		if m.ObjectType == 'S' && !s.reprepare(m.Name) {
			return
		}
	}
	s.up.send(msg)
	s.forwarded()
	if s.pending >= maxPending {
		s.drain()
	}
}

// extendedError reports a local error in the extended protocol: messages
// are then ignored until Sync, and an upstream transaction or batch in
// progress is failed too, so that nothing of it is applied.
func (s *session) extendedError(err error) {
	if !s.drain() {
		return // an earlier error already put the session in discard mode
	}
	s.sendError(err)
	s.refused()
	if s.deferred != "" && !s.inBatch { // the block is the gateway's alone
		if s.txStatus == 'T' {
			s.txStatus = 'E'
		}
		return
	}
	if s.up == nil || (!s.inBatch && s.txStatus == 'I') {
		return
	}
	up := s.up
	up.send(&pgproto3.Parse{Query: abortSQL})
	up.send(&pgproto3.Flush{})
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		return
	}
	s.opened()
	for {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			return
		}
		if _, ok := msg.(*pgproto3.ErrorResponse); ok {
			return
		}
	}
}

// drain collects the responses to every forwarded message, relaying them,
// without ending the batch. It reports false when one of them failed (the
// session is then discarding until Sync).
func (s *session) drain() bool {
	if s.pending == 0 || s.up == nil {
		return !s.discard
	}
	up := s.up
	up.send(&pgproto3.Flush{})
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		s.refused()
		return false
	}
	for s.pending > 0 {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			s.refused()
			return false
		}
		if !s.relayExtended(msg) {
			return false
		}
	}
	return true
}

// relayExtended relays one upstream response of the extended protocol and
// keeps count of the messages answered. It reports false after an error.
func (s *session) relayExtended(msg pgproto3.BackendMessage) bool {
	switch m := msg.(type) {
	case *pgproto3.ParseComplete, *pgproto3.BindComplete, *pgproto3.CloseComplete,
		*pgproto3.NoData, *pgproto3.RowDescription, *pgproto3.CommandComplete,
		*pgproto3.EmptyQueryResponse, *pgproto3.PortalSuspended:
		s.answered()
	case *pgproto3.ErrorResponse:
		s.failed()
		s.annotate(m)
		s.c.send(m)
		return false
	case *pgproto3.CopyInResponse:
		s.c.send(m)
		return s.copyIn() == nil
	}
	s.c.send(msg)
	return true
}

// sync ends a batch: upstream when something was forwarded, locally
// otherwise; either way the client gets ReadyForQuery.
func (s *session) sync() {
	defer s.endBatch()
	if !s.inBatch || s.up == nil {
		s.readyForQuery()
		return
	}
	up := s.up
	up.send(&pgproto3.Sync{})
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		s.readyForQuery()
		return
	}
	for {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			s.readyForQuery()
			return
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			s.ready(m.TxStatus)
			s.readyForQuery()
			return
		case *pgproto3.CopyInResponse:
			// The Sync we sent arrived during COPY, where PostgreSQL
			// ignores it: the client sends another after CopyDone.
			s.c.send(m)
			s.awaitCopyEnd() // before the data: a connection lost during the COPY leaves nothing pending
			_ = s.copyIn()
			s.drainAfterCopy()
			return
		default:
			if e, isErr := m.(*pgproto3.ErrorResponse); isErr {
				s.answeredAll()
				s.annotate(e)
			}
			s.c.send(m)
		}
	}
}

// drainAfterCopy relays the end of a COPY started inside a batch whose Sync
// was swallowed; the batch stays open for the client's next Sync.
func (s *session) drainAfterCopy() {
	for s.up != nil && s.pending > 0 {
		msg, err := s.receiveUpstream()
		if err != nil {
			s.upstreamLost(err)
			return
		}
		s.relayExtended(msg)
	}
	_ = s.c.flush()
}

// endBatch leaves discard mode; when the transaction is over, its local
// portals go, as PostgreSQL's do.
func (s *session) endBatch() {
	s.synced()
	if s.txStatus == 'I' {
		clear(s.portals)
	}
}
