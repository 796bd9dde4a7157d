package ddl

import (
	"fmt"
	"strings"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// entity parses the rest of CREATE ENTITY: name (key type, ...) [COMMENT].
func (p *parser) entity() (catalog.Object, error) {
	e := &catalog.Entity{}
	var err error
	if e.Name, err = p.name("an entity name"); err != nil {
		return nil, err
	}
	if e.Keys, err = p.keys(); err != nil {
		return nil, err
	}
	if e.Comment, err = p.optComment(); err != nil {
		return nil, err
	}
	return e, p.end()
}

// keys parses (key type, ...).
func (p *parser) keys() ([]catalog.Column, error) {
	if err := p.expectPunct('(', `"("`); err != nil {
		return nil, err
	}
	var keys []catalog.Column
	seen := map[string]bool{}
	for {
		t := p.peek()
		key, err := p.column("a join key name")
		if err != nil {
			return nil, err
		}
		if err := p.unique(seen, t, "column", key.Name); err != nil {
			return nil, err
		}
		keys = append(keys, key)
		if !p.acceptPunct(',') {
			break
		}
	}
	return keys, p.expectPunct(')', `"," or ")"`)
}

// column parses name type.
func (p *parser) column(hint string) (catalog.Column, error) {
	var c catalog.Column
	var err error
	if c.Name, err = p.name(hint); err != nil {
		return c, err
	}
	c.Type, err = p.typ()
	return c, err
}

// unique checks that name, at t, was not seen before.
func (p *parser) unique(seen map[string]bool, t token, what, name string) error {
	if seen[name] {
		return p.errAt(featuregate.KindDuplicate, t,
			fmt.Sprintf("%s \"%s\" specified more than once", what, name), "")
	}
	seen[name] = true
	return nil
}

// optComment parses an optional COMMENT 'text'.
func (p *parser) optComment() (string, error) {
	if !p.accept("comment") {
		return "", nil
	}
	return p.str("a string constant")
}

// featureService parses the rest of CREATE FEATURE SERVICE: name AS
// view.* | view.feature [, ...] [COMMENT].
func (p *parser) featureService() (catalog.Object, error) {
	s := &catalog.FeatureService{}
	var err error
	if s.Name, err = p.name("a feature service name"); err != nil {
		return nil, err
	}
	if err := p.expectWord("as", "AS"); err != nil {
		return nil, err
	}
	for more := true; more; more = p.acceptPunct(',') {
		ref, err := p.featureRef()
		if err != nil {
			return nil, err
		}
		s.Features = append(s.Features, ref)
	}
	if !p.is("comment") {
		return s, p.end(`","`, "COMMENT")
	}
	if s.Comment, err = p.optComment(); err != nil {
		return nil, err
	}
	return s, p.end()
}

// featureRef parses view.* or view.feature.
func (p *parser) featureRef() (catalog.FeatureRef, error) {
	var r catalog.FeatureRef
	var err error
	if r.View, err = p.name("a feature view name"); err != nil {
		return r, err
	}
	if err := p.expectPunct('.', `"." and a feature name or "*"`); err != nil {
		return r, err
	}
	if p.acceptPunct('*') {
		r.Feature = "*"
		return r, nil
	}
	r.Feature, err = p.name(`a feature name or "*"`)
	return r, err
}

// source parses the rest of CREATE SOURCE: name clauses AS {TABLE t | query}.
func (p *parser) source() (catalog.Object, error) {
	s := &catalog.Source{}
	var err error
	if s.Name, err = p.name("a source name"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for !p.is("as") {
		if err := p.sourceClause(s, seen); err != nil {
			return nil, err
		}
	}
	if !seen["timestamp"] {
		return nil, p.errExpected("TIMESTAMP COLUMN")
	}
	p.next()
	return s, p.sourceBody(s)
}

// sourceClause parses one of TIMESTAMP COLUMN col, CREATED COLUMN col and
// COMMENT 'text'.
func (p *parser) sourceClause(s *catalog.Source, seen map[string]bool) error {
	t := p.peek()
	if t.word != "timestamp" && t.word != "created" && t.word != "comment" {
		return p.errExpected(orList(remaining(seen, "TIMESTAMP COLUMN", "CREATED COLUMN", "COMMENT", "AS")...))
	}
	if err := p.once(seen, t); err != nil {
		return err
	}
	p.next()
	var err error
	switch t.word {
	case "comment":
		s.Comment, err = p.str("a string constant")
	case "timestamp":
		s.TimestampColumn, err = p.columnRef()
	default:
		s.CreatedColumn, err = p.columnRef()
	}
	return err
}

// columnRef parses COLUMN name.
func (p *parser) columnRef() (string, error) {
	if err := p.expectWord("column", "COLUMN"); err != nil {
		return "", err
	}
	return p.name("a column name")
}

// clauseKey is what seen records for a clause: ONLINE and OFFLINE are one.
func clauseKey(word string) string {
	if word == "offline" {
		return "online"
	}
	return word
}

// once checks that the clause starting at t was not given before.
func (p *parser) once(seen map[string]bool, t token) error {
	key := clauseKey(t.word)
	if seen[key] {
		return p.errAt(featuregate.KindSyntax, t, "conflicting or redundant options",
			strings.ToUpper(t.word)+" is given more than once.")
	}
	seen[key] = true
	return nil
}

// remaining lists the clauses, among all, whose first word was not seen.
func remaining(seen map[string]bool, all ...string) []string {
	var left []string
	for _, c := range all {
		first, _, _ := strings.Cut(c, " ")
		if !seen[clauseKey(strings.ToLower(first))] {
			left = append(left, c)
		}
	}
	return left
}

// sourceBody parses what follows AS: TABLE [schema.]table [WITH
// (streaming = on | off)] alone, FILE 'path', or a query.
func (p *parser) sourceBody(s *catalog.Source) error {
	if p.accept("file") {
		path, err := p.str("a file path as a string constant: FILE 'data/rows.parquet'")
		if err != nil {
			return err
		}
		s.File = &catalog.SourceFile{Path: path}
		return p.end()
	}
	start := p.i
	if table, ok := p.tableName(); ok && (p.atEnd() || p.is("with")) {
		s.Table = table
		if p.accept("with") {
			var err error
			if s.Streaming, err = p.streamingOption(); err != nil {
				return err
			}
		}
		return p.end()
	}
	p.i = start
	query, err := p.query()
	s.Query = query
	return err
}

// streamingOption parses (streaming = on | off), true and false
// being the same as on and off.
func (p *parser) streamingOption() (bool, error) {
	if err := p.expectPunct('(', `"("`); err != nil {
		return false, err
	}
	if err := p.expectWord("streaming", "streaming, the only option of a source"); err != nil {
		return false, err
	}
	if err := p.expectPunct('=', `"="`); err != nil {
		return false, err
	}
	var on bool
	switch p.peek().word {
	case "on", "true":
		on = true
	case "off", "false":
	default:
		return false, p.errExpected("on or off")
	}
	p.next()
	return on, p.expectPunct(')', `")"`)
}

// tableName parses TABLE [schema.]table into its normalised, quoted form.
func (p *parser) tableName() (string, bool) {
	if !p.accept("table") {
		return "", false
	}
	name, err := p.name("")
	if err != nil {
		return "", false
	}
	table := catalog.QuoteIdent(name)
	if !p.acceptPunct('.') {
		return table, true
	}
	name, err = p.name("")
	return table + "." + catalog.QuoteIdent(name), err == nil
}
