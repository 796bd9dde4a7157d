package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/internal/plantest"
)

// TestPlanGolden runs testdata/plan: "plan" shows how each statement of a
// query string runs (forwarded text after rewriting, local statement with
// its columns and parameters, or refusal). Run with -rewrite to update.
func TestPlanGolden(t *testing.T) {
	cv := plantest.Catalog(t)
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
