package planner

import (
	"context"
	"slices"

	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/internal/spell"
)

// Suggest returns the feature relation of session s's project that name,
// a relation the offline store does not know, was probably meant to be;
// "" when none is close.
func (p *Planner) Suggest(ctx context.Context, s plan.Session, name string) string {
	cv, err := p.catalogs.View(ctx, s.Database)
	if err != nil || cv == nil {
		return ""
	}
	var names []string
	for w := range cv.RelationWords() {
		names = append(names, w)
	}
	slices.Sort(names) // the same suggestion every time among equals
	return spell.Nearest(name, names)
}
