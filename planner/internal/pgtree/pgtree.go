// Package pgtree holds what several planner packages need of PostgreSQL's
// parse trees (pg_query) and query texts: a walk over every node of a tree,
// the character position of a byte offset, as PostgreSQL counts positions
// in its errors, and the value of a constant.
package pgtree

import (
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Walk visits m and every message below it, depth first, while fn returns true.
func Walk(m protoreflect.Message, fn func(protoreflect.Message) bool) bool {
	if !fn(m) {
		return false
	}
	cont := true
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && cont; i++ {
				cont = Walk(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil && !fd.IsMap():
			cont = Walk(v.Message(), fn)
		}
		return cont
	})
	return cont
}

// CharOffset converts a byte offset in sql into a count of characters.
func CharOffset(sql string, byteOff int) int {
	if byteOff > len(sql) {
		byteOff = len(sql)
	}
	return utf8.RuneCountInString(sql[:byteOff])
}

// ConstantValue returns the value of a constant node as the planner reads
// constants, through a type cast: strings as string, integers as int64,
// other numbers as their text, booleans as bool, NULL as nil. ok is false
// for anything else.
func ConstantValue(n *pg_query.Node) (v any, ok bool) {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	c := n.GetAConst()
	switch {
	case c == nil:
		return nil, false
	case c.Isnull:
		return nil, true
	case c.GetSval() != nil:
		return c.GetSval().Sval, true
	case c.GetIval() != nil:
		return int64(c.GetIval().Ival), true
	case c.GetFval() != nil:
		return c.GetFval().Fval, true
	case c.GetBoolval() != nil:
		return c.GetBoolval().Boolval, true
	}
	return nil, false
}

// HasParams reports whether n holds a parameter reference ($1).
func HasParams(n *pg_query.Node) bool {
	found := false
	Walk(n.ProtoReflect(), func(m protoreflect.Message) bool {
		if _, ok := m.Interface().(*pg_query.ParamRef); ok {
			found = true
		}
		return !found
	})
	return found
}
