"""SQLAlchemy 1.4 (psycopg2 dialect) and pandas against PostgreSQL or featuregate.

usage: sqlalchemy_client.py DSN SECTION...
"""

import datetime
import sys
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import orm, text

from fgtest import bdigest, canon, err, main, out, r, rows

ITEMS = ("SELECT id, qty, score, price, name, active, day, seen, attrs, blob, tags "
         "FROM items ORDER BY id")


def engine_for(dsn, **kw):
    return sa.create_engine(dsn.replace("postgres://", "postgresql+psycopg2://", 1), **kw)


def plain(df):
    """The frame with values that have no stable text (memoryview) made stable."""
    return df.applymap(lambda v: bytes(v) if isinstance(v, memoryview) else v)


def frame_csv(df, index=False):
    return plain(df).to_csv(index=index)


def show(label, df, index=False):
    """A canonical rendering of a DataFrame: shape, dtypes, and digests of its CSV."""
    out(label, "shape", df.shape)
    out(label, "dtypes", [(str(c), str(t)) for c, t in df.dtypes.items()])
    if index:
        out(label, "index", df.index.name, str(df.index.dtype))
    p = plain(df)
    out(label, "csv", bdigest(p.to_csv(index=index)))
    for c in p.columns:
        out(label, "column", c, bdigest(p[c].to_csv(index=False)))
    out(label, "head", r(p.head(4).to_csv(index=index)))
    out(label, "tail", r(p.tail(3).to_csv(index=index)))


def s_read_sql(dsn):
    engine = engine_for(dsn)
    full = pd.read_sql(ITEMS, engine)
    out("server version", engine.dialect.server_version_info[:1])
    show("read_sql", full)
    full_csv = frame_csv(full)

    chunks = list(pd.read_sql(ITEMS, engine, chunksize=1000))
    for i, c in enumerate(chunks):
        out("chunk", i, c.shape, int(c["id"].iloc[0]), int(c["id"].iloc[-1]))
    whole = pd.concat(chunks, ignore_index=True)
    show("chunks concatenated", whole)
    out("chunks same as read_sql", frame_csv(whole) == full_csv)

    # With stream_results psycopg2 reads through a named (server-side) cursor.
    with engine.connect().execution_options(stream_results=True) as conn:
        chunks = list(pd.read_sql(text(ITEMS), conn, chunksize=700))
        out("stream chunks", [c.shape for c in chunks])
        streamed = pd.concat(chunks, ignore_index=True)
        out("stream same as read_sql", frame_csv(streamed) == full_csv)
        big = 0
        total = 0
        for c in pd.read_sql(text("SELECT g, md5(g::text) AS h FROM generate_series(1, 100000) g"), conn,
                             chunksize=10000):
            big += len(c)
            total += int(c["g"].sum())
        out("stream big", "rows=%d" % big, "sum=%d" % total)

    show("params named", pd.read_sql(
        text("SELECT id, name, price FROM items WHERE id BETWEEN :lo AND :hi ORDER BY id"),
        engine, params={"lo": 10, "hi": 20}))
    show("params pyformat", pd.read_sql(
        "SELECT id, day, attrs FROM items WHERE id < %(n)s AND name LIKE %(pat)s ORDER BY id",
        engine, params={"n": 100, "pat": "%quoted%"}))
    show("params positional", pd.read_sql(
        "SELECT id, seen, tags FROM items WHERE id = ANY(%s) OR id > %s ORDER BY id",
        engine, params=[([1, 2, 3], 2998)]))
    show("parse_dates", pd.read_sql(
        "SELECT id, day, seen FROM items WHERE id <= 40 ORDER BY id", engine, parse_dates=["day"]))
    show("index_col", pd.read_sql(
        "SELECT id, qty, active FROM items WHERE id > 2980 ORDER BY id", engine, index_col="id"), index=True)
    show("dtype", pd.read_sql_query(
        "SELECT id, qty, active FROM items ORDER BY id", engine, dtype={"qty": "Int64", "active": "boolean"}))
    table = pd.read_sql_table("items", engine).sort_values("id", ignore_index=True)
    show("read_sql_table", table)
    out("read_sql_table same as read_sql", frame_csv(table) == full_csv)
    show("read_sql_table columns", pd.read_sql_table("active_items", engine, columns=["id"])
         .sort_values("id", ignore_index=True))
    show("aggregates", pd.read_sql(
        "SELECT active, count(*) AS n, sum(qty) AS qty, avg(score) FILTER (WHERE score < 'Infinity') AS score, "
        "max(day) AS day FROM items GROUP BY active ORDER BY active NULLS FIRST", engine))
    show("empty", pd.read_sql("SELECT id, name FROM items WHERE false", engine))
    engine.dispose()


def s_inspect(dsn):
    engine = engine_for(dsn)
    insp = sa.inspect(engine)
    out("default schema", insp.default_schema_name)
    out("schemas", insp.get_schema_names())
    out("tables", insp.get_table_names())
    out("views", insp.get_view_names())
    out("has_table", insp.has_table("items"), insp.has_table("no_such_table"))
    for c in insp.get_columns("items"):
        out("column", c["name"], str(c["type"]), c["nullable"], c["default"], c.get("autoincrement"),
            c.get("comment"))
    out("pk", r(insp.get_pk_constraint("items")))
    out("indexes", r(sorted(insp.get_indexes("items"), key=lambda i: i["name"])))
    out("unique", r(insp.get_unique_constraints("items")))
    out("foreign keys", r(insp.get_foreign_keys("items")))
    out("check", r(insp.get_check_constraints("items")))
    out("comment", r(insp.get_table_comment("items")))
    out("view columns", [(c["name"], str(c["type"])) for c in insp.get_columns("active_items")])
    out("view definition", r(insp.get_view_definition("active_items")))

    meta = sa.MetaData()
    items = sa.Table("items", meta, autoload_with=engine)
    out("reflected", [(c.name, repr(c.type), c.primary_key) for c in items.columns])
    with engine.connect() as conn:
        q = sa.select(items.c.id, items.c.name, items.c.tags, items.c.attrs).where(items.c.id < 6).order_by(items.c.id)
        rows("core select", conn.execute(q).fetchall())
        q = sa.select(sa.func.count(), sa.func.sum(items.c.qty)).where(items.c.active.is_(True))
        rows("core aggregate", conn.execute(q).fetchall())
        q = sa.select(items.c.id).where(items.c.attrs["even"].as_boolean()).where(items.c.id.between(10, 20))
        rows("core jsonb", conn.execute(q.order_by(items.c.id)).fetchall())
    engine.dispose()


class Base(orm.declarative_base()):
    __abstract__ = True


class Item(Base):
    __tablename__ = "items"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.Text)
    price = sa.Column(sa.Numeric)
    day = sa.Column(sa.Date)
    seen = sa.Column(sa.DateTime(timezone=True))


def s_core(dsn):
    engine = engine_for(dsn, future=True)
    with engine.connect() as conn:
        res = conn.execute(text("SELECT id, name, day FROM items WHERE id IN :ids ORDER BY id")
                           .bindparams(sa.bindparam("ids", expanding=True)), {"ids": [5, 6, 7]})
        out("keys", list(res.keys()))
        rows("expanding", res.fetchall())
        rows("mappings", [dict(m) for m in conn.execute(
            text("SELECT id, price FROM items WHERE id < :n ORDER BY id"), {"n": 4}).mappings()])
        out("scalars", conn.execute(text("SELECT id FROM items WHERE id > 2995 ORDER BY id")).scalars().all())
        conn.commit()

        conn.execute(text("CREATE TEMP TABLE notes (id int PRIMARY KEY, body text, at timestamptz, amount numeric)"))
        conn.commit()
        notes = sa.Table("notes", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("body", sa.Text), sa.Column("at", sa.DateTime(timezone=True)),
                         sa.Column("amount", sa.Numeric))
        res = conn.execute(notes.insert(), [
            {"id": i, "body": "note %d ✓" % i,
             "at": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=i),
             "amount": Decimal(i) / 4}
            for i in range(1, 301)])
        out("insert many", res.rowcount)
        res = conn.execute(notes.insert().returning(notes.c.id), {"id": 1000, "body": None, "at": None, "amount": None})
        out("insert returning", r(res.fetchall()))
        conn.commit()
        conn.execute(notes.update().where(notes.c.id <= 10).values(body=notes.c.body + "!"))
        conn.rollback()
        nested = None
        with conn.begin_nested():
            conn.execute(notes.delete().where(notes.c.id > 290))
        try:
            with conn.begin_nested():
                conn.execute(notes.insert(), {"id": 1, "body": "dup"})
        except sa.exc.IntegrityError as e:
            err("savepoint", e.orig)
            nested = type(e).__name__
        out("nested", nested)
        conn.commit()
        rows("notes", conn.execute(sa.select(notes).where(notes.c.id.in_([1, 2, 10, 290, 291, 1000]))
                                   .order_by(notes.c.id)).fetchall())
        rows("notes count", conn.execute(sa.select(sa.func.count(), sa.func.sum(notes.c.amount))
                                         .select_from(notes)).fetchall())
        try:
            conn.execute(text("SELECT 1 / :z"), {"z": 0})
        except sa.exc.DBAPIError as e:
            out("wrapped", type(e).__name__, e.connection_invalidated)
            err("div", e.orig)
        conn.rollback()
        out("after rollback", conn.execute(text("SELECT 'ok'")).scalar())
        show("frame from connection", pd.read_sql(sa.select(notes).order_by(notes.c.id), conn))

    with orm.Session(engine) as session:
        got = session.query(Item).filter(Item.id < 4).order_by(Item.id).all()
        rows("orm", [(i.id, i.name, i.price, i.day, i.seen) for i in got])
        out("orm get", r(canon((session.get(Item, 3001).name, session.get(Item, 99999)))))
        out("orm count", session.query(sa.func.count(Item.id)).filter(Item.name.like("name,%")).scalar())
    engine.dispose()


SECTIONS = {
    "read_sql": s_read_sql,
    "inspect": s_inspect,
    "core": s_core,
}

if __name__ == "__main__":
    main(SECTIONS, sys.argv)
