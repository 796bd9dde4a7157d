package pittest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// TestNaiveSourceInDSTSession reads, through the gateway, a source whose
// timestamp column has no time zone, from sessions in New York across the
// spring change of 2024, with and without a (key, ts) index (the probe and
// the window plan): naive times are UTC, so every plan gives one row per
// spine row, the same as in UTC. Local 02:30 on 2024-03-10 does not exist
// in New York; as UTC it is simply 02:30Z.
func TestNaiveSourceInDSTSession(t *testing.T) {
	ctx := context.Background()
	for _, indexed := range []bool{true, false} {
		t.Run(fmt.Sprintf("indexed=%v", indexed), func(t *testing.T) {
			db := fmt.Sprintf("naive_dst_%v", indexed)
			gw := gatewaytest.Start(t, pg, db)
			owner, err := pgx.Connect(ctx, gw.OffDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer owner.Close(ctx)
			setup := `CREATE TABLE naive_src (k bigint, ts timestamp, v int);
				INSERT INTO naive_src VALUES (1, '2024-03-10 01:50', 1), (1, '2024-03-10 02:30', 2), (1, '2024-03-10 03:10', 3)`
			if indexed {
				setup += `; CREATE INDEX ON naive_src (k, ts)`
			}
			if _, err := owner.Exec(ctx, setup); err != nil {
				t.Fatal(err)
			}
			admin := connectTZ(t, gw, db, "UTC")
			for _, d := range []string{"CREATE ENTITY nk (k BIGINT)", "CREATE SOURCE ns TIMESTAMP COLUMN ts AS TABLE naive_src",
				"CREATE FEATURE VIEW nv (v INT) ENTITY nk SOURCE ns TTL NONE"} {
				if _, err := admin.Exec(ctx, d); err != nil {
					t.Fatalf("%s: %v", d, err)
				}
			}
			const query = `SELECT s.id, f.v FROM (VALUES (1, 1::bigint, TIMESTAMPTZ '2024-03-10T02:40:00Z'),
				(2, 1::bigint, TIMESTAMPTZ '2024-03-10T03:05:00Z'), (3, 1::bigint, TIMESTAMPTZ '2024-03-10T07:15:00Z'),
				(4, 1::bigint, TIMESTAMPTZ '2024-03-10T01:49:00Z')) AS s(id, k, t)
				LEFT JOIN nv AS OF s.t f USING (k) ORDER BY s.id`
			want := "1:2 2:2 3:3 4:NULL "
			for _, zone := range []string{"UTC", "America/New_York"} {
				for mode, qm := range modes {
					conn := connectTZ(t, gw, db, zone)
					rows, err := conn.Query(ctx, query, qm)
					if err != nil {
						t.Fatalf("%s %s: %v", zone, mode, err)
					}
					got := ""
					for rows.Next() {
						var id int
						var v *int32
						if err := rows.Scan(&id, &v); err != nil {
							t.Fatal(err)
						}
						if v == nil {
							got += fmt.Sprintf("%d:NULL ", id)
						} else {
							got += fmt.Sprintf("%d:%d ", id, *v)
						}
					}
					if rows.Err() != nil || got != want {
						t.Errorf("%s, %s: got %q (%v), want %q", zone, mode, got, rows.Err(), want)
					}
				}
			}
		})
	}
}

// connectTZ opens a session through gw whose TimeZone is zone.
func connectTZ(t *testing.T, gw *gatewaytest.Gateway, db, zone string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(gw.DSN("alice", db))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["timezone"] = zone
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
