package clienttest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// node-postgres (pg) and pg-cursor, at the exact versions of
// testdata/node/package.json, installed by
// `npm ci --prefix internal/clienttest/testdata/node`.
const (
	nodeDir     = "testdata/node"
	nodeClient  = "testdata/node/client.js"
	nodeTimeout = 60 * time.Second
)

const nodeSetup = `
CREATE TABLE node_types (
  id  integer PRIMARY KEY,
  i   integer,
  b   bigint,
  f   double precision,
  n   numeric(20,6),
  t   text,
  ok  boolean,
  d   date,
  ts  timestamptz,
  j   jsonb,
  by  bytea,
  arr integer[]
);
INSERT INTO node_types VALUES
  (1, 42, 9007199254740993, 3.14159, 12345678901234.123456, 'héllo, wörld ✓', true,
   '2024-02-29', '2024-02-29 12:34:56.789+00', '{"a": 1, "b": [true, null]}', '\xdeadbeef', '{1,2,NULL,4}'),
  (2, -2147483648, -9223372036854775808, -0.5, -0.000001, '', false,
   '1999-12-31', '1970-01-01 00:00:00+00', '[]', '\x', '{}'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE node_big (id integer PRIMARY KEY);
INSERT INTO node_big SELECT g FROM generate_series(1, 12000) AS g;
`

// nodeRun runs a scenario of client.js against PostgreSQL and through the
// gateway, requires the same output, and returns the gateway's.
func nodeRun(t *testing.T, f *fixture, scenario string) string {
	t.Helper()
	if _, err := os.Stat(nodeDir + "/node_modules/pg/package.json"); err != nil {
		t.Fatalf("node-postgres is not installed (%v): run npm ci --prefix internal/clienttest/testdata/node", err)
	}
	out := sameOutput(t, f, nodeTimeout, "node", func(dsn string) []string {
		return []string{nodeClient, dsn, scenario}
	})
	t.Logf("node-postgres %s through the gateway:\n%s", scenario, out)
	return out
}

// nodeExpect fails for each wanted fragment that out lacks.
func nodeExpect(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range append(want, "\ndone\n") {
		if !strings.Contains(out, w) {
			t.Errorf("node-postgres output lacks %q", w)
		}
	}
	if strings.Contains(out, "NO ERROR") {
		t.Errorf("node-postgres output: an expected error did not happen")
	}
}

// nodeRow1 is node_types row 1 as pg gives it by default: bigint and
// numeric as strings, date and timestamptz as Dates, jsonb parsed, bytea
// as a Buffer, int[] as an array.
const nodeRow1 = `{"id":{"number":1},"i":{"number":42},"b":{"string":"9007199254740993"},"f":{"number":3.14159},` +
	`"n":{"string":"12345678901234.123456"},"t":{"string":"héllo, wörld ✓"},"ok":{"boolean":true},` +
	`"d":{"Date":{"date":"2024-02-29T00:00:00.000Z"}},"ts":{"Date":{"date":"2024-02-29T12:34:56.789Z"}},` +
	`"j":{"object":{"a":1,"b":[true,null]}},"by":{"Buffer":{"buffer":"deadbeef"}},"arr":{"Array":[1,2,null,4]}}`

const nodeRow2 = `{"id":{"number":2},"i":{"number":-2147483648},"b":{"string":"-9223372036854775808"},"f":{"number":-0.5},` +
	`"n":{"string":"-0.000001"},"t":{"string":""},"ok":{"boolean":false},"d":{"Date":{"date":"1999-12-31T00:00:00.000Z"}},` +
	`"ts":{"Date":{"date":"1970-01-01T00:00:00.000Z"}},"j":{"Array":[]},"by":{"Buffer":{"buffer":""}},"arr":{"Array":[]}}`

const nodeRow3 = `{"id":{"number":3},"i":null,"b":null,"f":null,"n":null,"t":null,"ok":null,"d":null,"ts":null,"j":null,"by":null,"arr":null}`

const nodeTypesFields = `"fields":["id:23","i:23","b:20","f:701","n:1700","t:25","ok:16","d:1082","ts:1184","j:3802","by:17","arr:1007"]`

// TestNodeBasic runs simple-protocol queries (core types with NULLs,
// several statements in one string, SHOW, SET) and parameterized queries
// ($1, $2, …: the unnamed statement of the extended protocol), with
// parameters of every core type and rowMode 'array'.
func TestNodeBasic(t *testing.T) {
	f := newFixture(t, "node_basic", nodeSetup)
	out := nodeRun(t, f, "basic")
	nodeExpect(t, out,
		`types {"command":"SELECT","rowCount":3,`+nodeTypesFields+`,"rows":[`+nodeRow1+","+nodeRow2+","+nodeRow3+"]}\n",
		`params {"command":"SELECT","rowCount":1,"fields":["i:23","t:25","b:20","n:1700","ok:16","f:701","d:1082","ts:1184","j:3802","by:17","arr:1007","nothing:25"],`+
			`"rows":[{"i":{"number":42},"t":{"string":"héllo ✓"},"b":{"string":"9223372036854775807"},"n":{"string":"-1234567890.0987654321"},`+
			`"ok":{"boolean":true},"f":{"number":2.5},"d":{"Date":{"date":"2024-02-29T00:00:00.000Z"}},"ts":{"Date":{"date":"2024-02-29T23:59:58.123Z"}},`+
			`"j":{"object":{"k":[1,"two",null]}},"by":{"Buffer":{"buffer":"0001feff"}},"arr":{"Array":[3,null,5]},"nothing":null}]}`+"\n",
		`by id {"command":"SELECT","rowCount":2,`+nodeTypesFields+`,"rows":[`+nodeRow1+","+nodeRow2+"]}\n",
		`array mode {"command":"SELECT","rowCount":1,"fields":["a:23","a:23"],"rows":[[{"number":21},{"number":42}]]}`,
		`multi 0 {"command":"SELECT","rowCount":1,"fields":["one:23"],"rows":[{"one":{"number":1}}]}`,
		`multi 1 {"command":"SELECT","rowCount":1,"fields":["two:23","three:23"],"rows":[{"two":{"number":2},"three":{"number":3}}]}`,
		`multi 2 {"command":"SELECT","rowCount":1,"fields":["n:20"],"rows":[{"n":{"string":"3"}}]}`,
		`empty {"command":"SELECT","rowCount":0,"fields":["id:23"],"rows":[]}`,
		`timezone {"command":"SHOW","rowCount":null,"fields":["TimeZone:25"]`,
		`no rows command {"command":"SET","rowCount":null,"fields":[],"rows":[]}`,
	)
}

// TestNodePrepared executes named prepared statements ({name, text,
// values}) several times each: pg parses once per connection and then only
// binds and executes the named statement.
func TestNodePrepared(t *testing.T) {
	f := newFixture(t, "node_prepared", nodeSetup)
	out := nodeRun(t, f, "prepared")
	var want []string
	for k, row := range []string{nodeRow2, nodeRow3, nodeRow1, nodeRow2, nodeRow3, nodeRow1, nodeRow2, nodeRow3} {
		want = append(want, fmt.Sprintf(`q1 k=%d {"command":"SELECT","rowCount":1,%s,"rows":[%s]}`+"\n", k+1, nodeTypesFields, row))
	}
	nodeExpect(t, out, append(want,
		`q2 k=0 {"command":"SELECT","rowCount":1,"fields":["ten:23","twice:25","next_day:1082","n3:1700"],"rows":[{"ten":{"number":0},"twice":{"string":"x0x0"},"next_day":{"Date":{"date":"2024-12-31T00:00:00.000Z"}},"n3":{"string":"0.0"}}]}`,
		`q2 k=3 {"command":"SELECT","rowCount":1,"fields":["ten:23","twice:25","next_day:1082","n3:1700"],"rows":[{"ten":{"number":30},"twice":{"string":"x3x3"},"next_day":{"Date":{"date":"2025-01-01T00:00:00.000Z"}},"n3":{"string":"0.9"}}]}`,
		`q2 k=5 {"command":"SELECT","rowCount":1,"fields":["ten:23","twice:25","next_day:1082","n3:1700"],"rows":[{"ten":null,"twice":null,"next_day":null,"n3":null}]}`,
		`statements {"command":"SELECT","rowCount":2,"fields":["name:25","from_sql:16","params:25"],"rows":[`+
			`{"name":{"string":"q1"},"from_sql":{"boolean":false},"params":{"string":"{integer}"}},`+
			`{"name":{"string":"q2"},"from_sql":{"boolean":false},"params":{"string":"{integer,text,date,numeric}"}}]}`,
	)...)
}

// TestNodeTransaction runs a transaction with a TEMP table: inserts through
// a named statement, commit, rollback, a savepoint after a unique
// violation, UPDATE … RETURNING.
func TestNodeTransaction(t *testing.T) {
	f := newFixture(t, "node_tx", nodeSetup)
	out := nodeRun(t, f, "tx")
	nodeExpect(t, out,
		`begin {"command":"BEGIN","rowCount":null,"fields":[],"rows":[]}`,
		`create {"command":"CREATE","rowCount":null,"fields":[],"rows":[]}`,
		`commit {"command":"COMMIT","rowCount":null,"fields":[],"rows":[]}`,
		`insert more {"command":"INSERT","rowCount":3,"fields":[],"rows":[]}`,
		`in tx {"command":"SELECT","rowCount":1,"fields":["n:20"],"rows":[{"n":{"string":"8"}}]}`,
		`rollback {"command":"ROLLBACK","rowCount":null,"fields":[],"rows":[]}`,
		`after rollback {"command":"SELECT","rowCount":1,"fields":["n:20"],"rows":[{"n":{"string":"5"}}]}`,
		`duplicate {"code":"23505","severity":"ERROR","message":"duplicate key value violates unique constraint \"node_tmp_pkey\""}`,
		`update {"command":"UPDATE","rowCount":2,"fields":["id:23","v:25"],"rows":[{"id":{"number":1},"v":{"string":"committed 1!"}},{"id":{"number":2},"v":{"string":"committed 2!"}}]}`,
		`final {"command":"SELECT","rowCount":6,"fields":["id:23","v:25"],"rows":[{"id":{"number":1},"v":{"string":"committed 1!"}},{"id":{"number":2},"v":{"string":"committed 2!"}},`+
			`{"id":{"number":3},"v":{"string":"committed 3"}},{"id":{"number":4},"v":{"string":"committed 4"}},{"id":{"number":5},"v":{"string":"committed 5"}},{"id":{"number":100},"v":{"string":"kept"}}]}`,
	)
}

// TestNodeErrors checks err.code (SQLSTATE) for errors of simple,
// parameterized and named queries, and that the connection goes on, also
// after an error inside a transaction and its rollback.
func TestNodeErrors(t *testing.T) {
	f := newFixture(t, "node_errors", nodeSetup)
	out := nodeRun(t, f, "errors")
	nodeExpect(t, out,
		`division {"code":"22012","severity":"ERROR","message":"division by zero"}`,
		`after division {"command":"SELECT","rowCount":1,"fields":["ok:23"],"rows":[{"ok":{"number":1}}]}`,
		`division with params {"code":"22012"`,
		`after params error {"command":"SELECT","rowCount":1,"fields":["ok:23"],"rows":[{"ok":{"number":2}}]}`,
		`syntax {"code":"42601","severity":"ERROR","message":"syntax error at or near \"SELEC\"","position":"1"}`,
		`undefined table {"code":"42P01","severity":"ERROR","message":"relation \"node_nope\" does not exist","position":"15"}`,
		`bad input {"code":"22P02"`,
		`named k=2 {"command":"SELECT","rowCount":1,"fields":["q:23"],"rows":[{"q":{"number":50}}]}`,
		`named division {"code":"22012"`,
		`named k=4 {"command":"SELECT","rowCount":1,"fields":["q:23"],"rows":[{"q":{"number":25}}]}`,
		`tx division {"code":"22012"`, `tx aborted {"code":"25P02"`,
		`after rollback {"command":"SELECT","rowCount":1,"fields":["ok:23"],"rows":[{"ok":{"number":3}}]}`,
		`final {"command":"SELECT","rowCount":1,"fields":["ok:23"],"rows":[{"ok":{"number":4}}]}`,
	)
}

// TestNodeBigResult reads 12,000 rows in one result, with the simple and
// the extended protocol.
func TestNodeBigResult(t *testing.T) {
	f := newFixture(t, "node_big", nodeSetup)
	out := nodeRun(t, f, "big")
	for _, mode := range []string{"simple", "extended"} {
		nodeExpect(t, out, `big `+mode+` {"rowCount":12000,"rows":12000,"sum":72006000,"first":{"id":1,"h":"c4ca4238a0b923820dcc509a6f75849b","b":"1000"},`+
			`"last":{"id":12000,"h":"831bb3dd5d09fb053fc65257e81b28f8","b":"12000000"},"sha256":"`)
	}
}

// TestNodeCursor reads with pg-cursor in batches of 100 (a portal, Execute
// with a row limit, PortalSuspended): a whole result, an early close, an
// error in a later batch, and cursors inside a transaction.
func TestNodeCursor(t *testing.T) {
	f := newFixture(t, "node_cursor", nodeSetup)
	out := nodeRun(t, f, "cursor")
	nodeExpect(t, out,
		`cursor {"batches":115,"sizes":{"100":115},"rows":11500,"sum":71880750,"first":{"id":501,"h":"5b69b9cb83065d403869739ae7f0995e"},`+
			`"last":{"id":12000,"h":"831bb3dd5d09fb053fc65257e81b28f8"},"sha256":"`,
		`early close {"first":100,"second":50,"firstId":1,"lastId":150}`,
		`after cursor {"command":"SELECT","rowCount":1,"fields":["n:20"],"rows":[{"n":{"string":"12000"}}]}`,
		`cursor error after 200 {"code":"22012"`,
		`after cursor error {"command":"SELECT","rowCount":1,"fields":["ok:23"],"rows":[{"ok":{"number":5}}]}`,
		`tx cursors {"a":[100,1],"b":[100,12000]}`,
	)
}
