// Package pgtree holds what several planner packages need of PostgreSQL's
// parse trees (pg_query) and query texts: a walk over every node of a tree,
// and the character position of a byte offset, as PostgreSQL counts
// positions in its errors.
package pgtree

import (
	"unicode/utf8"

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
