"""psycopg2 against PostgreSQL or featuregate: usage psycopg2_client.py DSN SECTION...

psycopg2 speaks the simple query protocol only: parameters are merged into
the query text on the client, named cursors are DECLARE/FETCH, COPY goes
through copy_expert/copy_from/copy_to.
"""

import datetime
import io
import select
import sys
import threading
import time
import uuid
from decimal import Decimal

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from fgtest import OPTS, bdigest, column_digests, describe, digest, err, main, out, r, rows

psycopg2.extras.register_uuid()

ITEMS = ("SELECT id, qty, score, price, name, active, day, seen, attrs, blob, tags "
         "FROM items ORDER BY id")
ITEM_COLUMNS = ["id", "qty", "score", "price", "name", "active", "day", "seen", "attrs", "blob", "tags"]

TX = {
    psycopg2.extensions.TRANSACTION_STATUS_IDLE: "IDLE",
    psycopg2.extensions.TRANSACTION_STATUS_ACTIVE: "ACTIVE",
    psycopg2.extensions.TRANSACTION_STATUS_INTRANS: "INTRANS",
    psycopg2.extensions.TRANSACTION_STATUS_INERROR: "INERROR",
    psycopg2.extensions.TRANSACTION_STATUS_UNKNOWN: "UNKNOWN",
}


def connect(dsn, **kw):
    conn = psycopg2.connect(dsn, **kw)
    if "as-reader" in OPTS:
        # Straight to PostgreSQL as the role the gateway uses for readers.
        with conn.cursor() as cur:
            cur.execute("SET ROLE featuregate_reader")
        conn.commit()
    return conn


def txs(conn):
    return TX[conn.info.transaction_status]


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

    cur.execute("SELECT id FROM items WHERE id > %s ORDER BY id", (2990,))
    out("fetchone", r(cur.fetchone()))
    out("fetchmany", r(cur.fetchmany(3)))
    out("fetchall", r(cur.fetchall()))
    out("after", r(cur.fetchone()), cur.rowcount)

    values = [
        0, -2 ** 63, 2 ** 62, 1.5, float("inf"), Decimal("-12.3400"),
        "it's \"quoted\"\n\t✓ \\ back", "", True, False, None,
        datetime.date(1999, 12, 31),
        datetime.datetime(2020, 2, 29, 23, 59, 59, 999999,
                          tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
        datetime.datetime(2001, 1, 1, 0, 0),
        datetime.time(12, 30, 1, 5),
        datetime.timedelta(days=1, seconds=3, microseconds=500000),
        psycopg2.extras.Json({"a": [1, 2, {"b": None}], "s": "ü"}),
        psycopg2.Binary(b"\x00\x01\xfe\xff'\\"),
        [1, 2, None], ["a", "b,c", 'd"e', None],
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ]
    cur.execute("SELECT " + ", ".join("%s" for _ in values), values)
    describe("roundtrip", cur.description)
    for i, v in enumerate(cur.fetchone()):
        out("roundtrip", i, r(v))
    cur.execute("SELECT " + ", ".join("pg_typeof(%s)::text" for _ in values), values)
    out("roundtrip types", r(cur.fetchone()))
    big = bytes(range(256)) * 12289  # a little over 3 MB
    cur.execute("SELECT length(%s), md5(%s), repeat('ab✓', 1000000)", (psycopg2.Binary(big), psycopg2.Binary(big)))
    length, md5, text = cur.fetchone()
    out("large", length, md5, len(text), text[-6:])
    cur.execute("SELECT %s::jsonb -> 'a' -> 2, %s::bytea, %s::int[]",
                (psycopg2.extras.Json({"a": [1, 2, {"b": None}]}), psycopg2.Binary(b"\x00x"), [7, None]))
    rows("casts", cur.fetchall())

    # Several statements in one execute: psycopg2 returns the last result.
    cur.execute("SELECT 1 AS a; SELECT 'two' AS b, 2 AS c")
    describe("multi", cur.description)
    out("multi", r(cur.fetchall()), cur.statusmessage)
    # A query string with no statement in it.
    try:
        cur.execute("-- nothing but a comment")
        out("empty", "no error", r(cur.description))
    except psycopg2.Error as e:
        out("empty", type(e).__name__, str(e).strip())
    out("empty", txs(conn))
    conn.rollback()
    cur.execute("SELECT %s || 'ok'", ("still ",))
    out("after-empty", r(cur.fetchone()), txs(conn))
    conn.commit()
    out("committed", txs(conn))
    conn.close()


def s_types(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    cur.execute(ITEMS)
    describe("items", cur.description)
    out("items", cur.rowcount, cur.statusmessage)
    all_rows = cur.fetchall()
    out("items", digest(all_rows))
    column_digests("items-col", all_rows, ITEM_COLUMNS)
    rows("item", [row for row in all_rows if row[0] <= 45 or row[0] >= 2995])

    cur.execute("SELECT NULL::int, NULL::bigint, NULL::float8, NULL::numeric, NULL::text, NULL::bool, "
                "NULL::date, NULL::timestamptz, NULL::jsonb, NULL::bytea, NULL::int[]")
    describe("nulls", cur.description)
    rows("nulls", cur.fetchall())

    cur.execute("""SELECT 1::int2, 2::int4, 3::int8, 1.25::float4, 12345678901234567890.123456789::numeric,
        'x'::char(3), 'nm'::name, 'txt'::varchar(10), '12:34:56.789'::time, '12:34:56+02'::timetz,
        '2020-01-01 10:00'::timestamp, '1 year 2 mons 3 days 04:05:06.7'::interval,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '192.168.0.1/24'::inet, '{"a": 1}'::json,
        ARRAY['x', NULL, 'y,z', '"q"']::text[], ARRAY[1.5, NULL]::numeric[], '{{1,2},{3,4}}'::int[],
        ARRAY['2020-01-01'::date], int4range(1, 10), '{"k": [true, null, 1e100]}'::jsonb,
        'NaN'::numeric, '-0'::float8, 'Infinity'::float8, E'\\\\x'::bytea, ''::text, '{}'::int[]""")
    describe("extra", cur.description)
    for i, v in enumerate(cur.fetchone()):
        out("extra", i, r(v))

    cur.execute("SELECT jsonb_agg(attrs ORDER BY id), array_agg(tags ORDER BY id) FROM items WHERE id < 10")
    rows("agg", cur.fetchall())

    cur.execute("SELECT sum(qty), sum(score) FILTER (WHERE score <> 'NaN' AND score < 'Infinity' "
                "AND score > '-Infinity'), sum(price) FILTER (WHERE price <> 'NaN'), count(name), "
                "count(*) FILTER (WHERE active), count(day), count(seen), count(attrs), count(blob), "
                "count(tags) FROM items")
    rows("totals", cur.fetchall())
    conn.close()


def s_named_cursor(dsn):
    conn = connect(dsn)
    cur = conn.cursor(name="big_cur")
    cur.itersize = 2000
    cur.execute("SELECT g, md5(g::text) AS h, g * 0.5 AS half FROM generate_series(1, %s) g", (100000,))
    n = total = 0
    kept = []
    for row in cur:
        n += 1
        total += row[0]
        if row[0] <= 3 or row[0] % 25000 == 0:
            kept.append(row)
    describe("big", cur.description)
    out("big", "rows=%d" % n, "sum=%d" % total, cur.rowcount, txs(conn))
    rows("big", kept)
    cur.close()

    cur = conn.cursor(name="digest_cur")
    cur.itersize = 777
    cur.execute(ITEMS)
    named = list(cur)
    cur.close()
    plain = conn.cursor()
    plain.execute(ITEMS)
    out("items", digest(named), "named same as plain:", r(named) == r(plain.fetchall()))

    # Two named cursors open at once, fetched alternately.
    a = conn.cursor(name="cur_a")
    b = conn.cursor(name="cur_b")
    a.execute("SELECT id FROM items WHERE id % 2 = 0 ORDER BY id")
    b.execute("SELECT id, name FROM items WHERE id < %s ORDER BY id DESC", (10,))
    out("interleaved", r(a.fetchmany(3)), r(b.fetchmany(2)), r(a.fetchone()), r(b.fetchall()))
    plain = conn.cursor()
    plain.execute("SELECT name, statement, is_holdable, is_binary, is_scrollable FROM pg_cursors ORDER BY name")
    rows("pg_cursors", plain.fetchall())
    a.close()
    b.close()

    cur = conn.cursor(name="scroll_cur", scrollable=True)
    cur.execute("SELECT id, name FROM items WHERE id <= %s ORDER BY id", (100,))
    out("scroll first", r(cur.fetchone()))
    cur.scroll(50, "absolute")
    out("scroll abs 50", r(cur.fetchone()))
    cur.scroll(-10)
    out("scroll rel -10", r(cur.fetchmany(3)))
    cur.scroll(0, "absolute")
    out("scroll abs 0", r(cur.fetchone()))
    try:
        cur.scroll(1000, "absolute")
        out("scroll past", r(cur.fetchone()))
    except psycopg2.Error as e:
        out("scroll past", type(e).__name__, str(e).strip())
    cur.close()
    conn.commit()

    cur = conn.cursor(name="hold_cur", withhold=True)
    cur.itersize = 10
    cur.execute("SELECT id FROM items ORDER BY id")
    first = cur.fetchmany(5)
    conn.commit()
    out("withhold", r(first), r(cur.fetchmany(5)), txs(conn))
    cur.close()

    # A named cursor over a query that fails: the error comes with the DECLARE.
    cur = conn.cursor(name="bad_cur")
    try:
        cur.execute("SELECT 1 / (id - 7) FROM items ORDER BY id")
        out("bad", r(cur.fetchmany(10)))
    except psycopg2.Error as e:
        err("bad", e)
    out("bad", txs(conn))
    conn.rollback()
    plain = conn.cursor()
    plain.execute("SELECT count(*) FROM pg_cursors")
    out("after rollback", r(plain.fetchone()), txs(conn))
    conn.close()


class FailingReader(io.StringIO):
    """A file for copy_expert that fails after its first read."""

    def __init__(self, data):
        super().__init__(data)
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            raise ValueError("the source broke")
        return super().read(size)

    def readline(self, size=-1):
        return self.read(size)


def s_copy(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT * FROM items ORDER BY id) TO STDOUT WITH CSV HEADER", buf)
    data = buf.getvalue()
    out("csv", cur.rowcount, cur.statusmessage, bdigest(data))
    out("csv head", r(data[:700]))
    out("csv tail", r(data[-500:]))

    buf = io.StringIO()
    cur.copy_to(buf, "items", sep="|", columns=("id", "name", "tags", "attrs"))
    lines = sorted(buf.getvalue().splitlines())
    out("copy_to", cur.rowcount, len(lines), digest([line] for line in lines))
    out("copy_to sample", r(lines[:3]))

    bbuf = io.BytesIO()
    cur.copy_expert("COPY (SELECT * FROM items ORDER BY id) TO STDOUT (FORMAT binary)", bbuf)
    out("binary", cur.rowcount, bdigest(bbuf.getvalue()))

    cur.execute("CREATE TEMP TABLE items_copy (LIKE items INCLUDING ALL)")
    cur.execute("CREATE TEMP TABLE ledger (id int PRIMARY KEY, label text, amount numeric(12,2), at date)")
    conn.commit()

    cur.copy_expert("COPY items_copy FROM STDIN WITH CSV HEADER", io.StringIO(data), size=4096)
    out("csv in", cur.rowcount, cur.statusmessage, txs(conn))
    cur.execute("SELECT count(*), count(*) FILTER (WHERE ROW(c.*)::text = ROW(i.*)::text) "
                "FROM items_copy c FULL JOIN items i USING (id)")
    out("csv in compare", r(cur.fetchone()))
    cur.execute(ITEMS.replace("FROM items", "FROM items_copy"))
    copied = cur.fetchall()
    cur.execute(ITEMS)
    out("csv in rows", digest(copied), "same as items:", r(copied) == r(cur.fetchall()))
    conn.commit()

    lines = []
    for i in range(1, 20001):
        label = "\\N" if i % 9 == 0 else "l%d\\tx\\\\y\\nz ✓" % i if i % 4 == 0 else "label %d" % i
        amount = "\\N" if i % 10 == 0 else "%d.%02d" % (i // 7, i % 100)
        lines.append("%d\t%s\t%s\t2024-%02d-%02d\n" % (i, label, amount, i % 12 + 1, i % 28 + 1))
    cur.copy_from(io.StringIO("".join(lines)), "ledger", columns=("id", "label", "amount", "at"))
    out("copy_from", cur.rowcount, txs(conn))
    conn.commit()
    cur.execute("SELECT count(*), count(label), sum(amount), min(at), max(at) FROM ledger")
    out("ledger", r(cur.fetchone()))
    cur.execute("SELECT * FROM ledger ORDER BY id")
    all_rows = cur.fetchall()
    out("ledger", digest(all_rows))
    rows("ledger", all_rows[:10])

    # Bad data: the server's error, with its COPY context, and recovery.
    try:
        cur.copy_expert("COPY ledger FROM STDIN", io.StringIO("30001\tok\t1.00\t2020-01-01\n30002\tx\tnotanumber\t2020-01-01\n"))
        out("bad copy", "no error")
    except psycopg2.Error as e:
        err("bad copy", e)
    out("bad copy", txs(conn))
    conn.rollback()
    cur.execute("SELECT count(*) FROM ledger")
    out("after bad copy", r(cur.fetchone()), txs(conn))

    # The client's file fails mid-COPY: psycopg2 sends CopyFail.
    try:
        cur.copy_expert("COPY ledger FROM STDIN", FailingReader("".join(lines[:50]).replace("\t", "\t9", 1)), size=64)
        out("copy fail", "no error")
    except Exception as e:  # psycopg2 reports the server's error or the Python one
        if isinstance(e, psycopg2.Error):
            err("copy fail", e)
        else:
            out("copy fail", type(e).__name__, str(e))
    out("copy fail", txs(conn))
    conn.rollback()
    cur.execute("SELECT count(*), sum(id) FROM ledger")
    out("after copy fail", r(cur.fetchone()), txs(conn))

    # A COPY in autocommit mode, in the middle of other statements.
    conn.rollback()
    conn.autocommit = True
    cur.execute("SELECT 1")
    cur.copy_expert("COPY ledger (id, label) FROM STDIN WITH (FORMAT csv)",
                    io.StringIO('40001,"multi\nline, ""quoted"""\n40002,\n40003,""\n'))
    out("autocommit copy", cur.rowcount, txs(conn))
    cur.execute("SELECT id, label, label IS NULL FROM ledger WHERE id > 40000 ORDER BY id")
    rows("autocommit copy", cur.fetchall())
    conn.close()


def s_transactions(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    out("start", txs(conn))
    cur.execute("CREATE TEMP TABLE tx (id int PRIMARY KEY, v text)")
    out("after create", txs(conn))
    conn.commit()
    out("after commit", txs(conn))
    cur.execute("INSERT INTO tx VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    out("insert", cur.rowcount, cur.statusmessage, txs(conn))
    cur.execute("SELECT count(*) FROM tx")
    out("inside", r(cur.fetchone()))
    conn.rollback()
    cur.execute("SELECT count(*) FROM tx")
    out("after rollback", r(cur.fetchone()), txs(conn))
    cur.execute("INSERT INTO tx VALUES (10, 'x'), (11, 'y')")
    conn.commit()
    cur.execute("SELECT * FROM tx ORDER BY id")
    out("after commit", r(cur.fetchall()))
    conn.commit()

    with conn:
        with conn.cursor() as c2:
            c2.execute("UPDATE tx SET v = v || '!' WHERE id = %s", (10,))
            out("with update", c2.rowcount)
    out("with done", txs(conn))
    try:
        with conn:
            with conn.cursor() as c2:
                c2.execute("DELETE FROM tx")
                out("with delete", c2.rowcount)
                raise RuntimeError("abandon")
    except RuntimeError:
        pass
    cur.execute("SELECT * FROM tx ORDER BY id")
    out("with rolled back", r(cur.fetchall()))

    cur.execute("SAVEPOINT s1")
    cur.execute("INSERT INTO tx VALUES (20, 'sp')")
    cur.execute("ROLLBACK TO SAVEPOINT s1")
    cur.execute("INSERT INTO tx VALUES (21, 'kept')")
    cur.execute("RELEASE SAVEPOINT s1")
    conn.commit()
    cur.execute("SELECT id FROM tx ORDER BY id")
    out("savepoints", r(cur.fetchall()))
    conn.commit()

    conn.set_session(isolation_level="REPEATABLE READ", readonly=True, deferrable=False)
    cur.execute("SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')")
    out("set_session", r(cur.fetchone()))
    for label, sql in [("temp", "INSERT INTO tx VALUES (30, 'ro')"), ("plain", "CREATE TABLE public.ro_made (id int)")]:
        try:
            cur.execute(sql)
            out("read only", label, cur.statusmessage)
        except psycopg2.Error as e:
            err("read only " + label, e)
        out("read only", label, txs(conn))
        conn.rollback()
    conn.rollback()
    conn.set_session(isolation_level="DEFAULT", readonly="DEFAULT")
    cur.execute("SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')")
    out("default session", r(cur.fetchone()))
    conn.commit()

    conn.autocommit = True
    cur.execute("INSERT INTO tx VALUES (40, 'auto')")
    out("autocommit", txs(conn))
    cur.execute("BEGIN")
    out("explicit begin", txs(conn))
    cur.execute("INSERT INTO tx VALUES (41, 'explicit')")
    cur.execute("ROLLBACK")
    cur.execute("BEGIN; INSERT INTO tx VALUES (42, 'one string'); COMMIT")
    out("one string", txs(conn), cur.statusmessage)
    cur.execute("SELECT id FROM tx ORDER BY id")
    out("final", r(cur.fetchall()), txs(conn))
    conn.close()


def s_errors(dsn):
    conn = connect(dsn)
    conn.set_session(autocommit=False)
    cur = conn.cursor()
    cur.execute("SELECT 1")
    try:
        cur.execute("SELECT 1 / %s", (0,))
    except psycopg2.Error as e:
        err("div", e)
    out("div", txs(conn))
    try:
        cur.execute("SELECT 2")
    except psycopg2.Error as e:
        err("in failed txn", e)
    conn.rollback()
    cur.execute("SELECT 3")
    out("recovered", r(cur.fetchone()), txs(conn))
    conn.rollback()

    for label, sql in [
        ("syntax", "SELEC 1"),
        ("syntax-late", "SELECT id FROM items WHERE"),
        ("undefined table", "SELECT * FROM no_such_table"),
        ("undefined column", "SELECT nope FROM items"),
        ("undefined function", "SELECT no_such_fn(1)"),
        ("bad input", "SELECT 'abc'::int"),
        ("numeric overflow", "SELECT 10::numeric(3,2)"),
        ("multi", "SELECT 1; SELECT 1 / 0; SELECT 3"),
        ("raise in plpgsql", "SELECT jsonb_path_query('{}', 'strict $.a')"),
    ]:
        try:
            cur.execute(sql)
            out(label, "no error", r(cur.fetchall()))
        except psycopg2.Error as e:
            err(label, e)
        conn.rollback()

    cur.execute("CREATE TEMP TABLE uniq (id int PRIMARY KEY, v text NOT NULL CHECK (v <> 'bad'))")
    cur.execute("INSERT INTO uniq VALUES (1, 'a')")
    conn.commit()
    for label, sql in [
        ("unique", "INSERT INTO uniq VALUES (1, 'b')"),
        ("not null", "INSERT INTO uniq VALUES (2, NULL)"),
        ("check", "INSERT INTO uniq VALUES (3, 'bad')"),
    ]:
        try:
            cur.execute(sql)
            out(label, "no error")
        except psycopg2.Error as e:
            err(label, e)
        conn.rollback()

    # Notices are relayed.
    conn.autocommit = True
    cur.execute("DROP TABLE IF EXISTS no_such_table_here")
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS uniq (id int)")
    out("notices", r([n.strip() for n in conn.notices]))

    # An error in autocommit mode leaves nothing to roll back.
    try:
        cur.execute("SELECT 1 / 0")
    except psycopg2.Error as e:
        err("autocommit div", e)
    out("autocommit", txs(conn))
    cur.execute("SELECT 'fine'")
    out("autocommit after", r(cur.fetchone()))

    # statement_timeout, and a cancel request from another thread.
    cur.execute("SET statement_timeout = '200ms'")
    try:
        cur.execute("SELECT pg_sleep(10)")
    except psycopg2.Error as e:
        err("statement_timeout", e)
    cur.execute("RESET statement_timeout")

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
        cur.execute("SELECT pg_sleep(20)")
        out("cancel", "no error")
    except psycopg2.Error as e:
        err("cancel", e)
    finally:
        done.set()
        t.join()
    out("cancel fast", time.monotonic() - started < 10)
    cur.execute("SELECT 'usable after cancel'")
    out("cancel after", r(cur.fetchone()), txs(conn))
    conn.close()


def s_timezone(dsn):
    conn = connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    out("tz start", conn.info.parameter_status("TimeZone") is not None)
    for tz in ["America/New_York", "Asia/Kolkata", "UTC"]:
        cur.execute("SET TimeZone = %s", (tz,))
        out("tz", tz, conn.info.parameter_status("TimeZone"))
        cur.execute("SHOW TimeZone")
        out("tz show", r(cur.fetchone()))
        cur.execute("SELECT id, seen, seen::text, day::timestamptz FROM items WHERE id IN (1, 2, 31, 2999) ORDER BY id")
        rows("tz rows", cur.fetchall())
        cur.execute("SELECT %s::timestamptz, '2024-03-10 06:59:59+00'::timestamptz, "
                    "'2024-03-10 07:00:00+00'::timestamptz, now() - now()",
                    (datetime.datetime(2024, 11, 3, 5, 30, tzinfo=datetime.timezone.utc),))
        rows("tz values", cur.fetchall())

    # SET LOCAL is undone at the end of the transaction, and the client is told.
    cur.execute("SET TimeZone = 'Europe/Paris'")
    cur.execute("BEGIN")
    cur.execute("SET LOCAL TimeZone = 'Pacific/Auckland'")
    out("set local", conn.info.parameter_status("TimeZone"))
    cur.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz")
    out("set local value", r(cur.fetchone()))
    cur.execute("ROLLBACK")
    out("after rollback", conn.info.parameter_status("TimeZone"))
    cur.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz")
    out("after rollback value", r(cur.fetchone()))
    cur.execute("SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE")
    out("interval tz", conn.info.parameter_status("TimeZone"))
    cur.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz")
    out("interval tz value", r(cur.fetchone()))
    cur.execute("SET application_name = 'py-fg'")
    out("application_name", conn.info.parameter_status("application_name"))
    cur.execute("SET IntervalStyle = 'iso_8601'")
    out("IntervalStyle", conn.info.parameter_status("IntervalStyle"))
    cur.execute("SELECT '1 day 2 hours'::interval::text")
    out("iso interval", r(cur.fetchone()))
    conn.close()


def s_session(dsn):
    """Startup parameters and client encodings."""
    conn = psycopg2.connect(dsn, options="-c TimeZone=Asia/Tokyo -c search_path=pg_catalog,public "
                                         "-c statement_timeout=12345", application_name="fg py test")
    cur = conn.cursor()
    out("startup TimeZone", conn.info.parameter_status("TimeZone"))
    out("startup application_name", conn.info.parameter_status("application_name"))
    cur.execute("SELECT current_setting('TimeZone'), current_setting('search_path'), "
                "current_setting('statement_timeout'), current_setting('application_name')")
    out("startup settings", r(cur.fetchone()))
    cur.execute("SELECT seen FROM items WHERE id = 1")
    out("startup tz value", r(cur.fetchone()))
    conn.close()

    conn = psycopg2.connect(dsn, client_encoding="LATIN1")
    conn.autocommit = True
    cur = conn.cursor()
    out("latin1", conn.encoding, conn.info.parameter_status("client_encoding"))
    cur.execute("SELECT name FROM items WHERE id = 3002 OR id = 3003 ORDER BY id")
    out("latin1 ascii", r(cur.fetchall()))
    cur.execute("SELECT 'näme' || %s", ("é",))
    out("latin1 accents", r(cur.fetchone()))
    try:
        cur.execute("SELECT name FROM items WHERE id = 1")
        out("latin1 unmappable", r(cur.fetchone()))
    except psycopg2.Error as e:
        err("latin1 unmappable", e)
    conn.set_client_encoding("UTF8")
    out("utf8", conn.encoding, conn.info.parameter_status("client_encoding"))
    cur.execute("SELECT name FROM items WHERE id = 1")
    out("utf8 value", r(cur.fetchone()))
    conn.close()


def s_notify(dsn):
    """LISTEN/NOTIFY: a listener waits on its socket, as psycopg2's documentation shows."""
    listener = connect(dsn)
    listener.autocommit = True
    notifier = connect(dsn)
    notifier.autocommit = True
    lc = listener.cursor()
    lc.execute("LISTEN fg_channel")
    lc.execute("NOTIFY fg_channel, 'to myself'")
    out("own", r([(n.channel, n.payload) for n in listener.notifies]))
    del listener.notifies[:]

    nc = notifier.cursor()
    nc.execute("NOTIFY fg_channel, 'from another session'")
    nc.execute("SELECT pg_notify('fg_channel', 'second')")
    got = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(got) < 2:
        if select.select([listener], [], [], 0.5) != ([], [], []):
            listener.poll()
            while listener.notifies:
                n = listener.notifies.pop(0)
                got.append((n.channel, n.payload))
    out("waited", r(got))
    lc.execute("SELECT 1")
    out("after a query", r([(n.channel, n.payload) for n in listener.notifies]))
    del listener.notifies[:]
    lc.execute("UNLISTEN fg_channel")
    nc.execute("NOTIFY fg_channel, 'nobody listens'")
    lc.execute("SELECT 1")
    out("after unlisten", r(listener.notifies))
    listener.close()
    notifier.close()


def s_backend_pid(dsn):
    """The process ID in BackendKeyData is the one the server reports elsewhere."""
    conn = connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid() = %s", (conn.info.backend_pid,))
    out("pg_backend_pid() = backend_pid", r(cur.fetchone()))
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (conn.info.backend_pid,))
    out("backend_pid in pg_stat_activity", r(cur.fetchone()))
    # Listeners skip their own notifications by comparing the pid.
    cur.execute("LISTEN fg_pid")
    cur.execute("NOTIFY fg_pid, 'mine'")
    out("own notification pid = backend_pid", r([n.pid == conn.info.backend_pid for n in conn.notifies]))
    conn.close()


def s_executemany(dsn):
    conn = connect(dsn)
    cur = conn.cursor()
    cur.execute("CREATE TEMP TABLE many (id int PRIMARY KEY, big bigint, f float8, n numeric, t text, "
                "b bool, d date, ts timestamptz, j jsonb, by bytea, arr int[])")
    conn.commit()

    def row(i):
        return (i, i * 10 ** 12 if i % 5 else None, i / 8, Decimal(i) / 3 if i % 7 else None,
                "t%d'\"%s" % (i, "✓" * (i % 3)), i % 2 == 0,
                datetime.date(2023, 1, 1) + datetime.timedelta(days=i),
                datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=i * 3601.5),
                psycopg2.extras.Json({"i": i, "l": list(range(i % 4))}),
                psycopg2.Binary(bytes([i % 256, 0, 255])), [i, None] if i % 3 else [])

    cur.executemany("INSERT INTO many VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [row(i) for i in range(1, 501)])
    out("executemany", cur.rowcount, txs(conn))
    psycopg2.extras.execute_values(cur, "INSERT INTO many VALUES %s", [row(i) for i in range(501, 1501)],
                                   page_size=300)
    out("execute_values", cur.rowcount)
    psycopg2.extras.execute_batch(cur, "INSERT INTO many VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                                  [row(i) for i in range(1501, 1701)], page_size=64)
    cur.executemany("UPDATE many SET t = t || %s WHERE id %% %s = 0", [("-a", 100), ("-b", 250)])
    out("executemany update", cur.rowcount)
    conn.commit()
    cur.execute("SELECT count(*), sum(id), sum(big), count(n), count(*) FILTER (WHERE b) FROM many")
    out("many", r(cur.fetchone()))
    cur.execute("SELECT * FROM many ORDER BY id")
    all_rows = cur.fetchall()
    out("many", digest(all_rows))
    rows("many", [x for x in all_rows if x[0] in (1, 2, 3, 7, 100, 500, 501, 1500, 1700)])

    # A failing row in the middle: nothing of the batch is kept after rollback.
    try:
        cur.executemany("INSERT INTO many (id) VALUES (%s)", [(2000,), (2001,), (1,), (2002,)])
    except psycopg2.Error as e:
        err("executemany dup", e)
    conn.rollback()
    cur.execute("SELECT count(*) FROM many WHERE id >= 2000")
    out("executemany dup", r(cur.fetchone()))
    conn.close()


def s_readonly_writes(dsn):
    """Writes a reader may not do: compared with PostgreSQL as the reader role."""
    conn = connect(dsn)
    cur = conn.cursor()
    for label, sql in [
        ("insert", "INSERT INTO items (id) VALUES (90001)"),
        ("update", "UPDATE items SET name = 'x' WHERE id = 1"),
        ("delete", "DELETE FROM items WHERE id = 1"),
        ("truncate", "TRUNCATE items"),
        ("create", "CREATE TABLE public.gw_made (id int)"),
        ("drop", "DROP TABLE items"),
        ("alter", "ALTER TABLE items ADD COLUMN extra int"),
        ("copy in", "COPY items (id) FROM STDIN"),
    ]:
        cur.execute("SELECT 1")
        try:
            if label == "copy in":
                cur.copy_expert(sql, io.StringIO("90002\n"))
            else:
                cur.execute(sql)
            out(label, "no error", cur.rowcount)
        except psycopg2.Error as e:
            err(label, e)
        out(label, txs(conn))
        try:
            cur.execute("SELECT 2")
        except psycopg2.Error as e:
            err(label + " then", e)
        conn.rollback()
        cur.execute("SELECT count(*) FROM items")
        out(label, "after rollback", r(cur.fetchone()), txs(conn))
        conn.rollback()
    # Temporary tables are allowed.
    cur.execute("CREATE TEMP TABLE mine (id int)")
    cur.execute("INSERT INTO mine SELECT generate_series(1, 5)")
    out("temp insert", cur.rowcount)
    cur.execute("SELECT sum(id) FROM mine")
    out("temp", r(cur.fetchone()))
    conn.commit()
    conn.close()


def s_readonly_refusals(dsn):
    """Statements the gateway itself refuses (gateway only)."""
    conn = connect(dsn)
    cur = conn.cursor()
    for label, sql in [
        ("set role", "SET ROLE postgres"),
        ("set session authorization", "SET SESSION AUTHORIZATION postgres"),
        ("reset role", "RESET ROLE"),
        ("set_config", "SELECT set_config('role', 'postgres', false)"),
        ("do", "DO $$ BEGIN END $$"),
    ]:
        cur.execute("SELECT 1")
        out(label, txs(conn))
        try:
            cur.execute(sql)
            out(label, "no error")
        except psycopg2.Error as e:
            out(label, "ERROR", type(e).__name__, e.pgcode)
        out(label, txs(conn))
        try:
            cur.execute("SELECT 2")
            out(label, "then", r(cur.fetchone()))
        except psycopg2.Error as e:
            out(label, "then ERROR", type(e).__name__, e.pgcode)
        conn.rollback()
        cur.execute("SELECT current_user, session_user <> current_user")
        out(label, "after rollback", r(cur.fetchone()), txs(conn))
        conn.rollback()
    conn.autocommit = True
    try:
        cur.execute("SET ROLE postgres")
    except psycopg2.Error as e:
        out("autocommit set role", "ERROR", type(e).__name__, e.pgcode)
    cur.execute("SELECT current_user")
    out("autocommit after", r(cur.fetchone()), txs(conn))
    conn.close()


SECTIONS = {
    "query": s_query,
    "types": s_types,
    "named_cursor": s_named_cursor,
    "copy": s_copy,
    "transactions": s_transactions,
    "errors": s_errors,
    "timezone": s_timezone,
    "executemany": s_executemany,
    "session": s_session,
    "notify": s_notify,
    "backend_pid": s_backend_pid,
    "readonly_writes": s_readonly_writes,
    "readonly_refusals": s_readonly_refusals,
}

if __name__ == "__main__":
    main(SECTIONS, sys.argv)
