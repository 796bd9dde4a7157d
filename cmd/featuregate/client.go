package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/wire"
)

// The commands that read features or write the online store are clients
// of the gateway: they send the same SQL a user would, to the gateway at
// the config's listen address. When no gateway listens there, the command
// runs one of its own, in process, for its duration (Pebble allows one
// process per data directory, so this is only tried when nothing answers).

// gatewayHelp is what the gateway commands say about where they connect.
const gatewayHelp = `The command connects to the gateway at --listen (default: listen of
featuregate.yaml, 127.0.0.1:5433) as a PostgreSQL client, in database --project.
When no gateway listens there, it starts one of its own for its duration, over
the offline store (--offline) and the data directory (--data) of the config.`

// gatewayFlags are the flags of the commands that go through the gateway;
// they override featuregate.yaml.
type gatewayFlags struct {
	registryFlags
	listen string
	data   string
	user   string
}

func (f *gatewayFlags) add(cmd *cobra.Command) {
	f.registryFlags.add(cmd)
	cmd.Flags().StringVar(&f.listen, "listen", "", "address of the gateway (default: listen of featuregate.yaml)")
	cmd.Flags().StringVar(&f.data, "data", "", "data directory of the gateway started when none runs (default: data_dir of featuregate.yaml)")
	cmd.Flags().StringVar(&f.user, "user", "", "user name at the gateway (default: the first read-write user of featuregate.yaml, else $USER); its password is the config's, else $PGPASSWORD")
}

// config reads the config file and applies the flags over it.
func (f *gatewayFlags) config(g *globalFlags) (config.Config, error) {
	cfg, err := f.registryFlags.config(g, ".")
	if err != nil {
		return cfg, err
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.data != "" {
		cfg.DataDir = f.data
	}
	return cfg, nil
}

// session opens a gateway session for cmd's flags and runs fn in it.
func (f *gatewayFlags) session(cmd *cobra.Command, g *globalFlags, fn func(conn *pgx.Conn) error, opts ...clientOption) error {
	cfg, err := f.config(g)
	if err != nil {
		return err
	}
	opts = append([]clientOption{withUser(f.user), withLogger(g.cliLogger())}, opts...)
	return withGateway(cmd.Context(), cfg, fn, opts...)
}

// cliLogger logs warnings and errors of an in-process gateway (everything
// at --log-level debug).
func (g *globalFlags) cliLogger() *slog.Logger {
	lvl := slog.LevelWarn
	if strings.EqualFold(g.logLevel, "debug") {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// clientSettings are how withGateway connects.
type clientSettings struct {
	user     string
	onNotice func(*pgconn.Notice)
	log      *slog.Logger
	// started, when set, is told the address of the in-process gateway.
	started func(addr string)
}

// clientOption sets a clientSettings field.
type clientOption func(*clientSettings)

// withUser connects as user ("" for the default).
func withUser(user string) clientOption {
	return func(s *clientSettings) {
		if user != "" {
			s.user = user
		}
	}
}

// withNotices passes the session's notices to fn.
func withNotices(fn func(*pgconn.Notice)) clientOption {
	return func(s *clientSettings) { s.onNotice = fn }
}

// withLogger is where an in-process gateway logs.
func withLogger(log *slog.Logger) clientOption {
	return func(s *clientSettings) { s.log = log }
}

// onStart is called with the address of an in-process gateway.
func onStart(fn func(addr string)) clientOption {
	return func(s *clientSettings) { s.started = fn }
}

// withGateway runs fn in a session of the gateway at cfg.Listen, in
// project cfg.Project, as application featuregate-cli (which receives the
// progress notices of MATERIALIZE). When nothing listens there, it runs a
// gateway in process on a free loopback port for fn's duration.
func withGateway(ctx context.Context, cfg config.Config, fn func(conn *pgx.Conn) error, opts ...clientOption) error {
	if _, err := needProject(cfg); err != nil {
		return err
	}
	s := clientSettings{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&s)
	}
	conn, err := connectGateway(ctx, cfg, cfg.Listen, s)
	if err == nil {
		return runSession(ctx, conn, fn)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return err
	}
	return withLocalGateway(ctx, cfg, s, func(addr string) error {
		conn, err := connectGateway(ctx, cfg, addr, s)
		if err != nil {
			return err
		}
		return runSession(ctx, conn, fn)
	})
}

// runSession runs fn on conn and closes it.
func runSession(ctx context.Context, conn *pgx.Conn, fn func(conn *pgx.Conn) error) error {
	err := fn(conn)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if cerr := conn.Close(cctx); err == nil && cerr != nil && ctx.Err() == nil {
		err = cerr
	}
	return describeError(err)
}

// withLocalGateway serves cfg on a free loopback port (without HTTP) while
// fn runs with its address, then stops it.
func withLocalGateway(ctx context.Context, cfg config.Config, s clientSettings, fn func(addr string) error) error {
	if cfg.Offline.DSN == "" {
		return fmt.Errorf("no gateway at %s, and none can be started here without an offline store: "+
			"start featuregate serve and pass its address with --listen, or pass --offline postgres://… "+
			"(or set offline.dsn in featuregate.yaml)", cfg.Listen)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start a gateway: %w", err)
	}
	local := cfg
	local.Listen, local.HTTPListen = ln.Addr().String(), "off"
	sctx, stop := context.WithCancel(context.WithValue(ctx, inProcessKey{}, true))
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- serveOn(sctx, local, s.log, ln, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		stop()
		err = fmt.Errorf("no gateway at %s, and starting one failed: %w", cfg.Listen, err)
		if strings.Contains(err.Error(), "in use") {
			err = fmt.Errorf("%w\n  hint: if a featuregate serve runs on this data directory, pass its address with --listen", err)
		}
		return err
	}
	if s.started != nil {
		s.started(local.Listen)
	}
	err = fn(local.Listen)
	stop()
	if serr := <-done; err == nil && serr != nil {
		err = fmt.Errorf("in-process gateway: %w", serr)
	}
	return err
}

// connectGateway opens a session at addr.
func connectGateway(ctx context.Context, cfg config.Config, addr string, s clientSettings) (*pgx.Conn, error) {
	cc, err := clientConfig(cfg, addr, s)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err == nil {
		return conn, nil
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil, err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("gateway at %s: %w", addr, describeError(pe))
	}
	return nil, fmt.Errorf("cannot connect to the gateway at %s: %w\n  hint: check --listen (listen of featuregate.yaml) and that featuregate serve runs there", addr, err)
}

// clientConfig is the pgx configuration of a CLI session.
func clientConfig(cfg config.Config, addr string, s clientSettings) (*pgx.ConnConfig, error) {
	user, password := credentials(cfg, s.user)
	u := url.URL{Scheme: "postgres", User: url.User(user), Host: addr, Path: "/" + cfg.Project}
	q := url.Values{"sslmode": {"prefer"}, "connect_timeout": {"10"}}
	u.RawQuery = q.Encode()
	cc, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, usagef("gateway address %q: %v", addr, err)
	}
	if password != "" {
		cc.Password = password
	}
	cc.RuntimeParams["application_name"] = wire.ProgressApplication
	cc.RuntimeParams["timezone"] = "UTC"
	if s.onNotice != nil {
		cc.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { s.onNotice(n) }
	}
	return cc, nil
}

// credentials chooses the user the CLI connects as: the given one, else
// the first read-write user of the config, else its first user, else the
// login name; and that user's password from the config ("" to let pgx
// read $PGPASSWORD or ~/.pgpass).
func credentials(cfg config.Config, user string) (string, string) {
	if user == "" {
		for _, u := range cfg.Auth.Users {
			if u.Access == "read-write" {
				user = u.Name
				break
			}
		}
	}
	if user == "" && len(cfg.Auth.Users) > 0 {
		user = cfg.Auth.Users[0].Name
	}
	if user == "" {
		user = currentUser()
	}
	for _, u := range cfg.Auth.Users {
		if u.Name == user {
			return user, u.Password
		}
	}
	return user, ""
}

// serverError is an error the gateway sent, with what to do about it.
type serverError struct {
	pe   *pgconn.PgError
	hint string
}

func (e *serverError) Error() string {
	msg := fmt.Sprintf("%s (SQLSTATE %s)", e.pe.Message, e.pe.Code)
	if e.pe.Detail != "" {
		msg += "\n  detail: " + e.pe.Detail
	}
	if e.hint != "" {
		msg += "\n  hint: " + e.hint
	}
	return msg
}

func (e *serverError) Unwrap() error { return e.pe }

// describeError turns an error of the gateway into a message with its
// SQLSTATE and a hint (the server's, or one chosen by the SQLSTATE).
func describeError(err error) error {
	var pe *pgconn.PgError
	var se *serverError
	if err == nil || errors.As(err, &se) || !errors.As(err, &pe) {
		return err
	}
	hint := pe.Hint
	if hint == "" {
		hint = hintFor(pe.Code)
	}
	return &serverError{pe: pe, hint: hint}
}

// hintFor says what to do about an error of SQLSTATE code that came
// without a hint.
func hintFor(code string) string {
	switch {
	case code == "42P01" || code == "42704" || code == "42703":
		return "featuregate feature-views list, feature-services list and features list show what the project defines"
	case code == "42501":
		return "this user may not do that: connect as a read-write user (--user NAME, auth.users in featuregate.yaml)"
	case strings.HasPrefix(code, "28"):
		return "check the user (--user) and its password (auth.users in featuregate.yaml, or PGPASSWORD)"
	case code == "53300":
		return "the gateway has limits.max_connections sessions: try again later, or raise the limit"
	case strings.HasPrefix(code, "08"):
		return "the gateway cannot reach the offline PostgreSQL: check offline.dsn and that the database runs"
	case strings.HasPrefix(code, "22"):
		return "check the values given on the command line"
	case code == "57014":
		return "the statement was cancelled"
	}
	return ""
}

// isTerminal reports whether a command's stream (cmd.InOrStdin,
// cmd.ErrOrStderr) is a terminal. A variable, so that tests can pretend.
var isTerminal = func(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
