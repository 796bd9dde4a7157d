package onlineit

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// eventsTable is a source with a created column; the rows of each test
// are inserted by the test.
const eventsTable = `CREATE TABLE events_src (user_id text, ts timestamptz, created timestamptz, amount bigint, note text)`

// eventsCatalog defines events_fv over events_src.
var eventsCatalog = []string{
	`CREATE ENTITY customer (user_id TEXT)`,
	`CREATE SOURCE events_source TIMESTAMP COLUMN ts CREATED COLUMN created AS TABLE events_src`,
	`CREATE FEATURE VIEW events_fv (amount BIGINT, note TEXT) ENTITY customer SOURCE events_source TTL NONE ONLINE`,
}

// windowRows exercise the window's bounds and the choice of the newest
// row: by ts, then by created (a set created beats an absent one); rows
// with a NULL key are never read.
const windowRows = `INSERT INTO events_src VALUES
	('u1', '2024-01-01T00:00:00Z', NULL, 1, 'at FROM'),
	('u2', '2024-01-31T23:59:59.999999Z', NULL, 2, 'last microsecond'),
	('u2', '2024-02-01T00:00:00Z', NULL, 99, 'at TO'),
	('u3', '2023-12-31T23:59:59.999999Z', NULL, 3, 'before FROM'),
	('u4', '2024-02-01T00:00:00Z', NULL, 4, 'at TO'),
	('u5', '2024-01-05T00:00:00Z', NULL, 5, 'older'),
	('u5', '2024-01-20T00:00:00Z', NULL, 50, NULL),
	('u6', '2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z', 61, 'older created'),
	('u6', '2024-01-10T00:00:00Z', '2024-01-12T00:00:00Z', 62, 'newest created'),
	('u6', '2024-01-09T00:00:00Z', '2024-03-01T00:00:00Z', 60, 'older ts, newer created'),
	('u7', '2024-01-10T00:00:00Z', NULL, 70, 'no created'),
	('u7', '2024-01-10T00:00:00Z', '2024-01-10T00:00:00Z', 71, 'created beats none'),
	(NULL, '2024-01-10T00:00:00Z', NULL, 8, 'no key')`

const lookupAllEvents = `SELECT user_id, event_timestamp, amount, note FROM events_fv
	WHERE user_id IN ('u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7')`

// TestMaterializeWindow: rows with ts in [FROM, TO] are read, both ends
// included (so that online after TO t is AS OF t); per entity the newest
// (ts, created) row is
// written; a re-run writes nothing; a row that loses to the stored one on
// created does not replace it, one that wins does.
func TestMaterializeWindow(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "window", st, eventsTable+"; "+windowRows)
		e.define(t, eventsCatalog...)
		const stmt = `MATERIALIZE events_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`
		res := materialize(t, e.conn, stmt)
		if len(res) != 1 {
			t.Fatalf("%s: %d rows, want 1", stmt, len(res))
		}
		r := res["events_fv"]
		r.window(t, stmt, ptr(at("2024-01-01T00:00:00Z")), at("2024-02-01T00:00:00Z"))
		r.counts(t, stmt, 6, 6, 0) // u1, u2, u4, u5, u6, u7
		want := [][]any{
			{"u1", at("2024-01-01T00:00:00Z"), int64(1), "at FROM"},
			{"u2", at("2024-02-01T00:00:00Z"), int64(99), "at TO"},
			{"u3", nil, nil, nil},
			{"u4", at("2024-02-01T00:00:00Z"), int64(4), "at TO"},
			{"u5", at("2024-01-20T00:00:00Z"), int64(50), nil},
			{"u6", at("2024-01-10T00:00:00Z"), int64(62), "newest created"},
			{"u7", at("2024-01-10T00:00:00Z"), int64(71), "created beats none"},
		}
		lookupEquals(t, e.conn, want, lookupAllEvents)

		materialize(t, e.conn, stmt)["events_fv"].counts(t, "the same window again", 6, 0, 0)
		// Swapped times are refused, as the CLI refuses them, and change nothing.
		wantError(t, e.conn, "22023", "the start is after the end", "swap the two times",
			`MATERIALIZE events_fv FROM '2024-02-01T00:00:00Z' TO '2024-01-01T00:00:00Z'`)
		lookupEquals(t, e.conn, want, lookupAllEvents)

		// The stored (ts, created) of u6 decides against a row with the same ts.
		offlineExec(t, e.direct, `DELETE FROM events_src WHERE user_id = 'u6';
			INSERT INTO events_src VALUES ('u6', '2024-01-10T00:00:00Z', '2024-01-11T12:00:00Z', 63, 'older than stored')`)
		materialize(t, e.conn, stmt)["events_fv"].counts(t, "u6 with an older created", 6, 0, 0)
		lookupEquals(t, e.conn, want[5:6], `SELECT user_id, event_timestamp, amount, note FROM events_fv WHERE user_id = 'u6'`)
		offlineExec(t, e.direct, `INSERT INTO events_src VALUES ('u6', '2024-01-10T00:00:00Z', '2024-01-13T00:00:00Z', 64, 'newer than stored')`)
		materialize(t, e.conn, stmt)["events_fv"].counts(t, "u6 with a newer created", 6, 1, 0)
		lookupEquals(t, e.conn, [][]any{{"u6", at("2024-01-10T00:00:00Z"), int64(64), "newer than stored"}},
			`SELECT user_id, event_timestamp, amount, note FROM events_fv WHERE user_id = 'u6'`)
	})
}

// incTable is a source without a created column.
const incTable = `CREATE TABLE inc_src (user_id text, ts timestamptz, amount bigint);
	INSERT INTO inc_src VALUES
		('u1', '2024-01-05T00:00:00Z', 1),
		('u2', '2024-01-15T00:00:00Z', 2),
		('u1', '2024-01-25T00:00:00Z', 11)`

var incCatalog = []string{
	`CREATE ENTITY customer (user_id TEXT)`,
	`CREATE SOURCE inc_source TIMESTAMP COLUMN ts AS TABLE inc_src`,
	`CREATE FEATURE VIEW inc_fv (amount BIGINT) ENTITY customer SOURCE inc_source`,
}

const lookupInc = `SELECT user_id, amount, event_timestamp FROM inc_fv WHERE user_id = ANY($1)`

// TestMaterializeIncremental: the first incremental run takes all history
// up to TO; the next starts at the watermark; late rows (ts before the
// watermark) are not picked by INCREMENTAL but are by an explicit window,
// and never replace a newer value; an older window after a newer one
// writes nothing; the watermark never moves back.
func TestMaterializeIncremental(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "incremental", st, incTable)
		e.define(t, incCatalog...)
		keys := []string{"u1", "u2", "u3"}
		jan20, feb1 := at("2024-01-20T00:00:00Z"), at("2024-02-01T00:00:00Z")

		first := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-01-20T00:00:00Z'`)["inc_fv"]
		first.window(t, "first incremental run", nil, jan20)
		first.counts(t, "first incremental run", 2, 2, 0)
		lookupEquals(t, e.conn, [][]any{
			{"u1", int64(1), at("2024-01-05T00:00:00Z")},
			{"u2", int64(2), at("2024-01-15T00:00:00Z")},
			{"u3", nil, nil},
		}, lookupInc, keys)

		// Late rows, behind the watermark: an older one for u2, a new entity u3.
		offlineExec(t, e.direct, `INSERT INTO inc_src VALUES ('u2', '2024-01-10T00:00:00Z', 222), ('u3', '2024-01-12T00:00:00Z', 3)`)
		second := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		second.window(t, "second incremental run", ptr(jan20), feb1)
		second.counts(t, "second incremental run", 1, 1, 0) // u1's 2024-01-25 row only
		afterSecond := [][]any{
			{"u1", int64(11), at("2024-01-25T00:00:00Z")},
			{"u2", int64(2), at("2024-01-15T00:00:00Z")},
			{"u3", nil, nil},
		}
		lookupEquals(t, e.conn, afterSecond, lookupInc, keys)

		third := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		third.window(t, "incremental run up to the watermark", ptr(feb1), feb1)
		third.counts(t, "incremental run up to the watermark", 0, 0, 0)

		// An explicit window picks the late rows; u2's stays the newer one.
		full := materialize(t, e.conn, `MATERIALIZE inc_fv FROM '2024-01-01T00:00:00' TO '2024-02-01T00:00:00'`)["inc_fv"]
		full.window(t, "explicit window", ptr(at("2024-01-01T00:00:00Z")), feb1)
		full.counts(t, "explicit window", 3, 1, 0) // u3 written; u1, u2 equal to the stored rows
		afterSecond[2] = []any{"u3", int64(3), at("2024-01-12T00:00:00Z")}
		lookupEquals(t, e.conn, afterSecond, lookupInc, keys)

		// An older window after a newer one changes nothing.
		older := materialize(t, e.conn, `MATERIALIZE inc_fv FROM '2024-01-01T00:00:00Z' TO '2024-01-11T00:00:00Z'`)["inc_fv"]
		older.counts(t, "older window", 2, 0, 0) // u1 2024-01-05 and u2 2024-01-10, both older than stored
		lookupEquals(t, e.conn, afterSecond, lookupInc, keys)

		// The watermark stayed at 2024-02-01: neither the older window nor
		// an incremental run to an earlier time moved it back.
		back := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-01-15T00:00:00Z'`)["inc_fv"]
		back.counts(t, "incremental run to an earlier time", 0, 0, 0)
		offlineExec(t, e.direct, `INSERT INTO inc_src VALUES ('u2', '2024-02-05T00:00:00Z', 25)`)
		next := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-10T00:00:00Z'`)["inc_fv"]
		next.window(t, "incremental run after the older windows", ptr(feb1), at("2024-02-10T00:00:00Z"))
		next.counts(t, "incremental run after the older windows", 1, 1, 0)
		afterSecond[1] = []any{"u2", int64(25), at("2024-02-05T00:00:00Z")}
		lookupEquals(t, e.conn, afterSecond, lookupInc, keys)
	})
}

// checkTable holds valid rows before 2024-01-10 and rows that break the
// view's CHECK rules after.
const checkTable = `CREATE TABLE check_src (user_id text, ts timestamptz, amount bigint, score double precision);
	INSERT INTO check_src VALUES
		('u1', '2024-01-02T00:00:00Z', 5, 0.5),
		('u2', '2024-01-02T00:00:00Z', 6, 0.6),
		('u1', '2024-01-15T00:00:00Z', -1, 0.1),   -- amount < 0
		('u2', '2024-01-15T00:00:00Z', 7, NULL),   -- NULL passes, as in PostgreSQL
		('u3', '2024-01-15T00:00:00Z', 3, 2.0),    -- score > 1, no earlier value
		('u4', '2024-01-11T00:00:00Z', 4, 0.4),    -- valid but older
		('u4', '2024-01-12T00:00:00Z', -4, 0.4)    -- the newest: invalid`

// TestMaterializeCheck: a newest row that breaks a CHECK rule is counted
// as rejected and not written; the entity keeps its previous value, or
// has none.
func TestMaterializeCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "checks", st, checkTable)
		e.define(t,
			`CREATE ENTITY customer (user_id TEXT)`,
			`CREATE SOURCE check_source TIMESTAMP COLUMN ts AS TABLE check_src`,
			`CREATE FEATURE VIEW check_fv (amount BIGINT CHECK (amount >= 0), score DOUBLE PRECISION CHECK (score BETWEEN 0 AND 1))
				ENTITY customer SOURCE check_source`)
		materialize(t, e.conn, `MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '2024-01-10T00:00:00Z'`)["check_fv"].
			counts(t, "valid window", 2, 2, 0)
		materialize(t, e.conn, `MATERIALIZE FROM '2024-01-10T00:00:00Z' TO '2024-02-01T00:00:00Z'`)["check_fv"].
			counts(t, "window with invalid rows", 4, 1, 3)
		lookupEquals(t, e.conn, [][]any{
			{"u1", int64(5), 0.5, at("2024-01-02T00:00:00Z")},
			{"u2", int64(7), nil, at("2024-01-15T00:00:00Z")},
			{"u3", nil, nil, nil},
			{"u4", nil, nil, nil},
		}, `SELECT user_id, amount, score, event_timestamp FROM check_fv WHERE user_id IN ('u1', 'u2', 'u3', 'u4')`)
	})
}

// TestMaterializeRefusals: an unknown view is 42704, an OFFLINE one is
// refused with a hint; MATERIALIZE of every view skips OFFLINE views, and
// a lookup of one is refused.
func TestMaterializeRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "refusals", st, incTable)
		e.define(t, incCatalog...)
		e.define(t, `CREATE FEATURE VIEW inc_offline_fv (amount BIGINT) ENTITY customer SOURCE inc_source OFFLINE`)
		wantError(t, e.conn, "42704", `"no_such_fv"`, "",
			`MATERIALIZE no_such_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)
		wantError(t, e.conn, "22023", "OFFLINE", "ONLINE",
			`MATERIALIZE inc_offline_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)
		wantError(t, e.conn, "22023", "OFFLINE", "MATERIALIZE",
			`SELECT amount FROM inc_offline_fv WHERE user_id = 'u1'`)
		res := materialize(t, e.conn, `MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)
		if _, ok := res["inc_offline_fv"]; ok || len(res) != 1 {
			t.Errorf("MATERIALIZE of every view gave rows for %v, want inc_fv only", keysOf(res))
		}
		res["inc_fv"].counts(t, "every view", 2, 2, 0)
	})
}

// TestReplaceStartsEmpty: CREATE OR REPLACE with other features reads
// nothing of the old definition's values (and has no watermark), while a
// replacement that keeps the features keeps them.
func TestReplaceStartsEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "replace", st, incTable)
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)
		const one = `SELECT user_id, amount FROM inc_fv WHERE user_id = 'u1'`
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11)}}, one, pgx.QueryExecModeSimpleProtocol)

		e.define(t, `CREATE OR REPLACE FEATURE VIEW inc_fv (amount BIGINT) ENTITY customer SOURCE inc_source TTL NONE COMMENT 'same features'`)
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11)}}, one, pgx.QueryExecModeSimpleProtocol)

		offlineExec(t, e.direct, `ALTER TABLE inc_src ADD COLUMN bonus bigint DEFAULT 7`)
		e.define(t, `CREATE OR REPLACE FEATURE VIEW inc_fv (amount BIGINT, bonus BIGINT) ENTITY customer SOURCE inc_source`)
		lookupEquals(t, e.conn, [][]any{{"u1", nil}}, one, pgx.QueryExecModeSimpleProtocol)
		lookupEquals(t, connect(t, e.gw, e.db), [][]any{{"u1", nil}}, one)
		r := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		r.window(t, "first run of the new definition", nil, at("2024-02-01T00:00:00Z"))
		r.counts(t, "first run of the new definition", 2, 2, 0)
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11), int64(7)}}, `SELECT user_id, amount, bonus FROM inc_fv WHERE user_id = 'u1'`)
	})
}

func keysOf(m map[string]matRow) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestReplaceEntityStartsEmpty: CREATE OR REPLACE that keeps the features
// but changes the entity and the source describes other data: a lookup by
// the new entity's key must not serve a value stored for the old entity's
// equal key, and INCREMENTAL must read the new source from its beginning,
// not from the old source's watermark.
func TestReplaceEntityStartsEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "replace_entity", st, incTable+`;
			CREATE TABLE acct_src (account_id text, ts timestamptz, amount bigint);
			INSERT INTO acct_src VALUES ('a1', '2023-06-01T00:00:00Z', 5)`)
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"].counts(t, "old definition", 2, 2, 0)
		e.define(t, `CREATE ENTITY account (account_id TEXT)`,
			`CREATE SOURCE acct_source TIMESTAMP COLUMN ts AS TABLE acct_src`,
			`CREATE OR REPLACE FEATURE VIEW inc_fv (amount BIGINT) ENTITY account SOURCE acct_source`)
		const lookup = `SELECT account_id, amount FROM inc_fv WHERE account_id IN ('u1', 'a1')`
		lookupEquals(t, e.conn, [][]any{{"u1", nil}, {"a1", nil}}, lookup, simple)
		r := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		r.window(t, "first run of the new definition", nil, at("2024-02-01T00:00:00Z"))
		r.counts(t, "first run of the new definition", 1, 1, 0)
		lookupEquals(t, e.conn, [][]any{{"u1", nil}, {"a1", int64(5)}}, lookup, simple)
	})
}

// TestDropViewStartsEmpty: DROP FEATURE VIEW drops its online values and
// watermark, as DROP TABLE drops a table's rows: a view created again
// under the same name and features starts empty and loads all history.
func TestDropViewStartsEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "drop_view", st, incTable)
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-01-20T00:00:00Z'`)["inc_fv"].counts(t, "before DROP", 2, 2, 0)
		e.define(t, `DROP FEATURE VIEW inc_fv`)
		if st.kind == stores[1].kind {
			var n int
			if err := e.direct.QueryRow(context.Background(), `SELECT count(*) FROM featuregate_online.features WHERE project = $1`, e.db).Scan(&n); err != nil || n != 0 {
				t.Errorf("the PostgreSQL online store keeps %d values of the dropped view (%v)", n, err)
			}
		}
		e.define(t, incCatalog[2])
		lookupEquals(t, e.conn, [][]any{{"u1", nil, nil}}, lookupInc, simple, []string{"u1"})
		r := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-01-20T00:00:00Z'`)["inc_fv"]
		r.window(t, "first run after DROP and CREATE", nil, at("2024-01-20T00:00:00Z"))
		r.counts(t, "first run after DROP and CREATE", 2, 2, 0)
	})
}
