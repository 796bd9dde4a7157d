// Package wire speaks the PostgreSQL frontend/backend protocol (version 3.0)
// to clients: startup, TLS, authentication, the simple and extended query
// protocols, COPY and cancellation. Each client session has its own
// connection to the offline PostgreSQL, to which it forwards what the
// planner says to forward. The package knows nothing of features.
package wire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/plan"
)

// Planner decides how the statements of a query string run, and what a
// session's connection to the offline store starts with.
type Planner interface {
	Plan(ctx context.Context, s plan.Session, sql string) (*plan.Plan, error)
	UpstreamParams(s plan.Session, client map[string]string) map[string]string
	// Open checks, once the user authenticated, that the session may open
	// the database (the project) it asked for.
	Open(ctx context.Context, s plan.Session) error
}

// Auth methods.
const (
	AuthTrust    = "trust"
	AuthPassword = "password"
	AuthSCRAM    = "scram-sha-256"
)

// User is an account that may connect.
type User struct {
	Name     string
	Password string
	// ReadWrite users may write the offline store; the planner refuses the
	// others the statements that could change who they are there (defence
	// in depth: their upstream role holds no write privileges).
	ReadWrite bool
	// Upstream is the role the user's sessions log in as on the offline
	// PostgreSQL.
	Upstream UpstreamLogin
	// Roles name the user in permissions; Admin users may change
	// everything featuregate holds; Projects, when not nil, are the only
	// databases (projects) the user may open.
	Roles    []string
	Admin    bool
	Projects []string
}

// UpstreamLogin is a role of the offline PostgreSQL and its password. Each
// session logs in as its user's role over a connection of its own, so the
// session holds that role's privileges and nothing more.
type UpstreamLogin struct {
	User string
	// Password returns the role's password; renew asks again after the
	// offline store refused the last one (the secret may have been
	// rotated), before the login is tried once more.
	Password func(ctx context.Context, renew bool) (string, error)
}

// LoginOf returns the upstream login of user: the one configured for it,
// or DefaultLogin.
func (c *Config) LoginOf(user string) UpstreamLogin {
	for _, u := range c.Users {
		if u.Name == user {
			return u.Upstream
		}
	}
	return c.DefaultLogin
}

// Config configures a Server.
type Config struct {
	// Upstream is where sessions reach the offline PostgreSQL (host, port,
	// database, TLS, parameters); its user and password are never used:
	// each session logs in as its user's UpstreamLogin.
	Upstream *pgconn.Config
	// AuthMethod is AuthTrust, AuthPassword or AuthSCRAM. Empty means no
	// authentication was configured: clients are trusted, and only on a
	// loopback address.
	AuthMethod string
	// Users are the accounts for password and SCRAM authentication.
	Users []User
	// TLS, when set, lets clients upgrade with SSLRequest.
	TLS *tls.Config
	// DefaultAdmin makes the users not in Users (any name, when no
	// authentication is configured) administrators of featuregate: a
	// gateway without accounts is one developer's, on a loopback address.
	DefaultAdmin bool
	// DefaultLogin is the upstream login of the users not in Users, whom
	// AuthTrust (or no authentication) lets in; they are read-only.
	DefaultLogin UpstreamLogin
	// MaxConnections caps concurrent client sessions (0: 100).
	MaxConnections int
	// IdleSessionTimeout closes sessions idle outside a transaction (0: never).
	IdleSessionTimeout time.Duration
	// IdleInTransactionTimeout closes sessions idle inside a transaction (0: never).
	IdleInTransactionTimeout time.Duration
	// ConnectTimeout bounds reaching the offline PostgreSQL (0: 10s).
	ConnectTimeout time.Duration
	// Logger receives the server's logs (nil: slog.Default()).
	Logger *slog.Logger

	// StartupTimeout bounds a connection's time from its accept to the end
	// of its authentication; a client still logging in then is closed
	// (0: 10s).
	StartupTimeout time.Duration
	// MaxPendingLogins caps the connections that have not authenticated
	// yet; past it a connection is refused at once with 53300. They do not
	// count against MaxConnections (0: 64).
	MaxPendingLogins int
	// MaxPendingLoginsPerAddress caps the connections of one client
	// address that have not authenticated yet, so that one address cannot
	// take every pending slot (0: half of MaxPendingLogins).
	MaxPendingLoginsPerAddress int
	// LoginThrottle delays the login attempts of an address that failed
	// too often (the zero value: 10 failures a minute, then 1s apart).
	LoginThrottle Throttle
	// TLSRequired refuses a startup that did not upgrade to TLS (28000).
	TLSRequired bool
	// Events, when not nil, is told of sessions, logins and errors.
	Events Events
}

// Server accepts client connections and runs a session for each.
type Server struct {
	cfg      Config
	planner  Planner
	log      *slog.Logger
	creds    *credentials
	active   atomic.Int64
	mu       sync.Mutex
	sessions map[backendKey]*session
	wg       sync.WaitGroup
	events   Events
	pending  chan struct{} // a token per connection not yet authenticated
	pendMu   sync.Mutex
	pendBy   map[string]int // connections not yet authenticated, per address
	throttle *throttle
}

// backendKey identifies a session to CancelRequest: a process ID and a
// secret (4 bytes in protocol 3.0).
type backendKey struct {
	pid    uint32
	secret string
}

// NewServer returns a Server that plans statements with p.
func NewServer(cfg Config, p Planner) (*Server, error) {
	if cfg.Upstream == nil {
		return nil, errors.New("wire: no upstream configured")
	}
	up := cfg.Upstream.Copy()
	up.User, up.Password = "", "" // the gateway's own login is never a session's
	cfg.Upstream = up
	if err := checkLogins(cfg); err != nil {
		return nil, err
	}
	switch cfg.AuthMethod {
	case "", AuthTrust, AuthPassword, AuthSCRAM:
	default:
		return nil, fmt.Errorf("wire: unknown auth method %q (use trust, password or scram-sha-256)", cfg.AuthMethod)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := cfg.setLimits(); err != nil {
		return nil, err
	}
	if cfg.Events == nil {
		cfg.Events = noEvents{}
	}
	creds, err := newCredentials(cfg.Users, cfg.TLS)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, planner: p, log: cfg.Logger, creds: creds,
		sessions: make(map[backendKey]*session), events: cfg.Events,
		pending: make(chan struct{}, cfg.MaxPendingLogins), pendBy: map[string]int{}, throttle: newThrottle(cfg.LoginThrottle)}, nil
}

// Serve accepts connections on ln until ctx is done, then closes ln and
// waits for the sessions to end. With no authentication configured it
// refuses a listener that is not on a loopback address.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.AuthMethod == "" && !isLoopback(ln.Addr()) {
		ln.Close()
		return fmt.Errorf("wire: refusing to listen on %s without authentication: "+
			"set auth.method to scram-sha-256 (or password) with auth.users in featuregate.yaml, "+
			"or listen on 127.0.0.1", ln.Addr())
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var backoff acceptBackoff
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				s.wg.Wait()
				return nil
			}
			if !temporary(err) {
				s.wg.Wait()
				return fmt.Errorf("wire: accept: %w", err)
			}
			backoff.wait(ctx, s.log, err)
			continue
		}
		backoff.reset()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, nc)
		}()
	}
}

// checkLogins refuses a user without an upstream login, and trust without
// a default login.
func checkLogins(cfg Config) error {
	for _, u := range cfg.Users {
		if u.Upstream.User == "" || u.Upstream.Password == nil {
			return fmt.Errorf("wire: user %q has no upstream login", u.Name)
		}
	}
	trust := cfg.AuthMethod == "" || cfg.AuthMethod == AuthTrust
	if trust && (cfg.DefaultLogin.User == "" || cfg.DefaultLogin.Password == nil) {
		return errors.New("wire: trust authentication needs a default upstream login for users not configured")
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	switch addr := a.(type) {
	case *net.TCPAddr:
		return addr.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// register gives a session its key for CancelRequest. The process ID is
// the upstream server's when there is one, so that pg_backend_pid() and
// the pid of notifications match what the client was told.
func (s *Server) register(sess *session, pid uint32) backendKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		var b [8]byte
		_, _ = rand.Read(b[:])
		k := backendKey{pid: pid, secret: string(b[4:])}
		if k.pid == 0 {
			k.pid = binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		}
		if _, taken := s.sessions[k]; !taken && k.pid != 0 {
			s.sessions[k] = sess
			return k
		}
	}
}

func (s *Server) unregister(k backendKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, k)
}

// cancel handles a CancelRequest: it cancels whatever the matching session
// is running upstream. Like PostgreSQL, it answers nothing either way.
func (s *Server) cancel(ctx context.Context, k backendKey) {
	s.mu.Lock()
	sess := s.sessions[k]
	s.mu.Unlock()
	if sess == nil {
		s.log.Debug("cancel request for unknown session")
		return
	}
	sess.cancelUpstream(ctx)
}
