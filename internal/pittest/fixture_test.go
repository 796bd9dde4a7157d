package pittest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// suiteSeeds are the seeds of the random scenarios.
var suiteSeeds = []uint64{1, 2, 3, 4}

// fixture is a database holding the suite's tables, optionally with a
// gateway over it whose catalog defines the suite's views.
type fixture struct {
	db     string
	direct *pgx.Conn // straight to PostgreSQL, as the owner
	gw     *gatewaytest.Gateway
}

// newDirect creates database db with the suite's tables (and their
// (keys, ts) indexes when indexed) and connects to it directly.
func newDirect(t *testing.T, db string, indexed bool) *fixture {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn+"&timezone=UTC") // localpg's DSN has a query string
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if err := createSchema(ctx, conn, indexed); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, direct: conn}
}

// newGateway is newDirect plus a gateway over the database, with the
// suite's catalog defined through it.
func newGateway(t *testing.T, db string, indexed bool) *fixture {
	t.Helper()
	f := newDirect(t, db, indexed)
	f.gw = gatewaytest.Start(t, pg, db)
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	for _, ddl := range catalogDDL(suiteViews()) {
		if _, err := conn.Exec(context.Background(), ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	return f
}

// connect opens a session through the gateway as a read-only user, in
// UTC, with the given protocol mode; it is closed when the test ends.
func (f *fixture) connect(t *testing.T, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(f.gw.DSN("alice", f.db) + "&timezone=UTC")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// queryRows runs sql and returns its column names and rows.
func queryRows(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]string, [][]any, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var names []string
	for _, fd := range rows.FieldDescriptions() {
		names = append(names, fd.Name)
	}
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return names, out, rows.Err()
}

// sqlState returns the SQLSTATE and message of a PostgreSQL error.
func sqlState(err error) (code, msg string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.Message + " " + pe.Detail + " " + pe.Hint
	}
	return "", fmt.Sprint(err)
}

// evidence lists, for the spine ids at the start of the given canonical
// rows, the spine rows and the source rows of views with the same keys:
// the data a disagreement is about.
func (sc *scenario) evidence(rows []string, views []string) string {
	var b strings.Builder
	seen := map[int64]bool{}
	for _, r := range rows {
		id, err := strconv.ParseInt(strings.SplitN(r, " | ", 2)[0], 10, 64)
		if err != nil || seen[id] || len(seen) == 3 {
			continue
		}
		seen[id] = true
		for _, s := range sc.spine {
			if s.id != id {
				continue
			}
			fmt.Fprintf(&b, "spine id=%d user_id=%s item_id=%s region=%s shop=%s t=%s\n", s.id,
				canon(s.userID), canon(s.itemID), canon(s.region), canon(s.shop), canon(s.t))
			for _, name := range views {
				b.WriteString(sc.view(name).rowsFor(s.keysFor(sc.view(name).keys)))
			}
			break
		}
	}
	return b.String()
}

// rowsFor renders the source rows of v with key k.
func (v *refView) rowsFor(k []any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s (ttl %v) rows with key %s:\n", v.name, v.ttl, canonRow(k))
	for _, r := range v.rows {
		if sameKey(r.key, k) {
			fmt.Fprintf(&b, "    ts=%s c=%s features=%s\n", canon(r.ts), canon(r.c), canonRow(r.feats))
		}
	}
	return b.String()
}
