package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	featuregate "github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
)

var viewClauses = []string{"ENTITY", "SOURCE", "TTL", "ONLINE", "OFFLINE", "TAGS", "COMMENT"}

// featureView parses the rest of CREATE FEATURE VIEW: name (features)
// then its clauses in any order, each at most once.
func (p *parser) featureView() (catalog.Object, error) {
	v := &catalog.FeatureView{Online: true}
	var err error
	if v.Name, err = p.name("a feature view name"); err != nil {
		return nil, err
	}
	if v.Features, err = p.features(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for !p.atEnd() {
		if err := p.viewClause(v, seen); err != nil {
			return nil, err
		}
	}
	if missing := remaining(seen, "ENTITY", "SOURCE"); len(missing) > 0 {
		return nil, p.errExpected(strings.Join(missing, " and "))
	}
	return v, p.end()
}

// features parses (feature type [CHECK (expr)], ...).
func (p *parser) features() ([]catalog.Feature, error) {
	if err := p.expectPunct('(', `"("`); err != nil {
		return nil, err
	}
	var fs []catalog.Feature
	seen := map[string]bool{}
	for {
		t := p.peek()
		f, err := p.feature()
		if err != nil {
			return nil, err
		}
		if err := p.unique(seen, t, "feature", f.Name); err != nil {
			return nil, err
		}
		fs = append(fs, f)
		if !p.acceptPunct(',') {
			break
		}
	}
	hint := `"," or ")"`
	if fs[len(fs)-1].Check == "" {
		hint = `CHECK, "," or ")"`
	}
	return fs, p.expectPunct(')', hint)
}

// feature parses name type [CHECK (expr)].
func (p *parser) feature() (catalog.Feature, error) {
	var f catalog.Feature
	c, err := p.column("a feature name")
	if err != nil {
		return f, err
	}
	f.Name, f.Type = c.Name, c.Type
	if !p.accept("check") {
		return f, nil
	}
	if err := p.expectPunct('(', `"("`); err != nil {
		return f, err
	}
	f.Check, err = p.checkExpr()
	return f, err
}

// viewClause parses one clause of a feature view.
func (p *parser) viewClause(v *catalog.FeatureView, seen map[string]bool) error {
	t := p.peek()
	if !isViewClause(t.word) {
		left := remaining(seen, viewClauses...)
		if seen["entity"] && seen["source"] {
			left = append(left, "end of statement")
		}
		return p.errExpected(orList(left...))
	}
	if err := p.once(seen, t); err != nil {
		return err
	}
	p.next()
	var err error
	switch t.word {
	case "entity":
		v.Entity, err = p.name("an entity name")
	case "source":
		v.Source, err = p.name("a source name")
	case "ttl":
		v.TTL, err = p.ttl()
	case "online", "offline":
		v.Online = t.word == "online"
	case "tags":
		v.Tags, err = p.tags()
	default:
		v.Comment, err = p.str("a string constant")
	}
	return err
}

func isViewClause(word string) bool {
	for _, c := range viewClauses {
		if strings.ToLower(c) == word {
			return true
		}
	}
	return false
}

// ttl parses what follows TTL: NONE, INTERVAL 'text' or 'text'.
func (p *parser) ttl() (string, error) {
	if p.accept("none") {
		return "", nil
	}
	hint := "NONE, INTERVAL '...' or a string constant such as '90 days'"
	if p.accept("interval") {
		hint = "a string constant such as '90 days'"
	}
	t := p.peek()
	s, err := p.str(hint)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", p.errAt(featuregate.KindInvalid, t,
			`invalid input syntax for type interval: "`+s+`"`, "Write TTL NONE for no TTL.")
	}
	if _, err := pit.ParseTTL(s); err != nil {
		return "", p.errAt(featuregate.KindInvalid, t, err.Error(),
			"Write a positive interval of at most 100 years, such as '90 days' or 'P1D', or TTL NONE.")
	}
	return s, nil
}

// tags parses (key = 'value', ...).
func (p *parser) tags() ([]catalog.Tag, error) {
	if err := p.expectPunct('(', `"("`); err != nil {
		return nil, err
	}
	var tags []catalog.Tag
	seen := map[string]bool{}
	for {
		t := p.peek()
		tag, err := p.tag()
		if err != nil {
			return nil, err
		}
		if err := p.unique(seen, t, "tag", tag.Key); err != nil {
			return nil, err
		}
		tags = append(tags, tag)
		if !p.acceptPunct(',') {
			break
		}
	}
	return tags, p.expectPunct(')', `"," or ")"`)
}

// tag parses key = 'value'.
func (p *parser) tag() (catalog.Tag, error) {
	var t catalog.Tag
	var err error
	if t.Key, err = p.name("a tag name"); err != nil {
		return t, err
	}
	if err := p.expectPunct('=', `"="`); err != nil {
		return t, err
	}
	t.Value, err = p.str("a string constant")
	return t, err
}

// balanced returns the index of the ')' that closes the '(' just before
// the next token, or -1 when there is none.
func (p *parser) balanced() int {
	depth := 1
	for k := p.i; k < len(p.src.toks); k++ {
		switch p.src.toks[k].kind {
		case pg_query.Token_ASCII_40:
			depth++
		case pg_query.Token_ASCII_41:
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return -1
}
