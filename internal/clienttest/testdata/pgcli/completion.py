"""pgcli's start-up catalog queries, run by pgcli's own code: usage completion.py URL

pgcli (Debian's pgcli, on psycopg 3), once connected, fills its completer
in a background thread: CompletionRefresher runs each refresher (search
path, schemata, tables and their columns and foreign keys, views and their
columns, types, databases, functions) with a PGExecute of its own. This
script does the same through pgcli's classes, waits for the thread, and
prints what the completer learned and what it offers for a few inputs, so
that the gateway and PostgreSQL (with the same search_path) can be
compared line by line.
"""
import sys

from pgspecial.main import PGSpecial
from prompt_toolkit.document import Document
from psycopg.conninfo import conninfo_to_dict

from pgcli.completion_refresher import CompletionRefresher
from pgcli.pgexecute import PGExecute

SETTINGS = {  # pgcli's defaults (pgclirc), as PGCli.__init__ builds them
    "casing_file": None, "generate_casing_file": False, "generate_aliases": False,
    "asterisk_column_order": "table_order", "qualify_columns": "if_more_than_one_table",
    "case_column_headers": True, "search_path_filter": False, "single_connection": False,
    "less_chatty": True, "keyword_casing": "auto",
}


def main(url):
    # as PGCli.connect_uri and PGCli.connect open a URL
    kw = conninfo_to_dict(url)
    kw.setdefault("application_name", "pgcli")
    executor = PGExecute(kw.pop("dbname"), kw.pop("user"), "", kw.pop("host"), kw.pop("port"), "", **kw)
    done = []
    refresher = CompletionRefresher()
    print("refresh", refresher.refresh(executor, PGSpecial(), done.append, settings=SETTINGS)[0][3])
    refresher._completer_thread.join(60)
    if not done:
        sys.exit("the completion refresh failed (its traceback is above) or did not end")
    c = done[0]
    meta = c.dbmetadata
    print("search_path", c.search_path)
    print("database listed", executor.dbname in c.databases)
    ours = sorted(s for s in meta["tables"] if s == "public" or s.startswith("fg_"))
    print("schemata", ours)
    for kind in ("tables", "views"):
        for schema in ours:
            for rel, cols in sorted(meta[kind].get(schema, {}).items()):
                print(kind[:-1], schema, rel, ",".join("%s:%s" % (n, col.datatype) for n, col in cols.items()))
    for kind in ("functions", "datatypes"):
        print(kind, [(s, len(meta[kind].get(s, {}))) for s in ["pg_catalog"] + ours])
    for text, at in (
        ("SELECT * FROM subs_", None),
        ("SELECT * FROM users JOIN subscriptions_", None),
        ("SELECT mon FROM subs_profile_fv", len("SELECT mon")),
        ("SELECT f.watch FROM features AS f", len("SELECT f.watch")),
        ("SELECT * FROM %s.pay" % ours[0], None),
        ("SELECT * FROM churn_v1 WHERE user", None),
    ):
        doc = Document(text, at if at is not None else len(text))
        got = sorted({(x.text, x.display_meta_text) for x in c.get_completions(doc, None)})
        print("complete %r" % text[: doc.cursor_position], got)
    executor.conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
