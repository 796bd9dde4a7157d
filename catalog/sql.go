package catalog

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// QuoteIdent renders name as a PostgreSQL identifier. Like PostgreSQL's
// quote_ident, it leaves the name bare when it reads back unchanged: all
// lower case ([a-z_][a-z0-9_$]*) and not a keyword other than an unreserved
// one. Otherwise it double-quotes the name, doubling any '"' inside.
func QuoteIdent(name string) string {
	if isBareIdent(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteLiteral renders s as a PostgreSQL string constant, as read with
// standard_conforming_strings on: 'it”s'.
func QuoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// isBareIdent reports whether name needs no quotes.
func isBareIdent(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range []byte(name) {
		lower := c >= 'a' && c <= 'z' || c == '_'
		if !lower && (i == 0 || !(c >= '0' && c <= '9' || c == '$')) {
			return false
		}
	}
	res, err := pg_query.Scan(name)
	if err != nil || len(res.Tokens) != 1 {
		return false
	}
	kind := res.Tokens[0].KeywordKind
	return kind == pg_query.KeywordKind_NO_KEYWORD || kind == pg_query.KeywordKind_UNRESERVED_KEYWORD
}

// SQL implements Object: CREATE ENTITY name (key type, ...) [COMMENT '...'].
func (e *Entity) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE ENTITY " + QuoteIdent(e.Name) + " (")
	for i, k := range e.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(k.Name) + " " + k.Type)
	}
	b.WriteString(")")
	writeComment(&b, e.Comment)
	return b.String()
}

// SQL implements Object: CREATE SOURCE name TIMESTAMP COLUMN col
// [CREATED COLUMN col] [COMMENT '...'] AS {TABLE table [WITH (streaming =
// on)] | query}, the query verbatim.
func (s *Source) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE SOURCE " + QuoteIdent(s.Name))
	b.WriteString(" TIMESTAMP COLUMN " + QuoteIdent(s.TimestampColumn))
	if s.CreatedColumn != "" {
		b.WriteString(" CREATED COLUMN " + QuoteIdent(s.CreatedColumn))
	}
	writeComment(&b, s.Comment)
	if s.File != nil {
		b.WriteString(" AS FILE " + QuoteLiteral(s.File.Path))
	} else if s.Table != "" {
		b.WriteString(" AS TABLE " + s.Table)
		if s.Streaming {
			b.WriteString(" WITH (streaming = on)")
		}
	} else {
		b.WriteString(" AS " + s.Query)
	}
	return b.String()
}

// SQL implements Object: CREATE FEATURE VIEW name (feature type [CHECK
// (expr)], ...) ENTITY e SOURCE s [TTL INTERVAL '...'] ONLINE|OFFLINE
// [TAGS (key = 'value', ...)] [COMMENT '...'].
func (v *FeatureView) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE FEATURE VIEW " + QuoteIdent(v.Name) + " (")
	for i, f := range v.Features {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(f.Name) + " " + f.Type)
		if f.Check != "" {
			b.WriteString(" CHECK (" + f.Check + ")")
		}
	}
	b.WriteString(") ENTITY " + QuoteIdent(v.Entity) + " SOURCE " + QuoteIdent(v.Source))
	if v.TTL != "" {
		b.WriteString(" TTL INTERVAL " + QuoteLiteral(v.TTL))
	}
	if v.Online {
		b.WriteString(" ONLINE")
	} else {
		b.WriteString(" OFFLINE")
	}
	writeTags(&b, v.Tags)
	writeComment(&b, v.Comment)
	return b.String()
}

// SQL implements Object: CREATE FEATURE SERVICE name AS view.* | view.feature
// [, ...] [COMMENT '...'].
func (s *FeatureService) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE FEATURE SERVICE " + QuoteIdent(s.Name) + " AS ")
	for i, r := range s.Features {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(r.View) + ".")
		if r.Feature == "*" {
			b.WriteString("*")
		} else {
			b.WriteString(QuoteIdent(r.Feature))
		}
	}
	writeComment(&b, s.Comment)
	return b.String()
}

func writeTags(b *strings.Builder, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	b.WriteString(" TAGS (")
	for i, t := range tags {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(t.Key) + " = " + QuoteLiteral(t.Value))
	}
	b.WriteString(")")
}

func writeComment(b *strings.Builder, comment string) {
	if comment != "" {
		b.WriteString(" COMMENT " + QuoteLiteral(comment))
	}
}
