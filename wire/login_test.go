package wire_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/wire"
)

// startupPacket encodes a startup message of any protocol version.
func startupPacket(version uint32, params ...string) []byte {
	body := binary.BigEndian.AppendUint32(nil, version)
	for _, p := range params {
		body = append(append(body, p...), 0)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

// firstAnswer sends a raw startup packet to addr and describes the
// server's first message: "v3.<minor> [options]", or "E(<code>) message".
func firstAnswer(t *testing.T, addr string, packet []byte) string {
	t.Helper()
	r := dialRaw(t, addr)
	if _, err := r.nc.Write(packet); err != nil {
		t.Fatal(err)
	}
	m, err := r.fe.Receive()
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	switch v := m.(type) {
	case *pgproto3.NegotiateProtocolVersion:
		return fmt.Sprintf("v%d.%d %v", v.NewestMinorProtocol>>16, v.NewestMinorProtocol&0xffff, v.UnrecognizedOptions)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("E(%s) %s", v.Code, v.Message)
	}
	return fmt.Sprintf("%T", m)
}

// TestNegotiateProtocolVersion: a client asking for protocol 3.1 or 3.2,
// or for protocol options, is told the newest version the gateway speaks
// (3.0) and which options it does not know, exactly as PostgreSQL 15
// tells it, and goes on to log in; protocol 4.0 is refused as
// PostgreSQL refuses it.
func TestNegotiateProtocolVersion(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "negotiate")
	direct := fmt.Sprintf("127.0.0.1:%d", pg.Port)
	for _, c := range []struct {
		version uint32
		params  []string
		want    string
	}{
		{3<<16 | 1, nil, "v3.0 []"},
		{3<<16 | 2, nil, "v3.0 []"},
		{3 << 16, []string{"_pq_.compression", "on"}, "v3.0 [_pq_.compression]"},
		{3<<16 | 5, []string{"_pq_.x", "1"}, "v3.0 [_pq_.x]"},
		{4 << 16, nil, "E(0A000) unsupported frontend protocol 4.0: server supports 3.0 to 3.0"},
	} {
		packet := startupPacket(c.version, append([]string{"user", "postgres", "database", "negotiate"}, c.params...)...)
		if got := firstAnswer(t, direct, packet); got != c.want {
			t.Fatalf("PostgreSQL itself answers %d.%d %v with %q, the test wants %q", c.version>>16, c.version&0xffff, c.params, got, c.want)
		}
		if got := firstAnswer(t, gw.Addr, packet); got != c.want {
			t.Errorf("protocol %d.%d %v: got %q, want %q", c.version>>16, c.version&0xffff, c.params, got, c.want)
		}
	}
	// After the negotiation the session is an ordinary 3.0 one.
	r := dialRaw(t, gw.Addr)
	if _, err := r.nc.Write(startupPacket(3<<16|1, "user", "bob", "database", "negotiate", "_pq_.x", "1")); err != nil {
		t.Fatal(err)
	}
	if msgs := r.ready(); !strings.HasPrefix(describe(msgs), "*pgproto3.NegotiateProtocolVersion R S") {
		t.Fatalf("3.1 startup: %s", describe(msgs))
	}
	r.send(&pgproto3.Query{String: "SELECT 1"})
	expect(t, "3.1 session", r.ready(), `T D["1"] C(SELECT 1) Z(I)`)
}

// wrongLogin tries a wrong password for alice and returns how long the
// refusal took.
func wrongLogin(t *testing.T, addr, db string) time.Duration {
	t.Helper()
	start := time.Now()
	_, err := pgx.Connect(context.Background(), "postgres://alice:wrong@"+addr+"/"+db+"?sslmode=disable")
	if pgErrCode(err) != "28P01" {
		t.Fatalf("wrong password: want 28P01, got %v", err)
	}
	return time.Since(start)
}

// TestLoginThrottle: after Failures failed logins from an address, its
// attempts run Delay apart, also when made in parallel; a successful
// login lifts the throttle; an attempt whose turn would come too late is
// refused at once with 53300.
func TestLoginThrottle(t *testing.T) {
	const db, delay = "throttle", time.Second
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthPassword), func(c *wire.Config) {
		c.LoginThrottle = wire.Throttle{Failures: 3, Window: time.Minute, Delay: delay}
	})
	start := time.Now()
	for range 3 {
		wrongLogin(t, gw.Addr, db)
	}
	if d := time.Since(start); d > delay {
		t.Fatalf("the first failures were delayed: %s", d)
	}
	start = time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { wrongLogin(t, gw.Addr, db) })
	}
	wg.Wait()
	if d := time.Since(start); d < 3*delay {
		t.Fatalf("4 throttled attempts in parallel took %s, want at least %s", d, 3*delay)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/"+db+"?sslmode=disable")
	if err != nil {
		t.Fatalf("the right password while throttled: %v", err)
	}
	conn.Close(ctx)
	if d := wrongLogin(t, gw.Addr, db); d > delay {
		t.Fatalf("after a successful login a failure still waits: %s", d)
	}

	slow := gatewaytest.Start(t, pg, db, withUsers(wire.AuthPassword), func(c *wire.Config) {
		c.LoginThrottle = wire.Throttle{Failures: 1, Window: time.Minute, Delay: 3 * time.Second}
		c.StartupTimeout = 2 * time.Second
	})
	wrongLogin(t, slow.Addr, db)
	wrongLogin(t, slow.Addr, db) // the first throttled turn is at once
	start = time.Now()
	_, err = pgx.Connect(ctx, "postgres://alice:s3cret@"+slow.Addr+"/"+db+"?sslmode=disable")
	if pgErrCode(err) != "53300" || !strings.Contains(err.Error(), "too many failed logins") || time.Since(start) > 2*time.Second { // the turn would be 3 s away
		t.Fatalf("a turn past the startup timeout: want 53300 at once, got %v after %s", err, time.Since(start))
	}
}

// scramSalt starts a SCRAM exchange as user and returns the salt and
// iteration count of the server's first message.
func scramSalt(t *testing.T, addr, db, user string) string {
	t.Helper()
	r := dialRaw(t, addr)
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": user, "database": db}})
	if _, err := r.fe.Receive(); err != nil { // AuthenticationSASL
		t.Fatal(err)
	}
	r.send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=clientnonce")})
	m, err := r.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	cont, ok := m.(*pgproto3.AuthenticationSASLContinue)
	if !ok {
		t.Fatalf("want SASLContinue, got %T", m)
	}
	var salt, iters string
	for _, f := range strings.Split(string(cont.Data), ",") {
		switch {
		case strings.HasPrefix(f, "s="):
			salt = f[2:]
		case strings.HasPrefix(f, "i="):
			iters = f[2:]
		}
	}
	return salt + " i=" + iters
}

// TestUnknownUsersLookKnown: an unknown user gets a salt of its own, the
// same at every attempt, as a known user does, so the salts do not tell
// which names exist.
func TestUnknownUsersLookKnown(t *testing.T) {
	const db = "salts"
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM))
	salts := map[string]string{}
	for _, u := range []string{"alice", "admin", "nobody", "somebody"} {
		first, again := scramSalt(t, gw.Addr, db, u), scramSalt(t, gw.Addr, db, u)
		if first != again {
			t.Errorf("%s: salt changed between attempts: %s, %s", u, first, again)
		}
		if !strings.HasSuffix(first, " i=4096") || len(first) != len("AAAAAAAAAAAAAAAAAAAAAA==")+len(" i=4096") {
			t.Errorf("%s: salt %q is not 16 bytes with 4096 iterations", u, first)
		}
		for other, s := range salts {
			if s == first {
				t.Errorf("%s and %s share the salt %s", u, other, s)
			}
		}
		salts[u] = first
	}
}

// TestTLSRequired refuses a client that does not use TLS with 28000 and
// a hint, and lets one that does in, with SCRAM-SHA-256-PLUS.
func TestTLSRequired(t *testing.T) {
	const db = "tlsrequired"
	cert := selfSigned(t)
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM), func(c *wire.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		c.TLSRequired = true
	})
	ctx := context.Background()
	_, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/"+db+"?sslmode=disable")
	if pgErrCode(err) != "28000" || !strings.Contains(err.Error(), "requires TLS") {
		t.Fatalf("without TLS: want 28000, got %v", err)
	}
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/"+db+"?sslmode=require&channel_binding=require")
	if err != nil {
		t.Fatalf("with TLS and channel binding: %v", err)
	}
	conn.Close(ctx)
	up, err := pgconn.ParseConfig(gw.OffDSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.NewServer(wire.Config{Upstream: up, TLSRequired: true}, gw.Planner); err == nil {
		t.Error("TLSRequired without a certificate was accepted")
	}
}

// TestChannelBinding: over TLS the gateway offers SCRAM-SHA-256-PLUS bound
// to its certificate, which clients that require channel binding accept;
// a wrong password is still refused; without TLS there is nothing to bind.
func TestChannelBinding(t *testing.T) {
	const db = "channelbinding"
	cert := selfSigned(t)
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM), func(c *wire.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	ctx := context.Background()
	base := "@" + gw.Addr + "/" + db + "?channel_binding=require&sslmode="
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret"+base+"require")
	if err != nil {
		t.Fatalf("channel binding required: %v", err)
	}
	conn.Close(ctx)
	if _, err := pgx.Connect(ctx, "postgres://alice:wrong"+base+"require"); pgErrCode(err) != "28P01" {
		t.Fatalf("wrong password with channel binding: want 28P01, got %v", err)
	}
	if _, err := pgx.Connect(ctx, "postgres://alice:s3cret"+base+"disable"); err == nil {
		t.Fatal("channel binding without TLS succeeded")
	}
}

// events records what a server tells its Events.
type events struct {
	started, ended, ok, failed atomic.Int64
	mu                         sync.Mutex
	errors                     map[string]int
}

func (e *events) SessionStarted() { e.started.Add(1) }
func (e *events) SessionEnded()   { e.ended.Add(1) }
func (e *events) Login(ok bool) {
	if ok {
		e.ok.Add(1)
	} else {
		e.failed.Add(1)
	}
}
func (e *events) Error(code string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errors[code]++
}

// TestEvents: sessions, logins and errors (the gateway's own and those of
// the offline store) reach Config.Events.
func TestEvents(t *testing.T) {
	const db = "events"
	ev := &events{errors: map[string]int{}}
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM), func(c *wire.Config) { c.Events = ev })
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/"+db+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT 1/0").Scan(&n); pgErrCode(err) != "22012" {
		t.Fatalf("want 22012, got %v", err)
	}
	conn.Close(ctx)
	wrongLogin(t, gw.Addr, db)
	deadline := time.Now().Add(5 * time.Second)
	for ev.ended.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	got := fmt.Sprintf("started %d ended %d ok %d failed %d errors %v",
		ev.started.Load(), ev.ended.Load(), ev.ok.Load(), ev.failed.Load(), ev.errors)
	if want := "started 1 ended 1 ok 1 failed 1 errors map[22012:1 28P01:1]"; got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}
