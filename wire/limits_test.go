package wire_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/wire"
)

// stallInAuth opens a connection that sends its startup packet and then
// nothing, so that it waits in the SCRAM exchange.
func stallInAuth(t *testing.T, addr, db string) *raw {
	t.Helper()
	r := dialRaw(t, addr)
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "alice", "database": db}})
	msgs := r.until(func(pgproto3.BackendMessage) bool { return true })
	if _, ok := msgs[0].(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("want the SASL request, got %s", describe(msgs))
	}
	return r
}

// closedWithin waits for the server to close r's connection, failing
// unless it does within d.
func closedWithin(t *testing.T, r *raw, d time.Duration, what string) {
	t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, r.nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: still open after %s", what, d)
	}
}

// TestStartupTimeout closes a client that sends nothing, and one that
// stalls in the middle of its authentication, after StartupTimeout.
func TestStartupTimeout(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "startuptimeout", withUsers(wire.AuthSCRAM),
		func(c *wire.Config) { c.StartupTimeout = 500 * time.Millisecond })
	silent := dialRaw(t, gw.Addr)
	stalled := stallInAuth(t, gw.Addr, "startuptimeout")
	closedWithin(t, silent, 3*time.Second, "a client that sent nothing")
	closedWithin(t, stalled, 3*time.Second, "a client stalled in SCRAM")
}

// TestPendingLogins: connections that have not authenticated are bounded
// by MaxPendingLogins, not by MaxConnections; past it they are refused at
// once with 53300, and the startup timeout frees their slots.
func TestPendingLogins(t *testing.T) {
	const db = "pendinglogins"
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM), func(c *wire.Config) {
		c.MaxPendingLogins, c.MaxConnections, c.StartupTimeout = 3, 2, 2*time.Second
		c.MaxPendingLoginsPerAddress = 3
	})
	ctx := context.Background()
	url := "postgres://alice:s3cret@" + gw.Addr + "/" + db + "?sslmode=disable"
	for range 2 {
		stallInAuth(t, gw.Addr, db)
	}
	// Two stalled logins hold no session slot: both sessions still fit.
	for i := range 2 {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("session %d beside stalled logins: %v", i+1, err)
		}
		defer conn.Close(ctx)
	}
	stallInAuth(t, gw.Addr, db) // the third pending login: all slots taken
	start := time.Now()
	for range 5 {
		msgs := dialRaw(t, gw.Addr).until(func(pgproto3.BackendMessage) bool { return true })
		expect(t, "a login past max_pending_logins", msgs, "E(53300)")
	}
	if d := time.Since(start); d > 1800*time.Millisecond { // before the startup timeout (2 s) frees a slot
		t.Errorf("refusing 5 connections took %s", d)
	}
	// Once the stalled logins timed out, a session can start again (this
	// third one is past MaxConnections, so it is 53300 after its login).
	time.Sleep(2500 * time.Millisecond)
	_, err := pgx.Connect(ctx, url)
	if pgErrCode(err) != "53300" || !strings.Contains(err.Error(), "too many clients") {
		t.Fatalf("third session: want 53300 after authenticating, got %v", err)
	}
}

// TestPendingLoginsPerAddress: one address that holds its share of the
// pending-login slots is refused more with 53300 naming the limit, while a
// client from another address logs in.
func TestPendingLoginsPerAddress(t *testing.T) {
	const db = "pendingperaddr"
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM), func(c *wire.Config) {
		c.MaxPendingLogins, c.MaxPendingLoginsPerAddress = 4, 2
	})
	for range 2 {
		stallInAuth(t, gw.Addr, db) // from 127.0.0.1
	}
	msgs := dialRaw(t, gw.Addr).until(func(pgproto3.BackendMessage) bool { return true })
	expect(t, "a third pending login from one address", msgs, "E(53300)")
	if e := msgs[0].(*pgproto3.ErrorResponse); !strings.Contains(e.Hint, "limits.max_pending_logins_per_address") {
		t.Errorf("the refusal's hint does not name the limit: %q", e.Hint)
	}
	cfg, err := pgx.ParseConfig("postgres://alice:s3cret@" + gw.Addr + "/" + db + "?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	from := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	cfg.DialFunc = from.DialContext
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("a login from another address: %v", err)
	}
	conn.Close(ctx)
}

// TestLoginMessagesAreSmall: before authentication a message may not be
// larger than a few KiB, so a client declaring a huge SASL message is
// closed at once and holds no memory; after authentication large
// messages (a 100 KB query) pass.
func TestLoginMessagesAreSmall(t *testing.T) {
	const db = "loginmessages"
	gw := gatewaytest.Start(t, pg, db, withUsers(wire.AuthSCRAM))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 8 {
		r := stallInAuth(t, gw.Addr, db)
		hdr := []byte{'p', 0, 0, 0, 0}
		binary.BigEndian.PutUint32(hdr[1:], 64<<20)
		if _, err := r.nc.Write(append(hdr, 'x')); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, r, 2*time.Second, "a 64 MiB SASL message")
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 32<<20 {
		t.Errorf("heap grew by %d MiB for 8 clients declaring 64 MiB messages", grown>>20)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://alice:s3cret@"+gw.Addr+"/"+db+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	big := strings.Repeat("x", 100_000)
	if err := conn.QueryRow(ctx, "SELECT length('"+big+"')", pgx.QueryExecModeSimpleProtocol).Scan(&n); err != nil || n != len(big) {
		t.Fatalf("a 100 KB query after login: %d %v", n, err)
	}
}
