package ddl

import "github.com/featuregate/featuregate/catalog"

// RefreshStmt is REFRESH SOURCE name: load a file source's file again.
type RefreshStmt struct {
	Name string
}

func (*RefreshStmt) isStatement() {}

// SQL renders the statement.
func (s *RefreshStmt) SQL() string { return "REFRESH SOURCE " + catalog.QuoteIdent(s.Name) }

// refresh parses REFRESH SOURCE name.
func (p *parser) refresh() (Statement, error) {
	p.next()
	if err := p.expectWord("source", "SOURCE"); err != nil {
		return nil, err
	}
	name, err := p.name("a source name")
	if err != nil {
		return nil, err
	}
	return &RefreshStmt{Name: name}, p.end()
}
