package ddl

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	featuregate "github.com/featuregate/featuregate"
)

const supportedTypes = "The supported types are smallint, integer, bigint, real, double precision, " +
	"numeric, boolean, text, bytea, date, timestamp, timestamptz and jsonb, and arrays of them."

// simpleTypes maps the one-word names of the supported types to their
// canonical names.
var simpleTypes = map[string]string{
	"smallint": "smallint", "int2": "smallint",
	"integer": "integer", "int": "integer", "int4": "integer",
	"bigint": "bigint", "int8": "bigint",
	"real": "real", "float4": "real",
	"float8":  "double precision",
	"boolean": "boolean", "bool": "boolean",
	"text": "text", "bytea": "bytea", "date": "date", "jsonb": "jsonb",
	"timestamptz": "timestamp with time zone",
}

// typ parses a type and returns its canonical name (catalog.Column.Type).
func (p *parser) typ() (string, error) {
	base, err := p.baseType()
	if err != nil {
		return "", err
	}
	array, err := p.arrayBounds()
	if err != nil || !array {
		return base, err
	}
	return base + "[]", nil
}

func (p *parser) baseType() (string, error) {
	t := p.peek()
	if !isName(t) {
		return "", p.errExpected("a type")
	}
	p.next()
	if canonical, ok := simpleTypes[t.word]; ok {
		return canonical, nil
	}
	switch t.word {
	case "double":
		return "double precision", p.expectWord("precision", "PRECISION")
	case "float":
		return p.floatType()
	case "numeric", "decimal", "dec":
		return "numeric", p.numericModifiers()
	case "timestamp":
		return p.timestampType()
	}
	name, _ := identValue(p.src.text(t))
	return "", p.errAt(featuregate.KindUnsupported, t,
		fmt.Sprintf(`type "%s" is not supported`, name), supportedTypes)
}

// timestampType parses what may follow TIMESTAMP: WITH or WITHOUT TIME ZONE.
func (p *parser) timestampType() (string, error) {
	name := "timestamp without time zone"
	switch {
	case p.accept("with"):
		name = "timestamp with time zone"
	case !p.accept("without"):
		return name, nil
	}
	if err := p.expectWord("time", "TIME ZONE"); err != nil {
		return "", err
	}
	return name, p.expectWord("zone", "ZONE")
}

// floatType parses what may follow FLOAT: (p), real up to 24 bits, double
// precision above.
func (p *parser) floatType() (string, error) {
	if !p.isPunct('(') {
		return "double precision", nil
	}
	t := p.peekAt(1)
	bits, err := p.typeModifier()
	switch {
	case err != nil:
		return "", err
	case bits < 1:
		return "", p.errAt(featuregate.KindInvalid, t, "precision for type float must be at least 1 bit", "")
	case bits > 53:
		return "", p.errAt(featuregate.KindInvalid, t, "precision for type float must be less than 54 bits", "")
	case bits <= 24:
		return "real", nil
	}
	return "double precision", nil
}

// numericModifiers parses the optional (precision [, scale]) of NUMERIC.
func (p *parser) numericModifiers() error {
	if !p.isPunct('(') {
		return nil
	}
	t := p.peekAt(1)
	precision, err := p.typeModifier()
	if err != nil {
		return err
	}
	if precision < 1 || precision > 1000 {
		return p.errAt(featuregate.KindInvalid, t,
			fmt.Sprintf("NUMERIC precision %d must be between 1 and 1000", precision), "")
	}
	return nil
}

// typeModifier parses (n) or (n, m) and returns n.
func (p *parser) typeModifier() (int64, error) {
	p.next()
	n, err := p.integer()
	if err != nil {
		return 0, err
	}
	if p.acceptPunct(',') {
		if _, err := p.integer(); err != nil {
			return 0, err
		}
	}
	return n, p.expectPunct(')', `")"`)
}

// integer parses an integer constant.
func (p *parser) integer() (int64, error) {
	t := p.peek()
	if t.kind != pg_query.Token_ICONST {
		return 0, p.errExpected("an integer")
	}
	p.next()
	n, err := parseInteger(p.src.text(t))
	if err != nil {
		return 0, p.errAt(featuregate.KindInvalid, t, "type modifier is out of range", "")
	}
	return n, nil
}

// arrayBounds parses the optional [] (any number, with or without a
// bound) or ARRAY [n] after a type, and tells whether there was one.
func (p *parser) arrayBounds() (bool, error) {
	if p.accept("array") {
		if !p.isPunct('[') {
			return true, nil
		}
		return true, p.bound()
	}
	array := false
	for p.isPunct('[') {
		if err := p.bound(); err != nil {
			return false, err
		}
		array = true
	}
	return array, nil
}

// bound parses [ [n] ].
func (p *parser) bound() error {
	p.next()
	if p.peek().kind == pg_query.Token_ICONST {
		p.next()
	}
	return p.expectPunct(']', `"]"`)
}

// parseInteger reads an integer constant as PostgreSQL does: decimal unless
// prefixed with 0x, 0o or 0b, with optional underscores.
func parseInteger(text string) (int64, error) {
	if len(text) > 1 && text[0] == '0' && (text[1] < '0' || text[1] > '9') {
		return strconv.ParseInt(text, 0, 64)
	}
	return strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 10, 64)
}
