package wire_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// TestNotificationsWhileIdle delivers NOTIFY from another session to a
// listening client that is waiting, not querying, and gives the client the
// process ID that notifications and pg_backend_pid() carry.
func TestNotificationsWhileIdle(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "notify")
	ctx := context.Background()
	listener, err := pgx.Connect(ctx, gw.DSN("alice", "notify"))
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(ctx)
	var pid uint32
	if err := listener.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if pid != listener.PgConn().PID() {
		t.Fatalf("BackendKeyData pid %d, pg_backend_pid() %d", listener.PgConn().PID(), pid)
	}
	if _, err := listener.Exec(ctx, "LISTEN fg_events"); err != nil {
		t.Fatal(err)
	}
	notifier, err := pgx.Connect(ctx, gw.DSN("bob", "notify"))
	if err != nil {
		t.Fatal(err)
	}
	defer notifier.Close(ctx)
	for i, payload := range []string{"first", "second"} {
		if _, err := notifier.Exec(ctx, "SELECT pg_notify('fg_events', $1)", payload); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := listener.WaitForNotification(wctx)
		cancel()
		if err != nil {
			t.Fatalf("notification %d not delivered while idle: %v", i, err)
		}
		if n.Channel != "fg_events" || n.Payload != payload || n.PID != notifier.PgConn().PID() {
			t.Fatalf("notification %d: %+v (notifier pid %d)", i, n, notifier.PgConn().PID())
		}
		// the session still answers queries between notifications
		var x int
		if err := listener.QueryRow(ctx, "SELECT $1::int", i).Scan(&x); err != nil || x != i {
			t.Fatalf("query after notification: %v", err)
		}
	}
}
