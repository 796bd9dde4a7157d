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

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/planner"
	"github.com/featuregate/featuregate/wire"
)

// Gateway is a running gateway.
type Gateway struct {
	Addr    string // host:port
	Host    string
	Port    int
	OffDSN  string // the offline database it serves
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// DSN returns a client URL for user and database (the project).
func (g *Gateway) DSN(user, db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", user, g.Addr, db)
}

// Option changes the wire configuration before the gateway starts.
type Option func(*wire.Config)

// Start creates database db on pg if needed and runs a gateway over it on
// a free loopback port until the test ends. Sessions are read-only through
// the featuregate_reader role unless an option changes that.
func Start(tb testing.TB, pg *localpg.Server, db string, opts ...Option) *Gateway {
	tb.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	if err := offline.EnsureReaderRole(ctx, dsn, offline.DefaultReaderRole); err != nil {
		tb.Fatal(err)
	}
	up, err := pgconn.ParseConfig(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := wire.Config{Upstream: up, ReaderRole: offline.DefaultReaderRole, Logger: testLogger()}
	for _, o := range opts {
		o(&cfg)
	}
	reg, err := catalog.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(reg.Close)
	srv, err := wire.NewServer(cfg, planner.New(reg))
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	g := &Gateway{Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		OffDSN: dsn, cancel: cancel, done: make(chan error, 1)}
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
}

func testLogger() *slog.Logger {
	if os.Getenv("FEATUREGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
