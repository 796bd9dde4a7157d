package datasettest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

// fixtureData is the offline data of the test project: 200 users with a
// daily row of features over five days, and a spine of labelled users at
// two times.
const fixtureData = `
CREATE TABLE user_stats (user_id bigint, ts timestamptz, created timestamptz,
	score double precision, plan text, active boolean);
INSERT INTO user_stats
SELECT u, d, d, CASE WHEN u % 10 = 0 THEN NULL ELSE (u % 17) * 1.5 + day END,
	(ARRAY['free', 'basic', 'pro'])[1 + u % 3], u % 4 <> 0
FROM generate_series(1, 200) AS u,
     generate_series(0, 4) AS day,
     LATERAL (SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' + day * INTERVAL '1 day') AS t(d);
CREATE TABLE spine (user_id bigint, as_of timestamptz, label boolean);
INSERT INTO spine
SELECT u, TIMESTAMPTZ '2024-01-03 12:00:00+00' + (u % 2) * INTERVAL '1 day', u % 5 = 0
FROM generate_series(1, 200) AS u;
`

// fixtureRepo defines the project's features.
var fixtureRepo = []string{
	"CREATE ENTITY usr (user_id BIGINT)",
	"CREATE SOURCE stats_src TIMESTAMP COLUMN ts CREATED COLUMN created AS TABLE user_stats",
	"CREATE FEATURE VIEW stats (score DOUBLE PRECISION, plan TEXT, active BOOLEAN) ENTITY usr SOURCE stats_src TTL NONE",
}

// trainingQuery is the training set the tests save.
const trainingQuery = `SELECT s.user_id, s.as_of, s.label, f.score, f.plan, f.active
FROM spine s LEFT JOIN stats AS OF s.as_of f USING (user_id)`

// project creates database db with the fixture, and a gateway over it
// with the fixture's features defined.
func project(t *testing.T, db string, opts ...gatewaytest.Option) (*gatewaytest.Gateway, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close(context.Background()) })
	if _, err := direct.Exec(ctx, fixtureData); err != nil {
		t.Fatal(err)
	}
	gw := gatewaytest.Start(t, pg, db, opts...)
	admin := connect(t, gw, "admin", db)
	for _, q := range fixtureRepo {
		exec(t, admin, q)
	}
	return gw, direct
}

// connect opens a pgx connection to the gateway as user.
func connect(t *testing.T, gw *gatewaytest.Gateway, user, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), gw.DSN(user, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// exec runs sql and fails the test on an error.
func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// textRows runs sql and returns its rows as text (NULL as "NULL").
func textRows(t *testing.T, conn *pgx.Conn, sql string, args ...any) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var row []string
		for _, raw := range rows.RawValues() {
			if raw == nil {
				row = append(row, "NULL")
			} else {
				row = append(row, string(raw))
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
