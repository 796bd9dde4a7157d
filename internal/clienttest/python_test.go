package clienttest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The Python clients come from Debian's packages (python3-psycopg2,
// python3-psycopg, python3-sqlalchemy, python3-pandas), so the interpreter
// is Debian's, not whichever python3 is first on PATH.
const pythonBin = "/usr/bin/python3"

// pyTimeout bounds one run of a client script.
const pyTimeout = 60 * time.Second

// pySetup creates the tables the Python clients read: items has every core
// type, NULLs in every column but the key, awkward text (quotes, commas,
// newlines, tabs, backslashes, non-ASCII) and float/numeric specials. It
// starts afresh, for go test -count=N reuses the databases.
const pySetup = `
DROP VIEW IF EXISTS active_items;
DROP TABLE IF EXISTS items;
CREATE TABLE items (
	id     int PRIMARY KEY,
	qty    bigint,
	score  float8,
	price  numeric(14,4),
	name   text,
	active bool,
	day    date,
	seen   timestamptz,
	attrs  jsonb,
	blob   bytea,
	tags   int[]
);
INSERT INTO items
SELECT g,
	CASE WHEN g % 11 = 0 THEN NULL ELSE g::bigint * 2147483659 * (CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END) END,
	CASE WHEN g % 13 = 0 THEN NULL ELSE g / 7.0::float8 END,
	CASE WHEN g % 17 = 0 THEN NULL ELSE round(g * 1.2345, 4) - 1000 END,
	CASE WHEN g % 19 = 0 THEN NULL
	     WHEN g % 5 = 0 THEN 'name, "quoted"' || E'\n' || 'line ' || g
	     ELSE 'näme-' || g || ' ✓' END,
	CASE WHEN g % 23 = 0 THEN NULL ELSE g % 3 = 0 END,
	CASE WHEN g % 29 = 0 THEN NULL ELSE date '2020-01-01' + g END,
	CASE WHEN g % 31 = 0 THEN NULL
	     ELSE timestamptz '2021-06-01 12:34:56.789012+00' + g * interval '1 hour 1 minute 1.000001 second' END,
	CASE WHEN g % 37 = 0 THEN NULL
	     ELSE jsonb_build_object('id', g, 'even', g % 2 = 0, 'tags', jsonb_build_array('a', g % 4),
	                             'nested', jsonb_build_object('x', g * 0.5)) END,
	CASE WHEN g % 41 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') || '\x00ff'::bytea END,
	CASE WHEN g % 43 = 0 THEN NULL WHEN g % 7 = 0 THEN ARRAY[g, NULL, -g] ELSE ARRAY[g, g + 1, g * 2] END
FROM generate_series(1, 3000) g;
INSERT INTO items (id, score, price, name) VALUES
	(3001, 'NaN', 'NaN', ''),
	(3002, 'Infinity', 0, E'tab\there'),
	(3003, '-Infinity', -0.0001, 'back\slash');
CREATE VIEW active_items AS SELECT id, name FROM items WHERE active;
CREATE INDEX items_day ON items (day);
COMMENT ON TABLE items IS 'Python client fixture';
ANALYZE items;
`

// pyArgs returns the command line running a client script with the given
// sections (and --options) against a DSN.
func pyArgs(script string, sections ...string) func(dsn string) []string {
	return func(dsn string) []string {
		args := []string{"-B", filepath.Join("testdata", "python", script), dsn}
		return append(args, sections...)
	}
}

// pyMustContain fails unless out contains every one of want. With
// FEATUREGATE_PY_OUT set it logs out in any case.
func pyMustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	if os.Getenv("FEATUREGATE_PY_OUT") != "" {
		t.Logf("output:\n%s", out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if t.Failed() && os.Getenv("FEATUREGATE_PY_OUT") == "" {
		t.Logf("output:\n%s", out)
	}
}

// pyMustNotContain fails if out contains any of bad.
func pyMustNotContain(t *testing.T, out string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(out, b) {
			t.Errorf("output contains %q", b)
		}
	}
}

// pySection is one part of a client script and what its output must
// contain, on top of being the same through the gateway and directly.
type pySection struct {
	name string
	want []string
}

// runPySections runs each section of script in a subtest, through the
// gateway and directly, and checks the gateway's output.
func runPySections(t *testing.T, f *fixture, script string, sections []pySection) {
	t.Helper()
	for _, s := range sections {
		t.Run(s.name, func(t *testing.T) {
			out := sameOutput(t, f, pyTimeout, pythonBin, pyArgs(script, s.name))
			pyMustContain(t, out, append([]string{"== " + s.name + "\n", "== done\n"}, s.want...)...)
			pyMustNotContain(t, out, "same as text: False", "same as select: False", "same as plain: False",
				"same as items: False", "same as read_sql False", "binary differs from text",
				"differ from select")
		})
	}
}

// pyItem1 is how psycopg2 shows row 1 of items, as pySetup defines it.
const pyItem1 = `item (1, -2147483659, 0.14285714285714285, Decimal('-998.7655'), 'näme-1 ✓', False, ` +
	`datetime.date(2020, 1, 2), datetime.datetime(2021, 6, 1, 13, 35, 57, 789013, tzinfo=datetime.timezone.utc), ` +
	`{'id': 1, 'even': False, 'tags': ['a', 1], 'nested': {'x': 0.5}}, ` +
	`b'\xc4\xcaB8\xa0\xb9#\x82\r\xccP\x9aou\x84\x9b\x00\xff', [1, 2, 2])`

// pyItemCounts are the non-NULL counts of name, active (true), day, seen,
// attrs, blob and tags in items, from pySetup's modulo rules.
const pyItemCounts = `, 2846, 957, 2897, 2904, 2919, 2927, 2931)`

func TestPsycopg2(t *testing.T) {
	f := newFixture(t, "py_psycopg2", pySetup)
	runPySections(t, f, "psycopg2_client.py", []pySection{
		{"query", []string{
			`by-id (5, 'name, "quoted"\nline 5', False)`,
			"any 3 [(1,), (2,), (3,)]",
			"fetchall [(2995,), (2996,), (2997,), (2998,), (2999,), (3000,), (3001,), (3002,), (3003,)]",
			"roundtrip 1 -9223372036854775808", "roundtrip 5 Decimal('-12.3400')",
			"roundtrip 12 datetime.datetime(2020, 2, 29, 18, 29, 59, 999999, tzinfo=datetime.timezone.utc)",
			"roundtrip 18 [1, 2, None]", "large 3145984 87655cb9e87a968c3f7254e28db408de 3000000 ab✓ab✓",
			"multi [('two', 2)]", "after-empty ('still ok',) INTRANS",
		}},
		{"types", []string{
			"items 3003 SELECT 3003", pyItem1,
			"item (3001, None, nan, Decimal('NaN'), '', None, None, None, None, None, None)",
			`item (3003, None, -inf, Decimal('-0.0001'), 'back\\slash',`,
			"extra 4 Decimal('12345678901234567890.123456789')", "extra 17 [[1, 2], [3, 4]]",
			pyItemCounts,
		}},
		{"named_cursor", []string{
			"big rows=100000 sum=5000050000",
			"big (1, 'c4ca4238a0b923820dcc509a6f75849b', Decimal('0.5'))",
			"items n=3003 ", "named same as plain: True",
			"interleaved [(2,), (4,), (6,)] [(9, 'näme-9 ✓'), (8, 'näme-8 ✓')] (8,)",
			`pg_cursors ('cur_a', 'DECLARE "cur_a" CURSOR WITHOUT HOLD FOR`,
			"scroll abs 50 (51, 'näme-51 ✓')", "scroll rel -10 [(42, 'näme-42 ✓'),",
			"withhold [(1,), (2,), (3,), (4,), (5,)] [(6,), (7,), (8,), (9,), (10,)] IDLE",
			"bad ERROR DivisionByZero 22012", "after rollback (0,) INTRANS",
		}},
		{"copy", []string{
			"csv 3003 ", "copy_to 3003 3003 ", "binary 3003 ",
			"csv in 3003 ", "csv in compare (3003, 3003)", "same as items: True",
			"copy_from 20000", "ledger (20000, 17778, ",
			"bad copy ERROR InvalidTextRepresentation 22P02",
			`context='COPY ledger, line 2, column amount: "notanumber"'`,
			"after bad copy (20000,) INTRANS",
			"copy fail ERROR QueryCanceled 57014", "after copy fail (20000, 200010000) INTRANS",
			"autocommit copy 3 IDLE", `autocommit copy (40001, 'multi\nline, "quoted"', False)`,
		}},
		{"transactions", []string{
			"insert 3 INSERT 0 3 INTRANS", "after rollback (0,) INTRANS",
			"after commit [(10, 'x'), (11, 'y')]", "with rolled back [(10, 'x!'), (11, 'y')]",
			"savepoints [(10,), (11,), (21,)]", "set_session ('repeatable read', 'on')",
			"read only plain ERROR ReadOnlySqlTransaction 25006", "default session ('read committed', 'off')",
			"final [(10,), (11,), (21,), (40,), (42,)] IDLE",
		}},
		{"errors", []string{
			"div ERROR DivisionByZero 22012", "div INERROR",
			"in failed txn ERROR InFailedSqlTransaction 25P02", "recovered (3,) INTRANS",
			"syntax ERROR SyntaxError 42601", "statement_position='1'",
			"undefined table ERROR UndefinedTable 42P01",
			"unique ERROR UniqueViolation 23505", "message_detail='Key (id)=(1) already exists.'",
			`notices ['NOTICE:  table "no_such_table_here" does not exist, skipping', 'NOTICE:  relation "uniq" already exists, skipping']`,
			"autocommit after ('fine',)",
			"statement_timeout ERROR QueryCanceled 57014",
			"cancel ERROR QueryCanceled 57014", "canceling statement due to user request",
			"cancel fast True", "cancel after ('usable after cancel',) IDLE",
		}},
		{"timezone", []string{
			"tz America/New_York America/New_York", "'2021-06-01 09:35:57.789013-04'",
			"'2021-06-01 19:05:57.789013+05:30'", "set local Pacific/Auckland",
			"after rollback Europe/Paris", "interval tz <-08>+08", "iso interval ('P1DT2H',)",
		}},
		{"executemany", []string{
			"executemany 500 INTRANS", "many (1700, 1445850, ",
			"executemany dup ERROR UniqueViolation 23505", "executemany dup (0,)",
		}},
		{"session", []string{
			"startup TimeZone Asia/Tokyo", "startup application_name fg py test",
			"startup settings ('Asia/Tokyo', 'pg_catalog,public', '12345ms', 'fg py test')",
			"latin1 LATIN1 LATIN1", "latin1 accents ('nämeé',)",
			"latin1 unmappable ERROR UntranslatableCharacter 22P05", "utf8 value ('näme-1 ✓',)",
		}},
		// A listener waiting on its socket gets notifications as they come.
		{"notify", []string{
			"own [('fg_channel', 'to myself')]",
			"waited [('fg_channel', 'from another session'), ('fg_channel', 'second')]",
			"after a query []", "after unlisten []",
		}},
		// The process ID the client is given is the server's.
		{"backend_pid", []string{
			"pg_backend_pid() = backend_pid (True,)", "backend_pid in pg_stat_activity (1,)",
			"own notification pid = backend_pid [True]",
		}},
	})
}

// pyReaderArgs is pyArgs with --as-reader for the direct connection, which then
// runs as the role the gateway gives read-only sessions, so that refused
// writes can be compared with PostgreSQL's own refusals.
func pyReaderArgs(f *fixture, script string, sections ...string) func(dsn string) []string {
	return func(dsn string) []string {
		args := pyArgs(script, sections...)(dsn)
		if dsn == f.direct {
			args = append(args, "--as-reader")
		}
		return args
	}
}

// pyCheckUnwritten fails when the items table or the public schema changed.
func pyCheckUnwritten(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, tables, cols int
	var name string
	if err := conn.QueryRow(ctx, `SELECT count(*), (SELECT name FROM items WHERE id = 1),
		(SELECT count(*) FROM pg_tables WHERE schemaname = 'public'),
		(SELECT count(*) FROM information_schema.columns WHERE table_name = 'items')
		FROM items`).Scan(&n, &name, &tables, &cols); err != nil {
		t.Fatal(err)
	}
	if n != 3003 || name != "näme-1 ✓" || tables != 1 || cols != 11 {
		t.Errorf("a read-only session changed the offline store: items has %d rows, item 1 is %q, "+
			"public has %d tables, items %d columns", n, name, tables, cols)
	}
}

func TestPsycopg2ReadOnly(t *testing.T) {
	f := newFixture(t, "py_psycopg2_ro", pySetup)
	// Writes: as PostgreSQL refuses them to the reader role.
	out := sameOutput(t, f, pyTimeout, pythonBin, pyReaderArgs(f, "psycopg2_client.py", "readonly_writes"))
	pyMustContain(t, out,
		"insert ERROR InsufficientPrivilege 42501", "message_primary='permission denied for table items'",
		"update ERROR InsufficientPrivilege 42501", "delete ERROR InsufficientPrivilege 42501",
		"truncate ERROR InsufficientPrivilege 42501", "copy in ERROR InsufficientPrivilege 42501",
		"create ERROR InsufficientPrivilege 42501", "message_primary='permission denied for schema public'",
		"drop ERROR InsufficientPrivilege 42501", "alter ERROR InsufficientPrivilege 42501",
		"insert then ERROR InFailedSqlTransaction 25P02", "insert after rollback (3003,) INTRANS",
		"temp insert 5", "temp (15,)", "== done\n")

	// What the gateway refuses itself: only through the gateway.
	out = run(t, pyTimeout, pythonBin, pyArgs("psycopg2_client.py", "readonly_refusals")(f.via)...)
	pyMustContain(t, out,
		"set role ERROR InsufficientPrivilege 42501\nset role INERROR\nset role then ERROR InFailedSqlTransaction 25P02\n",
		"set role after rollback ('featuregate_reader', False) INTRANS", // logged in as the reader: no role to leave
		"set session authorization ERROR InsufficientPrivilege 42501\nset session authorization INERROR\n",
		"reset role ERROR InsufficientPrivilege 42501",
		"set_config ERROR InsufficientPrivilege 42501\nset_config INERROR\nset_config then ERROR InFailedSqlTransaction 25P02\n",
		"do ERROR InsufficientPrivilege 42501",
		"autocommit set role ERROR InsufficientPrivilege 42501",
		"autocommit after ('featuregate_reader',) IDLE", "== done\n")
	pyCheckUnwritten(t, f)
}

func TestPsycopg3(t *testing.T) {
	f := newFixture(t, "py_psycopg3", pySetup)
	runPySections(t, f, "psycopg3_client.py", []pySection{
		{"query", []string{
			`by-id (5, 'name, "quoted"\nline 5', False)`,
			"any 3 [(1,), (2,), (3,)]",
			"roundtrip %s 3 Decimal('1180591620717411303424')",
			"roundtrip %b 14 datetime.datetime(2020, 2, 29, 18, 29, 59, 999999, tzinfo=zoneinfo.ZoneInfo(key='Etc/UTC'))",
			"roundtrip %b 21 ['a', 'b,c', 'd\"e', None]",
			"multi 2 [(3,), (4,)] SELECT 2", "conn.execute ('ab',)",
			"large %t 3145984 87655cb9e87a968c3f7254e28db408de 3000000 ab✓ab✓",
			"large %b 3145984 87655cb9e87a968c3f7254e28db408de 3000000 ab✓ab✓", "large binary result 4000000",
			"dict_row {'id': 1, 'label': 'näme-1 ✓'}", "committed IDLE",
		}},
		{"types", []string{
			"items 3003 SELECT 3003", "items binary n=3003 ", "same as text: True", "execute binary=True True",
			"extra binary 13 IPv4Interface('192.168.0.1/24')", "extra binary 19 Range(1, 10, '[)')",
			"extra binary 21 Decimal('NaN')", pyItemCounts,
		}},
		{"prepare", []string{
			"prepared 2 5 [(2999, 'näme-2999 ✓', Decimal('-2702.2655')),",
			"pg_prepared_statements ('_pg3_0', 'SELECT id, name, price * $1 AS scaled FROM items WHERE id BETWEEN $2 AND $3 ORDER BY id', '{numeric,smallint,smallint}', False, 5)",
			"prepared binary 2 (4, 'xx', {'i': 2})", "auto 4 (399,)",
			"div 0 ERROR DivisionByZero 22012", "div 2 (5,)",
			"EXECUTE [(7, 'näme-7 ✓')]", "EXECUTE after DEALLOCATE ERROR InvalidSqlStatementName 26000",
		}},
		{"pipeline", []string{
			"pipeline inside (42, True)", "pipeline 1 INSERT 0 1 [(20, 'b')] (2,) [('a',), ('b',)]",
			"pipeline error ERROR UniqueViolation 23505", "pipeline error IDLE [(1, 'a'), (2, 'b')]",
			"pipeline second part ERROR DivisionByZero 22012", "pipeline second part [(1,), (2,), (5,)]",
			"executemany 1000", "executemany returning [(2000, 'r2000'), (2001, 'r2001'),",
			"count (1008, 609518)", "'INSERT INTO pl (id, v) VALUES ($1, $2)'",
			"after txn pipeline IDLE [(1, 'A'), (2, 'B'), (5, 'E'), (7, 'g')]",
		}},
		{"server_cursor", []string{
			"big rows=100000 sum=5000050000",
			"stream n=3003 ", "items text n=3003 ", "items binary n=3003 ", "same as plain: True",
			"scroll abs 50 (51, 'näme-51 ✓') 51",
			`pg_cursors [('scroll_cur', 'DECLARE "scroll_cur" SCROLL CURSOR FOR`,
			"withhold [(1,), (2,), (3,), (4,), (5,)] [(6,), (7,), (8,), (9,), (10,)] IDLE",
			"bad ERROR DivisionByZero 22012", "after rollback (0,) INTRANS",
		}},
		{"copy", []string{
			"copy out 3003 ", "copy rows text 3003 ", "copy rows binary 3003 ", "same as select: True",
			"csv in 3003 INTRANS", "csv in compare (3003, 3003)", "write_row 10000", "write_row binary 10000",
			"ledger (20000, 17778, ", "bad copy ERROR InvalidTextRepresentation 22P02",
			"after bad copy (20000,) INTRANS", "copy fail ERROR QueryCanceled 57014",
			"after copy fail (20000, 20000) INTRANS", "autocommit copy 3 IDLE",
		}},
		{"autocommit", []string{
			"after insert IDLE", "after error IDLE [(1, 'a')]", "in transaction INTRANS",
			"savepoint ERROR UniqueViolation 23505", "after transaction IDLE [(1,), (2,), (3,)]",
			"after abandoned IDLE [(1,), (2,), (3,)]", "explicit begin INTRANS", "explicit rollback IDLE",
			"isolation ('serializable', 'on')", "final IDLE [(1,), (2,), (3,), (8,)]",
		}},
		{"errors", []string{
			"div ERROR DivisionByZero 22012", "in failed txn ERROR InFailedSqlTransaction 25P02",
			"recovered (3,) INTRANS", "syntax extended ERROR SyntaxError 42601",
			"bad param ERROR InvalidTextRepresentation 22P02",
			`notices [('NOTICE', '00000', 'table "no_such_table_here" does not exist, skipping'), ('NOTICE', '42P07', 'relation "t" already exists, skipping')]`,
			"statement_timeout ERROR QueryCanceled 57014", "cancel ERROR QueryCanceled 57014",
			"cancel fast True", "cancel after ('usable after cancel',) IDLE",
		}},
		{"timezone", []string{
			"tz America/New_York America/New_York America/New_York",
			"tz rows binary (1, datetime.datetime(2021, 6, 1, 9, 35, 57, 789013, tzinfo=zoneinfo.ZoneInfo(key='America/New_York')))",
			"set local Pacific/Auckland (datetime.datetime(2024, 1, 1, 13, 0, tzinfo=zoneinfo.ZoneInfo(key='Pacific/Auckland')),)",
			"after transaction Europe/Paris", "DateStyle German, DMY ('03.02.2024',)",
		}},
	})
}

func TestPsycopg3ReadOnly(t *testing.T) {
	f := newFixture(t, "py_psycopg3_ro", pySetup)
	out := sameOutput(t, f, pyTimeout, pythonBin, pyReaderArgs(f, "psycopg3_client.py", "readonly_writes"))
	pyMustContain(t, out,
		"insert ERROR InsufficientPrivilege 42501", "message_primary='permission denied for table items'",
		"insert prepared ERROR InsufficientPrivilege 42501", "update ERROR InsufficientPrivilege 42501",
		"create as ERROR InsufficientPrivilege 42501", "alter ERROR InsufficientPrivilege 42501",
		"insert then ERROR InFailedSqlTransaction 25P02", "insert after rollback (3003,) INTRANS",
		"copy in ERROR InsufficientPrivilege 42501",
		"pipeline ERROR InsufficientPrivilege 42501", "pipeline (0,)", "temp executemany 10 (45,)", "== done\n")

	out = run(t, pyTimeout, pythonBin, pyArgs("psycopg3_client.py", "readonly_refusals")(f.via)...)
	pyMustContain(t, out,
		"set role ERROR InsufficientPrivilege 42501\nset role INERROR\nset role then ERROR InFailedSqlTransaction 25P02\n",
		"set_config ERROR InsufficientPrivilege 42501\nset_config INERROR\nset_config then ERROR InFailedSqlTransaction 25P02\n",
		"set_config prepared ERROR InsufficientPrivilege 42501\nset_config prepared INERROR\n",
		"set_config after rollback ('featuregate_reader',) INTRANS",
		"do ERROR InsufficientPrivilege 42501",
		// A refusal inside a pipeline fails its implicit transaction, like any error.
		"pipeline refused ERROR InsufficientPrivilege 42501\npipeline refused IDLE (0,)\n",
		"pipeline after sync refused ERROR InsufficientPrivilege 42501\npipeline after sync refused (1,)\n",
		"pipeline failed ERROR DivisionByZero 22012\npipeline failed IDLE (0,)\n",
		"pipeline after sync failed (1,)",
		"final ('featuregate_reader', 'ok') IDLE", "== done\n")
	pyCheckUnwritten(t, f)
}

func TestSQLAlchemyPandas(t *testing.T) {
	f := newFixture(t, "py_sqlalchemy", pySetup)
	runPySections(t, f, "sqlalchemy_client.py", []pySection{
		{"read_sql", []string{
			"read_sql shape (3003, 11)", "chunk 0 (1000, 11) 1 1000", "chunk 3 (3, 11) 3001 3003",
			"chunks same as read_sql True",
			"stream chunks [(700, 11), (700, 11), (700, 11), (700, 11), (203, 11)]",
			"stream same as read_sql True", "stream big rows=100000 sum=5000050000",
			"params named shape (11, 3)", "params pyformat shape (18, 3)", "params positional shape (8, 3)",
			"parse_dates dtypes [('id', 'int64'), ('day', 'datetime64[ns]'), ('seen', 'datetime64[ns, UTC]')]",
			"dtype dtypes [('id', 'int64'), ('qty', 'Int64'), ('active', 'boolean')]",
			"read_sql_table shape (3003, 11)", "read_sql_table same as read_sql True",
			"empty shape (0, 2)",
		}},
		{"inspect", []string{
			"tables ['items']", "views ['active_items']", "has_table True False",
			"column price NUMERIC(14, 4) True None", "column tags ARRAY True None",
			"pk {'constrained_columns': ['id'], 'name': 'items_pkey'}", "'name': 'items_day'",
			"comment {'text': 'Python client fixture'}",
			"core select (1, 'näme-1 ✓', [1, 2, 2], {'id': 1, 'even': False, 'tags': ['a', 1], 'nested': {'x': 0.5}})",
			"core aggregate (957, ", "core jsonb (20,)",
		}},
		{"core", []string{
			"expanding (7, 'näme-7 ✓', datetime.date(2020, 1, 8))", "scalars [2996, 2997, 2998, 2999, 3000, 3001, 3002, 3003]",
			"insert many 300", "insert returning [(1000,)]", "savepoint ERROR UniqueViolation 23505",
			"notes count (290, Decimal('10548.75'))", "wrapped DataError False", "div ERROR DivisionByZero 22012",
			"after rollback ok", "frame from connection shape (290, 4)",
			"orm (1, 'näme-1 ✓', Decimal('-998.7655'), datetime.date(2020, 1, 2)", "orm count 569",
		}},
	})
}
