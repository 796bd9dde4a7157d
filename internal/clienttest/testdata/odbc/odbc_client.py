"""psqlODBC through unixODBC and pyodbc: usage odbc_client.py URL USEDECLAREFETCH USER1 USER2 SECTION...

URL is a postgres:// URL (user, host, port, database); the script turns it
into a DSN-less connection string for the "PostgreSQL Unicode" driver with
UseDeclareFetch=0 (results read whole) or 1 (every SELECT wrapped in
DECLARE … CURSOR and read with FETCH, Fetch rows at a time). Connections
are pyodbc's default, manual commit: psqlODBC opens a transaction before
the first statement and, on an error, rolls back to a savepoint it set
before the statement.

Sections:
  meta    SQLTables (cursor.tables()), SQLColumns, SQLPrimaryKeys, and
          parameterized reads of the offline tables: the same through
          the gateway and on PostgreSQL.
  errors  bad SQL: the SQLSTATE and message the driver reports, and the
          connection going on: the same through the gateway and on
          PostgreSQL.
  asof    prepared AS OF training-set queries (gateway only).
  lookup  prepared online lookups (gateway only).
"""
import datetime
import glob
import hashlib
import os
import pwd
import sys
import urllib.parse

import pyodbc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "features"))
from features_sql import ASOF_CONST, ASOF_SPINE, LOOKUP, line  # noqa: E402

FETCH = 100  # rows per FETCH with UseDeclareFetch=1


def connect(url, declare_fetch):
    u = urllib.parse.urlparse(url)
    cs = ";".join([
        "Driver={PostgreSQL Unicode}", "Servername=" + u.hostname, "Port=%d" % u.port,
        "Database=" + u.path[1:], "Username=" + u.username, "Password=" + (u.password or ""),
        "SSLmode=disable", "UseDeclareFetch=" + declare_fetch, "Fetch=%d" % FETCH,
        "CommLog=0", "Debug=0",
    ])
    return pyodbc.connect(cs)


def odbc_params(sql):
    """$n placeholders as ODBC's ?, with the arguments' order."""
    order = []
    out = []
    i = 0
    while i < len(sql):
        if sql[i] == "$":
            j = i + 1
            while j < len(sql) and sql[j].isdigit():
                j += 1
            order.append(int(sql[i + 1:j]))
            out.append("?")
            i = j
        else:
            out.append(sql[i])
            i += 1
    return "".join(out), order


def execute(cur, sql, *args):
    """Runs a statement with $n parameters, args[n-1] for each."""
    q, order = odbc_params(sql)
    return cur.execute(q, *[args[n - 1] for n in order])


def err(label, e):
    """The SQLSTATE and the server's message, without the driver's suffix."""
    state = e.args[0] if e.args else None
    msg = e.args[1] if len(e.args) > 1 else ""
    msg = msg.split(";\n")[0]
    print(label, "ERROR", type(e).__name__, state, msg)


def meta(conn, users):
    cur = conn.cursor()
    for t in cur.tables():
        print("table", t.table_cat, t.table_schem, t.table_name, t.table_type)
    for t in cur.tables(tableType="VIEW"):
        print("view", t.table_schem, t.table_name)
    for t in cur.tables(table="sub%", schema="public", tableType="TABLE"):
        print("pattern", t.table_schem, t.table_name, t.table_type)
    # psqlODBC looks an unqualified name up in current_schema() only (public
    # here), not along search_path: a feature relation needs its schema.
    print("unqualified", [tuple(t) for t in cur.tables(table="subs_profile_fv")])
    fg = [t.table_schem for t in cur.tables(tableType="VIEW") if t.table_name == "subs_profile_fv"]
    print("feature schemas", len(fg))
    for t in cur.tables(table="subs_profile_fv", schema=fg[0]):
        print("qualified", t.table_schem, t.table_name, t.table_type)
    for schema, table in (("public", "subscriptions_profile_snapshots"), (fg[0], "subs_profile_fv"), (fg[0], "churn_v1")):
        for c in cur.columns(table=table, schema=schema):
            print("column", table, c.column_name, c.type_name, c.data_type, c.column_size, c.nullable, c.ordinal_position)
    for k in cur.primaryKeys(table="subscriptions_profile_snapshots", schema="public"):
        print("pk", k.column_name, k.key_seq, k.pk_name)
    conn.commit()
    # the offline tables, with parameters, read whole or FETCH by FETCH
    for u in users:
        execute(cur, "SELECT user_id, as_of, months_active, monthly_fee FROM subscriptions_profile_snapshots "
                     "WHERE user_id = $1 AND as_of <= $2 ORDER BY as_of", u, datetime.date(2024, 2, 29))
        for r in cur.fetchall():
            print("snapshot", r.user_id, r.as_of, r.months_active, "%.2f" % r.monthly_fee)
    execute(cur, "SELECT user_id, signup_date FROM users WHERE signup_date >= $1 ORDER BY user_id", datetime.date(2000, 1, 1))
    first = cur.fetchmany(FETCH + 5)
    rest = cur.fetchall()
    h = hashlib.sha256()
    for r in first + rest:
        h.update(("%s %s\n" % (r.user_id, r.signup_date)).encode())
    print("users", len(first), len(rest), h.hexdigest()[:16])
    cur.execute("SELECT count(*), count(DISTINCT user_id) FROM subscriptions_profile_snapshots")
    print("count", tuple(cur.fetchone()))
    conn.commit()


def errors(conn, users):
    cur = conn.cursor()
    for label, sql, args in (
        ("syntax", "SELEC 1", ()),
        ("undefined table", "SELECT * FROM no_such_table", ()),
        ("undefined column", "SELECT no_such_column FROM users", ()),
        ("division with params", "SELECT count(*) / $1 FROM users", (0,)),
        ("bad date param", "SELECT count(*) FROM users WHERE signup_date = $1::date", ("2024-02-30",)),
    ):
        try:
            execute(cur, sql, *args)
            print(label, "NO ERROR", cur.fetchall())
        except pyodbc.Error as e:
            err(label, e)
        # statement-level rollback: the transaction goes on
        execute(cur, "SELECT count(*) FROM users WHERE user_id = $1", users[0])
        print(label, "after", cur.fetchone()[0])
    conn.rollback()
    cur.execute("SELECT 'still usable'")
    print("final", cur.fetchone()[0])
    conn.commit()


T = datetime.datetime(2024, 1, 31)  # ODBC timestamps have no zone: read as UTC


def asof(conn, users):
    cur = conn.cursor()
    for u in users:
        execute(cur, ASOF_CONST, T, u)
        for r in cur.fetchall():
            print(line("asof-const", r))
        execute(cur, ASOF_SPINE, T, u)
        for r in cur.fetchall():
            print(line("asof-spine", r))
    conn.commit()


def lookup(conn, users):
    u1, u2 = users
    cur = conn.cursor()
    for u in (u1, "nobody", u2, u1, u2, u1):
        execute(cur, LOOKUP, u)
        for r in cur.fetchall():
            print(line("lookup", r))
    print("describe", ",".join("%s:%s" % (d[0], d[1].__name__) for d in cur.description))
    conn.commit()


SECTIONS = {"meta": meta, "errors": errors, "asof": asof, "lookup": lookup}


def remove_driver_log():
    """Debian registers the driver with CommLog=1, which makes it write
    /tmp/psqlodbc_<program>_<user><pid>.log however the connection string
    sets CommLog: this process's is removed."""
    user = pwd.getpwuid(os.getuid()).pw_name
    for p in glob.glob("/tmp/psqlodbc_*_%s%d.log" % (glob.escape(user), os.getpid())):
        os.remove(p)


def main(argv, sections=SECTIONS):
    url, declare_fetch, u1, u2 = argv[1:5]
    try:
        conn = connect(url, declare_fetch)
        try:
            for name in argv[5:]:
                print("==", name, flush=True)
                sections[name](conn, (u1, u2))
        finally:
            conn.close()
    finally:
        remove_driver_log()
    print("== done")


if __name__ == "__main__":
    main(sys.argv)
