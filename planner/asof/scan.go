package asof

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// PostgreSQL's grammar has no AS OF, so a query that reads features AS OF
// a time does not parse. Rewrite finds each `<relation> AS OF <time>
// [[AS] alias]` with PostgreSQL's scanner, replaces it with a subquery
// written by package pit, and lets the grammar check the result.

// asOf is one `<relation> AS OF <time> [alias]` of a statement; the
// offsets are bytes of the statement's text.
type asOf struct {
	rel        *relationRef
	start, end int    // the span to replace: relation to alias
	timeSQL    string // the time expression, as written
	alias      string // the alias as written, or the relation's name
	aliasName  string // the alias as PostgreSQL reads it (folded or unquoted)
	join       joinKind
	using      []string // USING (…) names, as PostgreSQL reads them
	usingStart int      // with USING: the span of USING (…)
	usingEnd   int
	onStart    int // with ON: where the condition starts and ends
	onEnd      int
	// narrowed replaces USING (…) when some of its keys are read by only
	// some views (pit.Join.UsingCondition); "" leaves it as written.
	narrowed string
}

// relationRef is the feature relation an AS OF reads.
type relationRef struct {
	name string // as PostgreSQL reads it
	pos  int    // byte offset of its name
}

type joinKind int

const (
	fromItem  joinKind = iota // FROM rel AS OF … or , rel AS OF …
	leftJoin                  // LEFT [OUTER] JOIN rel AS OF …
	innerJoin                 // [INNER] JOIN rel AS OF …
)

// scanner walks the tokens of one statement.
type scanner struct {
	sql  string
	toks []*pg_query.ScanToken
}

func (sc *scanner) text(i int) string {
	if i < 0 || i >= len(sc.toks) {
		return ""
	}
	return sc.sql[sc.toks[i].Start:sc.toks[i].End]
}

func (sc *scanner) is(i int, tok pg_query.Token) bool {
	return i >= 0 && i < len(sc.toks) && sc.toks[i].Token == tok
}

// word returns token i as a lower-cased keyword, or "" when it is none.
func (sc *scanner) word(i int) string {
	if i < 0 || i >= len(sc.toks) || sc.toks[i].KeywordKind == pg_query.KeywordKind_NO_KEYWORD {
		return ""
	}
	return strings.ToLower(sc.text(i))
}

// identName returns token i read as a name (folded, or unquoted) and
// whether it can be one.
func (sc *scanner) identName(i int) (string, bool) {
	if i < 0 || i >= len(sc.toks) {
		return "", false
	}
	t := sc.toks[i]
	if t.Token != pg_query.Token_IDENT && t.KeywordKind != pg_query.KeywordKind_UNRESERVED_KEYWORD {
		return "", false
	}
	s := sc.text(i)
	if strings.HasPrefix(s, `"`) {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`), true
	}
	return strings.ToLower(s), true
}

// findAsOf returns the AS OF clauses of sql whose relation isRelation
// knows, in order. The relation may be qualified with schema, the
// project's schema of feature relations.
func findAsOf(sql, schema string, isRelation func(string) bool) ([]asOf, error) {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return nil, nil
	}
	sc := &scanner{sql: sql, toks: res.Tokens}
	var out []asOf
	for i := 1; i+1 < len(sc.toks); i++ {
		if !sc.is(i, pg_query.Token_AS) || !sc.is(i+1, pg_query.Token_OF) {
			continue
		}
		name, ok := sc.identName(i - 1)
		if !ok || !isRelation(name) {
			continue
		}
		first := i - 1 // the first token of the relation's name
		if sc.is(i-2, pg_query.Token_ASCII_46) {
			if s, ok := sc.identName(i - 3); !ok || s != schema || sc.is(i-4, pg_query.Token_ASCII_46) {
				continue
			}
			first = i - 3
		}
		a, err := sc.clause(first, i-1, name)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// clause reads the AS OF clause whose relation is token r, its name
// starting at token first (its schema, when qualified).
func (sc *scanner) clause(first, r int, name string) (asOf, error) {
	a := asOf{rel: &relationRef{name: name, pos: int(sc.toks[first].Start)}, start: int(sc.toks[first].Start)}
	var err error
	if a.join, err = sc.joinBefore(first); err != nil {
		return a, err
	}
	t0 := r + 3
	t1 := sc.timeEnd(t0)
	if t1 == t0 {
		return a, sc.errAt(r, "AS OF needs a time: write %s AS OF <timestamp or column>", sc.text(r))
	}
	a.timeSQL = sc.sql[sc.toks[t0].Start:sc.toks[t1-1].End]
	a.end = int(sc.toks[t1-1].End)
	a.alias, a.aliasName = sc.text(r), name
	next := t1
	if sc.is(next, pg_query.Token_AS) {
		next++
	}
	if alias, ok := sc.identName(next); ok && (next > t1 || sc.toks[next].Token == pg_query.Token_IDENT) {
		a.alias, a.aliasName, a.end = sc.text(next), alias, int(sc.toks[next].End)
		next++
	}
	return a, sc.condition(&a, next)
}

// joinBefore tells how the relation at token r is joined.
func (sc *scanner) joinBefore(r int) (joinKind, error) {
	switch {
	case sc.is(r-1, pg_query.Token_FROM), sc.is(r-1, pg_query.Token_ASCII_44):
		return fromItem, nil
	case !sc.is(r-1, pg_query.Token_JOIN):
		return 0, sc.errAt(r, "AS OF reads a feature relation in FROM or JOIN")
	}
	j := r - 2
	if sc.is(j, pg_query.Token_OUTER_P) {
		j--
	}
	switch sc.word(j) {
	case "left":
		return leftJoin, nil
	case "right", "full", "cross", "natural":
		return 0, featuregate.Errorf(featuregate.KindUnsupported, "%s JOIN of a feature relation AS OF is not supported", strings.ToUpper(sc.word(j))).
			At(sc.pos(r)).WithHint("use LEFT JOIN (every spine row once) or JOIN (rows with a value in every view)")
	}
	return innerJoin, nil
}

// stopWords end the time expression and an ON condition.
var stopWords = map[string]bool{
	"where": true, "on": true, "using": true, "join": true, "left": true, "right": true, "full": true,
	"inner": true, "cross": true, "natural": true, "group": true, "order": true, "limit": true,
	"offset": true, "having": true, "window": true, "union": true, "intersect": true, "except": true,
	"for": true, "fetch": true, "returning": true, "as": true,
}

// timeEnd returns the token after the time expression that starts at t0:
// it ends before a stop word, ',', ')' or ';' outside parentheses, or
// before a plain identifier that follows an operand (the alias).
func (sc *scanner) timeEnd(t0 int) int {
	depth := 0
	for i := t0; i < len(sc.toks); i++ {
		switch sc.toks[i].Token {
		case pg_query.Token_ASCII_40, pg_query.Token_ASCII_91:
			depth++
			continue
		case pg_query.Token_ASCII_41, pg_query.Token_ASCII_93:
			if depth == 0 {
				return i
			}
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		if sc.is(i, pg_query.Token_ASCII_44) || sc.is(i, pg_query.Token_ASCII_59) || stopWords[sc.word(i)] {
			return i
		}
		if i > t0 && sc.toks[i].Token == pg_query.Token_IDENT && sc.endsOperand(i-1) {
			return i
		}
	}
	return len(sc.toks)
}

// endsOperand reports whether token i can end an operand, so that an
// identifier after it must be an alias.
func (sc *scanner) endsOperand(i int) bool {
	switch sc.toks[i].Token {
	case pg_query.Token_IDENT, pg_query.Token_SCONST, pg_query.Token_ICONST, pg_query.Token_FCONST,
		pg_query.Token_PARAM, pg_query.Token_ASCII_41, pg_query.Token_ASCII_93:
		return true
	}
	return sc.toks[i].KeywordKind == pg_query.KeywordKind_UNRESERVED_KEYWORD ||
		sc.toks[i].KeywordKind == pg_query.KeywordKind_COL_NAME_KEYWORD && sc.word(i) != "timestamp" && sc.word(i) != "interval"
}

// condition reads USING (…) or ON … after the alias, at token i.
func (sc *scanner) condition(a *asOf, i int) error {
	switch {
	case sc.is(i, pg_query.Token_USING):
		if !sc.is(i+1, pg_query.Token_ASCII_40) {
			return sc.errAt(i, "USING needs a parenthesized list of join keys")
		}
		for j := i + 2; j < len(sc.toks); j += 2 {
			name, ok := sc.identName(j)
			if !ok {
				return sc.errAt(j, "USING lists join key names")
			}
			a.using = append(a.using, name)
			if sc.is(j+1, pg_query.Token_ASCII_41) {
				a.usingStart, a.usingEnd = int(sc.toks[i].Start), int(sc.toks[j+1].End)
				return nil
			}
			if !sc.is(j+1, pg_query.Token_ASCII_44) {
				return sc.errAt(j+1, "USING lists join key names, separated by commas")
			}
		}
		return sc.errAt(i, "USING list is not closed")
	case sc.is(i, pg_query.Token_ON):
		end := sc.onEnd(i + 1)
		if end == i+1 {
			return sc.errAt(i, "ON needs a join condition")
		}
		a.onStart, a.onEnd = int(sc.toks[i+1].Start), int(sc.toks[end-1].End)
	case a.join != fromItem:
		return featuregate.Errorf(featuregate.KindSyntax, "a feature relation joined AS OF needs USING (join keys) or ON alias.key = spine.key").
			At(pgtree.CharOffset(sc.sql, a.start) + 1)
	}
	return nil
}

// onEnd returns the token after an ON condition starting at t0.
func (sc *scanner) onEnd(t0 int) int {
	depth := 0
	for i := t0; i < len(sc.toks); i++ {
		switch sc.toks[i].Token {
		case pg_query.Token_ASCII_40:
			depth++
		case pg_query.Token_ASCII_41:
			if depth == 0 {
				return i
			}
			depth--
		default:
			w := sc.word(i)
			if depth == 0 && (sc.is(i, pg_query.Token_ASCII_59) || sc.is(i, pg_query.Token_ASCII_44) ||
				stopWords[w] && w != "as" && w != "on" && w != "using") {
				return i
			}
		}
	}
	return len(sc.toks)
}

func (sc *scanner) pos(i int) int {
	if i >= len(sc.toks) {
		return pgtree.CharOffset(sc.sql, len(sc.sql)) + 1
	}
	return pgtree.CharOffset(sc.sql, int(sc.toks[i].Start)) + 1
}

func (sc *scanner) errAt(i int, format string, args ...any) error {
	return featuregate.Errorf(featuregate.KindSyntax, format, args...).At(sc.pos(i))
}
