"""psycopg 3 against PostgreSQL or featuregate: usage psycopg3_client.py DSN SECTION...

psycopg 3 uses the extended protocol for queries with parameters, binary
results, prepared statements, pipelines and its own commands (BEGIN,
COMMIT, FETCH), and the simple protocol for parameterless text queries and
COPY.
"""

import datetime
import sys
import threading
import time
import uuid
from decimal import Decimal

import psycopg
from psycopg import errors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from fgtest import OPTS, bdigest, column_digests, describe, digest, err, main, out, r, rows

ITEMS = ("SELECT id, qty, score, price, name, active, day, seen, attrs, blob, tags "
         "FROM items ORDER BY id")
ITEM_COLUMNS = ["id", "qty", "score", "price", "name", "active", "day", "seen", "attrs", "blob", "tags"]
ITEM_TYPES = ["int4", "int8", "float8", "numeric", "text", "bool", "date", "timestamptz", "jsonb", "bytea",
              "int4[]"]


def connect(dsn, **kw):
    conn = psycopg.connect(dsn, **kw)
    if "as-reader" in OPTS:
        # Straight to PostgreSQL as the role the gateway uses for readers.
        conn.execute("SET ROLE featuregate_reader")
        if not conn.autocommit:
            conn.commit()
    return conn


def same(a, b):
    """Equality of rows by their canonical rendering (NaN is not == NaN)."""
    return r(a) == r(b)


def txs(conn):
    return conn.info.transaction_status.name


def s_query(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    cur.execute("SELECT id, name, active FROM items WHERE id = %s", (5,))
    describe("by-id", cur.description)
    out("by-id", cur.rowcount, cur.statusmessage, txs(conn))
    rows("by-id", cur.fetchall())

    cur.execute("SELECT count(*), sum(qty), min(day), max(seen), sum(price) FROM items "
                "WHERE id BETWEEN %(lo)s AND %(hi)s AND name LIKE %(pat)s",
                {"lo": 100, "hi": 1999, "pat": "näme-1%"})
    describe("agg", cur.description)
    rows("agg", cur.fetchall())

    cur.execute("SELECT id FROM items WHERE id = ANY(%s) ORDER BY id", ([3, 1, 2, 4000],))
    out("any", cur.rowcount, r(cur.fetchall()))
    cur.execute("SELECT id FROM items WHERE id > %t ORDER BY id", (2990,))
    out("fetchone", r(cur.fetchone()))
    out("fetchmany", r(cur.fetchmany(3)))
    out("fetchall", r(cur.fetchall()))
    out("after", r(cur.fetchone()), cur.rowcount)

    values = [
        0, -2 ** 63, 2 ** 62, 2 ** 70, 1.5, float("inf"), float("nan"), Decimal("-12.3400"),
        "it's \"quoted\"\n\t✓ \\ back", "", True, False, None,
        datetime.date(1999, 12, 31),
        datetime.datetime(2020, 2, 29, 23, 59, 59, 999999,
                          tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
        datetime.datetime(2001, 1, 1, 0, 0),
        datetime.time(12, 30, 1, 5),
        datetime.timedelta(days=1, seconds=3, microseconds=500000),
        Jsonb({"a": [1, 2, {"b": None}], "s": "ü"}),
        b"\x00\x01\xfe\xff'\\",
        [1, 2, None], ["a", "b,c", 'd"e', None],
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ]
    for fmt in ("%s", "%t", "%b"):
        cur.execute("SELECT " + ", ".join(fmt for _ in values), values)
        describe("roundtrip " + fmt, cur.description)
        for i, v in enumerate(cur.fetchone()):
            out("roundtrip", fmt, i, r(v))

    big = bytes(range(256)) * 12289  # a little over 3 MB, in one Bind message
    for fmt in ("%t", "%b"):
        cur.execute("SELECT length(%s), md5(%s), repeat('ab✓', 1000000)".replace("%s", fmt), (big, big))
        length, md5, text = cur.fetchone()
        out("large", fmt, length, md5, len(text), text[-6:])
    cur.execute("SELECT decode(repeat('00ff', 2000000), 'hex')", binary=True)
    out("large binary result", len(cur.fetchone()[0]))

    # Several statements without parameters: simple protocol, several results.
    cur.execute("SELECT 1 AS a; SELECT 'two' AS b, 2 AS c; VALUES (3), (4)")
    n = 0
    while True:
        describe("multi %d" % n, cur.description)
        out("multi", n, r(cur.fetchall()), cur.statusmessage)
        n += 1
        if not cur.nextset():
            break

    for label, kw in [("simple", {}), ("extended", {"binary": True})]:
        try:
            cur.execute("-- nothing but a comment", **kw)
            out("empty", label, "no error", r(cur.description), cur.statusmessage)
        except psycopg.Error as e:
            out("empty", label, type(e).__name__, str(e).strip())
        out("empty", label, txs(conn))
        conn.rollback()

    out("conn.execute", r(conn.execute("SELECT %s::text || %s", ["a", "b"]).fetchone()))
    cur = conn.cursor(row_factory=dict_row)
    cur.execute("SELECT id, name AS label FROM items WHERE id IN (%s, %s) ORDER BY id", (1, 2))
    rows("dict_row", cur.fetchall())
    conn.commit()
    out("committed", txs(conn))
    conn.close()


EXTRA = """SELECT 1::int2, 2::int4, 3::int8, 1.25::float4, 12345678901234567890.123456789::numeric,
    'x'::char(3), 'nm'::name, 'txt'::varchar(10), '12:34:56.789'::time, '12:34:56+02'::timetz,
    '2020-01-01 10:00'::timestamp, '1 year 2 mons 3 days 04:05:06.7'::interval,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '192.168.0.1/24'::inet, '{"a": 1}'::json,
    ARRAY['x', NULL, 'y,z', '"q"']::text[], ARRAY[1.5, NULL]::numeric[], '{{1,2},{3,4}}'::int[],
    ARRAY['2020-01-01'::date], int4range(1, 10), '{"k": [true, null, 1e100]}'::jsonb,
    'NaN'::numeric, '-0'::float8, 'Infinity'::float8, ''::bytea, ''::text, '{}'::int[],
    'infinity'::date::text, 'foo'::regclass::text, 12::oid, '(1,2)'::point::text"""


def s_types(dsn):
    conn = connect(dsn)
    text = conn.cursor()
    text.execute(ITEMS)
    describe("items", text.description)
    out("items", text.rowcount, text.statusmessage)
    trows = text.fetchall()
    out("items text", digest(trows))
    column_digests("items-col", trows, ITEM_COLUMNS)
    rows("item", [row for row in trows if row[0] <= 45 or row[0] >= 2995])

    binary = conn.cursor(binary=True)
    binary.execute(ITEMS)
    describe("items binary", binary.description)
    brows = binary.fetchall()
    out("items binary", digest(brows), "same as text:", same(brows, trows))
    for i, name in enumerate(ITEM_COLUMNS):
        if not same([x[i] for x in brows], [x[i] for x in trows]):
            out("binary differs from text in column", name)

    text.execute(ITEMS, binary=True)
    out("execute binary=True", same(text.fetchall(), trows))

    text.execute("SELECT NULL::int, NULL::bigint, NULL::float8, NULL::numeric, NULL::text, NULL::bool, "
                 "NULL::date, NULL::timestamptz, NULL::jsonb, NULL::bytea, NULL::int[]")
    rows("nulls", text.fetchall())
    try:
        conn.execute("SELECT 'foo'::regclass")
    except psycopg.Error as e:
        err("regclass", e)
        conn.rollback()
    extra = EXTRA.replace("'foo'::regclass::text", "'items'::regclass::text")
    for label, cur in [("text", text), ("binary", binary)]:
        cur.execute(extra)
        describe("extra " + label, cur.description)
        for i, v in enumerate(cur.fetchone()):
            out("extra", label, i, r(v))

    text.execute("SELECT sum(qty), count(name), count(*) FILTER (WHERE active), count(day), count(seen), "
                 "count(attrs), count(blob), count(tags) FROM items")
    rows("totals", text.fetchall())
    conn.close()


PREPARED = ("SELECT name, statement, parameter_types::text, from_sql, generic_plans + custom_plans AS plans "
            "FROM pg_prepared_statements ORDER BY name")


def s_prepare(dsn):
    conn = connect(dsn)
    sql = "SELECT id, name, price * %s AS scaled FROM items WHERE id BETWEEN %s AND %s ORDER BY id"
    for i, args in enumerate([(Decimal(2), 1, 3), (Decimal("0.5"), 10, 11), (Decimal(-1), 2999, 3003),
                              (Decimal(0), 5000, 6000), (Decimal(3), 7, 7)]):
        cur = conn.execute(sql, args, prepare=True)
        describe("prepared %d" % i, cur.description)
        out("prepared", i, cur.rowcount, r(cur.fetchall()))
    binary = conn.cursor(binary=True)
    for i in range(3):
        binary.execute("SELECT %s::int * 2, %s::text, %s::jsonb", (i, "x" * i, Jsonb({"i": i})), prepare=True)
        out("prepared binary", i, r(binary.fetchone()))

    # Automatic preparation after prepare_threshold executions.
    conn.prepare_threshold = 2
    for i in range(5):
        out("auto", i, r(conn.execute("SELECT count(*) FROM items WHERE id < %s", (i * 100,)).fetchone()))

    rows("pg_prepared_statements", conn.execute(PREPARED).fetchall())

    # A prepared statement that fails for some parameters stays usable.
    for d in (1, 0, 2):
        try:
            out("div", d, r(conn.execute("SELECT 10 / %s", (d,), prepare=True).fetchone()))
        except psycopg.Error as e:
            err("div %d" % d, e)
            conn.rollback()
    out("div", txs(conn))

    rows("pg_prepared_statements after rollback", conn.execute(PREPARED).fetchall())
    conn.commit()

    # An explicit PREPARE/EXECUTE through the simple protocol.
    conn.autocommit = True
    conn.execute("PREPARE by_id (int) AS SELECT id, name FROM items WHERE id = $1")
    out("EXECUTE", r(conn.execute("EXECUTE by_id (7)").fetchall()))
    conn.execute("DEALLOCATE by_id")
    try:
        conn.execute("EXECUTE by_id (7)")
    except psycopg.Error as e:
        err("EXECUTE after DEALLOCATE", e)
    conn.close()


def s_pipeline(dsn):
    # No automatic preparation while pipelines fail: psycopg 3.1 would
    # believe in statements prepared in an aborted pipeline.
    conn = connect(dsn, autocommit=True, prepare_threshold=None)
    conn.execute("CREATE TEMP TABLE pl (id int PRIMARY KEY, v text)")
    with conn.pipeline() as p:
        c1 = conn.execute("INSERT INTO pl VALUES (%s, %s)", (1, "a"))
        c2 = conn.execute("INSERT INTO pl VALUES (%s, %s) RETURNING id * 10, v", (2, "b"))
        c3 = conn.execute("SELECT count(*) FROM pl")
        p.sync()
        c4 = conn.execute("SELECT v FROM pl WHERE id >= %s ORDER BY id", (1,))
        c5 = conn.cursor(binary=True).execute("SELECT %s::int8 + 1, now() = now()", (41,))
        # Fetching inside the pipeline makes psycopg ask for a flush.
        out("pipeline inside", r(c5.fetchone()))
    out("pipeline", c1.rowcount, c1.statusmessage, r(c2.fetchall()), r(c3.fetchone()), r(c4.fetchall()))
    out("pipeline", txs(conn))

    # An error in the middle: the rest of the pipeline is aborted, and the
    # implicit transaction around it is rolled back.
    # (Whether psycopg raises at the third execute or only at the end of
    # the block depends on when the error arrives, so the aborted cursor
    # itself is not printed: the two servers answer at different speeds.)
    try:
        with conn.pipeline():
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (3, "c"))
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (1, "dup"))
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (4, "d"))
    except psycopg.Error as e:
        err("pipeline error", e)
    out("pipeline error", txs(conn), r(conn.execute("SELECT id, v FROM pl ORDER BY id").fetchall()))

    # Two syncs: the first part is kept, the second fails.
    try:
        with conn.pipeline() as p:
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (5, "e"))
            p.sync()
            conn.execute("SELECT 1 / %s", (0,))
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (6, "f"))
    except psycopg.Error as e:
        err("pipeline second part", e)
    out("pipeline second part", r(conn.execute("SELECT id FROM pl ORDER BY id").fetchall()))

    # executemany uses a pipeline, and prepares the statement in it.
    conn.prepare_threshold = 5
    cur = conn.cursor()
    cur.executemany("INSERT INTO pl (id, v) VALUES (%s, %s)", [(i, "m%d" % i) for i in range(100, 1100)])
    out("executemany", cur.rowcount)
    cur.executemany("INSERT INTO pl (id, v) VALUES (%s, %s) RETURNING id, v", [(i, "r%d" % i) for i in range(2000, 2005)],
                    returning=True)
    got = []
    while True:
        got.append(cur.fetchone())
        if not cur.nextset():
            break
    out("executemany returning", r(got))
    out("count", r(conn.execute("SELECT count(*), sum(id) FROM pl").fetchone()))
    rows("pg_prepared_statements", conn.execute(PREPARED).fetchall())

    # A pipeline inside an explicit transaction.
    conn.prepare_threshold = None
    conn.autocommit = False
    with conn.pipeline():
        with conn.transaction():
            conn.execute("UPDATE pl SET v = upper(v) WHERE id < %s", (10,))
            conn.execute("DELETE FROM pl WHERE id >= %s", (2000,))
        with conn.transaction():
            conn.execute("INSERT INTO pl VALUES (%s, %s)", (7, "g"))
            try:
                with conn.transaction():
                    conn.execute("INSERT INTO pl VALUES (%s, %s)", (7, "dup"))
            except errors.UniqueViolation as e:
                err("savepoint in pipeline", e)
    out("after txn pipeline", txs(conn), r(conn.execute("SELECT id, v FROM pl WHERE id < 10 ORDER BY id").fetchall()))
    conn.rollback()
    conn.close()


def s_server_cursor(dsn):
    conn = connect(dsn)
    with conn.cursor(name="big_cur") as cur:
        cur.itersize = 2000
        cur.execute("SELECT g, md5(g::text) AS h, g * 0.5 AS half FROM generate_series(1, %s) g", (100000,))
        describe("big", cur.description)
        n = total = 0
        kept = []
        for row in cur:
            n += 1
            total += row[0]
            if row[0] <= 3 or row[0] % 25000 == 0:
                kept.append(row)
        out("big", "rows=%d" % n, "sum=%d" % total, cur.rownumber, txs(conn))
        rows("big", kept)

    plain = conn.execute(ITEMS).fetchall()
    # stream() reads the result row by row (libpq's single-row mode).
    streamed = list(conn.cursor().stream(ITEMS))
    out("stream", digest(streamed), "same as plain:", same(streamed, plain))
    for label, binary in [("text", False), ("binary", True)]:
        with conn.cursor(name="items_" + label, binary=binary) as cur:
            cur.itersize = 333
            cur.execute(ITEMS)
            got = list(cur)
            out("items", label, digest(got), "same as plain:", same(got, plain))

    with conn.cursor(name="scroll_cur", scrollable=True) as cur:
        cur.execute("SELECT id, name FROM items WHERE id <= %s ORDER BY id", (100,))
        out("scroll first", r(cur.fetchone()), cur.rownumber)
        cur.scroll(50, "absolute")
        out("scroll abs 50", r(cur.fetchone()), cur.rownumber)
        cur.scroll(-10)
        out("scroll rel -10", r(cur.fetchmany(3)), cur.rownumber)
        cur.scroll(0, "absolute")
        out("scroll abs 0", r(cur.fetchone()))
        out("pg_cursors", r(conn.execute("SELECT name, statement, is_holdable, is_binary, is_scrollable "
                                         "FROM pg_cursors ORDER BY name").fetchall()))
    conn.commit()

    cur = conn.cursor(name="hold_cur", withhold=True)
    cur.execute("SELECT id FROM items ORDER BY id")
    first = cur.fetchmany(5)
    conn.commit()
    out("withhold", r(first), r(cur.fetchmany(5)), txs(conn))
    cur.close()

    cur = conn.cursor(name="bad_cur")
    try:
        cur.execute("SELECT 1 / (id - %s) FROM items ORDER BY id", (7,))
        out("bad", r(cur.fetchmany(10)))
    except psycopg.Error as e:
        err("bad", e)
    out("bad", txs(conn))
    conn.rollback()
    out("after rollback", r(conn.execute("SELECT count(*) FROM pg_cursors").fetchone()), txs(conn))
    conn.close()


class Boom(Exception):
    pass


def s_copy(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    with cur.copy("COPY (SELECT * FROM items ORDER BY id) TO STDOUT") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    out("copy out", cur.rowcount, cur.statusmessage, bdigest(data))
    out("copy out head", r(data[:400]))

    plain = conn.execute(ITEMS).fetchall()
    for label, fmt in [("text", ""), ("binary", " (FORMAT BINARY)")]:
        with cur.copy("COPY (%s) TO STDOUT%s" % (ITEMS, fmt)) as copy:
            copy.set_types(ITEM_TYPES)
            got = list(copy.rows())
        out("copy rows", label, cur.rowcount, digest(got), "same as select:", same(got, plain))
        for i, name in enumerate(ITEM_COLUMNS):
            if not same([x[i] for x in got], [x[i] for x in plain]):
                out("copy rows", label, "differ from select in column", name, r(got[0][i]), r(plain[0][i]))

    with cur.copy("COPY (SELECT * FROM items ORDER BY id) TO STDOUT (FORMAT CSV, HEADER)") as copy:
        csv = b"".join(bytes(chunk) for chunk in copy)
    out("csv", bdigest(csv))

    conn.execute("CREATE TEMP TABLE items_copy (LIKE items INCLUDING ALL)")
    conn.execute("CREATE TEMP TABLE ledger (id int PRIMARY KEY, label text, amount numeric(12,2), at date, "
                 "tags text[], doc jsonb)")
    conn.commit()

    with cur.copy("COPY items_copy FROM STDIN (FORMAT CSV, HEADER)") as copy:
        for i in range(0, len(csv), 5000):
            copy.write(csv[i:i + 5000])
    out("csv in", cur.rowcount, txs(conn))
    out("csv in compare", r(conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE ROW(c.*)::text = ROW(i.*)::text) "
        "FROM items_copy c FULL JOIN items i USING (id)").fetchone()))
    conn.commit()

    def ledger_row(i):
        return (i, None if i % 9 == 0 else "l%d\tx\\y\nz ✓" % i if i % 4 == 0 else "label %d" % i,
                None if i % 10 == 0 else Decimal(i) / 7, datetime.date(2024, i % 12 + 1, i % 28 + 1),
                ["a", None, "b,c"] if i % 3 == 0 else [], Jsonb({"i": i}) if i % 2 else None)

    with cur.copy("COPY ledger FROM STDIN") as copy:
        for i in range(1, 10001):
            copy.write_row(ledger_row(i))
    out("write_row", cur.rowcount)
    with cur.copy("COPY ledger FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "numeric", "date", "text[]", "jsonb"])
        for i in range(10001, 20001):
            copy.write_row(ledger_row(i))
    out("write_row binary", cur.rowcount)
    conn.commit()
    out("ledger", r(conn.execute("SELECT count(*), count(label), sum(amount), min(at), max(at), "
                                 "count(doc) FROM ledger").fetchone()))
    all_rows = conn.execute("SELECT * FROM ledger ORDER BY id").fetchall()
    out("ledger", digest(all_rows))
    rows("ledger", [x for x in all_rows if x[0] in (1, 3, 4, 9, 10, 10001, 10003, 10004, 20000)])

    # Bad data: the server's error, with its COPY context, and recovery.
    try:
        with cur.copy("COPY ledger (id, label, amount) FROM STDIN") as copy:
            copy.write(b"30001\tok\t1.00\n30002\tx\tnotanumber\n")
        out("bad copy", "no error")
    except psycopg.Error as e:
        err("bad copy", e)
    out("bad copy", txs(conn))
    conn.rollback()
    out("after bad copy", r(conn.execute("SELECT count(*) FROM ledger").fetchone()), txs(conn))

    # The client gives up in the middle: psycopg sends CopyFail.
    try:
        with cur.copy("COPY ledger (id, label) FROM STDIN") as copy:
            copy.write_row((40001, "never"))
            raise Boom("client gave up")
    except Boom as e:
        out("copy fail", "Boom", str(e))
    except psycopg.Error as e:
        err("copy fail", e)
    out("copy fail", txs(conn))
    conn.rollback()
    out("after copy fail", r(conn.execute("SELECT count(*), max(id) FROM ledger").fetchone()), txs(conn))

    conn.rollback()
    conn.autocommit = True
    conn.execute("SELECT 1")
    with cur.copy("COPY ledger (id, label) FROM STDIN (FORMAT csv)") as copy:
        copy.write('40001,"multi\nline, ""quoted"""\n40002,\n40003,""\n')
    out("autocommit copy", cur.rowcount, txs(conn))
    rows("autocommit copy", conn.execute(
        "SELECT id, label, label IS NULL FROM ledger WHERE id > %s ORDER BY id", (40000,)).fetchall())
    conn.close()


def s_autocommit(dsn):
    conn = connect(dsn, autocommit=True)
    out("start", txs(conn))
    conn.execute("CREATE TEMP TABLE ac (id int PRIMARY KEY, v text)")
    conn.execute("INSERT INTO ac VALUES (%s, %s)", (1, "a"))
    out("after insert", txs(conn))
    try:
        conn.execute("INSERT INTO ac VALUES (%s, %s)", (1, "dup"))
    except psycopg.Error as e:
        err("dup", e)
    out("after error", txs(conn), r(conn.execute("SELECT * FROM ac ORDER BY id").fetchall()))

    with conn.transaction():
        conn.execute("INSERT INTO ac VALUES (%s, %s)", (2, "b"))
        out("in transaction", txs(conn))
        with conn.transaction():
            conn.execute("INSERT INTO ac VALUES (%s, %s)", (3, "c"))
        with conn.transaction() as tx:
            conn.execute("INSERT INTO ac VALUES (%s, %s)", (4, "d"))
            raise psycopg.Rollback(tx)
        try:
            with conn.transaction():
                conn.execute("INSERT INTO ac VALUES (%s, %s)", (2, "dup"))
        except errors.UniqueViolation as e:
            err("savepoint", e)
        out("after savepoint", txs(conn))
    out("after transaction", txs(conn), r(conn.execute("SELECT id FROM ac ORDER BY id").fetchall()))
    try:
        with conn.transaction():
            conn.execute("INSERT INTO ac VALUES (%s, %s)", (5, "e"))
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    out("after abandoned", txs(conn), r(conn.execute("SELECT id FROM ac ORDER BY id").fetchall()))

    conn.execute("BEGIN")
    out("explicit begin", txs(conn))
    conn.execute("INSERT INTO ac VALUES (%s, %s)", (6, "f"))
    conn.execute("ROLLBACK")
    out("explicit rollback", txs(conn))

    conn.autocommit = False
    conn.execute("INSERT INTO ac VALUES (%s, %s)", (7, "g"))
    out("not autocommit", txs(conn))
    conn.rollback()
    conn.execute("INSERT INTO ac VALUES (%s, %s)", (8, "h"))
    conn.commit()
    conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    conn.read_only = True
    out("isolation", r(conn.execute("SELECT current_setting('transaction_isolation'), "
                                    "current_setting('transaction_read_only')").fetchone()))
    conn.rollback()
    conn.read_only = None
    conn.isolation_level = None
    out("final", txs(conn), r(conn.execute("SELECT id FROM ac ORDER BY id").fetchall()))
    conn.commit()
    conn.close()


def s_errors(dsn):
    conn = connect(dsn)
    notices = []
    conn.add_notice_handler(lambda d: notices.append((d.severity, d.sqlstate, d.message_primary)))
    conn.execute("SELECT 1")
    try:
        conn.execute("SELECT 1 / %s", (0,))
    except psycopg.Error as e:
        err("div", e)
    out("div", txs(conn))
    try:
        conn.execute("SELECT %s", (2,))
    except psycopg.Error as e:
        err("in failed txn", e)
    conn.rollback()
    out("recovered", r(conn.execute("SELECT %s", (3,)).fetchone()), txs(conn))
    conn.rollback()

    for label, sql, params in [
        ("syntax simple", "SELEC 1", None),
        ("syntax extended", "SELEC %s", (1,)),
        ("undefined table", "SELECT * FROM no_such_table WHERE x = %s", (1,)),
        ("undefined column", "SELECT nope FROM items", None),
        ("bad param", "SELECT %s::int", ("abc",)),
        ("wrong param count", "SELECT $1, $2", (1,)),
        ("type mismatch", "SELECT id FROM items WHERE id = %s", ("x",)),
        ("multi", "SELECT 1; SELECT 1 / 0; SELECT 3", None),
    ]:
        try:
            conn.execute(sql, params)
            out(label, "no error")
        except psycopg.Error as e:
            err(label, e)
        conn.rollback()

    conn.autocommit = True
    conn.execute("DROP TABLE IF EXISTS no_such_table_here")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS t (id int)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS t (id int)")
    out("notices", r(notices))

    conn.execute("SET statement_timeout = '200ms'")
    try:
        conn.execute("SELECT pg_sleep(%s)", (10,))
    except psycopg.Error as e:
        err("statement_timeout", e)
    conn.execute("RESET statement_timeout")

    done = threading.Event()

    def cancel_until_done():
        time.sleep(0.3)
        while not done.is_set():
            conn.cancel()
            done.wait(0.5)

    t = threading.Thread(target=cancel_until_done)
    t.start()
    started = time.monotonic()
    try:
        conn.execute("SELECT pg_sleep(20)")
        out("cancel", "no error")
    except psycopg.Error as e:
        err("cancel", e)
    finally:
        done.set()
        t.join()
    out("cancel fast", time.monotonic() - started < 10)
    out("cancel after", r(conn.execute("SELECT 'usable after cancel'").fetchone()), txs(conn))
    conn.close()


def s_timezone(dsn):
    conn = connect(dsn, autocommit=True)
    for tz in ["America/New_York", "Asia/Kolkata", "UTC"]:
        conn.execute("SELECT set_config('TimeZone', %s, false)", (tz,))
        out("tz", tz, conn.info.parameter_status("TimeZone"), conn.info.timezone)
        rows("tz rows", conn.execute("SELECT id, seen, seen::text, day::timestamptz FROM items "
                                     "WHERE id IN (1, 2, 31, 2999) ORDER BY id").fetchall())
        rows("tz rows binary", conn.cursor(binary=True).execute(
            "SELECT id, seen FROM items WHERE id IN (1, 2999) ORDER BY id").fetchall())
        rows("tz values", conn.execute(
            "SELECT %s::timestamptz, '2024-03-10 06:59:59+00'::timestamptz, '2024-03-10 07:00:00+00'::timestamptz",
            (datetime.datetime(2024, 11, 3, 5, 30, tzinfo=datetime.timezone.utc),)).fetchall())
    conn.execute("SET TimeZone = 'Europe/Paris'")
    with conn.transaction():
        conn.execute("SET LOCAL TimeZone = 'Pacific/Auckland'")
        out("set local", conn.info.parameter_status("TimeZone"),
            r(conn.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz").fetchone()))
    out("after transaction", conn.info.parameter_status("TimeZone"),
        r(conn.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz").fetchone()))
    conn.execute("SET DateStyle = 'German'")
    out("DateStyle", conn.info.parameter_status("DateStyle"),
        r(conn.execute("SELECT '2024-02-03'::date::text").fetchone()))
    try:
        out("DateStyle date", r(conn.execute("SELECT '2024-02-03'::date").fetchone()))
    except psycopg.Error as e:
        out("DateStyle date", type(e).__name__, str(e))
    conn.close()


def s_readonly_writes(dsn):
    """Writes a reader may not do: compared with PostgreSQL as the reader role."""
    conn = connect(dsn)
    for label, sql, params, prepare in [
        ("insert", "INSERT INTO items (id) VALUES (%s)", (90001,), None),
        ("insert prepared", "INSERT INTO items (id) VALUES (%s)", (90001,), True),
        ("update", "UPDATE items SET name = %s WHERE id = %s", ("x", 1), None),
        ("delete", "DELETE FROM items WHERE id = %s", (1,), None),
        ("truncate", "TRUNCATE items", None, None),
        ("create", "CREATE TABLE public.gw_made (id int)", None, None),
        ("create as", "CREATE TABLE public.gw_made AS SELECT %s::int AS id", (1,), None),
        ("alter", "ALTER TABLE items ADD COLUMN extra int", None, None),
    ]:
        conn.execute("SELECT 1")
        try:
            cur = conn.execute(sql, params, prepare=prepare)
            out(label, "no error", cur.rowcount)
        except psycopg.Error as e:
            err(label, e)
        out(label, txs(conn))
        try:
            conn.execute("SELECT %s", (2,))
        except psycopg.Error as e:
            err(label + " then", e)
        conn.rollback()
        out(label, "after rollback", r(conn.execute("SELECT count(*) FROM items").fetchone()), txs(conn))
        conn.rollback()
    try:
        with conn.cursor().copy("COPY items (id) FROM STDIN") as copy:
            copy.write_row((90002,))
    except psycopg.Error as e:
        err("copy in", e)
    conn.rollback()

    conn.autocommit = True
    conn.execute("CREATE TEMP TABLE mine (id int)")
    try:
        with conn.pipeline():
            conn.execute("INSERT INTO mine VALUES (%s)", (1,))
            conn.execute("INSERT INTO items (id) VALUES (%s)", (90003,))
            conn.execute("INSERT INTO mine VALUES (%s)", (2,))
    except psycopg.Error as e:
        err("pipeline", e)
    out("pipeline", r(conn.execute("SELECT count(*) FROM mine").fetchone()))
    cur = conn.cursor()
    cur.executemany("INSERT INTO mine VALUES (%s)", [(i,) for i in range(10)])
    out("temp executemany", cur.rowcount, r(conn.execute("SELECT sum(id) FROM mine").fetchone()))
    conn.close()


def s_readonly_refusals(dsn):
    """Statements the gateway itself refuses (gateway only)."""
    conn = connect(dsn)
    for label, sql, params in [
        ("set role", "SET ROLE postgres", None),
        ("set_config", "SELECT set_config('role', %s, false)", ("postgres",)),
        ("set_config prepared", "SELECT set_config('session_authorization', %s, false)", ("postgres",)),
        ("do", "DO $$ BEGIN END $$", None),
    ]:
        conn.execute("SELECT %s", (1,))
        out(label, txs(conn))
        try:
            conn.execute(sql, params, prepare=label.endswith("prepared"))
            out(label, "no error")
        except psycopg.Error as e:
            out(label, "ERROR", type(e).__name__, e.sqlstate)
        out(label, txs(conn))
        try:
            out(label, "then", r(conn.execute("SELECT %s", (2,)).fetchone()))
        except psycopg.Error as e:
            out(label, "then ERROR", type(e).__name__, e.sqlstate)
        conn.rollback()
        out(label, "after rollback", r(conn.execute("SELECT current_user").fetchone()), txs(conn))
        conn.rollback()

    # A refused statement in the middle of a pipeline: what came before it
    # in the same implicit transaction is rolled back, as for any error.
    conn.autocommit = True
    conn.execute("CREATE TEMP TABLE mine (id int)")
    for label, bad, params in [("refused", "SELECT set_config('role', %s, false)", ("postgres",)),
                               ("failed", "SELECT 1 / %s", (0,))]:
        try:
            with conn.pipeline():
                conn.execute("INSERT INTO mine VALUES (%s)", (1,))
                conn.execute(bad, params)
                conn.execute("INSERT INTO mine VALUES (%s)", (2,))
        except psycopg.Error as e:
            out("pipeline", label, "ERROR", type(e).__name__, e.sqlstate)
        out("pipeline", label, txs(conn), r(conn.execute("SELECT count(*) FROM mine").fetchone()))
        try:
            with conn.pipeline() as p:
                conn.execute("INSERT INTO mine VALUES (%s)", (3,))
                p.sync()
                conn.execute(bad, params)
        except psycopg.Error as e:
            out("pipeline after sync", label, "ERROR", type(e).__name__, e.sqlstate)
        out("pipeline after sync", label, r(conn.execute("SELECT count(*) FROM mine").fetchone()))
        conn.execute("TRUNCATE mine")
    out("final", r(conn.execute("SELECT current_user, %s", ("ok",)).fetchone()), txs(conn))
    conn.close()


SECTIONS = {
    "query": s_query,
    "types": s_types,
    "prepare": s_prepare,
    "pipeline": s_pipeline,
    "server_cursor": s_server_cursor,
    "copy": s_copy,
    "autocommit": s_autocommit,
    "errors": s_errors,
    "timezone": s_timezone,
    "readonly_writes": s_readonly_writes,
    "readonly_refusals": s_readonly_refusals,
}

if __name__ == "__main__":
    main(SECTIONS, sys.argv)
