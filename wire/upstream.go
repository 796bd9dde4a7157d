package wire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// upstream is a session's own connection to the offline PostgreSQL, taken
// over from pgconn after it connected and authenticated, so that the
// session can relay protocol messages one by one.
type upstream struct {
	nc net.Conn
	bw *bufio.Writer
	fe *pgproto3.Frontend // sends, into bw
	// in receives: the Frontend pgconn read the login with. Its reader
	// hands over first what pgconn's background reader read: pgconn
	// starts one when a write takes more than 15 ms (a loaded machine),
	// and one that was still waiting in a read when the connection was
	// taken over keeps the bytes it reads (the answer to the session's
	// next statement) for pgconn's Frontend. Reading the connection
	// beside it would lose them.
	in     *pgproto3.Frontend
	pid    uint32
	secret []byte
	params map[string]string
}

// dialUpstream logs in to the offline PostgreSQL as login, with the
// client's startup parameters (application_name, DateStyle, options, …)
// but none that would change who the session is. When the offline store
// refuses the password, the password is asked for again and the login
// tried once more.
func dialUpstream(ctx context.Context, base *pgconn.Config, params map[string]string, login UpstreamLogin) (*upstream, error) {
	cfg := base.Copy()
	cfg.RuntimeParams = make(map[string]string, len(base.RuntimeParams)+len(params))
	for _, m := range []map[string]string{base.RuntimeParams, params} {
		for k, v := range m {
			if !identityParam(k) {
				cfg.RuntimeParams[k] = v
			}
		}
	}
	cfg.User = login.User
	up, err := dialAs(ctx, cfg, login, false)
	if isAuthFailure(err) {
		up, err = dialAs(ctx, cfg, login, true)
	}
	return up, err
}

// identityParam reports whether a startup parameter would change the
// session's identity or privileges upstream. PostgreSQL reads parameter
// names without regard to case.
func identityParam(name string) bool {
	return strings.EqualFold(name, "role") || strings.EqualFold(name, "session_authorization")
}

// isAuthFailure reports whether err is the offline store refusing a password.
func isAuthFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "28P01"
}

// dialAs connects with cfg and login's password (asked anew when renew).
func dialAs(ctx context.Context, cfg *pgconn.Config, login UpstreamLogin, renew bool) (*upstream, error) {
	pw, err := login.Password(ctx, renew)
	if err != nil {
		return nil, fmt.Errorf("password of %s: %w", login.User, err)
	}
	cfg.Password = pw
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to offline store: %w", err)
	}
	h, err := conn.Hijack()
	if err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("connect to offline store: %w", err)
	}
	// Messages are sent through a Frontend of the gateway's, which
	// buffers them in bw; they are received through pgconn's (see in).
	bw := bufio.NewWriterSize(h.Conn, 64<<10)
	return &upstream{nc: h.Conn, bw: bw, fe: pgproto3.NewFrontend(h.Conn, bw), in: h.Frontend, pid: h.PID,
		secret: h.SecretKey, params: h.ParameterStatuses}, nil
}

// send queues a message for the upstream server.
func (u *upstream) send(msg pgproto3.FrontendMessage) {
	u.fe.Send(msg)
	_ = u.fe.Flush() // into bw; write errors surface on flush
}

// flush writes the queued messages.
func (u *upstream) flush() error {
	if err := u.fe.Flush(); err != nil {
		return err
	}
	return u.bw.Flush()
}

// receive reads the next message. The message is only valid until the next call.
func (u *upstream) receive() (pgproto3.BackendMessage, error) { return u.in.Receive() }

// idleAlive reports whether an idle upstream connection still works: the
// offline store sent nothing on it since its last ReadyForQuery but what it
// sends on its own (notifications, notices, parameter changes, handed to
// relay), and neither a FATAL error nor the end of the connection. It
// costs one system call when nothing arrived.
func (u *upstream) idleAlive(relay func(pgproto3.BackendMessage)) bool {
	for {
		switch peek(u.nc) {
		case peekNothing:
			return true
		case peekClosed:
			return false
		}
		_ = u.nc.SetReadDeadline(time.Now().Add(time.Second))
		msg, err := u.receive()
		_ = u.nc.SetReadDeadline(time.Time{})
		if err != nil {
			return false
		}
		switch msg.(type) {
		case *pgproto3.NotificationResponse, *pgproto3.NoticeResponse, *pgproto3.ParameterStatus:
			relay(msg)
		default:
			return false // a FATAL error: the connection is ending
		}
	}
}

// peekState is what a connection has to read.
type peekState int

const (
	peekNothing peekState = iota // nothing arrived
	peekData                     // bytes wait to be read
	peekClosed                   // the peer closed the connection, or it failed
)

func (u *upstream) close() {
	u.send(&pgproto3.Terminate{})
	_ = u.flush()
	_ = u.nc.Close()
}

// cancel asks the upstream server to cancel what this connection runs, on a
// new connection to the same address, as PostgreSQL's protocol prescribes.
func (u *upstream) cancel(ctx context.Context) error {
	ctx, stop := context.WithTimeout(ctx, 5*time.Second)
	defer stop()
	addr := u.nc.RemoteAddr()
	var d net.Dialer
	nc, err := d.DialContext(ctx, addr.Network(), addr.String())
	if err != nil {
		return err
	}
	defer nc.Close()
	buf, err := (&pgproto3.CancelRequest{ProcessID: u.pid, SecretKey: u.secret}).Encode(nil)
	if err != nil {
		return err
	}
	if _, err := nc.Write(buf); err != nil {
		return err
	}
	_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = nc.Read(make([]byte, 1)) // the server closes the connection when done
	return nil
}
