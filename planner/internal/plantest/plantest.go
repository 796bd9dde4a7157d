// Package plantest holds the fixtures the tests of the planner's packages
// share.
package plantest

import (
	"testing"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Catalog is the catalog of the planner's golden files (planner's
// testdata/plan) and of the AS OF tests: the StreamFlow views (two
// indexed, one not), a view of another entity, and a service.
func Catalog(t testing.TB) *catalogview.View {
	t.Helper()
	var objs []catalog.Object
	for _, stmt := range []string{
		`CREATE ENTITY "user" (user_id text)`,
		`CREATE ENTITY item (item_id bigint)`,
		`CREATE SOURCE subs TIMESTAMP COLUMN as_of AS TABLE subscriptions_profile_snapshots`,
		`CREATE SOURCE usage TIMESTAMP COLUMN as_of CREATED COLUMN loaded_at AS SELECT * FROM usage_agg_30d_snapshots`,
		`CREATE SOURCE items TIMESTAMP COLUMN ts AS TABLE item_stats`,
		`CREATE FEATURE VIEW subs_profile_fv (months_active bigint, monthly_fee real, x bigint) ENTITY "user" SOURCE subs`,
		`CREATE FEATURE VIEW usage_fv (watch_hours_30d double precision, x bigint) ENTITY "user" SOURCE usage TTL INTERVAL '30 days'`,
		`CREATE FEATURE VIEW item_fv (price numeric) ENTITY item SOURCE items`,
		`CREATE FEATURE SERVICE churn_v1 AS subs_profile_fv.months_active, usage_fv.*`,
	} {
		d, ok, err := ddl.Parse(stmt)
		if !ok || err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		objs = append(objs, d.(*ddl.CreateStmt).Object)
	}
	snap := &catalog.Snapshot{Project: "streamflow", Version: 1}
	for _, o := range objs {
		switch o := o.(type) {
		case *catalog.Entity:
			snap.Entities = append(snap.Entities, o)
		case *catalog.Source:
			snap.Sources = append(snap.Sources, o)
		case *catalog.FeatureView:
			snap.Views = append(snap.Views, o)
		case *catalog.FeatureService:
			snap.Services = append(snap.Services, o)
		}
	}
	return catalogview.New(snap, map[string]bool{"subs_profile_fv": true, "item_fv": true}, 1)
}
