package catalog

// A feature view or a feature service is, to the user, a relation: the
// entity join keys, event_timestamp, then the features. A feature's column
// is its bare name when that is unique in the relation, and its full name
// <view>__<feature> otherwise.

// Relation is the shape of a feature view or service as a relation.
type Relation struct {
	Name     string
	Kind     Kind // KindFeatureView or KindFeatureService
	Keys     []Column
	Features []RelationFeature
}

// RelationFeature is one feature of a relation.
type RelationFeature struct {
	View    string
	Feature string
	Type    string
	Column  string // the column's name in the relation
}

// FullName is the feature's name that is unique in every relation.
func (f RelationFeature) FullName() string { return f.View + "__" + f.Feature }

// EventTimestamp is the name of every relation's timestamp column.
const EventTimestamp = "event_timestamp"

// Relation returns the relation of the feature view or service called
// name, or nil when there is none.
func (sn *Snapshot) Relation(name string) *Relation {
	lookup := func(n string) *FeatureView {
		v, _ := findByName(sn.Views, n).(*FeatureView)
		return v
	}
	entity := func(n string) *Entity {
		e, _ := findByName(sn.Entities, n).(*Entity)
		return e
	}
	if v := lookup(name); v != nil {
		return relationOf(v, entity, lookup)
	}
	if s, ok := findByName(sn.Services, name).(*FeatureService); ok {
		return relationOf(s, entity, lookup)
	}
	if name == AllFeatures && len(sn.Views) > 0 {
		return relationOf(allFeatures(sn.Views), entity, lookup)
	}
	return nil
}

// AllFeatures names the relation of every feature of a project, unless a
// view or service has that name.
const AllFeatures = "features"

// allFeatures is the service made of every feature of views.
func allFeatures(views []*FeatureView) *FeatureService {
	fs := &FeatureService{Name: AllFeatures}
	for _, v := range views {
		fs.Features = append(fs.Features, FeatureRef{View: v.Name, Feature: "*"})
	}
	return fs
}

// relationOf derives the relation of a view or service, given lookups
// that resolve entity and view names.
func relationOf(obj Object, entity func(string) *Entity, view func(string) *FeatureView) *Relation {
	r := &Relation{Name: obj.ObjectName(), Kind: obj.Kind()}
	var refs []FeatureRef
	switch o := obj.(type) {
	case *FeatureView:
		refs = []FeatureRef{{View: o.Name, Feature: "*"}}
	case *FeatureService:
		refs = o.Features
	}
	seenKey := map[string]bool{}
	for _, ref := range refs {
		v := view(ref.View)
		if v == nil {
			continue
		}
		if e := entity(v.Entity); e != nil {
			for _, k := range e.Keys {
				if !seenKey[k.Name] {
					seenKey[k.Name] = true
					r.Keys = append(r.Keys, k)
				}
			}
		}
		for _, f := range v.Features {
			if ref.Feature == "*" || ref.Feature == f.Name {
				r.Features = append(r.Features, RelationFeature{View: v.Name, Feature: f.Name, Type: f.Type})
			}
		}
	}
	count := map[string]int{}
	for _, f := range r.Features {
		count[f.Feature]++
	}
	for i, f := range r.Features {
		r.Features[i].Column = f.Feature
		if count[f.Feature] > 1 || seenKey[f.Feature] || f.Feature == EventTimestamp {
			r.Features[i].Column = f.FullName()
		}
	}
	return r
}
