package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// testCatalog is the catalog of the golden files of testdata/plan: the
// StreamFlow views (two indexed, one not), a view of another entity, and
// a service.
func testCatalog(t *testing.T) *catalogview.View {
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

// TestPlanGolden runs testdata/plan: "plan" shows how each statement of a
// query string runs (forwarded text after rewriting, local statement with
// its columns and parameters, or refusal). Run with -rewrite to update.
func TestPlanGolden(t *testing.T) {
	cv := testCatalog(t)
	p := New(nil)
	datadriven.Walk(t, "testdata/plan", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "plan" {
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			}
			pl := p.plan(context.Background(), plan.Session{Database: "streamflow", ReadOnly: true}, cv, d.Input)
			return describePlan(pl)
		})
	})
}

func describePlan(pl *plan.Plan) string {
	var b strings.Builder
	for _, st := range pl.Statements {
		switch {
		case st.Refusal != nil:
			var fe *featuregate.Error
			if errors.As(st.Refusal, &fe) {
				fmt.Fprintf(&b, "refused kind=%d at %d: %s\n", fe.Kind, fe.Position, fe.Message)
				if fe.Hint != "" {
					fmt.Fprintf(&b, "hint: %s\n", fe.Hint)
				}
			} else {
				fmt.Fprintf(&b, "refused: %v\n", st.Refusal)
			}
		case st.Local != nil:
			fmt.Fprintf(&b, "local %s params=%v\n", st.Command, st.Local.Params())
			for _, c := range st.Local.Columns() {
				fmt.Fprintf(&b, "  column %s oid=%d\n", c.Name, c.OID)
			}
		default:
			fmt.Fprintf(&b, "forward: %s\n", st.SQL)
		}
		for _, n := range st.Notices {
			fmt.Fprintf(&b, "notice: %s\n", n)
		}
	}
	return b.String()
}
