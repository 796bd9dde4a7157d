package planner

import (
	"context"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/internal/spell"
)

// Suggest returns the feature relation of session s's project that name,
// a relation the offline store does not know, was probably meant to be;
// "" when none is close. Only relations the user may describe are named,
// as SHOW lists them.
func (p *Planner) Suggest(ctx context.Context, s plan.Session, name string) string {
	cv, err := p.catalogs.View(ctx, s.Database)
	if err != nil || cv == nil {
		return ""
	}
	sn, who := cv.Snapshot(), s.Who()
	var names []string
	for _, v := range sn.Views {
		if access.Describable(sn, who, v) {
			names = append(names, v.Name)
		}
	}
	if len(names) > 0 && sn.Find(catalog.KindFeatureView, catalog.AllFeatures) == nil {
		names = append(names, catalog.AllFeatures)
	}
	for _, fs := range sn.Services {
		if access.Describable(sn, who, fs) {
			names = append(names, fs.Name)
		}
	}
	return spell.Nearest(name, names)
}
