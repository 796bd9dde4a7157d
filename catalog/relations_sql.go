package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Every feature view and service is also a PostgreSQL view in the schema
// fg_<project> (RelationSchema, which shortens a name too long for an
// identifier) of the offline database, with the relation's typed columns,
// kept in step with the registry in the same transaction as each change.
// Catalog queries therefore tell the truth to every client: psql's \d,
// JDBC's DatabaseMetaData (DBeaver, Metabase), SQLAlchemy's inspector. The
// gateway puts the schema on each session's search_path. Selecting from
// one of these views on PostgreSQL itself raises an error that says how to
// read features; through featuregate such reads are answered by the
// gateway. The schema belongs to featuregate: it is rebuilt on every change.

// syncRelations rebuilds the project's schema of relations from st.
func syncRelations(ctx context.Context, tx pgx.Tx, st *state) error {
	schema := pgx.Identifier{RelationSchema(st.project)}.Sanitize()
	stmts := []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE"}
	if len(st.views)+len(st.services) > 0 {
		stmts = append(stmts, "CREATE SCHEMA "+schema)
	}
	entity := func(n string) *Entity { return st.entities[n] }
	view := func(n string) *FeatureView { return st.views[n] }
	for _, v := range st.views {
		stmts = append(stmts, relationView(schema, relationOf(v, entity, view)))
	}
	for _, s := range st.services {
		stmts = append(stmts, relationView(schema, relationOf(s, entity, view)))
	}
	if _, taken := st.services[AllFeatures]; len(st.views) > 0 && !taken && st.views[AllFeatures] == nil {
		stmts = append(stmts, relationView(schema, relationOf(allFeatures(sortedViews(st.views)), entity, view)))
	}
	if len(st.views)+len(st.services) > 0 {
		// Every role may use the schema and its views, which hold no data:
		// the roles of client sessions list them (\d, JDBC metadata).
		stmts = append(stmts, "GRANT USAGE ON SCHEMA "+schema+" TO PUBLIC",
			"GRANT SELECT ON ALL TABLES IN SCHEMA "+schema+" TO PUBLIC")
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return dbError(err, "registry: update the relations of project %q", st.project)
		}
	}
	return nil
}

// relationView is the CREATE VIEW statement for a relation.
func relationView(schema string, r *Relation) string {
	// Each column calls the guard too: a query's predicate on a constant
	// NULL column would be folded away, and with it the guard in WHERE.
	guard := "featuregate_registry.read_through_featuregate(" + QuoteLiteral(r.Name) + ")"
	col := func(typ, name string) string {
		return fmt.Sprintf("CASE WHEN %s THEN NULL::%s END AS %s", guard, typ, pgx.Identifier{name}.Sanitize())
	}
	var cols []string
	for _, k := range r.Keys {
		cols = append(cols, col(k.Type, k.Name))
	}
	cols = append(cols, col("timestamptz", EventTimestamp))
	for _, f := range r.Features {
		cols = append(cols, col(f.Type, f.Column))
	}
	name := pgx.Identifier{r.Name}.Sanitize()
	return fmt.Sprintf("CREATE VIEW %s.%s AS SELECT %s WHERE %s", schema, name, strings.Join(cols, ", "), guard)
}

// sortedViews lists views by name, so that the relation of every feature
// has a stable column order.
func sortedViews(views map[string]*FeatureView) []*FeatureView {
	out := make([]*FeatureView, 0, len(views))
	for _, v := range views {
		out = append(out, v)
	}
	sortByName(out)
	return out
}
