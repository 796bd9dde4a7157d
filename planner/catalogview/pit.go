package catalogview

import (
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
	v := &pit.View{Name: fv.Name, TTL: fv.TTL, Indexed: cv.indexed[fv.Name],
		Source: pit.Source{From: sourceFrom(src), TS: src.TimestampColumn, Created: src.CreatedColumn}}
	if tt, ok := cv.times[fv.Name]; ok {
		v.Source.TSType, _ = pit.TimeTypeOf(tt.TS) // validation checked it is one of the three
		if tt.Created != 0 {
			v.Source.CreatedType, _ = pit.TimeTypeOf(tt.Created)
		}
	}
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
