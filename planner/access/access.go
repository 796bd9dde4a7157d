// Package access applies a project's permissions (package authz, Feast's
// model) to what a statement or a request is about to do: the planner
// asks it before it plans a catalog change, an AS OF read, a lookup or a
// materialization, and the lookup reader asks it for HTTP requests. It
// also decides which projects a user may open.
package access

import (
	"context"
	"slices"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/authz"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Principal is who as package authz sees it.
func Principal(who plan.Identity) authz.Principal {
	return authz.Principal{User: who.User, Roles: who.Roles, Admin: who.Admin}
}

// Object is obj as a permission matches it: its kind, name and tags.
func Object(obj catalog.Object) authz.Object {
	o := authz.Object{Kind: obj.Kind(), Name: obj.ObjectName()}
	if v, ok := obj.(*catalog.FeatureView); ok {
		o.Tags = v.Tags
	}
	return o
}

// named is the object of that kind and name in the snapshot, or one
// without tags when the snapshot has none (a project, a new object).
func named(sn *catalog.Snapshot, kind catalog.Kind, name string) authz.Object {
	if sn != nil {
		if obj := sn.Find(kind, name); obj != nil {
			return Object(obj)
		}
	}
	return authz.Object{Kind: kind, Name: name}
}

func permissions(sn *catalog.Snapshot) []*catalog.Permission {
	if sn == nil {
		return nil
	}
	return sn.Permissions
}

// Check returns nil when who may do action to every named object of kind
// in the snapshot's project, and the first refusal otherwise.
func Check(sn *catalog.Snapshot, who plan.Identity, action string, kind catalog.Kind, names ...string) error {
	for _, name := range names {
		if err := authz.Check(Principal(who), permissions(sn), action, named(sn, kind, name)); err != nil {
			return err
		}
	}
	return nil
}

// CheckObject is Check for an object that may not be stored yet (one a
// CREATE is about to store).
func CheckObject(sn *catalog.Snapshot, who plan.Identity, action string, obj catalog.Object) error {
	return authz.Check(Principal(who), permissions(sn), action, Object(obj))
}

// Describable reports whether who may describe obj (SHOW lists).
func Describable(sn *catalog.Snapshot, who plan.Identity, obj catalog.Object) bool {
	return authz.Allowed(Principal(who), permissions(sn), catalog.ActionDescribe, Object(obj))
}

// Admin returns nil for administrators and a refusal naming what only
// they may do otherwise.
func Admin(who plan.Identity, what string) error {
	return authz.Admin(Principal(who), what)
}

// Projects lists the projects that hold definitions.
type Projects interface {
	Projects(ctx context.Context) ([]string, error)
}

// Open checks that who may open project: one of the user's projects
// (every one when the user is bound to none), and one that exists, unless
// create is set and the user is an administrator, who may create it.
func Open(ctx context.Context, reg Projects, who plan.Identity, project string, create bool) error {
	if who.Projects != nil && !slices.Contains(who.Projects, project) {
		return featuregate.Errorf(featuregate.KindPermission, "permission denied: user %q may not open project %q", who.User, project).
			WithHint("the projects of %q are %s; connect to one of them, or ask an administrator to add the project to the user's projects in featuregate.yaml",
				who.User, list(who.Projects))
	}
	if (create && who.Admin) || reg == nil {
		return nil
	}
	names, err := reg.Projects(ctx)
	if err != nil {
		return featuregate.Errorf(featuregate.KindUnavailable, "cannot read the registry's projects: %v", err)
	}
	if slices.Contains(names, project) {
		return nil
	}
	return &featuregate.Error{Kind: featuregate.KindUndefinedProject,
		Message: "project \"" + project + "\" does not exist",
		Hint:    "the database name of a connection is its project; the projects are " + list(names)}
}

func list(names []string) string {
	if len(names) == 0 {
		return "none yet"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// ViewOf is cv's snapshot, nil when there is no catalog.
func ViewOf(cv *catalogview.View) *catalog.Snapshot {
	if cv == nil {
		return nil
	}
	return cv.Snapshot()
}
