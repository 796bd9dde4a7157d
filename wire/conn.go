package wire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// maxMessageLen bounds a client message; larger ones end the session.
const maxMessageLen = 64 << 20

// clientConn is the client's end: messages are encoded into a buffered
// writer that reaches the socket when it fills or on flush, so results
// stream in constant memory.
type clientConn struct {
	nc net.Conn
	bw *bufio.Writer
	be *pgproto3.Backend
	ev Events // told of every ErrorResponse sent
}

// newClientConn wraps nc. Until authenticated (loggedIn), its messages are
// limited to maxLoginMessageLen.
func newClientConn(nc net.Conn, ev Events) *clientConn {
	bw := bufio.NewWriterSize(nc, 64<<10)
	be := pgproto3.NewBackend(nc, bw)
	be.SetMaxBodyLen(maxLoginMessageLen)
	return &clientConn{nc: nc, bw: bw, be: be, ev: ev}
}

// loggedIn lifts the limit on message size to maxMessageLen.
func (c *clientConn) loggedIn() { c.be.SetMaxBodyLen(maxMessageLen) }

// send encodes msg into the write buffer.
func (c *clientConn) send(msg pgproto3.BackendMessage) {
	if e, ok := msg.(*pgproto3.ErrorResponse); ok {
		c.ev.Error(e.Code)
	}
	c.be.Send(msg)
	_ = c.be.Flush() // into bw; write errors surface on flush
}

// flush writes everything buffered to the socket.
func (c *clientConn) flush() error {
	if err := c.be.Flush(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// fatal sends a FATAL error and flushes; the caller then closes the connection.
func (c *clientConn) fatal(code, msg, hint string) {
	c.send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg, Hint: hint})
	_ = c.flush()
}

// fatalErr sends err as a FATAL error, with its SQLSTATE and hint.
func (c *clientConn) fatalErr(err error) {
	e := errorResponse(err)
	e.Severity, e.SeverityUnlocalized = "FATAL", "FATAL"
	c.send(e)
	_ = c.flush()
}

// startup is what the client asked for in its startup message.
type startup struct {
	user     string
	database string
	params   map[string]string
}

// serveConn runs one client connection from its first byte to its end.
// Until it authenticated, it holds a pending-login slot and must be done
// within StartupTimeout; then it counts against MaxConnections.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	defer nc.Close()
	defer func() {
		// A bug in one session must not take the others down with it.
		if r := recover(); r != nil {
			s.log.Error("session panicked", "remote", nc.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c := newClientConn(nc, s.events)
	addr := hostOf(nc.RemoteAddr())
	if limit := s.acquirePending(addr); limit != "" {
		c.fatal("53300", "sorry, too many clients already",
			fmt.Sprintf("too many connections are logging in (%s)", limit))
		return
	}
	pending := true
	defer func() {
		if pending {
			s.releasePending(addr)
		}
	}()
	_ = nc.SetDeadline(time.Now().Add(s.cfg.StartupTimeout))
	st, user, ok := s.login(ctx, c)
	if !ok {
		return
	}
	c = st.conn
	s.releasePending(addr)
	pending = false
	if n := s.active.Add(1); n > int64(s.cfg.MaxConnections) {
		s.active.Add(-1)
		c.fatal("53300", "sorry, too many clients already",
			fmt.Sprintf("%d sessions are open (limits.max_connections)", s.cfg.MaxConnections))
		return
	}
	defer s.active.Add(-1)
	sess := newSession(s, c, st.startup, user)
	if err := s.planner.Open(ctx, sess.psess); err != nil {
		s.log.Info("project refused", "user", st.user, "database", st.database, "err", err)
		c.fatalErr(err)
		return
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.loggedIn()
	s.events.SessionStarted()
	defer s.events.SessionEnded()
	sess.run(ctx)
}

// login reads the startup packet and authenticates the client; ok is
// false when the connection is to end (a failure was told to the client,
// or it was a CancelRequest, now handled).
func (s *Server) login(ctx context.Context, c *clientConn) (*startupResult, User, bool) {
	remote := c.nc.RemoteAddr()
	st, cancelKey, err := s.readStartup(c)
	switch {
	case err != nil:
		s.log.Debug("startup failed", "remote", remote, "err", err)
		return nil, User{}, false
	case cancelKey != nil:
		s.cancel(ctx, *cancelKey)
		return nil, User{}, false
	}
	if !s.awaitTurn(st.conn, hostOf(remote)) {
		return nil, User{}, false
	}
	user, err := s.authenticate(st.conn, st.user)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			s.log.Info("authentication failed", "user", st.user, "remote", remote)
			s.loginFailed(st.conn, hostOf(remote), ae)
		} else {
			s.log.Debug("authentication ended", "user", st.user, "remote", remote, "err", err)
		}
		return nil, User{}, false
	}
	s.loginSucceeded(hostOf(remote))
	return st, user, true
}

type startupResult struct {
	startup
	conn *clientConn
}

// readStartup reads the startup packet, answering SSL and GSSAPI encryption
// requests on the way. It returns the startup parameters, or the key of a
// CancelRequest.
func (s *Server) readStartup(c *clientConn) (*startupResult, *backendKey, error) {
	tlsDone := false
	for {
		msg, minor, err := readStartupPacket(c.nc)
		if err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				c.fatal(pe.code, pe.msg, "")
			}
			return nil, nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if tlsDone {
				return nil, nil, errors.New("SSLRequest after TLS")
			}
			if c, err = s.answerSSL(c); err != nil {
				return nil, nil, err
			}
			tlsDone = true
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, nil, err
			}
		case *pgproto3.CancelRequest:
			return nil, &backendKey{pid: m.ProcessID, secret: string(m.SecretKey)}, nil
		case *pgproto3.StartupMessage:
			if unknown := pqOptions(m.Parameters); minor > 0 || len(unknown) > 0 {
				c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: protocol30, UnrecognizedOptions: unknown})
			}
			if s.cfg.TLSRequired && !tlsDone {
				c.fatal("28000", "featuregate requires TLS: this connection is not encrypted",
					"connect with sslmode=require (or verify-ca, verify-full)")
				return nil, nil, errors.New("startup without TLS")
			}
			st, err := checkStartup(m)
			if err != nil {
				c.fatal(err.code, err.msg, err.hint)
				return nil, nil, err
			}
			return &startupResult{startup: st, conn: c}, nil, nil
		default:
			return nil, nil, fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

// answerSSL answers an SSLRequest: 'S' and a TLS handshake when TLS is
// configured, 'N' otherwise.
func (s *Server) answerSSL(c *clientConn) (*clientConn, error) {
	if s.cfg.TLS == nil {
		_, err := c.nc.Write([]byte{'N'})
		return c, err
	}
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return nil, err
	}
	tc := tls.Server(c.nc, s.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return newClientConn(tc, c.ev), nil
}

type startupError struct{ code, msg, hint string }

func (e *startupError) Error() string { return e.msg }

// checkStartup validates the startup parameters.
func checkStartup(m *pgproto3.StartupMessage) (startup, *startupError) {
	st := startup{params: map[string]string{}}
	for k, v := range m.Parameters {
		switch k {
		case "user":
			st.user = v
		case "database":
			st.database = v
		case "replication":
			if v != "false" && v != "0" && v != "off" && v != "no" {
				return st, &startupError{"0A000", "featuregate does not support replication connections", ""}
			}
		default:
			if !identityParam(k) { // dropped: the session's role is its user's login
				st.params[k] = v
			}
		}
	}
	if st.user == "" {
		return st, &startupError{"28000", "no PostgreSQL user name specified in startup packet", ""}
	}
	if st.database == "" {
		st.database = st.user
	}
	if name := protectedOption(st.params["options"]); name != "" {
		return st, &startupError{"42501", fmt.Sprintf("setting %s in the startup options is not allowed", name),
			"remove it from the connection's options"}
	}
	return st, nil
}

// protectedOption returns the name of a setting in a startup "options"
// string (-c name=value or --name=value) that would change the session's
// identity upstream, or "".
func protectedOption(options string) string {
	fields := splitOptions(options)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		var kv string
		switch {
		case f == "-c" && i+1 < len(fields):
			i++
			kv = fields[i]
		case strings.HasPrefix(f, "-c"):
			kv = f[2:]
		case strings.HasPrefix(f, "--"):
			kv = f[2:]
		default:
			continue
		}
		name, _, _ := strings.Cut(kv, "=")
		name = strings.ToLower(strings.ReplaceAll(name, "-", "_"))
		if name == "role" || name == "session_authorization" {
			return name
		}
	}
	return ""
}

// splitOptions splits a startup "options" string as PostgreSQL does
// (pg_split_opts): at unescaped white space, a backslash taking the next
// character literally.
func splitOptions(options string) []string {
	var fields []string
	var cur strings.Builder
	inField, escaped := false, false
	for _, r := range options {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped, inField = true, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v':
			if inField {
				fields = append(fields, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if inField {
		fields = append(fields, cur.String())
	}
	return fields
}
