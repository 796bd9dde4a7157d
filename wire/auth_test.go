package wire_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/planner"
	"github.com/featuregate/featuregate/wire"
)

// withUsers configures accounts. They administer featuregate, so that they
// may open the test's database although it holds no project yet: these
// tests are about logging in (internal/securitytest is about what users
// may do).
func withUsers(method string) gatewaytest.Option {
	return func(c *wire.Config) {
		c.AuthMethod = method
		c.Users = []wire.User{{Name: "alice", Password: "s3cret", Admin: true}, {Name: "admin", Password: "root", ReadWrite: true, Admin: true}}
	}
}

func pgErrCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// TestAuthentication checks SCRAM-SHA-256 and cleartext passwords: the
// right password gets in, a wrong one or an unknown user gets FATAL 28P01
// with the same message shape either way.
func TestAuthentication(t *testing.T) {
	ctx := context.Background()
	for _, method := range []string{wire.AuthSCRAM, wire.AuthPassword} {
		t.Run(method, func(t *testing.T) {
			gw := gatewaytest.Start(t, pg, "auth", withUsers(method))
			ok, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/auth?sslmode=disable")
			if err != nil {
				t.Fatalf("right password: %v", err)
			}
			var user string
			if err := ok.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil || user != "featuregate_reader" {
				t.Fatalf("read-only user runs as %q: %v", user, err)
			}
			ok.Close(ctx)
			for _, bad := range []string{"alice:wrong", "nobody:s3cret"} {
				_, err := pgx.Connect(ctx, "postgres://"+bad+"@"+gw.Addr+"/auth?sslmode=disable")
				if pgErrCode(err) != "28P01" {
					t.Fatalf("%s: want 28P01, got %v", bad, err)
				}
				if !strings.Contains(err.Error(), "password authentication failed for user") {
					t.Fatalf("%s: message %v", bad, err)
				}
			}
			admin, err := pgx.Connect(ctx, "postgres://admin:root@"+gw.Addr+"/auth?sslmode=disable")
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close(ctx)
			if err := admin.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil || user != "featuregate_writer" {
				t.Fatalf("read-write user runs as %q: %v", user, err)
			}
		})
	}
}

// TestNoAuthOnlyOnLoopback refuses to serve a non-loopback address when no
// authentication is configured, with a message that says what to do.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "loopback")
	srv, err := wire.NewServer(wire.Config{Upstream: gw.Upstream.Base(),
		DefaultLogin: wire.UpstreamLogin(gw.Upstream.Login(offline.ReadOnly))}, planner.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "auth.method") {
		t.Fatalf("want a refusal naming auth.method, got %v", err)
	}
}

// TestLoginsRequired: every user needs an upstream login, and trust a
// default one; the gateway's own login is never a session's.
func TestLoginsRequired(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "logins")
	login := wire.UpstreamLogin(gw.Upstream.Login(offline.ReadOnly))
	for name, cfg := range map[string]wire.Config{
		"trust, no default": {Upstream: gw.Upstream.Base()},
		"user without login": {Upstream: gw.Upstream.Base(), AuthMethod: wire.AuthSCRAM,
			Users: []wire.User{{Name: "alice", Password: "x"}}},
	} {
		if _, err := wire.NewServer(cfg, planner.New(nil)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := wire.NewServer(wire.Config{Upstream: gw.Upstream.Base(), DefaultLogin: login}, planner.New(nil)); err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTLS upgrades a connection with SSLRequest and authenticates with
// SCRAM over it.
func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	gw := gatewaytest.Start(t, pg, "tls", withUsers(wire.AuthSCRAM), func(c *wire.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/tls?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("connection is not TLS: %T", conn.PgConn().Conn())
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT 3").Scan(&n); err != nil || n != 3 {
		t.Fatal(n, err)
	}
}

// TestOfflineRestart stops the offline PostgreSQL under an open session:
// the client gets an 08xxx error, the session survives, and it works again
// once PostgreSQL is back.
func TestOfflineRestart(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "restart")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, gw.DSN("alice", "restart"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pg.StopKeep(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = pg.StartAgain()
		}
	}()
	var n int
	err = conn.QueryRow(ctx, "SELECT 1").Scan(&n)
	if code := pgErrCode(err); !strings.HasPrefix(code, "08") {
		t.Fatalf("offline store down: want 08xxx, got %v", err)
	}
	err = conn.QueryRow(ctx, "SELECT 1").Scan(&n)
	if code := pgErrCode(err); code != "08001" {
		t.Fatalf("still down: want 08001, got %v", err)
	}
	if err := pg.StartAgain(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	if err := conn.QueryRow(ctx, "SELECT 2").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after restart: %v %d", err, n)
	}
	// a session opened while the store was down works too
	r := dialRaw(t, gw.Addr)
	r.startup(map[string]string{"user": "bob", "database": "restart"})
	r.send(&pgproto3.Query{String: "SELECT 5"})
	expect(t, "new session", r.ready(), `T D["5"] C(SELECT 1) Z(I)`)
}
