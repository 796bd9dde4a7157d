"""Shared helpers for the Python client scripts of internal/clienttest.

Every script prints a canonical, deterministic rendering of what its client
saw (rows, column descriptions, row counts, SQLSTATEs), so that the Go test
can require the same output through the gateway and straight from
PostgreSQL. Nothing here may print anything that legitimately differs
between the two: backend PIDs, temporary schema names, the current user.
"""

import hashlib
import sys
import traceback


def out(*args):
    print(*args, flush=True)


def canon(v):
    """A value with everything that has no stable repr made stable."""
    if isinstance(v, memoryview):
        return bytes(v)
    if isinstance(v, tuple) and type(v) is not tuple:  # named tuples, Row
        return tuple(canon(x) for x in v)
    if isinstance(v, tuple):
        return tuple(canon(x) for x in v)
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    return v


def r(v):
    return repr(canon(v))


def rows(label, rs):
    for row in rs:
        out(label, r(row))


def digest(rs):
    """A short hash of the canonical rendering of rows, and their number."""
    h = hashlib.sha256()
    n = 0
    for row in rs:
        h.update(r(row).encode())
        h.update(b"\n")
        n += 1
    return "n=%d sha=%s" % (n, h.hexdigest()[:16])


def bdigest(data):
    if isinstance(data, str):
        data = data.encode()
    return "len=%d sha=%s" % (len(data), hashlib.sha256(data).hexdigest()[:16])


def column_digests(label, rs, names):
    """One digest per column, so that a difference points at the column."""
    rs = list(rs)
    for i, name in enumerate(names):
        out(label, name, digest([row[i]] for row in rs))


def err(label, e):
    """Renders a server error: class, SQLSTATE and diagnostic fields."""
    d = getattr(e, "diag", None)
    code = getattr(e, "pgcode", None) or getattr(e, "sqlstate", None)
    fields = []
    if d is not None:
        for name in ("severity", "severity_nonlocalized", "message_primary", "message_detail",
                     "message_hint", "statement_position", "internal_position", "internal_query",
                     "context", "table_name", "column_name", "datatype_name", "constraint_name"):
            v = getattr(d, name, None)
            if v is not None:
                fields.append("%s=%r" % (name, v))
    out(label, "ERROR", type(e).__name__, code, " ".join(fields))


def describe(label, description):
    """Column names and type OIDs from a DB-API cursor description."""
    if description is None:
        out(label, "description None")
        return
    out(label, "columns", [(c[0], c[1]) for c in description])


# Options given on the command line as --name, e.g. --as-reader.
OPTS = set()


def main(sections, argv):
    """Runs the sections named on the command line (after the DSN)."""
    OPTS.update(a[2:] for a in argv if a.startswith("--"))
    argv = [a for a in argv if not a.startswith("--")]
    if len(argv) < 3:
        sys.stderr.write("usage: %s DSN SECTION...\n" % argv[0])
        sys.exit(2)
    dsn = argv[1]
    for name in argv[2:]:
        fn = sections.get(name)
        if fn is None:
            sys.stderr.write("unknown section %r; known: %s\n" % (name, sorted(sections)))
            sys.exit(2)
        out("==", name)
        try:
            fn(dsn)
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()
            sys.exit(1)
    out("== done")


__all__ = ["out", "canon", "r", "rows", "digest", "bdigest", "column_digests", "err",
           "describe", "main", "OPTS"]
