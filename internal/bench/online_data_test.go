package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/jackc/pgx/v5"
)

// onlineView is one feature view of BenchmarkOnline and its tables: the
// source (several snapshots per entity) and the baseline (the newest
// values, primary key user_id), both on PostgreSQL.
type onlineView struct {
	name     string // the feature view, and the suffix of every name below
	features int
}

// onlineViews are the 6-feature view of single-key lookups and the
// 50-feature view of batches.
var onlineViews = []onlineView{{"fv6", 6}, {"fv50", 50}}

func (v onlineView) view() string     { return "online_" + v.name }
func (v onlineView) table() string    { return "online_src_" + v.name }
func (v onlineView) source() string   { return "online_src_" + v.name + "_source" }
func (v onlineView) baseline() string { return "online_baseline_" + v.name }

// onlineSnapshots is the number of weekly snapshots: every entity is in
// the first, and in each later one 60% of them (chosen by a hash of the
// entity and the snapshot, per row: a random() there would be evaluated
// once per snapshot), so the newest row of an entity is in any of them.
const onlineSnapshots = 3

// onlineType is a feature type and the SQL that generates a value of it.
type onlineType struct{ sql, gen string }

// onlineTypes are cycled through by the features: f1 is the first, f7
// the first again, and so on; text is NULL one time in 20.
var onlineTypes = []onlineType{
	{"BIGINT", "(random() * 1000000)::bigint"},
	{"DOUBLE PRECISION", "random() * 100"},
	{"BOOLEAN", "random() < 0.5"},
	{"TEXT", "CASE WHEN random() < 0.05 THEN NULL ELSE substr(md5(random()::text), 1, 12) END"},
	{"INTEGER", "(random() * 1000)::integer"},
	{"REAL", "(random() * 100)::real"},
	{"TIMESTAMPTZ", "timestamptz '2024-01-01 00:00:00+00' + random() * interval '365 days'"},
}

// featureType is the type of feature i (1-based).
func (v onlineView) featureType(i int) onlineType { return onlineTypes[(i-1)%len(onlineTypes)] }

// featureList is "f1, f2, …".
func (v onlineView) featureList() string {
	names := make([]string, v.features)
	for i := range names {
		names[i] = fmt.Sprintf("f%d", i+1)
	}
	return strings.Join(names, ", ")
}

// sourceSQL generates the source table server-side, snapshot by
// snapshot as a warehouse loads it: every entity in the first of
// snapshots weekly snapshots, 60% of them in each later one.
func (v onlineView) sourceSQL(entities, snapshots int) string {
	var cols strings.Builder
	for i := 1; i <= v.features; i++ {
		fmt.Fprintf(&cols, ", %s AS f%d", v.featureType(i).gen, i)
	}
	order := "ORDER BY s, u"
	if snapshots == 1 {
		order = "" // generate_series's order; a sort would only spill
	}
	return fmt.Sprintf(`CREATE TABLE %[1]s AS
SELECT 'u' || lpad(u::text, 8, '0') AS user_id,
	timestamptz '2024-01-01 00:00:00+00' + s * interval '7 days' AS as_of%[2]s
FROM generate_series(0, %[3]d) s CROSS JOIN generate_series(0, %[4]d) u
WHERE s = 0 OR hashint4(u * %[5]d + s) & 1023 < 614
%[6]s`, v.table(), cols.String(), snapshots-1, entities-1, snapshots, order)
}

// baselineSQL holds the newest values of each entity, computed by
// PostgreSQL alone, under a primary key.
func (v onlineView) baselineSQL() []string {
	return []string{
		fmt.Sprintf(`CREATE TABLE %s AS SELECT DISTINCT ON (user_id) user_id, %s FROM %s ORDER BY user_id, as_of DESC`,
			v.baseline(), v.featureList(), v.table()),
		fmt.Sprintf(`ALTER TABLE %s ADD PRIMARY KEY (user_id)`, v.baseline()),
		fmt.Sprintf(`VACUUM ANALYZE %s`, v.table()),
		fmt.Sprintf(`VACUUM ANALYZE %s`, v.baseline()),
	}
}

// catalogSQL defines the view's source and the view itself.
func (v onlineView) catalogSQL() []string {
	feats := make([]string, v.features)
	for i := range feats {
		feats[i] = fmt.Sprintf("f%d %s", i+1, v.featureType(i+1).sql)
	}
	return []string{
		fmt.Sprintf("CREATE SOURCE %s TIMESTAMP COLUMN as_of AS TABLE %s", v.source(), v.table()),
		fmt.Sprintf("CREATE FEATURE VIEW %s (%s) ENTITY user SOURCE %s TTL NONE ONLINE",
			v.view(), strings.Join(feats, ", "), v.source()),
	}
}

// onlineEntitySQL defines the entity of every view.
const onlineEntitySQL = "CREATE ENTITY user (user_id TEXT)"

// onlineCatalogSQL is the whole catalog of the benchmark.
func onlineCatalogSQL() []string {
	out := []string{onlineEntitySQL}
	for _, v := range onlineViews {
		out = append(out, v.catalogSQL()...)
	}
	return out
}

// onlineGenerate creates every source and baseline table on PostgreSQL
// directly.
func onlineGenerate(ctx context.Context, dsn string, entities int) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close(ctx)
	for _, v := range onlineViews {
		stmts := append([]string{v.sourceSQL(entities, onlineSnapshots)}, v.baselineSQL()...)
		for _, s := range stmts {
			if _, err := conn.Exec(ctx, s); err != nil {
				return fmt.Errorf("generate: %s: %w", s, err)
			}
		}
	}
	return nil
}

// onlineKeys returns every entity key, shuffled: a batch is a window of
// consecutive keys of it, so its keys are distinct and random.
func onlineKeys(entities int) []string {
	keys := make([]string, entities)
	for i := range keys {
		keys[i] = fmt.Sprintf("u%08d", i)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys
}
