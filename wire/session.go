package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// session is one client connection after authentication.
type session struct {
	srv   *Server
	c     *clientConn
	st    startup
	user  User
	psess plan.Session
	log   *slog.Logger

	upMu sync.Mutex // guards up against cancelUpstream
	up   *upstream  // nil until connected, and after the connection is lost
	// upConn counts the upstream connections opened: it names the current one.
	upConn      uint64
	upStmts     map[string]upStmt // named statements the client prepared upstream
	upStmtBytes int               // the query text upStmts holds

	protoState // the extended protocol's batch and the transaction status

	listening bool // a LISTEN ran: relay notifications while idle
	deadline  bool // an idle deadline is set on the client connection

	types   *pgtype.Map             // codecs for the values of local results
	stmts   map[string]*localStmt   // prepared statements that run in the gateway
	portals map[string]*localPortal // their portals
	cursors map[string]*localCursor // cursors over rows the gateway produced
	// txnCursors are the cursors the open transaction declared, which a
	// rollback drops.
	txnCursors []string
	// staged is the work of statements inside the open transaction block
	// that waits for its COMMIT (staged.go).
	staged []func(context.Context) error
	// marks are the savepoints of the open block, with how much of staged
	// each one had seen (staged.go).
	marks []mark
}

func newSession(srv *Server, c *clientConn, st startup, u User) *session {
	return &session{
		srv: srv, c: c, st: st, user: u, protoState: protoState{txStatus: 'I'}, types: pgtype.NewMap(),
		stmts: map[string]*localStmt{}, portals: map[string]*localPortal{}, upStmts: map[string]upStmt{}, cursors: map[string]*localCursor{},
		psess: plan.Session{User: u.Name, Database: st.database, ReadOnly: !u.ReadWrite,
			Roles: u.Roles, Admin: u.Admin, Projects: u.Projects},
		log: srv.log.With("user", u.Name, "database", st.database),
	}
}

// defaultParams are the ParameterStatus values PostgreSQL 15 reports,
// used when the offline store cannot be reached at startup.
var defaultParams = map[string]string{
	"application_name":              "",
	"client_encoding":               "UTF8",
	"DateStyle":                     "ISO, MDY",
	"default_transaction_read_only": "off",
	"in_hot_standby":                "off",
	"integer_datetimes":             "on",
	"IntervalStyle":                 "postgres",
	"is_superuser":                  "off",
	"server_encoding":               "UTF8",
	"server_version":                "15.0",
	"session_authorization":         "",
	"standard_conforming_strings":   "on",
	"TimeZone":                      "UTC",
}

// run greets the client and serves its messages until it leaves.
func (s *session) run(ctx context.Context) {
	defer s.closeUpstream()
	var pid uint32
	if err := s.connect(ctx); err != nil {
		s.log.Warn("offline store unreachable at session start", "err", err)
	} else {
		pid = s.up.pid
	}
	key := s.srv.register(s, pid)
	defer s.srv.unregister(key)
	s.c.send(&pgproto3.AuthenticationOk{})
	s.sendParams()
	s.c.send(&pgproto3.BackendKeyData{ProcessID: key.pid, SecretKey: []byte(key.secret)})
	s.readyForQuery()
	stop := context.AfterFunc(ctx, s.interrupt)
	defer stop()
	for {
		s.armIdleTimer()
		w := s.watchUpstream()
		msg, err := s.c.be.Receive()
		w.stop()
		if err != nil {
			s.endOnReadError(ctx, err)
			return
		}
		if s.deadline {
			_ = s.c.nc.SetReadDeadline(time.Time{}) // idle no more: COPY data may take its time
			s.deadline = false
		}
		if done := s.dispatch(ctx, msg); done {
			return
		}
	}
}

func (s *session) sendParams() {
	params := make(map[string]string, len(defaultParams))
	for k, v := range defaultParams {
		params[k] = v
	}
	if s.up != nil {
		for k, v := range s.up.params {
			params[k] = v
		}
	}
	params["session_authorization"] = s.user.Name
	if v, ok := s.st.params["application_name"]; ok {
		params["application_name"] = v
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s.c.send(&pgproto3.ParameterStatus{Name: k, Value: params[k]})
	}
}

// armIdleTimer sets the read deadline for the next client message from the
// idle timeouts, like PostgreSQL's idle_session_timeout and
// idle_in_transaction_session_timeout.
func (s *session) armIdleTimer() {
	d := s.srv.cfg.IdleSessionTimeout
	if s.txStatus != 'I' {
		d = s.srv.cfg.IdleInTransactionTimeout
	}
	if d > 0 {
		_ = s.c.nc.SetReadDeadline(time.Now().Add(d))
		s.deadline = true
	}
}

// endOnReadError tells the client why the session ends, when it is
// something the client did not do itself.
func (s *session) endOnReadError(ctx context.Context, err error) {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		s.c.fatal("57P01", "terminating connection due to administrator command", "")
	case errors.As(err, &ne) && ne.Timeout():
		if s.txStatus != 'I' {
			s.c.fatal("25P03", "terminating connection due to idle-in-transaction timeout", "")
		} else {
			s.c.fatal("57P05", "terminating connection due to idle-session timeout", "")
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.As(err, &ne):
		// the client went away
	default:
		s.log.Info("protocol violation", "err", err)
		s.c.fatal("08P01", "invalid frontend message: "+err.Error(), "")
	}
}

// dispatch handles one client message and reports whether the session ends.
func (s *session) dispatch(ctx context.Context, msg pgproto3.FrontendMessage) bool {
	switch m := msg.(type) {
	case *pgproto3.Query:
		// A Query inside an extended batch that already failed is
		// discarded until Sync, as PostgreSQL does; find out first.
		if !s.discard && s.drain() {
			s.simpleQuery(ctx, m.String)
		}
	case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
		if !s.discard {
			s.extended(ctx, m)
		}
	case *pgproto3.Sync:
		s.sync()
	case *pgproto3.Flush:
		s.drain()
		_ = s.c.flush()
	case *pgproto3.Terminate:
		return true
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// COPY data pipelined behind the Execute of a COPY FROM STDIN that
		// is still queued: run the batch, so that the COPY starts and
		// takes this message first. Outside COPY these are ignored, as
		// PostgreSQL does.
		if s.queued() {
			s.hold(copyFrontend(m))
			s.drain()
			s.take()
		}
	case *pgproto3.FunctionCall:
		s.sendError(featuregate.Errorf(featuregate.KindUnsupported,
			"the fastpath function call protocol is not supported").WithHint("call the function with SELECT"))
		s.readyForQuery()
	default:
		s.c.fatal("08P01", "unexpected message type at this point of the protocol", "")
		return true
	}
	return false
}

// readyForQuery tells the client the session waits for the next command.
func (s *session) readyForQuery() {
	s.endCursors()
	s.c.send(&pgproto3.ReadyForQuery{TxStatus: s.txStatus})
	_ = s.c.flush()
}

func (s *session) sendError(err error) {
	er := errorResponse(err)
	if er.Code == "XX000" {
		s.log.Error("internal error", "err", err)
	}
	s.c.send(er)
}

// sendNotices sends the planner's notices of stmts to the client.
func (s *session) sendNotices(stmts ...plan.Statement) {
	for _, st := range stmts {
		for _, n := range st.Notices {
			s.c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: n})
		}
	}
}

// interrupt ends the session's blocking reads and writes, on both sides,
// when the server shuts down.
func (s *session) interrupt() {
	_ = s.c.nc.SetDeadline(time.Now())
	s.upMu.Lock()
	defer s.upMu.Unlock()
	if s.up != nil {
		_ = s.up.nc.SetDeadline(time.Now())
	}
}

// connect opens the upstream connection if there is none, or if the one
// there was ended by the offline store while idle (a restart): nothing was
// in flight on it, so a new one replaces it unnoticed, and the statements
// prepared on it are prepared again when used.
func (s *session) connect(ctx context.Context) error {
	if s.up != nil {
		idle := !s.inBatch && (s.txStatus == 'I' || s.deferred != "")
		if !idle || s.up.idleAlive(s.c.send) {
			return nil
		}
		s.log.Info("the offline store ended an idle connection; opening a new one")
		s.closeUpstream()
	}
	ctx, cancel := context.WithTimeout(ctx, s.srv.cfg.ConnectTimeout)
	defer cancel()
	up, err := dialUpstream(ctx, s.srv.cfg.Upstream, s.srv.planner.UpstreamParams(s.psess, s.st.params), s.user.Upstream)
	if err != nil {
		if isAuthFailure(err) {
			s.log.Error("the offline store refused the upstream login", "role", s.user.Upstream.User, "err", err)
		}
		return &featuregate.Error{Kind: featuregate.KindUnavailable,
			Message: "featuregate cannot reach the offline PostgreSQL", Err: err,
			Hint: "check that the offline database is up; featuregate reconnects on the next statement"}
	}
	s.upMu.Lock()
	s.up = up
	s.upMu.Unlock()
	s.upConn++
	s.lost() // a new connection: no transaction, no batch
	return nil
}

// receiveUpstream reads the next upstream message. A FATAL error from the
// offline store (shutdown, terminated backend) means its connection is
// ending: that is reported as a lost connection, so the client's session
// goes on and reconnects, instead of being relayed and ending the client's
// session too. The message is only valid until the next call.
func (s *session) receiveUpstream() (pgproto3.BackendMessage, error) {
	msg, err := s.up.receive()
	if err != nil {
		return nil, err
	}
	if e, ok := msg.(*pgproto3.ErrorResponse); ok && (e.Severity == "FATAL" || e.Severity == "PANIC") {
		return nil, fmt.Errorf("%s (SQLSTATE %s)", e.Message, e.Code)
	}
	return msg, nil
}

// upstreamLost drops a broken upstream connection and tells the client.
func (s *session) upstreamLost(err error) {
	s.log.Warn("lost the offline store connection", "err", err)
	s.closeUpstream()
	s.lost()
	s.c.send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "08006",
		Message: "the connection to the offline PostgreSQL was lost: " + err.Error(),
		Hint:    "the statement may not have completed and any open transaction was rolled back; featuregate reconnects on the next statement"})
}

func (s *session) closeUpstream() {
	s.upMu.Lock()
	up := s.up
	s.up = nil
	s.upMu.Unlock()
	if up != nil {
		up.close()
	}
}

// cancelUpstream cancels what the session runs upstream. It is called from
// the goroutine serving a CancelRequest.
func (s *session) cancelUpstream(ctx context.Context) {
	s.upMu.Lock()
	up := s.up
	s.upMu.Unlock()
	if up == nil {
		return
	}
	if err := up.cancel(ctx); err != nil {
		s.log.Warn("cancel request to the offline store failed", "err", err)
	}
}
