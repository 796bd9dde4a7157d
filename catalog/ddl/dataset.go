package ddl

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// CreateDatasetStmt is CREATE DATASET name [COMMENT '…'] AS query: the
// rows of query saved as a dataset.
type CreateDatasetStmt struct {
	Name    string
	Comment string
	Query   string // the query's text as written (a part of the statement's text), without a trailing ';'
}

// SQL implements Statement.
func (c *CreateDatasetStmt) SQL() string {
	return (&catalog.Dataset{Name: c.Name, Comment: c.Comment, Query: c.Query}).SQL()
}

func (*CreateDatasetStmt) isStatement() {}

// Threshold is one setting of VALIDATE … WITH (name = value).
type Threshold struct {
	Name  string
	Value float64
}

// ValidateStmt is VALIDATE <dataset | (query)> AGAINST dataset [WITH
// (threshold = value, …)]: compares the profile of the rows of Dataset or
// Query with the reference dataset's.
type ValidateStmt struct {
	Dataset    string // the dataset validated, or ""
	Query      string // the query validated, as written inside its parentheses, or ""
	Against    string
	Thresholds []Threshold
}

// SQL implements Statement.
func (v *ValidateStmt) SQL() string {
	var b strings.Builder
	b.WriteString("VALIDATE ")
	if v.Query != "" {
		b.WriteString("(" + v.Query + ")")
	} else {
		b.WriteString(catalog.QuoteIdent(v.Dataset))
	}
	b.WriteString(" AGAINST " + catalog.QuoteIdent(v.Against))
	for i, t := range v.Thresholds {
		if i == 0 {
			b.WriteString(" WITH (")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(t.Name + " = " + strconv.FormatFloat(t.Value, 'g', -1, 64))
	}
	if len(v.Thresholds) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

func (*ValidateStmt) isStatement() {}

// createDataset parses the rest of CREATE DATASET, after DATASET.
func (p *parser) createDataset() (Statement, error) {
	stmt := &CreateDatasetStmt{}
	var err error
	if stmt.Name, err = p.name("a dataset name"); err != nil {
		return nil, err
	}
	if p.accept("comment") {
		if stmt.Comment, err = p.str("a string constant"); err != nil {
			return nil, err
		}
	}
	if err := p.expectWord("as", "AS <query>"); err != nil {
		return nil, err
	}
	if p.atEnd() {
		return nil, p.errExpected("a query, such as SELECT … FROM … AS OF …")
	}
	stmt.Query = p.restText()
	return stmt, nil
}

// restText is the statement's text from the next token on, without a
// trailing ';' and the space around it.
func (p *parser) restText() string {
	end := len(p.src.sql)
	if last := len(p.src.toks) - 1; last >= p.i && p.src.toks[last].kind == pg_query.Token(';') {
		end = p.src.toks[last].start
	}
	return strings.TrimRight(p.src.sql[p.peek().start:end], " \t\n\r\f\v")
}

// validate parses VALIDATE <dataset | (query)> AGAINST dataset [WITH (…)].
func (p *parser) validate() (Statement, error) {
	p.next()
	stmt := &ValidateStmt{}
	var err error
	if p.isPunct('(') {
		open := p.next()
		closing, ok := p.matching(p.i - 1)
		if !ok {
			return nil, p.syntaxErr(open, "the query in parentheses does not end")
		}
		stmt.Query = strings.TrimSpace(p.src.sql[open.end:p.src.toks[closing].start])
		p.i = closing + 1
	} else if stmt.Dataset, err = p.name("a dataset name or a query in parentheses"); err != nil {
		return nil, err
	}
	if err := p.expectWord("against", "AGAINST <dataset>"); err != nil {
		return nil, err
	}
	if stmt.Against, err = p.name("a dataset name"); err != nil {
		return nil, err
	}
	if p.accept("with") {
		if stmt.Thresholds, err = p.thresholds(); err != nil {
			return nil, err
		}
	}
	return stmt, p.end("WITH")
}

// matching is the index of the ')' that closes the '(' at token i.
func (p *parser) matching(i int) (int, bool) {
	depth := 0
	for j := i; j < len(p.src.toks); j++ {
		switch p.src.toks[j].kind {
		case pg_query.Token('('):
			depth++
		case pg_query.Token(')'):
			if depth--; depth == 0 {
				return j, true
			}
		}
	}
	return 0, false
}

// thresholds parses (name = number, …).
func (p *parser) thresholds() ([]Threshold, error) {
	if err := p.expectPunct('(', "( threshold = value, … )"); err != nil {
		return nil, err
	}
	var out []Threshold
	for {
		name, err := p.name("a threshold: " + strings.Join(ThresholdNames, ", "))
		if err != nil {
			return nil, err
		}
		if !isThreshold(name) {
			p.i--
			return nil, p.errAt(featuregate.KindInvalid, p.peek(), "unknown threshold "+strconv.Quote(name),
				"the thresholds are "+strings.Join(ThresholdNames, ", "))
		}
		if err := p.expectPunct('=', "="); err != nil {
			return nil, err
		}
		v, err := p.number()
		if err != nil {
			return nil, err
		}
		out = append(out, Threshold{Name: name, Value: v})
		if !p.acceptPunct(',') {
			return out, p.expectPunct(')', "',' or ')'")
		}
	}
}

// number parses a non-negative numeric constant.
func (p *parser) number() (float64, error) {
	t := p.peek()
	if t.kind != pg_query.Token_ICONST && t.kind != pg_query.Token_FCONST {
		return 0, p.errExpected("a number, such as 0.05")
	}
	v, err := strconv.ParseFloat(p.src.text(t), 64)
	if err != nil {
		return 0, p.valueErr(t, err)
	}
	p.i++
	return v, nil
}

// ThresholdNames are the settings of VALIDATE … WITH (…): see
// docs/sql.md for what each bounds and its default.
var ThresholdNames = []string{"null_fraction", "range", "mean_shift", "new_categories"}

func isThreshold(name string) bool {
	for _, n := range ThresholdNames {
		if n == name {
			return true
		}
	}
	return false
}
