package catalog

import (
	"regexp"
	"slices"
	"strings"

	"github.com/featuregate/featuregate"
)

// KindPermission is the kind of a Permission; KindProject names a project
// as the object of a permission.
const (
	KindPermission Kind = "PERMISSION"
	KindProject    Kind = "PROJECT"
)

// PermissionKinds are the kinds of object a permission can cover.
var PermissionKinds = []Kind{KindEntity, KindSource, KindFeatureView, KindFeatureService, KindDataset, KindProject}

// The actions of Feast's permission model, as a Permission spells them.
const (
	ActionCreate       = "CREATE"
	ActionDescribe     = "DESCRIBE"
	ActionUpdate       = "UPDATE"
	ActionDelete       = "DELETE"
	ActionReadOnline   = "READ_ONLINE"
	ActionReadOffline  = "READ_OFFLINE"
	ActionWriteOnline  = "WRITE_ONLINE"
	ActionWriteOffline = "WRITE_OFFLINE"
)

// Actions lists every action, in the order Feast documents them.
var Actions = []string{ActionCreate, ActionDescribe, ActionUpdate, ActionDelete,
	ActionReadOnline, ActionReadOffline, ActionWriteOnline, ActionWriteOffline}

// Permission allows Actions on the objects of Kinds whose name matches
// Pattern and that carry every tag of Tags, to the users holding one of
// Roles (Feast's Permission with a role-based policy).
type Permission struct {
	Name    string
	Kinds   []Kind
	Pattern string // a regular expression a name must match whole; "" matches every name
	Tags    []Tag
	Actions []string
	Roles   []string
	Comment string
}

// Kind implements Object.
func (p *Permission) Kind() Kind { return KindPermission }

// ObjectName implements Object.
func (p *Permission) ObjectName() string { return p.Name }

// SQL implements Object: CREATE PERMISSION name ON kind [, ...]
// [MATCHING 'pattern'] [TAGS (key = 'value', ...)] ALLOW action [, ...]
// TO role [, ...] [COMMENT '...'].
func (p *Permission) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE PERMISSION " + QuoteIdent(p.Name) + " ON ")
	for i, k := range p.Kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
	}
	if p.Pattern != "" {
		b.WriteString(" MATCHING " + QuoteLiteral(p.Pattern))
	}
	writeTags(&b, p.Tags)
	b.WriteString(" ALLOW " + strings.Join(p.Actions, ", ") + " TO ")
	for i, r := range p.Roles {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(r))
	}
	writeComment(&b, p.Comment)
	return b.String()
}

// CompilePattern compiles a permission's name pattern (RE2 syntax),
// anchored so that it must match a whole name.
func CompilePattern(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err // reported as written, not anchored
	}
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

// checkPermission validates a permission: kinds, actions and roles given
// and known, and a pattern that compiles.
func checkPermission(p *Permission) error {
	if len(p.Kinds) == 0 || len(p.Actions) == 0 || len(p.Roles) == 0 {
		return featuregate.Errorf(featuregate.KindInvalid, "permission %q needs kinds of object, actions and roles", p.Name)
	}
	for _, k := range p.Kinds {
		if !slices.Contains(PermissionKinds, k) {
			return featuregate.Errorf(featuregate.KindInvalid, "permission %q: %q is not a kind of object a permission covers", p.Name, k)
		}
	}
	for _, a := range p.Actions {
		if !slices.Contains(Actions, a) {
			return featuregate.Errorf(featuregate.KindInvalid, "permission %q: %q is not an action", p.Name, a).
				WithHint("the actions are %s", strings.Join(Actions, ", "))
		}
	}
	for _, r := range p.Roles {
		if r == "" {
			return featuregate.Errorf(featuregate.KindInvalid, "permission %q: a role has an empty name", p.Name)
		}
	}
	if _, err := CompilePattern(p.Pattern); err != nil {
		return featuregate.Errorf(featuregate.KindInvalid, "permission %q: invalid name pattern %q: %v", p.Name, p.Pattern, err)
	}
	return nil
}
