package clienttest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// pgjdbc, as Debian packages it (libpostgresql-jdbc-java), run by a JDK 17
// in source-file mode: testdata/jdbc/Main.java runs one scenario and prints
// what the driver saw.
const (
	jdbcJar     = "/usr/share/java/postgresql.jar"
	jdbcMain    = "testdata/jdbc/Main.java"
	jdbcTimeout = 120 * time.Second
)

const jdbcSetup = `
CREATE TABLE jdbc_types (
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
COMMENT ON TABLE jdbc_types IS 'pgjdbc type matrix';
COMMENT ON COLUMN jdbc_types.t IS 'some text';
CREATE INDEX jdbc_types_t ON jdbc_types (t);
INSERT INTO jdbc_types VALUES
  (1, 42, 9007199254740993, 3.14159, 12345678901234.123456, 'héllo, wörld ✓', true,
   '2024-02-29', '2024-02-29 12:34:56.789+00', '{"a": 1, "b": [true, null]}', '\xdeadbeef', '{1,2,NULL,4}'),
  (2, -2147483648, -9223372036854775808, -0.5, -0.000001, '', false,
   '1999-12-31', '1970-01-01 00:00:00+00', '[]', '\x', '{}'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE jdbc_big (id integer PRIMARY KEY);
INSERT INTO jdbc_big SELECT g FROM generate_series(1, 12000) AS g;
CREATE TABLE jdbc_parent (id integer PRIMARY KEY);
CREATE TABLE jdbc_child (
  id        serial PRIMARY KEY,
  parent_id integer NOT NULL REFERENCES jdbc_parent,
  name      text DEFAULT 'unnamed'
);
CREATE VIEW jdbc_view AS SELECT id, t FROM jdbc_types;
`

// jdbcURL turns a fixture DSN (postgres://user@host:port/db?…) into a JDBC
// URL, with extra driver options, and the user name.
func jdbcURL(t *testing.T, dsn, opts string) (string, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := "sslmode=disable"
	if opts != "" {
		q += "&" + opts
	}
	return "jdbc:postgresql://" + u.Host + u.Path + "?" + q, u.User.Username()
}

// jdbcRun runs a scenario of Main.java against PostgreSQL and through the
// gateway, requires the same output, and returns the gateway's.
func jdbcRun(t *testing.T, f *fixture, scenario, opts string) string {
	t.Helper()
	out := sameOutput(t, f, jdbcTimeout, "java", func(dsn string) []string {
		u, user := jdbcURL(t, dsn, opts)
		return []string{"-Duser.timezone=UTC", "-Dfile.encoding=UTF-8", "-cp", jdbcJar, jdbcMain, u, user, scenario}
	})
	t.Logf("pgjdbc %s (%s) through the gateway:\n%s", scenario, opts, out)
	return out
}

// jdbcExpect fails for each wanted line fragment that out lacks.
func jdbcExpect(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range append(want, "\ndone\n") {
		if !strings.Contains(out, w) {
			t.Errorf("pgjdbc output lacks %q", w)
		}
	}
	for _, bad := range []string{"NO ERROR", "unexpected ", "(no error!)"} {
		if strings.Contains(out, bad) {
			t.Errorf("pgjdbc output contains %q", bad)
		}
	}
}

// TestJDBCBasic runs plain Statement queries: core types with NULLs,
// literals, several result sets from one execute, an empty result.
func TestJDBCBasic(t *testing.T) {
	f := newFixture(t, "jdbc_basic", jdbcSetup)
	out := jdbcRun(t, f, "basic", "")
	jdbcExpect(t, out,
		"== select-1: one/int4 x/text nothing/int4\nrow one=1 (Integer) str=1 | x=x (String) str=x | nothing=NULL\n(1 rows)",
		"row id=1 (Integer) str=1 | i=42 (Integer) str=42 | b=9007199254740993 (Long) str=9007199254740993 | f=3.14159 (Double)",
		"n=12345678901234.123456 (BigDecimal)",
		"t=héllo, wörld ✓ (String)",
		"ok=true (Boolean)",
		"d=2024-02-29 (Date)",
		"ts=2024-02-29T12:34:56.789Z (Timestamp)",
		`j={"a": 1, "b": [true, null]} (PGobject)`,
		`by=\xdeadbeef (byte[])`,
		"arr=[1, 2, null, 4] base=int4 (PgArray)",
		"row id=2 (Integer) str=2 | i=-2147483648 (Integer) str=-2147483648 | b=-9223372036854775808 (Long)",
		"row id=3 (Integer) str=3 | i=NULL | b=NULL | f=NULL | n=NULL | t=NULL | ok=NULL | d=NULL | ts=NULL | j=NULL | by=NULL | arr=NULL\n(3 rows)",
		"inf=Infinity (Double)", "matrix=[[1, 2], [3, 4]] base=int4", "esc=tab\there (String)",
		"== multi-0: a/int4\nrow a=1", "== multi-1: b/text c/int4\nrow b=two (String) str=two | c=2", "== multi-2: n/int8\nrow n=3 (Long)",
		"== timezone: TimeZone/text\nrow TimeZone=UTC", "== empty: id/int4\n(0 rows)",
		"chars=14 (Integer) str=14 | bytes=18 (Integer)",
	)
}

// TestJDBCPrepared runs PreparedStatements 12 times each, past pgjdbc's
// prepareThreshold (5) where it switches to named server-side statements
// and binary results; then with prepareThreshold=-1, named and binary from
// the first execution; then with prepareThreshold=1 and binary transfer
// for more types (numeric, int[], date, timestamptz, bytea).
func TestJDBCPrepared(t *testing.T) {
	f := newFixture(t, "jdbc_prepared", jdbcSetup)
	for _, c := range []struct {
		opts string
		// bytea format of the by-id executions k=1 and k=12 (by-id switches
		// to a named statement at k=5 under the default threshold), and of
		// the first params execution.
		first, last, params0 string
	}{
		{"", "text", "binary", "text"},
		{"prepareThreshold=-1", "binary", "binary", "binary"},
		{"prepareThreshold=1&binaryTransferEnable=NUMERIC,INT4_ARRAY,DATE,TIMESTAMPTZ,BYTEA", "text", "binary", "text"},
	} {
		t.Run("opts="+c.opts, func(t *testing.T) {
			out := jdbcRun(t, f, "prepared", c.opts)
			var want []string
			for k := 1; k <= 12; k++ {
				want = append(want, fmt.Sprintf("== by-id k=%d: k/int4 id/int4 i/int4 b/int8 f/float8 n/numeric t/text ok/bool d/date ts/timestamptz j/jsonb by/bytea arr/_int4\nrow k=%d (Integer) str=%d | id=%d (Integer)", k, k, k, k%3+1))
			}
			jdbcExpect(t, out, append(want,
				"b=9007199254740993 (Long)", `by=\xdeadbeef (byte[])`, "arr=[1, 2, null, 4] base=int4 (PgArray)",
				"ts=2024-02-29T12:34:56.789Z (Timestamp)", "n=12345678901234.123456 (BigDecimal)",
				"i=NULL | b=NULL | f=NULL | n=NULL | t=NULL | ok=NULL | d=NULL | ts=NULL | j=NULL | by=NULL | arr=NULL",
				"by-id server prepare: true",
				"row t=s0é! (String) str=s0é! | b=9000000000000000001 (Long) str=9000000000000000001 | n=24691357802469135780.250 (BigDecimal)",
				"f=0.0 (Double)", "d=2024-02-29 (Date)", "ts=2024-03-01T08:00:00.500Z (Timestamp)", `by=\x00ff00 (byte[])`,
				"ok=true (Boolean)", "arr=[0, null, 0] base=int4 (PgArray)", "j=0 (PGobject)",
				"== params k=11: t/text b/int8 n/numeric f/float8 d/date ts/timestamptz by/bytea ok/bool arr/_int4 j/jsonb\nrow t=NULL | b=NULL | n=NULL | f=NULL | d=NULL | ts=NULL | by=NULL | ok=NULL | arr=NULL | j=NULL",
				"ts=2024-03-01T08:00:10.500Z (Timestamp)", "arr=[10, null, 100] base=int4", `by=\x0aff00 (byte[])`,
				"params server prepare: true",
				"insert 10 -> 1", "row n=11 (Long) str=11 | s=55 (Long)",
				"row by_id=true (Boolean) str=t | params=true (Boolean) str=t | inserts=true (Boolean) str=t",
			)...)
			for _, w := range []struct{ prefix, format string }{
				{"row k=1 ", c.first}, {"row k=12 ", c.last}, {"row t=s0é! ", c.params0}, {"row t=s10é! ", "binary"},
			} {
				if line := jdbcLine(out, w.prefix); !strings.Contains(line, "(byte[]) format="+w.format) {
					t.Errorf("bytea should arrive in %s format in %q", w.format, line)
				}
			}
		})
	}
}

// jdbcLine returns the first line of out that starts with prefix.
func jdbcLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestJDBCFetchSize reads 12,000 rows with setFetchSize(100) and autocommit
// off: a named portal, Execute with a row limit, PortalSuspended, while
// other statements run between batches and two portals are open at once.
func TestJDBCFetchSize(t *testing.T) {
	f := newFixture(t, "jdbc_fetch", jdbcSetup)
	for _, opts := range []string{"", "prepareThreshold=-1"} {
		t.Run("opts="+opts, func(t *testing.T) {
			out := jdbcRun(t, f, "fetch", opts)
			jdbcExpect(t, out,
				"== open portals: n/int8 not_holdable/bool\nrow n=1 (Long) str=1 | not_holdable=true (Boolean)",
				"statement rows=12000 sum=72006000 first=1 last=12000 sha256=",
				"prepared round=0 rows=12000 sum=72006000", "prepared round=1 rows=11000 sum=71505500",
				"prepared round=6 rows=6000 sum=54003000",
				"interleaved a=12000 b=12000 pairs=12000 matching=12000",
				"max rows 250 -> 250", "autocommit rows=12000",
			)
		})
	}
}

// TestJDBCMetadata asks DatabaseMetaData what DBeaver and Metabase ask:
// tables, views, columns, keys, indexes, schemas, types.
func TestJDBCMetadata(t *testing.T) {
	f := newFixture(t, "jdbc_meta", jdbcSetup)
	out := jdbcRun(t, f, "meta", "")
	jdbcExpect(t, out,
		"product PostgreSQL major>=10 true",
		"== tables: TABLE_SCHEM TABLE_NAME TABLE_TYPE REMARKS\n"+
			"row TABLE_SCHEM=public TABLE_NAME=jdbc_big TABLE_TYPE=TABLE REMARKS=null\n"+
			"row TABLE_SCHEM=public TABLE_NAME=jdbc_child TABLE_TYPE=TABLE REMARKS=null\n"+
			"row TABLE_SCHEM=public TABLE_NAME=jdbc_parent TABLE_TYPE=TABLE REMARKS=null\n"+
			"row TABLE_SCHEM=public TABLE_NAME=jdbc_types TABLE_TYPE=TABLE REMARKS=pgjdbc type matrix\n(4 rows)",
		"row TABLE_SCHEM=public TABLE_NAME=jdbc_view TABLE_TYPE=VIEW",
		"row TABLE_NAME=jdbc_types COLUMN_NAME=id DATA_TYPE=4 TYPE_NAME=int4",
		"COLUMN_NAME=n DATA_TYPE=2 TYPE_NAME=numeric COLUMN_SIZE=20 DECIMAL_DIGITS=6",
		"COLUMN_NAME=t DATA_TYPE=12 TYPE_NAME=text COLUMN_SIZE=2147483647 DECIMAL_DIGITS=0 NULLABLE=1 REMARKS=some text",
		"COLUMN_NAME=arr DATA_TYPE=2003 TYPE_NAME=_int4",
		"COLUMN_NAME=ts DATA_TYPE=93 TYPE_NAME=timestamptz",
		"ORDINAL_POSITION=12 IS_NULLABLE=YES",
		"row TABLE_NAME=jdbc_types COLUMN_NAME=id KEY_SEQ=1 PK_NAME=jdbc_types_pkey",
		"row PKTABLE_NAME=jdbc_parent PKCOLUMN_NAME=id FKTABLE_NAME=jdbc_child FKCOLUMN_NAME=parent_id KEY_SEQ=1 FK_NAME=jdbc_child_parent_id_fkey",
		"INDEX_NAME=jdbc_types_t", "INDEX_NAME=jdbc_types_pkey",
		"row TABLE_SCHEM=public\n(1 rows)",
		"type info int4=true jsonb=true many=true",
		"rsmeta j type=jsonb/1111", "rsmeta arr type=_int4/2003", "table=jdbc_types",
	)
}

// TestJDBCErrors checks SQLSTATEs (22012 and others) and that the
// connection goes on: after an error with autocommit on, after an error of
// a server-prepared statement, and inside a transaction after rollback,
// including an error in a later batch of a suspended portal.
func TestJDBCErrors(t *testing.T) {
	f := newFixture(t, "jdbc_errors", jdbcSetup)
	for _, opts := range []string{"", "prepareThreshold=-1"} {
		t.Run("opts="+opts, func(t *testing.T) {
			out := jdbcRun(t, f, "errors", opts)
			jdbcExpect(t, out,
				"autocommit division: SQLSTATE 22012 ERROR: division by zero",
				"== after division: ok/int4\nrow ok=1",
				"syntax: SQLSTATE 42601", "undefined table: SQLSTATE 42P01", "undefined column: SQLSTATE 42703",
				"bad cast: SQLSTATE 22P02", "== after errors: n/int8\nrow n=3",
				"row q=100 (Integer)", "row q=16 (Integer)", "prepared division k=7: SQLSTATE 22012", "row q=12 (Integer)",
				"tx division: SQLSTATE 22012", "tx aborted: SQLSTATE 25P02",
				"== tx after rollback: ok/int4\nrow ok=2",
				"portal error after 200 rows: SQLSTATE 22012",
				"== after portal error: ok/int4\nrow ok=3", "== final: ok/int4\nrow ok=4",
			)
		})
	}
}

// TestJDBCTransaction uses a TEMP table across commit, rollback, savepoints
// and a batch insert, and sets the isolation level.
func TestJDBCTransaction(t *testing.T) {
	f := newFixture(t, "jdbc_tx", jdbcSetup)
	out := jdbcRun(t, f, "tx", "")
	jdbcExpect(t, out,
		"batch [1, 1, 1, 1, 1]", "insert more 3",
		"== before rollback: n/int8\nrow n=8", "== after rollback: n/int8\nrow n=5",
		"duplicate in savepoint: SQLSTATE 23505", "updated 2",
		"== final: id/int4 v/text\n"+
			"row id=1 (Integer) str=1 | v=committed 1! (String) str=committed 1!\n"+
			"row id=2 (Integer) str=2 | v=committed 2! (String) str=committed 2!\n"+
			"row id=3 (Integer) str=3 | v=committed 3 (String) str=committed 3\n"+
			"row id=4 (Integer) str=4 | v=committed 4 (String) str=committed 4\n"+
			"row id=5 (Integer) str=5 | v=committed 5 (String) str=committed 5\n"+
			"row id=100 (Integer) str=100 | v=kept (String) str=kept\n(6 rows)",
		"row transaction_isolation=repeatable read", "== autocommit: n/int8\nrow n=6",
		"dropped: SQLSTATE 42P01",
	)
}

// TestJDBCCopy runs CopyManager: copyOut of COPY (...) TO STDOUT in text
// and CSV, of 12,000 rows, a failing COPY, and copyIn into a TEMP table.
func TestJDBCCopy(t *testing.T) {
	f := newFixture(t, "jdbc_copy", jdbcSetup)
	out := jdbcRun(t, f, "copy", "")
	jdbcExpect(t, out,
		"copy out text rows=3\n"+
			"1\t42\t9007199254740993\t3.14159\t12345678901234.123456\théllo, wörld ✓\tt\t2024-02-29\t2024-02-29 12:34:56.789+00\t{\"a\": 1, \"b\": [true, null]}\t\\\\xdeadbeef\t{1,2,NULL,4}\n"+
			"2\t-2147483648\t-9223372036854775808\t-0.5\t-0.000001\t\tf\t1999-12-31\t1970-01-01 00:00:00+00\t[]\t\\\\x\t{}\n"+
			"3\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n",
		"copy out csv rows=3\nid,t,ok\n1,\"héllo, wörld ✓\",t\n2,\"\",f\n3,,\n",
		"copy out big rows=12000 lines=12000 sha256=",
		"copy out error: SQLSTATE 22012",
		"copy in rows=3", "copy in bad data: SQLSTATE 22P02",
		"== copied: id/int4 t/text\nrow id=1 (Integer) str=1 | t=one (String) str=one\nrow id=2 (Integer) str=2 | t=NULL\nrow id=3",
	)
}
