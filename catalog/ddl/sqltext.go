package ddl

import (
	"errors"
	"fmt"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	featuregate "github.com/featuregate/featuregate"
)

// Pieces of PostgreSQL inside featuregate statements, a CHECK expression
// and a source query, are kept as the text the user wrote and checked with
// PostgreSQL's own grammar.

const queryHint = "expected TABLE <name> or a query: SELECT, WITH, VALUES or TABLE"

// checkExpr parses the expression of CHECK (expr) after its '(' and
// returns its text.
func (p *parser) checkExpr() (string, error) {
	closing := p.balanced()
	switch {
	case closing < 0:
		p.i = len(p.src.toks)
		return "", p.errExpected(`")"`)
	case closing == p.i:
		return "", p.errExpected("an expression")
	}
	first, last := p.peek(), p.src.toks[closing-1]
	text := p.src.sql[first.start:last.end]
	if err := p.validateCheck(text, first, p.src.toks[closing]); err != nil {
		return "", err
	}
	p.i = closing + 1
	return text, nil
}

// validateCheck checks that text, starting at token first and followed by
// token after, is one scalar expression without subqueries or parameters.
func (p *parser) validateCheck(text string, first, after token) error {
	const prefix = "SELECT "
	res, err := pg_query.Parse(prefix + text)
	if err != nil {
		return p.pgError(err, first, after, len(prefix))
	}
	if first.word == "all" || !singleExpr(res) {
		return p.syntaxErr(first, "CHECK takes one expression, such as CHECK (x >= 0)")
	}
	return p.badNode(res, first.start-len(prefix), first.start, true)
}

// query parses the rest of the statement as a source query and returns
// its text.
func (p *parser) query() (string, error) {
	if p.atEnd() {
		return "", p.errExpected("TABLE <name> or a query")
	}
	last := len(p.src.toks) - 1
	if p.src.toks[last].kind == pg_query.Token_ASCII_59 {
		last--
	}
	for k := p.i; k <= last; k++ {
		if p.src.toks[k].kind == pg_query.Token_ASCII_59 {
			return "", p.syntaxErr(p.src.toks[k], "expected end of statement: a source has one query")
		}
	}
	first, after := p.peek(), p.peekAt(last+1-p.i)
	text := p.src.sql[first.start:p.src.toks[last].end]
	if err := p.validateQuery(text, first, after); err != nil {
		return "", err
	}
	p.i = last + 1
	return text, p.end()
}

// validateQuery checks that text, starting at token first and followed by
// token after, is one query that only reads.
func (p *parser) validateQuery(text string, first, after token) error {
	res, err := pg_query.Parse(text)
	if err != nil {
		return p.pgError(err, first, after, 0)
	}
	if len(res.Stmts) != 1 || res.Stmts[0].Stmt.GetSelectStmt() == nil {
		return p.syntaxErr(first, queryHint)
	}
	return p.badNode(res, first.start, first.start, false)
}

// pgError turns an error of PostgreSQL's parser on text that starts at
// token first, after a prefix of prefixLen characters, into an error
// positioned in the statement.
func (p *parser) pgError(err error, first, after token, prefixLen int) error {
	var pe *pgparser.Error
	if !errors.As(err, &pe) {
		return p.errAt(featuregate.KindSyntax, first, err.Error(), "")
	}
	if pe.Message == "syntax error at end of input" {
		return p.syntaxErr(after, "")
	}
	e := p.errAt(featuregate.KindSyntax, first, pe.Message, "")
	if pos := e.Position + pe.Cursorpos - 1 - prefixLen; pe.Cursorpos > 0 && pos > e.Position {
		e.Position = min(pos, p.src.pos(len(p.src.sql)))
	}
	return e
}

// badNode looks for what a source query or a CHECK expression must not
// hold. base is the offset in the statement of the parsed text's start; no
// error is placed before min.
func (p *parser) badNode(res *pg_query.ParseResult, base, minOff int, check bool) error {
	var bad *featuregate.Error
	walkNodes(res.ProtoReflect(), 0, func(m proto.Message, loc int32) bool {
		kind, msg := classify(m, check)
		if msg == "" {
			return true
		}
		off := max(minOff, min(base+int(loc), len(p.src.sql)))
		bad = &featuregate.Error{Kind: kind, Message: msg, Position: p.src.pos(off)}
		return false
	})
	if bad != nil {
		return bad
	}
	return nil
}

// classify tells what is wrong with node m, if anything.
func classify(m proto.Message, check bool) (featuregate.Kind, string) {
	switch n := m.(type) {
	case *pg_query.ParamRef:
		return featuregate.KindUndefined, fmt.Sprintf("there is no parameter $%d", n.Number)
	case *pg_query.SubLink:
		if check {
			return featuregate.KindUnsupported, "cannot use subquery in check constraint"
		}
	case *pg_query.IntoClause:
		return featuregate.KindUnsupported, "a source query cannot be SELECT INTO"
	case *pg_query.InsertStmt, *pg_query.UpdateStmt, *pg_query.DeleteStmt, *pg_query.MergeStmt:
		return featuregate.KindUnsupported, "a source query cannot contain data-modifying statements"
	}
	return 0, ""
}

// walkNodes visits m and the messages inside it, depth first, with the
// location of the nearest one that has one, until visit returns false.
func walkNodes(m protoreflect.Message, loc int32, visit func(proto.Message, int32) bool) bool {
	if f := m.Descriptor().Fields().ByName("location"); f != nil && f.Kind() == protoreflect.Int32Kind {
		if l := int32(m.Get(f).Int()); l >= 0 {
			loc = l
		}
	}
	if !visit(m.Interface(), loc) {
		return false
	}
	more := true
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap() || fd.Message() == nil:
		case fd.IsList():
			for i := 0; i < v.List().Len() && more; i++ {
				more = walkNodes(v.List().Get(i).Message(), loc, visit)
			}
		default:
			more = walkNodes(v.Message(), loc, visit)
		}
		return more
	})
	return more
}

// singleExpr tells whether res is SELECT <one expression> and nothing else.
func singleExpr(res *pg_query.ParseResult) bool {
	if len(res.Stmts) != 1 {
		return false
	}
	sel := res.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 {
		return false
	}
	target := sel.TargetList[0].GetResTarget()
	if target == nil || target.Name != "" {
		return false
	}
	if ref := target.Val.GetColumnRef(); ref != nil && len(ref.Fields) > 0 && ref.Fields[len(ref.Fields)-1].GetAStar() != nil {
		return false
	}
	rest := proto.Clone(sel).(*pg_query.SelectStmt)
	rest.TargetList = nil
	return proto.Equal(rest, bareSelect())
}

// bareSelect is SELECT 1 without its target list.
var bareSelect = sync.OnceValue(func() *pg_query.SelectStmt {
	res, err := pg_query.Parse("SELECT 1")
	if err != nil {
		panic(err)
	}
	sel := proto.Clone(res.Stmts[0].Stmt.GetSelectStmt()).(*pg_query.SelectStmt)
	sel.TargetList = nil
	return sel
})
