package catalog

import (
	"slices"
	"strings"
)

// sortByName sorts objs by name, in byte order.
func sortByName[T Object](objs []T) {
	slices.SortFunc(objs, func(a, b T) int { return strings.Compare(a.ObjectName(), b.ObjectName()) })
}

// Find returns the object of that kind and name, or nil.
func (sn *Snapshot) Find(kind Kind, name string) Object {
	switch kind {
	case KindEntity:
		return findByName(sn.Entities, name)
	case KindSource:
		return findByName(sn.Sources, name)
	case KindFeatureView:
		return findByName(sn.Views, name)
	case KindFeatureService:
		return findByName(sn.Services, name)
	case KindPermission:
		return findByName(sn.Permissions, name)
	case KindDataset:
		return findByName(sn.Datasets, name)
	}
	return nil
}

func findByName[T Object](objs []T, name string) Object {
	for _, o := range objs {
		if o.ObjectName() == name {
			return o
		}
	}
	return nil
}

// Objects returns every object of the snapshot in dependency order:
// entities, sources, feature views, feature services, permissions.
func (sn *Snapshot) Objects() []Object {
	out := make([]Object, 0, len(sn.Entities)+len(sn.Sources)+len(sn.Views)+len(sn.Services)+len(sn.Permissions))
	for _, e := range sn.Entities {
		out = append(out, e)
	}
	for _, s := range sn.Sources {
		out = append(out, s)
	}
	for _, v := range sn.Views {
		out = append(out, v)
	}
	for _, s := range sn.Services {
		out = append(out, s)
	}
	for _, p := range sn.Permissions {
		out = append(out, p)
	}
	return out
}
