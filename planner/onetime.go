package planner

import (
	"context"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// A read of a feature relation without AS OF that is not a key lookup
// (what BI tools send to preview and profile a table: SELECT * … LIMIT,
// count(*), filters on features, a cursor over it) is the one-time form at
// now(): the statement is read as if every feature relation in it were
// written `<relation> AS OF now()`, and runs on the offline store, every
// entity's latest values with all of PostgreSQL's SQL around them. A
// NOTICE says so.

// oneTimeNotice is the notice of a statement read in the one-time form.
const oneTimeNotice = "featuregate: %s read at now() on the offline PostgreSQL (the latest value of every entity in the sources); a lookup by key (WHERE key = …) is served from the online store"

// oneTime plans stmt, whose text is text (at byte loc of the query
// string, character offset offset), in the one-time form. It reports false
// when refusal, the lookup planner's, is not about the shape of the read,
// or when the one-time form does not apply either; refusal stands then.
func (p *Planner) oneTime(ctx context.Context, s plan.Session, cv *catalogview.View, stmt *pg_query.Node,
	text string, loc, offset int, refusal error) (plan.Statement, bool) {
	if featuregate.KindOf(refusal) != featuregate.KindUnsupported {
		return plan.Statement{}, false
	}
	refs := featureRefs(cv, stmt)
	if len(refs) == 0 {
		return plan.Statement{}, false
	}
	rewritten, names, ok := asOfNow(text, refs, loc)
	if !ok {
		return plan.Statement{}, false
	}
	st, ok := p.planAsOf(ctx, s, cv, rewritten, offset)
	if !ok || st.Refusal != nil {
		return plan.Statement{}, false
	}
	st.Notices = append([]string{strings.Replace(oneTimeNotice, "%s", strings.Join(names, ", "), 1)}, st.Notices...)
	return st, true
}

// featureRef is a feature relation named in a statement.
type featureRef struct {
	name string // the relation's name
	pos  int    // byte offset of its (maybe qualified) name in the query string
}

// featureRefs lists the feature relations stmt names, outside CTEs of the
// same name, in the order of their positions.
func featureRefs(cv *catalogview.View, stmt *pg_query.Node) []featureRef {
	if cv == nil || len(cv.RelationWords()) == 0 {
		return nil
	}
	ctes := map[string]bool{}
	pgtree.Walk(stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		if c, ok := m.Interface().(*pg_query.CommonTableExpr); ok {
			ctes[c.Ctename] = true
		}
		return true
	})
	schema := catalog.RelationSchema(cv.Snapshot().Project)
	var refs []featureRef
	pgtree.Walk(stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		if rv, ok := m.Interface().(*pg_query.RangeVar); ok && (rv.Schemaname == "" || rv.Schemaname == schema) &&
			!ctes[rv.Relname] && cv.Relation(rv.Relname) != nil && !aliasedOf(rv) {
			refs = append(refs, featureRef{name: rv.Relname, pos: int(rv.Location)})
		}
		return true
	})
	sort.Slice(refs, func(i, j int) bool { return refs[i].pos < refs[j].pos })
	return refs
}

// aliasedOf reports whether rv has the alias "of": `rel AS OF` without a
// time, which PostgreSQL reads so, is a broken AS OF rather than a read to
// rewrite.
func aliasedOf(rv *pg_query.RangeVar) bool {
	return rv.Alias != nil && rv.Alias.Aliasname == "of"
}

// asOfNow writes each reference of text (which starts at byte loc of the
// query string) as `"<relation>" AS OF now()`, and returns the relations'
// names. ok is false when a name is not where the parser said.
func asOfNow(text string, refs []featureRef, loc int) (string, []string, bool) {
	var b strings.Builder
	var names []string
	last := 0
	for _, r := range refs {
		start := r.pos - loc
		end := qualifiedNameEnd(text, start)
		if start < last || end <= start {
			return "", nil, false
		}
		b.WriteString(text[last:start])
		b.WriteString(catalog.QuoteIdent(r.name) + " AS OF now()")
		last = end
		names = append(names, r.name)
	}
	b.WriteString(text[last:])
	return b.String(), names, true
}

// qualifiedNameEnd returns where the name at text[i] ends: an identifier,
// plain or quoted, optionally followed by a dot and another; -1 when there
// is none at i.
func qualifiedNameEnd(text string, i int) int {
	end := identEnd(text, i)
	for end > i && end < len(text) && text[end] == '.' {
		next := identEnd(text, end+1)
		if next <= end+1 {
			return -1
		}
		end = next
	}
	return end
}

// identEnd returns where the identifier at text[i] ends, or i when there
// is none.
func identEnd(text string, i int) int {
	if i < 0 || i >= len(text) {
		return i
	}
	if text[i] == '"' {
		for j := i + 1; j < len(text); j++ {
			if text[j] == '"' {
				if j+1 < len(text) && text[j+1] == '"' {
					j++
					continue
				}
				return j + 1
			}
		}
		return i
	}
	j := i
	for j < len(text) && isWordByte(text[j]) && text[j] != '$' {
		j++
	}
	return j
}
