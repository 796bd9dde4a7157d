"""asyncpg reads through featuregate: usage asyncpg_client.py URL USER1 USER2 SECTION...

asyncpg speaks only the extended protocol: every query is a named
prepared statement (cached per connection), results come in the binary
format, and a type it does not know makes it run its own catalog query
on pg_type to learn it.

Sections:
  meta      catalog queries (relations, columns), its type introspection of
            an enum, a domain and their arrays, a portal read in batches:
            the same through the gateway and on PostgreSQL.
  errors    bad SQL and failed statements: exception class and SQLSTATE,
            the same through the gateway and on PostgreSQL.
  features  prepared AS OF queries, prepared lookups (one key, a batch
            with = ANY($1), in a portal, through a pool that resets its
            connections, without the statement cache), COPY of an AS OF
            training set (gateway only).
"""
import asyncio
import datetime
import hashlib
import io
import os
import sys

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "features"))
from features_sql import ASOF_CONST, ASOF_SPINE, LOOKUP, line  # noqa: E402

RELATIONS = """SELECT n.nspname, c.relname, c.relkind::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname <> ALL ($1::text[])
ORDER BY 1, 2"""

COLUMNS = """SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum"""


async def meta(conn, users):
    for r in await conn.fetch(RELATIONS, ["pg_catalog", "information_schema", "pg_toast"]):
        print("relation", *r)
    fg = await conn.fetchval(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = $1 AND c.relkind = 'v'", "subs_profile_fv")
    for rel in ("public.subscriptions_profile_snapshots", fg + ".subs_profile_fv", fg + ".features"):
        for r in await conn.fetch(COLUMNS, rel):
            print("column", rel.split(".")[1], *r)
    # types asyncpg does not know: it introspects them on first use
    for r in await conn.fetch("SELECT name, tier, fee, ARRAY[tier] AS tiers FROM plans ORDER BY name"):
        print("plan", r["name"], r["tier"], r["fee"], r["tiers"])
    print("enum param", await conn.fetchval("SELECT count(*) FROM plans WHERE tier = $1", "premium"))
    # a prepared statement on the offline tables, described and run twice
    st = await conn.prepare("SELECT user_id, as_of, months_active, monthly_fee FROM subscriptions_profile_snapshots "
                            "WHERE user_id = $1 AND as_of <= $2 ORDER BY as_of")
    print("describe", [(a.name, a.type.name) for a in st.get_attributes()], [p.name for p in st.get_parameters()])
    for u in users:
        for r in await st.fetch(u, datetime.date(2024, 2, 29)):
            print("snapshot", r[0], r[1], r[2], "%.2f" % r[3])
    # a portal, read 100 rows at a time
    h, n = hashlib.sha256(), 0
    async with conn.transaction():
        async for r in conn.cursor("SELECT user_id, signup_date FROM users ORDER BY user_id", prefetch=100):
            h.update(("%s %s\n" % (r[0], r[1])).encode())
            n += 1
    print("users", n, h.hexdigest()[:16])


def err(label, e):
    print(label, "ERROR", type(e).__name__, e.sqlstate, e.message, getattr(e, "position", None))


async def errors(conn, users):
    for label, sql, args in (
        ("syntax", "SELEC 1", ()),
        ("undefined table", "SELECT * FROM no_such_table", ()),
        ("undefined column", "SELECT no_such_column FROM users", ()),
        ("division with params", "SELECT count(*) / $1 FROM users", (0,)),
        ("bad date param", "SELECT to_date($1, 'YYYY-MM-DD')", ("2024-02-30",)),
    ):
        try:
            print(label, "NO ERROR", await conn.fetch(sql, *args))
        except asyncpg.PostgresError as e:
            err(label, e)
        print(label, "after", await conn.fetchval("SELECT count(*) FROM users WHERE user_id = $1", users[0]))
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.fetch("SELECT 1 / 0")
    except asyncpg.PostgresError as e:
        err("in transaction", e)
    try:
        await conn.fetch("SELECT 1")
    except asyncpg.PostgresError as e:
        err("failed transaction", e)
    await tx.rollback()
    print("final", await conn.fetchval("SELECT 'still usable'"))


T = datetime.datetime(2024, 1, 31, tzinfo=datetime.timezone.utc)


async def features(conn, users, url):
    u1, u2 = users
    for u in users:
        for r in await conn.fetch(ASOF_CONST, T, u):
            print(line("asof-const", r))
        for r in await conn.fetch(ASOF_SPINE, T, u):
            print(line("asof-spine", r))
    st = await conn.prepare(LOOKUP)
    for u in (u1, "nobody", u2, u1, u2, u1):
        print(line("lookup", await st.fetchrow(u)))
    print("describe", ",".join("%s:%s" % (a.name, a.type.name) for a in st.get_attributes()))
    for r in await conn.fetch(LOOKUP.replace("= $1", "= ANY($1)"), [u1, "nobody", u2]):
        print(line("batch", r))
    async with conn.transaction():
        async for r in conn.cursor(LOOKUP, u1, prefetch=1):
            print(line("cursor", r))
    # a pool resets each connection it gets back (RESET ALL, CLOSE ALL, …)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    for _ in range(2):
        async with pool.acquire() as c:
            print(line("pool", await c.fetchrow(LOOKUP, u1)))
    await pool.close()
    # without the statement cache (as behind pgbouncer): unnamed statements
    uncached = await asyncpg.connect(url, statement_cache_size=0)
    for u in (u1, "nobody"):
        print(line("uncached", await uncached.fetchrow(LOOKUP, u)))
    await uncached.close()
    # a training set through COPY; asyncpg quotes the arguments into the text
    buf = io.BytesIO()
    status = await conn.copy_from_query(
        "SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch "
        "FROM subscriptions_profile_snapshots s LEFT JOIN features AS OF s.as_of f USING (user_id) "
        "WHERE s.user_id IN ($1, $2) AND s.as_of = $3 ORDER BY s.user_id",
        u1, u2, datetime.date(2024, 1, 31), output=buf, format="csv")
    print("copy status", status)
    for row in buf.getvalue().decode().splitlines():
        print("copy", row)
    # a preview and a count, as a BI tool sends them: the one-time form
    preview = await conn.fetch("SELECT * FROM subs_profile_fv LIMIT 3")
    print("preview", len(preview), ",".join(list(preview[0].keys())[:3]))
    n = await conn.fetchval("SELECT count(*) FROM subs_profile_fv WHERE months_active > $1", 0)
    print("count positive", n > 0)


async def main(argv):
    url, u1, u2 = argv[1:4]
    conn = await asyncpg.connect(url)
    try:
        for name in argv[4:]:
            print("==", name, flush=True)
            if name == "features":
                await features(conn, (u1, u2), url)
            else:
                await {"meta": meta, "errors": errors}[name](conn, (u1, u2))
    finally:
        await conn.close()
    print("== done")


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
