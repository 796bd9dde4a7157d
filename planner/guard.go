package planner

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// A read-only session logs in to the offline PostgreSQL as a role that may
// read the granted schemas and create temporary tables, and nothing more:
// PostgreSQL itself refuses writes, with its own messages. The guard
// refuses the few statements that could change the session's role: defence
// in depth, since that role is a member of no other.

// protectedSettings are the settings that would change who the session is.
var protectedSettings = map[string]bool{
	"role":                  true,
	"session_authorization": true,
}

const readOnlyHint = "this user reads the offline store read-only; an administrator can grant access: read-write to the user in featuregate.yaml"

func guardReadOnly(n *pg_query.Node) error {
	switch {
	case n.GetVariableSetStmt() != nil:
		name := strings.ToLower(n.GetVariableSetStmt().Name)
		if protectedSettings[name] {
			return refuse("changing %s is not allowed in a read-only session", name)
		}
	case n.GetDoStmt() != nil:
		return refuse("DO blocks are not allowed in a read-only session")
	case n.GetCreateFunctionStmt() != nil:
		return refuse("creating functions or procedures is not allowed in a read-only session")
	}
	if fc := findSetConfig(n); fc != nil {
		return refuse("set_config() on %s is not allowed in a read-only session", setConfigTarget(fc))
	}
	return nil
}

func refuse(format string, args ...any) error {
	return featuregate.Errorf(featuregate.KindPermission, format, args...).WithHint(readOnlyHint)
}

// findSetConfig returns the first call of set_config that could change a
// protected setting, anywhere in the tree (subqueries, CTEs, cursors,
// PREPARE bodies).
func findSetConfig(n *pg_query.Node) *pg_query.FuncCall {
	var found *pg_query.FuncCall
	pgtree.Walk(n.ProtoReflect(), func(m protoreflect.Message) bool {
		fc, ok := m.Interface().(*pg_query.FuncCall)
		if ok && isSetConfig(fc) && setConfigTarget(fc) != "a constant setting" {
			found = fc
			return false
		}
		return found == nil
	})
	return found
}

func isSetConfig(fc *pg_query.FuncCall) bool {
	if len(fc.Funcname) == 0 {
		return false
	}
	last := fc.Funcname[len(fc.Funcname)-1].GetString_()
	return last != nil && strings.EqualFold(last.Sval, "set_config")
}

// setConfigTarget names what a set_config call changes: a protected setting,
// "a computed setting" when the name is not a constant, or "a constant
// setting" for any other literal name.
func setConfigTarget(fc *pg_query.FuncCall) string {
	if len(fc.Args) == 0 {
		return "a computed setting"
	}
	c := fc.Args[0].GetAConst()
	if c == nil || c.GetSval() == nil {
		return "a computed setting"
	}
	name := strings.ToLower(strings.TrimSpace(c.GetSval().Sval))
	if protectedSettings[name] {
		return name
	}
	return "a constant setting"
}
