"""The queries of the feature client tests, with $n parameters, shared by
the Python clients (which turn them into their own placeholders)."""

ASOF_CONST = ("SELECT user_id, months_active, round(watch_hours_30d::numeric, 2)::text AS watch "
              "FROM features AS OF $1 WHERE user_id = $2")
ASOF_SPINE = ("SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch "
              "FROM (VALUES ($2::text, $1::timestamptz)) AS s(user_id, t) "
              "LEFT JOIN features AS OF s.t f USING (user_id)")
LOOKUP = "SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = $1"


def cell(v):
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return "%.2f" % v
    return str(v)


def line(kind, row):
    return kind + " " + " ".join(cell(v) for v in row)
