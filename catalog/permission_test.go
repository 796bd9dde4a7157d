package catalog

import (
	"context"
	"reflect"
	"testing"

	"github.com/featuregate/featuregate"
)

func TestPermissionsStored(t *testing.T) {
	dsn := streamFlowDB(t)
	s := openStore(t, dsn)
	objs := streamFlow()
	perm := &Permission{Name: "subs_profile_fv", Kinds: []Kind{KindFeatureView, KindProject}, Pattern: "subs_.*",
		Tags: []Tag{{"owner", "mlops-course"}}, Actions: []string{ActionReadOnline}, Roles: []string{"ds", "ML Ops"}, Comment: "c"}
	mustApply(t, s, "p", creates(OpCreate, append(objs, perm)...)...)
	snap := mustSnapshot(t, s, "p")
	if len(snap.Permissions) != 1 || !reflect.DeepEqual(snap.Permissions[0], perm) {
		t.Fatalf("stored %#v, want %#v", snap.Permissions, perm)
	}
	// Permissions have a namespace of their own: the permission above is
	// named like a feature view of the project.
	if snap.Find(KindFeatureView, "subs_profile_fv") == nil || snap.Find(KindPermission, "subs_profile_fv") == nil {
		t.Fatal("a permission and a feature view of one name should both be stored")
	}
	if got := Diff(snap, append(streamFlow(), perm)); len(got) != 0 {
		t.Fatalf("diff of an unchanged repo: %v", got)
	}
	changed := *perm
	changed.Actions = []string{ActionReadOnline, ActionReadOffline}
	d := Diff(snap, append(streamFlow(), &changed))
	if len(d) != 1 || d[0].Op != OpCreateOrReplace || d[0].Object.Kind() != KindPermission {
		t.Fatalf("diff of a changed permission: %v", d)
	}
	mustApply(t, s, "p", Change{Op: OpDrop, Kind: KindPermission, Name: perm.Name})
	if got := mustSnapshot(t, s, "p").Permissions; len(got) != 0 {
		t.Fatalf("dropped permission still there: %v", got)
	}
}

func TestPermissionInvalid(t *testing.T) {
	dsn := newDB(t)
	s := openStore(t, dsn)
	for _, p := range []*Permission{
		{Name: "a", Kinds: []Kind{KindFeatureView}, Actions: []string{ActionReadOnline}},                                     // no roles
		{Name: "b", Kinds: []Kind{KindPermission}, Actions: []string{ActionReadOnline}, Roles: []string{"r"}},                // bad kind
		{Name: "c", Kinds: []Kind{KindFeatureView}, Actions: []string{"READ"}, Roles: []string{"r"}},                         // bad action
		{Name: "d", Kinds: []Kind{KindFeatureView}, Pattern: "(", Actions: []string{ActionReadOnline}, Roles: []string{"r"}}, // bad pattern
	} {
		_, err := s.Apply(context.Background(), "p", "t", p.SQL(), []Change{{Op: OpCreate, Object: p}})
		if featuregate.KindOf(err) != featuregate.KindInvalid {
			t.Errorf("%s: got %v, want an invalid-definition error", p.SQL(), err)
		}
	}
}
