package onlineit

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// simple makes pgx send a statement with the simple protocol: planned
// afresh, never a statement prepared before a catalog change (see
// TestPreparedLookupAfterCatalogChange).
const simple = pgx.QueryExecModeSimpleProtocol

// TestDropProject: DROP PROJECT removes the session's project's
// definitions, its online values and its watermarks; defining the same
// views again starts from an empty store. Another project's name is
// refused, and an empty project needs IF EXISTS.
func TestDropProject(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		ctx := context.Background()
		e := newEnv(t, "dropproj", st, incTable)
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"].counts(t, "before DROP PROJECT", 2, 2, 0)
		const one = `SELECT user_id, amount FROM inc_fv WHERE user_id = 'u1'`
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11)}}, one)

		wantError(t, e.conn, "22023", "DROP PROJECT drops the project of the session", "connect to database some_other_project", `DROP PROJECT some_other_project`)
		tag, err := e.conn.Exec(ctx, `DROP PROJECT `+e.db)
		if err != nil || tag.String() != "DROP PROJECT" {
			t.Fatalf("DROP PROJECT %s: %q, %v", e.db, tag, err)
		}
		for _, show := range []string{"SHOW FEATURE VIEWS", "SHOW ENTITIES", "SHOW SOURCES", "SHOW FEATURE SERVICES"} {
			if rows := mustQuery(t, e.conn, show); len(rows) != 0 {
				t.Errorf("%s after DROP PROJECT: %v", show, rows)
			}
		}
		// inc_fv is no feature relation any more: the text goes to PostgreSQL.
		wantError(t, e.conn, "42P01", `"inc_fv" does not exist`, "", one, simple)
		if st.kind == stores[1].kind {
			var n int
			if err := e.direct.QueryRow(ctx, `SELECT (SELECT count(*) FROM featuregate_online.features WHERE project = $1)
				+ (SELECT count(*) FROM featuregate_online.watermarks WHERE project = $1)`, e.db).Scan(&n); err != nil || n != 0 {
				t.Errorf("the PostgreSQL online store keeps %d rows of the dropped project (%v)", n, err)
			}
		}
		wantError(t, e.conn, "42704", e.db, "", `DROP PROJECT `+e.db)
		if _, err := e.conn.Exec(ctx, `DROP PROJECT IF EXISTS `+e.db); err != nil {
			t.Errorf("DROP PROJECT IF EXISTS of an empty project: %v", err)
		}

		// The same definitions again (the same online name): no value, no watermark.
		e.define(t, incCatalog...)
		lookupEquals(t, e.conn, [][]any{{"u1", nil}}, one, simple)
		again := materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)["inc_fv"]
		again.window(t, "first run after DROP PROJECT", nil, at("2024-02-01T00:00:00Z"))
		again.counts(t, "first run after DROP PROJECT", 2, 2, 0)
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11)}}, one, simple)
	})
}
