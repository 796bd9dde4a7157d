package ddl

import (
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// parser is a recursive descent parser over the tokens of one statement.
type parser struct {
	src *source
	i   int // the next token
}

const kindHint = "ENTITY, SOURCE, FEATURE VIEW or FEATURE SERVICE"

// statement parses the whole statement.
func (p *parser) statement() (Statement, error) {
	switch p.peek().word {
	case "create":
		return p.create()
	case "drop":
		return p.drop()
	case "comment":
		return p.comment()
	case "materialize":
		return p.materialize()
	case "validate":
		return p.validate()
	case "refresh":
		return p.refresh()
	case "alter":
		return p.alterSource()
	}
	return p.show()
}

// alterSource parses ALTER SOURCE name SET (streaming = on | off).
func (p *parser) alterSource() (Statement, error) {
	p.i += 2 // ALTER SOURCE
	stmt := &AlterSourceStmt{}
	var err error
	if stmt.Name, err = p.name("a source name"); err != nil {
		return nil, err
	}
	if err := p.expectWord("set", "SET (streaming = on | off)"); err != nil {
		return nil, err
	}
	if stmt.Streaming, err = p.streamingOption(); err != nil {
		return nil, err
	}
	return stmt, p.end()
}

// materialize parses MATERIALIZE [INCREMENTAL] [view, …] [FROM t] TO t.
func (p *parser) materialize() (Statement, error) {
	p.next()
	stmt := &MaterializeStmt{Incremental: p.accept("incremental")}
	for !p.is("from") && !p.is("to") && !p.atEnd() {
		if len(stmt.Views) > 0 {
			if err := p.expectPunct(',', "',', FROM or TO"); err != nil {
				return nil, err
			}
		}
		name, err := p.name("a feature view name, FROM or TO")
		if err != nil {
			return nil, err
		}
		stmt.Views = append(stmt.Views, name)
	}
	var err error
	if p.accept("from") {
		if stmt.From, err = p.timeValue(); err != nil {
			return nil, err
		}
	} else if !stmt.Incremental {
		return nil, p.errExpected("FROM <start time> (or MATERIALIZE INCREMENTAL … TO <end time>)")
	}
	if err := p.expectWord("to", "TO <end time>"); err != nil {
		return nil, err
	}
	if stmt.To, err = p.timeValue(); err != nil {
		return nil, err
	}
	return stmt, p.end()
}

// timeValue parses a time: a string constant, optionally after TIMESTAMP,
// TIMESTAMPTZ or DATE, or now() / CURRENT_TIMESTAMP.
func (p *parser) timeValue() (string, error) {
	const hint = "a time such as '2024-02-01T00:00:00Z', or now()"
	switch {
	case p.accept("now"):
		if err := p.expectPunct('(', "now()"); err != nil {
			return "", err
		}
		return "now", p.expectPunct(')', "now()")
	case p.accept("current_timestamp"):
		return "now", nil
	case p.accept("timestamptz"), p.accept("date"):
	case p.accept("timestamp"):
		if p.accept("with") {
			for _, w := range []string{"time", "zone"} {
				if err := p.expectWord(w, "TIMESTAMP WITH TIME ZONE"); err != nil {
					return "", err
				}
			}
		}
	}
	return p.str(hint)
}

func (p *parser) create() (Statement, error) {
	p.next()
	stmt := &CreateStmt{}
	if p.accept("or") {
		if err := p.expectWord("replace", "REPLACE"); err != nil {
			return nil, err
		}
		stmt.OrReplace = true
	}
	if p.is("dataset") {
		if stmt.OrReplace {
			return nil, p.errAt(featuregate.KindUnsupported, p.peek(), "a dataset cannot be replaced",
				"DROP DATASET it, then CREATE DATASET it again")
		}
		p.next()
		return p.createDataset()
	}
	kind, err := p.kind()
	if err != nil {
		return nil, err
	}
	if stmt.Object, err = p.object(kind); err != nil {
		return nil, err
	}
	return stmt, nil
}

// object parses the rest of a CREATE statement for an object of kind.
func (p *parser) object(kind catalog.Kind) (catalog.Object, error) {
	switch kind {
	case catalog.KindEntity:
		return p.entity()
	case catalog.KindSource:
		return p.source()
	case catalog.KindPermission:
		return p.permission()
	case catalog.KindFeatureView:
		return p.featureView()
	}
	return p.featureService()
}

func (p *parser) drop() (Statement, error) {
	p.next()
	if p.accept("project") {
		stmt := &DropProjectStmt{}
		if p.is("if") && p.peekAt(1).word == "exists" {
			p.i += 2
			stmt.IfExists = true
		}
		var err error
		stmt.Name, err = p.name("a project name")
		return stmt, orEnd(err, p)
	}
	kind, err := p.datasetOrKind()
	if err != nil {
		return nil, err
	}
	stmt := &DropStmt{Kind: kind}
	if p.is("if") && p.peekAt(1).word == "exists" {
		p.i += 2
		stmt.IfExists = true
	}
	for {
		name, err := p.name(nameHints[kind])
		if err != nil {
			return nil, err
		}
		stmt.Names = append(stmt.Names, name)
		if !p.acceptPunct(',') {
			return stmt, p.end(`","`)
		}
	}
}

func (p *parser) comment() (Statement, error) {
	p.i += 2 // COMMENT ON
	if p.is("dataset") {
		return nil, p.errAt(featuregate.KindUnsupported, p.peek(), "a dataset's comment is set when it is created",
			"CREATE DATASET name COMMENT '…' AS …")
	}
	kind, err := p.kind()
	if err != nil {
		return nil, err
	}
	stmt := &CommentStmt{Kind: kind}
	if stmt.Name, err = p.name(nameHints[kind]); err != nil {
		return nil, err
	}
	if err := p.expectWord("is", "IS"); err != nil {
		return nil, err
	}
	if !p.accept("null") {
		text, err := p.str("a string constant or NULL")
		if err != nil {
			return nil, err
		}
		stmt.Comment = &text
	}
	return stmt, p.end()
}

func (p *parser) show() (Statement, error) {
	p.next()
	what := p.next().word
	stmt := &ShowStmt{What: what}
	var err error
	switch what {
	case "features":
		if p.accept("in") {
			stmt.In, err = p.name("a feature view name")
			return stmt, orEnd(err, p)
		}
		return stmt, p.end("IN")
	case "feature":
		return p.showFeature()
	case "create":
		if stmt.Kind, err = p.datasetOrKind(); err != nil {
			return nil, err
		}
		stmt.Name, err = p.name(nameHints[stmt.Kind])
		return stmt, orEnd(err, p)
	}
	return stmt, p.end()
}

func (p *parser) showFeature() (Statement, error) {
	switch {
	case p.accept("views"):
		return &ShowStmt{What: "feature views"}, p.end()
	case p.accept("services"):
		return &ShowStmt{What: "feature services"}, p.end()
	}
	return nil, p.errExpected("VIEWS or SERVICES")
}

// orEnd returns err, or, when there is none, checks for the statement's
// end.
func orEnd(err error, p *parser) error {
	if err != nil {
		return err
	}
	return p.end()
}

var nameHints = map[catalog.Kind]string{
	catalog.KindEntity:         "an entity name",
	catalog.KindSource:         "a source name",
	catalog.KindFeatureView:    "a feature view name",
	catalog.KindFeatureService: "a feature service name",
	catalog.KindPermission:     "a permission name",
	catalog.KindDataset:        "a dataset name",
}

// datasetOrKind parses DATASET, or what kind parses.
func (p *parser) datasetOrKind() (catalog.Kind, error) {
	if p.accept("dataset") {
		return catalog.KindDataset, nil
	}
	return p.kind()
}

// kind parses ENTITY, SOURCE, FEATURE VIEW or FEATURE SERVICE.
func (p *parser) kind() (catalog.Kind, error) {
	switch {
	case p.accept("entity"):
		return catalog.KindEntity, nil
	case p.accept("source"):
		return catalog.KindSource, nil
	case p.accept("permission"):
		return catalog.KindPermission, nil
	case !p.accept("feature"):
		return "", p.errExpected(kindHint)
	case p.accept("view"):
		return catalog.KindFeatureView, nil
	case p.accept("service"):
		return catalog.KindFeatureService, nil
	}
	return "", p.errExpected("VIEW or SERVICE")
}

func (p *parser) peek() token { return p.peekAt(0) }

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.src.toks) {
		return p.src.toks[p.i+k]
	}
	return token{start: len(p.src.sql), end: len(p.src.sql), eof: true}
}

func (p *parser) next() token {
	t := p.peek()
	if !t.eof {
		p.i++
	}
	return t
}

// is tells whether the next token is the unquoted word w.
func (p *parser) is(w string) bool { return p.peek().word == w }

func (p *parser) accept(w string) bool {
	if p.is(w) {
		p.i++
		return true
	}
	return false
}

func (p *parser) isPunct(c byte) bool { return p.peek().kind == pg_query.Token(c) }

func (p *parser) acceptPunct(c byte) bool {
	if p.isPunct(c) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectWord(w, hint string) error {
	if !p.accept(w) {
		return p.errExpected(hint)
	}
	return nil
}

func (p *parser) expectPunct(c byte, hint string) error {
	if !p.acceptPunct(c) {
		return p.errExpected(hint)
	}
	return nil
}

// atEnd tells whether the statement ends here: at ';' or at the end.
func (p *parser) atEnd() bool { return p.peek().eof || p.isPunct(';') }

// end checks that nothing but an optional ';' is left. expected lists what
// else could have come, for the hint.
func (p *parser) end(expected ...string) error {
	if p.acceptPunct(';') {
		expected = nil
	}
	if p.peek().eof {
		return nil
	}
	return p.errExpected(orList(append(expected, "end of statement")...))
}

// orList joins items as "a, b or c".
func orList(items ...string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// name parses a name: an identifier, quoted or not, or a keyword.
func (p *parser) name(hint string) (string, error) {
	t := p.peek()
	if !isName(t) {
		return "", p.errExpected(hint)
	}
	v, err := identValue(p.src.text(t))
	if err != nil {
		return "", p.valueErr(t, err)
	}
	p.i++
	return v, nil
}

// str parses a string constant.
func (p *parser) str(hint string) (string, error) {
	t := p.peek()
	if t.kind != pg_query.Token_SCONST && t.kind != pg_query.Token_USCONST {
		return "", p.errExpected(hint)
	}
	v, err := stringValue(p.src.text(t))
	if err != nil {
		return "", p.valueErr(t, err)
	}
	p.i++
	return v, nil
}

// errExpected is a syntax error at the next token.
func (p *parser) errExpected(what string) *featuregate.Error {
	return p.syntaxErr(p.peek(), "expected "+what)
}

// syntaxErr is a syntax error at t, in PostgreSQL's words.
func (p *parser) syntaxErr(t token, hint string) *featuregate.Error {
	msg := "syntax error at end of input"
	if !t.eof {
		msg = `syntax error at or near "` + p.src.text(t) + `"`
	}
	return p.errAt(featuregate.KindSyntax, t, msg, hint)
}

func (p *parser) errAt(kind featuregate.Kind, t token, msg, hint string) *featuregate.Error {
	return &featuregate.Error{Kind: kind, Message: msg, Hint: hint, Position: p.src.pos(t.start)}
}

// valueErr reports a token whose value cannot be decoded.
func (p *parser) valueErr(t token, err error) *featuregate.Error {
	if errors.Is(err, errUnicodeEscape) {
		return p.errAt(featuregate.KindSyntax, t, err.Error(),
			`Unicode escapes must be \XXXX, \+XXXXXX, \uXXXX or \UXXXXXXXX, and name a valid code point.`)
	}
	return p.errAt(featuregate.KindInvalid, t, err.Error(), "")
}
