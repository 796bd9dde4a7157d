// Package gatewaytest runs a real gateway in the test process, over a real
// throwaway PostgreSQL, for tests that connect to it with real clients.
package gatewaytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/pebblestore"
	"github.com/featuregate/featuregate/online/pgstore"
	"github.com/featuregate/featuregate/planner"
	"github.com/featuregate/featuregate/wire"
)

// Gateway is a running gateway.
type Gateway struct {
	Addr     string // host:port
	Host     string
	Port     int
	OffDSN   string            // the offline database it serves, as its owner
	Upstream *offline.Upstream // the roles sessions log in as
	Planner  *planner.Planner
	Online   online.Store
	cancel   context.CancelFunc
	done     chan error
	stopped  bool
	onStop   func() // run by Stop once the server ended; may be nil
}

// DSN returns a client URL for user and database (the project).
func (g *Gateway) DSN(user, db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", user, g.Addr, db)
}

// Option changes the wire configuration before the gateway starts.
type Option func(*wire.Config)

// Start creates database db on pg if needed and runs a gateway over it on
// a free loopback port until the test ends. Sessions log in upstream as
// featuregate_reader (read-only), unless an option configures users: a
// user with no upstream login gets the managed role of its access level.
func Start(tb testing.TB, pg *localpg.Server, db string, opts ...Option) *Gateway {
	tb.Helper()
	return StartOnline(tb, pg, db, Pebble, opts...)
}

// OnlineKind chooses the online store of a test gateway.
type OnlineKind int

// The online stores.
const (
	Pebble   OnlineKind = iota // an embedded Pebble store in a temporary directory
	Postgres                   // the PostgreSQL store, in the offline database
)

// StartOnline is Start with the online store of the given kind.
func StartOnline(tb testing.TB, pg *localpg.Server, db string, kind OnlineKind, opts ...Option) *Gateway {
	tb.Helper()
	return start(tb, pg, db, func(dsn string) (online.Store, func()) { return openOnline(tb, kind, dsn), nil }, opts)
}

// StartOnlineDir is Start with a Pebble store in dir, which outlives the
// gateway: Stop closes the store, so a test can start another gateway on
// the same directory (a restart).
func StartOnlineDir(tb testing.TB, pg *localpg.Server, db, dir string, opts ...Option) *Gateway {
	tb.Helper()
	return start(tb, pg, db, func(string) (online.Store, func()) {
		s, err := pebblestore.Open(dir)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = s.Close() }) // if the gateway never started
		return s, func() { _ = s.Close() }
	}, opts)
}

// start creates database db on pg if needed and runs a gateway over it
// with the store open gives for the database's DSN; the store's closer, if
// any, runs when the gateway stops.
func start(tb testing.TB, pg *localpg.Server, db string, open func(dsn string) (online.Store, func()), opts []Option) *Gateway {
	tb.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	return startDSN(tb, dsn, open, opts)
}

// StartDSN runs a gateway with a Pebble store over the offline database
// at dsn, a URL of its owner: the gateway's own role, which need not be a
// superuser.
func StartDSN(tb testing.TB, dsn string, opts ...Option) *Gateway {
	tb.Helper()
	return startDSN(tb, dsn, func(dsn string) (online.Store, func()) { return openOnline(tb, Pebble, dsn), nil }, opts)
}

// startDSN runs a gateway over the offline database at dsn with the store
// open gives; the store's closer, if any, runs when the gateway stops.
func startDSN(tb testing.TB, dsn string, open func(dsn string) (online.Store, func()), opts []Option) *Gateway {
	tb.Helper()
	ctx := context.Background()
	reg, err := catalog.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(reg.Close)
	up, err := offline.Prepare(ctx, dsn, offline.Options{Logger: testLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := wire.Config{Upstream: up.Base(), DefaultLogin: wire.UpstreamLogin(up.Login(offline.ReadOnly)), Logger: testLogger(), DefaultAdmin: true}
	for _, o := range opts {
		o(&cfg)
	}
	for i, u := range cfg.Users {
		if u.Upstream.User == "" {
			cfg.Users[i].Upstream = wire.UpstreamLogin(up.Login(accessOf(u)))
		}
	}
	store, closeStore := open(dsn)
	pool := readerPool(tb, up)
	pl := planner.New(&offline.Registry{Store: reg, Reader: pool},
		planner.WithOnline(store), planner.WithOffline(pool), planner.WithLogger(testLogger()),
		planner.WithSessionConnector(offline.SessionConnector(up.Base(),
			func(user string) offline.Login { return offline.Login(cfg.LoginOf(user)) })))
	srv, err := wire.NewServer(cfg, pl)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	g := &Gateway{Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		OffDSN: dsn, Upstream: up, Planner: pl, Online: store, cancel: cancel, done: make(chan error, 1), onStop: closeStore}
	go func() { g.done <- srv.Serve(ctx, ln) }()
	tb.Cleanup(g.Stop)
	return g
}

// Stop shuts the gateway down and waits for its sessions to end.
func (g *Gateway) Stop() {
	if g.stopped {
		return
	}
	g.stopped = true
	g.cancel()
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
	}
	if g.onStop != nil {
		g.onStop()
	}
}

// openOnline opens an online store of the given kind, closed at cleanup.
func openOnline(tb testing.TB, kind OnlineKind, dsn string) online.Store {
	tb.Helper()
	if kind == Postgres {
		s, err := pgstore.Open(context.Background(), dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = s.Close() })
		return s
	}
	s, err := pebblestore.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func accessOf(u wire.User) offline.Access {
	if u.ReadWrite {
		return offline.ReadWrite
	}
	return offline.ReadOnly
}

// readerPool is the gateway's own pool to the offline store, for
// materialization: as the read-only role, in UTC.
func readerPool(tb testing.TB, up *offline.Upstream) *offline.Pool {
	tb.Helper()
	pool, err := up.OpenReader(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

func testLogger() *slog.Logger {
	if os.Getenv("FEATUREGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
