package catalogview

import (
	"strconv"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
)

// PitView describes feature view name for package pit, without
// features; nil when the view, its source or its entity is not defined.
func (cv *View) PitView(name string) *pit.View {
	fv, _ := cv.snap.Find(catalog.KindFeatureView, name).(*catalog.FeatureView)
	if fv == nil {
		return nil
	}
	src, _ := cv.snap.Find(catalog.KindSource, fv.Source).(*catalog.Source)
	ent, _ := cv.snap.Find(catalog.KindEntity, fv.Entity).(*catalog.Entity)
	if src == nil || ent == nil {
		return nil
	}
	v := &pit.View{Name: fv.Name, TTL: absoluteTTL(fv), Indexed: cv.indexed[fv.Name],
		Source: pit.Source{From: sourceFrom(src), TS: src.TimestampColumn, Created: src.CreatedColumn}}
	for _, k := range ent.Keys {
		v.Keys = append(v.Keys, k.Name)
	}
	for _, f := range fv.Features {
		if f.Check != "" {
			v.Checks = append(v.Checks, f.Check)
		}
	}
	return v
}

// sourceFrom is a source as a FROM item.
func sourceFrom(src *catalog.Source) string {
	if src.Table != "" {
		return src.Table
	}
	return "(" + src.Query + ")"
}

// absoluteTTL writes a view's TTL as an exact duration in seconds, so that
// a TTL of days means the same in every session time zone (PostgreSQL
// subtracts '1 day' as a calendar day, 23 or 25 hours across a daylight
// saving change); months count 30 days, as in the online store.
func absoluteTTL(fv *catalog.FeatureView) string {
	d, err := TTL(fv)
	if err != nil || d == 0 {
		return fv.TTL // checked at CREATE; kept as written otherwise
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
}
