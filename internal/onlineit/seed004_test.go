package onlineit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/examples"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/plan"
)

// Seed 004 (the StreamFlow course lab) materializes January 2024 with
// `feast materialize 2024-01-01T00:00:00 2024-02-01T00:00:00` and reads
// one user's online features. Here the example's data.sql is loaded into
// PostgreSQL, its repo applied through the gateway, the same window
// materialized, and the user read from psql, pgx and planner.Lookup. The
// expected values are computed directly on PostgreSQL from the catalog
// as the gateway reports it (SHOW …): the newest source row of the
// window, NULL where the view's TTL (measured from now) has passed.

// seedWindow is the lab's materialization window.
const seedFrom, seedTo = "2024-01-01T00:00:00", "2024-02-01T00:00:00"

// seedRepoOrder applies entities before the sources, views and services
// that use them.
var seedRepoOrder = []string{"entities.sql", "data_sources.sql", "feature_views.sql", "feature_services.sql"}

// seedFeatures are the features the lab's debug_online_features.py reads.
var seedFeatures = []string{"subs_profile_fv:months_active", "subs_profile_fv:monthly_fee", "subs_profile_fv:paperless_billing"}

// seedView is a feature view as SHOW reports it, with its source.
type seedView struct {
	name, entity, ttl string // ttl "" for none
	online            bool
	features          map[string]string // feature -> type
	order             []string          // features in order
	from, ts, created string            // the source: FROM item, timestamp and created columns
}

// seedValue is the expected online value of one feature.
type seedValue struct {
	view    string
	found   bool      // the window has a row for the user
	expired bool      // older than the view's TTL
	ts      time.Time // the row's event time
	typed   any       // as pgx decodes the feature's type; nil when NULL
	text    string    // PostgreSQL's output text of it (as psql prints it); "" when NULL
}

func TestSeed004Online(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		ctx := context.Background()
		data, err := examples.FS.ReadFile("streamflow/data.sql")
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, "streamflow", st, string(data))
		applySeedRepo(t, e)
		views := seedCatalog(t, e)
		res := materialize(t, e.conn, fmt.Sprintf("MATERIALIZE FROM '%s' TO '%s'", seedFrom, seedTo))
		for _, v := range views {
			if !v.online {
				continue
			}
			r, ok := res[v.name]
			if !ok {
				t.Fatalf("MATERIALIZE gave no row for online view %s: %v", v.name, keysOf(res))
			}
			var n int64
			q := fmt.Sprintf(`SELECT count(DISTINCT %s) FROM %s WHERE %s >= $1 AND %s < $2`, ident(v.entityKey(t, e)), v.from, v.tsExpr(), v.tsExpr())
			if err := e.direct.QueryRow(ctx, q, seedFrom+"Z", seedTo+"Z").Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			r.counts(t, "the seed's window", n, n, 0)
		}
		user := seedUser(t, e)
		t.Logf("%s: user %s", st.name, user)
		expect := func(view, feature string) seedValue { return expectedSeedValue(t, e, views[view], feature, user) }

		// The lab's three features, from psql, pgx and Lookup.
		var cols []string
		var want []seedValue
		for _, ref := range seedFeatures {
			view, feature, _ := strings.Cut(ref, ":")
			cols = append(cols, feature)
			want = append(want, expect(view, feature))
		}
		checkSeedLookup(t, e, user, `SELECT user_id, event_timestamp, `+strings.Join(cols, ", ")+` FROM subs_profile_fv WHERE user_id = $1`, want)
		checkSeedAPI(t, e, plan.LookupRequest{Project: e.db, Features: seedFeatures, Keys: []string{"user_id"}, Rows: [][]any{{user}}}, want)

		// The model's service, churn_v1: every view it spans.
		svc := seedService(t, e, views, "churn_v1")
		want = want[:0]
		for _, ref := range svc {
			want = append(want, expect(ref[0], ref[1]))
		}
		checkSeedLookup(t, e, user, `SELECT * FROM churn_v1 WHERE user_id = $1`, want)
		checkSeedAPI(t, e, plan.LookupRequest{Project: e.db, Relation: "churn_v1", Keys: []string{"user_id"}, Rows: [][]any{{user}}}, want)
	})
}

// applySeedRepo sends each statement of the example repo's files through
// the gateway, files in dependency order.
func applySeedRepo(t *testing.T, e *env) {
	t.Helper()
	files, err := fs.Glob(examples.FS, "streamflow/repo/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, path.Base(f))
	}
	slices.Sort(names)
	if !slices.Equal(names, slices.Sorted(slices.Values(seedRepoOrder))) {
		t.Fatalf("the example repo has %v; the test applies %v", names, seedRepoOrder)
	}
	for _, name := range seedRepoOrder {
		text, err := examples.FS.ReadFile("streamflow/repo/" + name)
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := ddl.ParseScriptStatements(name, string(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			e.define(t, s.Statement.SQL())
		}
	}
}

// seedCatalog reads the views, their features and sources through SHOW.
func seedCatalog(t *testing.T, e *env) map[string]*seedView {
	t.Helper()
	type source struct{ ts, created, def string }
	sources := map[string]source{}
	for _, r := range mustQuery(t, e.conn, "SHOW SOURCES", simple) {
		s := source{ts: r[1].(string), def: r[3].(string)}
		if r[2] != nil {
			s.created = r[2].(string)
		}
		sources[r[0].(string)] = s
	}
	views := map[string]*seedView{}
	for _, r := range mustQuery(t, e.conn, "SHOW FEATURE VIEWS", simple) {
		v := &seedView{name: r[0].(string), entity: r[1].(string), online: r[5].(bool), features: map[string]string{}}
		if ttl := r[4].(string); ttl != "NONE" {
			v.ttl = ttl
		}
		src := sources[r[2].(string)]
		v.ts, v.created = src.ts, src.created
		if table, ok := strings.CutPrefix(src.def, "TABLE "); ok {
			v.from = table + " AS s"
		} else {
			v.from = "(" + src.def + ") AS s"
		}
		views[v.name] = v
	}
	for _, r := range mustQuery(t, e.conn, "SHOW FEATURES", simple) {
		v := views[r[0].(string)]
		v.features[r[1].(string)] = r[2].(string)
		v.order = append(v.order, r[1].(string))
	}
	return views
}

// entityKey is the view's entity's only join key.
func (v *seedView) entityKey(t *testing.T, e *env) string {
	t.Helper()
	for _, r := range mustQuery(t, e.conn, "SHOW ENTITIES", simple) {
		if r[0].(string) == v.entity {
			name, _, _ := strings.Cut(r[1].(string), " ")
			return name
		}
	}
	t.Fatalf("entity %s of %s is not in SHOW ENTITIES", v.entity, v.name)
	return ""
}

func (v *seedView) tsExpr() string { return "s." + ident(v.ts) + "::timestamptz" }

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// seedUser is the lab's user 7590-VHVEG when the data has it, else the
// first user.
func seedUser(t *testing.T, e *env) string {
	t.Helper()
	var user string
	if err := e.direct.QueryRow(context.Background(), `SELECT coalesce(
		(SELECT user_id FROM subscriptions_profile_snapshots WHERE user_id = '7590-VHVEG' LIMIT 1),
		(SELECT min(user_id) FROM subscriptions_profile_snapshots))`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	return user
}

// seedService lists a service's features as [view, feature], in order,
// from SHOW FEATURE SERVICES; view.* stands for all the view's features.
func seedService(t *testing.T, e *env, views map[string]*seedView, name string) [][2]string {
	t.Helper()
	for _, r := range mustQuery(t, e.conn, "SHOW FEATURE SERVICES", simple) {
		if r[0].(string) != name {
			continue
		}
		var out [][2]string
		for _, ref := range strings.Split(r[1].(string), ", ") {
			view, feature, _ := strings.Cut(ref, ".")
			if feature != "*" {
				out = append(out, [2]string{view, feature})
				continue
			}
			if views[view] == nil {
				t.Fatalf("service %s reads %s, not in SHOW FEATURE VIEWS", name, ref)
			}
			for _, f := range views[view].order {
				out = append(out, [2]string{view, f})
			}
		}
		return out
	}
	t.Fatalf("no feature service %s", name)
	return nil
}

// expectedSeedValue computes one feature's expected online value directly
// on PostgreSQL: the newest row of the window for user, its TTL checked
// against now.
func expectedSeedValue(t *testing.T, e *env, v *seedView, feature, user string) seedValue {
	t.Helper()
	if v == nil {
		t.Fatalf("the view of feature %s is not in SHOW FEATURE VIEWS", feature)
	}
	typ, ok := v.features[feature]
	if !ok {
		t.Fatalf("feature %s of %s is not in SHOW FEATURES", feature, v.name)
	}
	f := "(s." + ident(feature) + ")::" + typ
	ttl := "NULL::interval"
	if v.ttl != "" {
		ttl = "'" + v.ttl + "'::interval"
	}
	order := v.tsExpr() + " DESC"
	if v.created != "" {
		order += ", s." + ident(v.created) + " DESC NULLS LAST"
	}
	q := fmt.Sprintf(`SELECT %[1]s, concat(%[1]s), %[2]s, coalesce(%[2]s < now() - %[3]s, false)
		FROM %[4]s WHERE s.%[5]s = $1 AND %[2]s >= $2 AND %[2]s < $3 ORDER BY %[6]s LIMIT 1`,
		f, v.tsExpr(), ttl, v.from, ident(v.entityKey(t, e)), order)
	sv := seedValue{view: v.name}
	var text string
	err := e.direct.QueryRow(context.Background(), q, user, seedFrom+"Z", seedTo+"Z").Scan(&sv.typed, &text, &sv.ts, &sv.expired)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return sv
	case err != nil:
		t.Fatalf("%s: %v", q, err)
	}
	sv.found, sv.text = true, text
	if day := sv.ts.UTC().Format("2006-01-02"); day != "2024-01-31" {
		t.Errorf("%s.%s of %s: the newest row of January is of %s, want the snapshot of 2024-01-31", v.name, feature, user, day)
	}
	if sv.expired {
		t.Logf("%s has TTL %s: its 2024 values are expired now, so the lookups must give NULL for %s", v.name, v.ttl, feature)
		sv.typed, sv.text = nil, ""
	}
	return sv
}

// eventTime is the expected event_timestamp of a row: the newest time of
// its present values, nil when there is none.
func eventTime(want []seedValue) any {
	var latest time.Time
	for _, w := range want {
		if w.found && !w.expired && w.ts.After(latest) {
			latest = w.ts
		}
	}
	if latest.IsZero() {
		return nil
	}
	return latest
}

// checkSeedLookup runs sql (columns user_id, event_timestamp, then the
// features of want) with pgx, and the same text with the user inlined
// through psql, and compares both with want.
func checkSeedLookup(t *testing.T, e *env, user, sql string, want []seedValue) {
	t.Helper()
	row := []any{user, eventTime(want)}
	texts := []string{user, ""}
	if ts, ok := row[1].(time.Time); ok {
		texts[1] = ts.UTC().Format("2006-01-02 15:04:05-07")
	}
	for _, w := range want {
		row = append(row, w.typed)
		texts = append(texts, w.text)
	}
	lookupEquals(t, e.conn, [][]any{row}, sql, user)

	inlined := strings.Replace(sql, "$1", "'"+user+"'", 1)
	cmd := exec.Command(localpg.BinDir+"/psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
		e.gw.DSN("alice", e.db), "-c", inlined)
	cmd.Env = append(os.Environ(), "PGTZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql -c %q: %v\n%s", inlined, err, out)
	}
	got := strings.TrimRight(string(out), "\n")
	if exp := strings.Join(texts, "|"); got != exp {
		t.Errorf("psql -c %q:\n got %s\nwant %s", inlined, got, exp)
	}
}

// checkSeedAPI runs a planner.Lookup and compares values and statuses.
func checkSeedAPI(t *testing.T, e *env, req plan.LookupRequest, want []seedValue) {
	t.Helper()
	res, err := e.gw.Planner.Lookup(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Features) != len(want) {
		t.Fatalf("Lookup %v: %d features, want %d", req.Features, len(res.Features), len(want))
	}
	for i, f := range res.Features {
		w := want[i]
		status := plan.StatusPresent
		switch {
		case !w.found:
			status = plan.StatusNotFound
		case w.expired:
			status = plan.StatusOutsideMaxAge
		}
		if f.View != w.view || f.Status[0] != status || !sameValue(f.Values[0], w.typed) {
			t.Errorf("Lookup %s.%s: %v %v (%T), want %v %v (%T)", f.View, f.Feature, f.Status[0], f.Values[0], f.Values[0], status, w.typed, w.typed)
		}
		if w.found && !f.EventTS[0].Equal(w.ts) {
			t.Errorf("Lookup %s.%s: event time %v, want %v", f.View, f.Feature, f.EventTS[0], w.ts)
		}
	}
}
