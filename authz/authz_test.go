package authz

import (
	"strings"
	"testing"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

func TestCheck(t *testing.T) {
	perms := []*catalog.Permission{
		{Name: "ds_read", Kinds: []catalog.Kind{catalog.KindFeatureView}, Pattern: "driver_.*",
			Actions: []string{catalog.ActionReadOnline, catalog.ActionDescribe}, Roles: []string{"data_scientist"}},
		{Name: "pii", Kinds: []catalog.Kind{catalog.KindFeatureView, catalog.KindFeatureService},
			Tags: []catalog.Tag{{Key: "pii", Value: "true"}}, Actions: []string{catalog.ActionReadOffline}, Roles: []string{"auditor"}},
		{Name: "etl_mat", Kinds: []catalog.Kind{catalog.KindFeatureView}, Pattern: "orders",
			Actions: []string{catalog.ActionWriteOnline}, Roles: []string{"etl"}},
	}
	alice := Principal{User: "alice", Roles: []string{"data_scientist"}}
	bob := Principal{User: "bob"}
	etl := Principal{User: "etl", Roles: []string{"etl"}}
	root := Principal{User: "root", Admin: true}
	fv := func(name string, tags ...catalog.Tag) Object {
		return Object{Kind: catalog.KindFeatureView, Name: name, Tags: tags}
	}
	pii := catalog.Tag{Key: "pii", Value: "true"}
	for _, c := range []struct {
		who    Principal
		action string
		obj    Object
		ok     bool
		hint   string
	}{
		{alice, catalog.ActionReadOnline, fv("driver_stats"), true, ""},
		{bob, catalog.ActionReadOnline, fv("driver_stats"), false, "ds_read"},                     // covered, bob lacks the role
		{alice, catalog.ActionReadOffline, fv("driver_stats"), false, "ds_read"},                  // covered, action not allowed
		{bob, catalog.ActionReadOffline, fv("customer"), true, ""},                                // default policy reads
		{bob, catalog.ActionDescribe, Object{Kind: catalog.KindEntity, Name: "driver"}, true, ""}, // default policy describes
		{bob, catalog.ActionCreate, fv("customer"), false, "only administrators"},                 // default policy: no changes
		{alice, catalog.ActionDelete, Object{Kind: catalog.KindProject, Name: "p"}, false, "only administrators"},
		{bob, catalog.ActionReadOffline, fv("customer", pii), false, "pii"}, // tag match governs
		{Principal{User: "a", Roles: []string{"auditor"}}, catalog.ActionReadOffline, fv("customer", pii), true, ""},
		{etl, catalog.ActionWriteOnline, fv("orders"), true, ""},
		{etl, catalog.ActionWriteOnline, fv("orders_v2"), false, "only administrators"}, // pattern matches whole names
		{root, catalog.ActionDelete, Object{Kind: catalog.KindProject, Name: "p"}, true, ""},
	} {
		err := Check(c.who, perms, c.action, c.obj)
		if (err == nil) != c.ok {
			t.Errorf("%s %s %s: got %v, want allowed=%v", c.who.User, c.action, c.obj, err, c.ok)
			continue
		}
		if err == nil {
			continue
		}
		var fe *featuregate.Error
		if featuregate.KindOf(err) != featuregate.KindPermission || !asError(err, &fe) ||
			!strings.Contains(fe.Message, c.action) || !strings.Contains(fe.Hint, c.hint) {
			t.Errorf("%s %s %s: error %q hint %q, want the action and a hint containing %q", c.who.User, c.action, c.obj, err, fe.Hint, c.hint)
		}
	}
}

func asError(err error, fe **featuregate.Error) bool {
	e, ok := err.(*featuregate.Error)
	*fe = e
	return ok
}

func TestAdmin(t *testing.T) {
	if Admin(Principal{Admin: true}, "x") != nil || featuregate.KindOf(Admin(Principal{User: "u"}, "manage permissions")) != featuregate.KindPermission {
		t.Fatal("Admin")
	}
}
