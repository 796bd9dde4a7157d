// Package authz decides whether a user may act on a feature store object,
// with Feast's permission model: a permission (catalog.Permission) names
// the kinds of object it covers, optionally a name pattern and required
// tags, the actions it allows, and the roles it allows them to. The
// package is pure: it holds no state and reads nothing; the planner and the
// HTTP API give it the user, the project's permissions and the object.
//
// The rules, for a user who is not an administrator:
//
//   - The permissions that match an object (its kind is listed, its whole
//     name matches the pattern, it carries every required tag) govern it:
//     an action is allowed when one of them allows it to a role the user
//     holds.
//   - An object that no permission matches falls under the default policy:
//     every user may DESCRIBE it and read it (READ_ONLINE, READ_OFFLINE);
//     only administrators create, update, delete or write it.
//
// Administrators may do everything, including managing permissions.
package authz

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// Object is what an action is done to: a catalog object, or a project.
type Object struct {
	Kind catalog.Kind
	Name string
	Tags []catalog.Tag
}

func (o Object) String() string {
	return strings.ToLower(string(o.Kind)) + " " + catalog.QuoteIdent(o.Name)
}

// Principal is who acts: a user, the roles it holds, and whether it
// administers the gateway.
type Principal struct {
	User  string
	Roles []string
	Admin bool
}

// Matches reports whether p covers o.
func Matches(p *catalog.Permission, o Object) bool {
	if !slices.Contains(p.Kinds, o.Kind) {
		return false
	}
	if p.Pattern != "" {
		re, err := compiled(p.Pattern)
		if err != nil || !re.MatchString(o.Name) {
			return false
		}
	}
	for _, want := range p.Tags {
		if !slices.Contains(o.Tags, want) {
			return false
		}
	}
	return true
}

// patterns caches compiled name patterns: every lookup and AS OF read is
// checked, and a pattern is compiled once rather than on every check.
var patterns sync.Map // pattern -> *regexp.Regexp

func compiled(pattern string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := catalog.CompilePattern(pattern)
	if err != nil {
		return nil, err
	}
	patterns.Store(pattern, re)
	return re, nil
}

// defaultAllows is the policy for objects no permission matches.
func defaultAllows(action string) bool {
	return action == catalog.ActionDescribe || action == catalog.ActionReadOnline || action == catalog.ActionReadOffline
}

// Check returns nil when who may do action to o under perms, and otherwise
// an error of kind KindPermission that names the user, the action and the
// object, and says what would allow it.
func Check(who Principal, perms []*catalog.Permission, action string, o Object) error {
	if who.Admin {
		return nil
	}
	var matched []string
	for _, p := range perms {
		if !Matches(p, o) {
			continue
		}
		matched = append(matched, p.Name)
		if slices.Contains(p.Actions, action) && holdsAny(who.Roles, p.Roles) {
			return nil
		}
	}
	if len(matched) == 0 && defaultAllows(action) {
		return nil
	}
	err := featuregate.Errorf(featuregate.KindPermission, "permission denied: user %q may not %s %s", who.User, action, o)
	if len(matched) == 0 {
		return err.WithHint("no permission covers it, and without one only administrators may %s it: "+
			"an administrator can CREATE PERMISSION … ON %s … ALLOW %s TO <role>", action, o.Kind, action)
	}
	return err.WithHint("the permissions that cover it (%s) allow %s to none of the roles of %q (%s)",
		strings.Join(matched, ", "), action, who.User, rolesText(who.Roles))
}

// Allowed reports whether Check would allow it.
func Allowed(who Principal, perms []*catalog.Permission, action string, o Object) bool {
	return Check(who, perms, action, o) == nil
}

// Admin returns nil for administrators, and otherwise an error saying
// that only administrators may do what is described (e.g. "manage
// permissions").
func Admin(who Principal, what string) error {
	if who.Admin {
		return nil
	}
	return featuregate.Errorf(featuregate.KindPermission, "permission denied: only administrators may %s, and user %q is not one", what, who.User).
		WithHint("give the user access: admin in featuregate.yaml")
}

func holdsAny(have, want []string) bool {
	for _, r := range want {
		if slices.Contains(have, r) {
			return true
		}
	}
	return false
}

func rolesText(roles []string) string {
	if len(roles) == 0 {
		return "none"
	}
	return strings.Join(roles, ", ")
}
