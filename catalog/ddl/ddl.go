package ddl

import (
	"strings"

	"github.com/featuregate/featuregate/catalog"
)

// Statement is a parsed featuregate statement: one of *CreateStmt,
// *DropStmt, *CommentStmt, *AlterSourceStmt, *ShowStmt, *MaterializeStmt,
// *DropProjectStmt, *CreateDatasetStmt, *ValidateStmt and *RefreshStmt. Its SQL method renders it back, canonically.
type Statement interface {
	isStatement()
	// SQL renders the statement on one line, without a trailing semicolon;
	// parsing it gives an equal statement.
	SQL() string
}

// CreateStmt is CREATE [OR REPLACE] ENTITY | SOURCE | FEATURE VIEW |
// FEATURE SERVICE.
type CreateStmt struct {
	OrReplace bool
	Object    catalog.Object
}

// DropStmt is DROP <kind> [IF EXISTS] name [, ...].
type DropStmt struct {
	Kind     catalog.Kind
	IfExists bool
	Names    []string
}

// CommentStmt is COMMENT ON <kind> name IS 'text' | NULL.
type CommentStmt struct {
	Kind    catalog.Kind
	Name    string
	Comment *string // nil: COMMENT ... IS NULL
}

// AlterSourceStmt is ALTER SOURCE name SET (streaming = on | off).
type AlterSourceStmt struct {
	Name      string
	Streaming bool
}

// SQL implements Statement.
func (a *AlterSourceStmt) SQL() string {
	on := "off"
	if a.Streaming {
		on = "on"
	}
	return "ALTER SOURCE " + catalog.QuoteIdent(a.Name) + " SET (streaming = " + on + ")"
}

func (*AlterSourceStmt) isStatement() {}

// ShowStmt is one of the SHOW statements of the catalog.
type ShowStmt struct {
	// What is "entities", "sources", "feature views", "feature services",
	// "features", "projects", "datasets", "streams" or "create".
	What string
	In   string       // for SHOW FEATURES IN <view>; "" otherwise
	Kind catalog.Kind // for SHOW CREATE <kind> <name>
	Name string       // for SHOW CREATE
}

// MaterializeStmt is MATERIALIZE [INCREMENTAL] [view, …] [FROM t] TO t.
type MaterializeStmt struct {
	Incremental bool
	Views       []string // none: every online view
	From, To    string   // times as written in their string constants; "now" for now()
}

// SQL implements Statement.
func (m *MaterializeStmt) SQL() string {
	var b strings.Builder
	b.WriteString("MATERIALIZE")
	if m.Incremental {
		b.WriteString(" INCREMENTAL")
	}
	for i, v := range m.Views {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" " + catalog.QuoteIdent(v))
	}
	if m.From != "" {
		b.WriteString(" FROM " + catalog.QuoteLiteral(m.From))
	}
	b.WriteString(" TO " + catalog.QuoteLiteral(m.To))
	return b.String()
}

func (*MaterializeStmt) isStatement() {}

// DropProjectStmt is DROP PROJECT [IF EXISTS] name: every definition of
// the project and its online values (featuregate teardown).
type DropProjectStmt struct {
	IfExists bool
	Name     string
}

// SQL implements Statement.
func (d *DropProjectStmt) SQL() string {
	if d.IfExists {
		return "DROP PROJECT IF EXISTS " + catalog.QuoteIdent(d.Name)
	}
	return "DROP PROJECT " + catalog.QuoteIdent(d.Name)
}

func (*DropProjectStmt) isStatement() {}
func (*CreateStmt) isStatement()      {}
func (*DropStmt) isStatement()        {}
func (*CommentStmt) isStatement()     {}
func (*ShowStmt) isStatement()        {}

// SQL renders the statement: the object's CREATE statement, with OR
// REPLACE when asked.
func (s *CreateStmt) SQL() string {
	if s.Object == nil {
		return ""
	}
	sql := s.Object.SQL()
	if rest, ok := strings.CutPrefix(sql, "CREATE "); ok && s.OrReplace {
		return "CREATE OR REPLACE " + rest
	}
	return sql
}

// SQL renders the statement.
func (s *DropStmt) SQL() string {
	var b strings.Builder
	b.WriteString("DROP " + string(s.Kind) + " ")
	if s.IfExists {
		b.WriteString("IF EXISTS ")
	}
	for i, n := range s.Names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(catalog.QuoteIdent(n))
	}
	return b.String()
}

// SQL renders the statement.
func (s *CommentStmt) SQL() string {
	text := "NULL"
	if s.Comment != nil {
		text = catalog.QuoteLiteral(*s.Comment)
	}
	return "COMMENT ON " + string(s.Kind) + " " + catalog.QuoteIdent(s.Name) + " IS " + text
}

// SQL renders the statement.
func (s *ShowStmt) SQL() string {
	switch {
	case s.What == "create":
		return "SHOW CREATE " + string(s.Kind) + " " + catalog.QuoteIdent(s.Name)
	case s.What == "features" && s.In != "":
		return "SHOW FEATURES IN " + catalog.QuoteIdent(s.In)
	}
	return "SHOW " + strings.ToUpper(s.What)
}

// Parse parses one featuregate statement: no trailing text other than
// an optional ';' and whitespace or comments.
//
// It returns ok=false, with no error, when sql is not a featuregate
// statement at all (ordinary SQL for PostgreSQL). When sql is one (it
// starts with CREATE [OR REPLACE] ENTITY | SOURCE | FEATURE | PERMISSION,
// DROP ENTITY | SOURCE | FEATURE | PERMISSION | PROJECT, COMMENT ON ENTITY
// | SOURCE | FEATURE | PERMISSION, ALTER SOURCE, SHOW ENTITIES | SOURCES |
// FEATURE | FEATURES | PROJECTS | PERMISSIONS | STREAMS, SHOW CREATE ENTITY | SOURCE | FEATURE
// | PERMISSION, MATERIALIZE, or REFRESH SOURCE; or CREATE | DROP DATASET,
// SHOW DATASETS, SHOW CREATE DATASET, VALIDATE) but is malformed, it returns ok=true and a
// *featuregate.Error whose Position is the 1-based character position of
// the offending token.
func Parse(sql string) (stmt Statement, ok bool, err error) {
	if !mayBeDDL(sql) {
		return nil, false, nil
	}
	src, err := lex(sql)
	if !isDDL(src.toks) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	p := &parser{src: src}
	stmt, err = p.statement()
	if err != nil {
		return nil, true, err
	}
	return stmt, true, nil
}

// mayBeDDL is a quick test, before scanning: whether sql starts, after
// whitespace and comments, with CREATE, DROP, COMMENT, ALTER, SHOW,
// MATERIALIZE, VALIDATE or REFRESH.
func mayBeDDL(sql string) bool {
	s := skipSpace(sql)
	for _, w := range []string{"create", "drop", "comment", "alter", "show", "materialize", "validate", "refresh"} {
		if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
			return true
		}
	}
	return false
}

// skipSpace skips leading whitespace and comments, -- and /* (nested) */.
func skipSpace(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		switch {
		case strings.HasPrefix(s, "--"):
			if end := strings.IndexAny(s, "\n\r"); end >= 0 {
				s = s[end:]
			} else {
				s = ""
			}
		case strings.HasPrefix(s, "/*"):
			s = skipBlockComment(s)
		default:
			return s
		}
	}
}

// skipBlockComment skips the comment at the start of s; "" when it does
// not end.
func skipBlockComment(s string) string {
	depth := 0
	for i := 0; i+1 < len(s); i++ {
		switch s[i : i+2] {
		case "/*":
			depth++
			i++
		case "*/":
			if depth--; depth == 0 {
				return s[i+2:]
			}
			i++
		}
	}
	return ""
}

// isDDL tells whether the statement starts with one of the prefixes of a
// featuregate statement.
func isDDL(toks []token) bool {
	w := func(i int) string {
		if i < len(toks) {
			return toks[i].word
		}
		return ""
	}
	objectWord := func(i int) bool {
		return w(i) == "entity" || w(i) == "source" || w(i) == "feature" || w(i) == "permission"
	}
	switch w(0) {
	case "create":
		if w(1) == "or" && w(2) == "replace" {
			return objectWord(3) || w(3) == "dataset"
		}
		return objectWord(1) || w(1) == "dataset"
	case "drop":
		return objectWord(1) || w(1) == "project" || w(1) == "dataset"
	case "validate":
		return true
	case "comment":
		return w(1) == "on" && (objectWord(2) || w(2) == "dataset")
	case "materialize":
		return true
	case "refresh":
		return w(1) == "source"
	case "alter":
		return w(1) == "source"
	case "show":
		switch w(1) {
		case "entities", "sources", "feature", "features", "projects", "permissions", "datasets", "streams":
			return true
		case "create":
			return objectWord(2) || w(2) == "dataset"
		}
	}
	return false
}
