package ddl

import (
	"slices"
	"strings"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// permission parses the rest of CREATE PERMISSION: name ON kind [, ...]
// [MATCHING 'pattern'] [TAGS (key = 'value', ...)] ALLOW action [, ...] | ALL
// TO role [, ...] [COMMENT 'text'].
func (p *parser) permission() (catalog.Object, error) {
	perm := &catalog.Permission{}
	var err error
	if perm.Name, err = p.name("a permission name"); err != nil {
		return nil, err
	}
	if err := p.expectWord("on", "ON and the kinds of object it covers"); err != nil {
		return nil, err
	}
	if perm.Kinds, err = p.permissionKinds(); err != nil {
		return nil, err
	}
	if p.accept("matching") {
		t := p.peek()
		if perm.Pattern, err = p.str("a regular expression in a string constant"); err != nil {
			return nil, err
		}
		if _, err := catalog.CompilePattern(perm.Pattern); err != nil {
			return nil, p.errAt(featuregate.KindInvalid, t, "invalid name pattern: "+err.Error(),
				"write a regular expression (RE2 syntax) that whole names must match, such as 'driver_.*'")
		}
	}
	if p.accept("tags") {
		if perm.Tags, err = p.tags(); err != nil {
			return nil, err
		}
	}
	if err := p.expectWord("allow", "ALLOW and the actions it allows"); err != nil {
		return nil, err
	}
	if perm.Actions, err = p.actions(); err != nil {
		return nil, err
	}
	if err := p.expectWord("to", "TO and the roles it allows them to"); err != nil {
		return nil, err
	}
	for more := true; more; more = p.acceptPunct(',') {
		role, err := p.name("a role name")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(perm.Roles, role) {
			perm.Roles = append(perm.Roles, role)
		}
	}
	if perm.Comment, err = p.optComment(); err != nil {
		return nil, err
	}
	return perm, p.end()
}

// permissionKinds parses kind [, ...], where a kind is one of the catalog's,
// DATASET or PROJECT.
func (p *parser) permissionKinds() ([]catalog.Kind, error) {
	var kinds []catalog.Kind
	for more := true; more; more = p.acceptPunct(',') {
		var k catalog.Kind
		switch {
		case p.accept("project"):
			k = catalog.KindProject
		case p.is("permission"):
			return nil, p.errExpected("ENTITY, SOURCE, FEATURE VIEW, FEATURE SERVICE or PROJECT")
		default:
			var err error
			if k, err = p.datasetOrKind(); err != nil {
				return nil, err
			}
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

// actions parses action [, ...] or ALL, in Feast's spelling.
func (p *parser) actions() ([]string, error) {
	if p.accept("all") {
		return slices.Clone(catalog.Actions), nil
	}
	var actions []string
	for more := true; more; more = p.acceptPunct(',') {
		t := p.next()
		a := strings.ToUpper(t.word)
		if !slices.Contains(catalog.Actions, a) {
			return nil, p.syntaxErr(t, "an action: "+strings.Join(catalog.Actions, ", ")+", or ALL")
		}
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	return actions, nil
}
