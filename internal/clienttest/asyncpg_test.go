package clienttest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// asyncpg from Debian's python3-asyncpg: the extended protocol only, named
// statements, binary results, and its own catalog queries for the types it
// does not know.
const asyncpgScript = "testdata/asyncpg/asyncpg_client.py"

// asyncpgSetup adds, next to the StreamFlow tables, a table whose types
// asyncpg must introspect: an enum and a domain.
const asyncpgSetup = `
CREATE TYPE plan_tier AS ENUM ('basic', 'standard', 'premium');
CREATE DOMAIN fee_amount AS numeric(8,2) CHECK (VALUE >= 0);
CREATE TABLE plans (name text PRIMARY KEY, tier plan_tier NOT NULL, fee fee_amount);
INSERT INTO plans VALUES ('family', 'premium', 24.99), ('solo', 'basic', 8.99), ('duo', 'standard', NULL);
`

// execDirect runs sql straight on the fixture's PostgreSQL.
func execDirect(t *testing.T, f *fixture, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// relabel returns lines with their first word replaced by label.
func relabel(lines []string, label string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		_, rest, _ := strings.Cut(l, " ")
		out[i] = label + " " + rest
	}
	return out
}

// TestAsyncpg reads the StreamFlow project with asyncpg: catalog queries,
// type introspection and errors as on PostgreSQL; AS OF queries, prepared
// lookups (one key, a batch, in a portal, from a pool, without the
// statement cache) and a COPY of a training set with the snapshot tables'
// values.
func TestAsyncpg(t *testing.T) {
	const db = "clients_asyncpg"
	f, u1, u2 := featureFixture(t, db)
	execDirect(t, f, asyncpgSetup)
	args := func(sections ...string) func(string) []string {
		return func(dsn string) []string {
			return append([]string{"-B", asyncpgScript, dsn, u1, u2}, sections...)
		}
	}
	out := sameOutput(t, f, pyTimeout, pythonBin, args("meta", "errors"))
	mustContain(t, "asyncpg", out,
		"relation fg_"+db+" subs_profile_fv v\n", "relation fg_"+db+" features v\n", "relation public users r\n",
		"column subs_profile_fv event_timestamp timestamp with time zone False\n",
		"column features rebuffer_events_7d bigint False\n",
		"plan duo standard None ['standard']\n", "plan family premium 24.99 ['premium']\n", "enum param 1\n",
		"describe [('user_id', 'text'), ('as_of', 'date'), ('months_active', 'int8'), ('monthly_fee', 'float4')] ['text', 'date']\n",
		"snapshot "+u2+" 2024-02-29 ", "users 1000 ",
		`syntax ERROR PostgresSyntaxError 42601 syntax error at or near "SELEC" 1`+"\nsyntax after 1\n",
		"undefined table ERROR UndefinedTableError 42P01 ", "undefined column ERROR UndefinedColumnError 42703 ",
		"division with params ERROR DivisionByZeroError 22012 ", "bad date param ERROR DatetimeFieldOverflowError 22008 ",
		"failed transaction ERROR InFailedSQLTransactionError 25P02 ", "final still usable\n", "== done\n")

	out = run(t, pyTimeout, pythonBin, args("features")(f.via)...)
	want := expectedFeatureLines(t, f, u1, u2)
	checkFeatureLines(t, "asyncpg", out, want)
	lookups := withPrefix(want, "lookup ")
	var copied []string
	for _, l := range withPrefix(want, "asof-const ") {
		copied = append(copied, "copy "+strings.ReplaceAll(strings.TrimPrefix(l, "asof-const "), " ", ","))
	}
	mustContain(t, "asyncpg", out,
		"describe user_id:text,months_active:int8,fee:float4\n",
		strings.Join(relabel(lookups[:3], "batch"), "\n")+"\n",
		relabel(lookups[:1], "cursor")[0]+"\n",
		strings.Repeat(relabel(lookups[:1], "pool")[0]+"\n", 2),
		strings.Join(relabel(lookups[:2], "uncached"), "\n")+"\n",
		"copy status COPY 2\n"+strings.Join(copied, "\n")+"\n",
		"preview 3 user_id,event_timestamp,months_active\n", "count positive True\n",
		"== done\n")
}
