package wire

import (
	"github.com/jackc/pgx/v5/pgproto3"
)

// Statements a client prepares upstream live on the session's upstream
// connection and die with it. The session remembers each named one, with
// the connection it was prepared on, so that after the connection was lost
// and opened again:
//   - a Bind or Describe of it prepares it again first, transparently;
//   - a Close or DEALLOCATE of it is answered by the gateway, which also
//     answers them while no upstream connection is open (drivers such as
//     pgx close statements before their next query, and must not fail
//     while the offline store is down).

// upStmt is a statement the client prepared upstream.
type upStmt struct {
	conn  uint64         // the upstream connection it was prepared on
	parse pgproto3.Parse // how to prepare it again
}

// maxUpStmtBytes bounds the query text a session keeps to prepare its
// statements again: past it, further statements are not kept (after a
// reconnect, using one of them gets PostgreSQL's 26000), so that a client
// preparing ever larger statements cannot grow the gateway's memory.
const maxUpStmtBytes = 16 << 20

// prepared records a named Parse sent upstream.
func (s *session) prepared(m *pgproto3.Parse) {
	if m.Name == "" {
		return
	}
	s.forget(m.Name)
	if s.upStmtBytes+len(m.Query) > maxUpStmtBytes {
		return
	}
	s.upStmtBytes += len(m.Query)
	s.upStmts[m.Name] = upStmt{conn: s.upConn, parse: pgproto3.Parse{Name: m.Name, Query: m.Query,
		ParameterOIDs: append([]uint32(nil), m.ParameterOIDs...)}}
}

// forget drops what the session kept of the statement name.
func (s *session) forget(name string) {
	if st, ok := s.upStmts[name]; ok {
		s.upStmtBytes -= len(st.parse.Query)
		delete(s.upStmts, name)
	}
}

// stale reports whether the client's statement name, if it was prepared
// upstream, is gone with a lost connection.
func (s *session) stale(name string) bool {
	if s.up == nil {
		return true
	}
	st, ok := s.upStmts[name]
	return ok && st.conn != s.upConn
}

// closeStale answers the Close of a statement that no longer exists
// upstream, as PostgreSQL answers the Close of one that never existed. It
// reports whether it did.
func (s *session) closeStale(m *pgproto3.Close) bool {
	if m.ObjectType != 'S' || m.Name == "" {
		return false
	}
	stale := s.stale(m.Name)
	s.forget(m.Name)
	if !stale {
		return false
	}
	if s.drain() {
		s.c.send(&pgproto3.CloseComplete{})
	}
	return true
}

// reprepare prepares the statement name again on the current upstream
// connection when it was prepared on a lost one. It reports false, having
// relayed the error, when the offline store refuses it now.
func (s *session) reprepare(name string) bool {
	st, ok := s.upStmts[name]
	if !ok || st.conn == s.upConn || !s.drain() {
		return !s.discard
	}
	up := s.up
	up.send(&st.parse)
	up.send(&pgproto3.Flush{})
	s.opened()
	if err := up.flush(); err != nil {
		s.upstreamLost(err)
		s.refused()
		return false
	}
	msg, err := s.receiveUpstream()
	if err != nil {
		s.upstreamLost(err)
		s.refused()
		return false
	}
	if e, isErr := msg.(*pgproto3.ErrorResponse); isErr {
		s.failed()
		s.c.send(e)
		s.forget(name)
		return false
	}
	st.conn = s.upConn
	s.upStmts[name] = st
	return true
}

// forgetDeallocated drops what a DEALLOCATE or DISCARD ALL that succeeded
// upstream removed.
func (s *session) forgetDeallocated(name string, all bool) {
	if all {
		clear(s.upStmts)
		s.upStmtBytes = 0
		return
	}
	s.forget(name)
}
