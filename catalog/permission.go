package catalog

import (
	"regexp"
	"strings"
)

// KindPermission is the kind of a Permission; KindProject names a project
// as the object of a permission.
const (
	KindPermission Kind = "PERMISSION"
	KindProject    Kind = "PROJECT"
)

// PermissionKinds are the kinds of object a permission can cover.
var PermissionKinds = []Kind{KindEntity, KindSource, KindFeatureView, KindFeatureService, KindProject}

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
