package planner

import (
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
)

// authorize checks a featuregate statement against the permissions of the
// session's project (sn, nil without a catalog): what it would create,
// change, drop or materialize. SHOW is filtered when it runs instead.
func authorize(sn *catalog.Snapshot, s plan.Session, stmt ddl.Statement) error {
	who := s.Who()
	switch d := stmt.(type) {
	case *ddl.CreateStmt:
		return authorizeCreate(sn, who, d)
	case *ddl.DropStmt:
		if d.Kind == catalog.KindPermission {
			return access.Admin(who, "drop permissions")
		}
		return access.Check(sn, who, catalog.ActionDelete, d.Kind, existing(sn, d.Kind, d.Names)...)
	case *ddl.CommentStmt:
		if d.Kind == catalog.KindPermission {
			return access.Admin(who, "comment on permissions")
		}
		return access.Check(sn, who, catalog.ActionUpdate, d.Kind, d.Name)
	case *ddl.RefreshStmt:
		return access.Check(sn, who, catalog.ActionUpdate, catalog.KindSource, d.Name)
	case *ddl.AlterSourceStmt:
		return access.Check(sn, who, catalog.ActionUpdate, catalog.KindSource, d.Name)
	case *ddl.MaterializeStmt:
		return access.Check(sn, who, catalog.ActionWriteOnline, catalog.KindFeatureView, materialized(sn, d)...)
	case *ddl.DropProjectStmt:
		return access.Check(sn, who, catalog.ActionDelete, catalog.KindProject, s.Database)
	}
	return nil
}

// authorizeCreate needs CREATE on a new object; replacing one needs
// UPDATE on it as it is and as it will be (so that changing its tags
// cannot take it out of a permission's reach).
func authorizeCreate(sn *catalog.Snapshot, who plan.Identity, d *ddl.CreateStmt) error {
	obj := d.Object
	if obj.Kind() == catalog.KindPermission {
		return access.Admin(who, "create permissions")
	}
	if sn == nil || sn.Find(obj.Kind(), obj.ObjectName()) == nil {
		return access.CheckObject(sn, who, catalog.ActionCreate, obj)
	}
	if err := access.Check(sn, who, catalog.ActionUpdate, obj.Kind(), obj.ObjectName()); err != nil {
		return err
	}
	return access.CheckObject(sn, who, catalog.ActionUpdate, obj)
}

// existing keeps the names of objects of kind the snapshot holds: dropping
// what does not exist changes nothing (and is refused as such).
func existing(sn *catalog.Snapshot, kind catalog.Kind, names []string) []string {
	var out []string
	for _, n := range names {
		if sn != nil && sn.Find(kind, n) != nil {
			out = append(out, n)
		}
	}
	return out
}

// materialized lists the views a MATERIALIZE writes: those it names, or
// every online view.
func materialized(sn *catalog.Snapshot, d *ddl.MaterializeStmt) []string {
	if len(d.Views) > 0 || sn == nil {
		return d.Views
	}
	var out []string
	for _, v := range sn.Views {
		if v.Online {
			out = append(out, v.Name)
		}
	}
	return out
}
