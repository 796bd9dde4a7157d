package ddl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	featuregate "github.com/featuregate/featuregate"
)

// token is one token of PostgreSQL's scanner, comments left out.
type token struct {
	start, end int // byte offsets in the statement
	kind       pg_query.Token
	keyword    pg_query.KeywordKind
	// word is the lower-cased text of an unquoted identifier or keyword,
	// "" for any other token.
	word string
	eof  bool // the end of the statement, past the last token
}

// source is a statement cut into tokens.
type source struct {
	sql  string
	toks []token
}

// lex scans sql with PostgreSQL's scanner. On a scan error it returns the
// tokens before the error, so that the caller can still tell whether sql
// is a featuregate statement, and the error.
func lex(sql string) (*source, error) {
	cut := firstBadByte(sql)
	toks, err := scanTokens(sql[:cut])
	src := &source{sql: sql, toks: toks}
	if cut < len(sql) {
		return src, featuregate.Errorf(featuregate.KindInvalid,
			"invalid byte sequence for encoding \"UTF8\": 0x%02x", sql[cut]).At(src.pos(cut))
	}
	return src, err
}

// firstBadByte is the offset of the first NUL byte or invalid UTF-8
// sequence in s, or len(s). The scanner stops at NUL, and PostgreSQL
// accepts neither.
func firstBadByte(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(s)
}

// scanTokens scans s. On an error, it returns the tokens it can: those
// before the error, or, when the error is inside a string constant, those
// of s with its backslash escapes blanked out.
func scanTokens(s string) ([]token, error) {
	res, err := pg_query.Scan(s)
	if err == nil {
		return tokens(s, res), nil
	}
	var pe *pgparser.Error
	if !errors.As(err, &pe) {
		return nil, err
	}
	if pe.Cursorpos == 0 { // an escape made an invalid byte sequence
		toks := blankedTokens(s)
		return toks, encodingError(s, pe.Message, toks)
	}
	e := featuregate.Errorf(featuregate.KindSyntax, "%s", pe.Message).At(pe.Cursorpos)
	if res, err := pg_query.Scan(s[:byteOffset(s, pe.Cursorpos)]); err == nil {
		return tokens(s, res), e
	}
	return blankedTokens(s), e
}

// blankedTokens scans s with its backslashes blanked out, as far as it
// can: enough to tell what statement s is.
func blankedTokens(s string) []token {
	s = strings.ReplaceAll(s, `\`, " ")
	res, err := pg_query.Scan(s)
	var pe *pgparser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 {
		res, _ = pg_query.Scan(s[:byteOffset(s, pe.Cursorpos)])
	}
	return tokens(s, res)
}

// encodingError positions an error that the scanner gives without a
// position: at the token that ends where s starts to fail with msg.
func encodingError(s, msg string, toks []token) error {
	lo, hi := 0, len(s) // s[:lo] does not fail with msg, s[:hi] does
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if _, err := pg_query.Scan(s[:mid]); err != nil && err.Error() == msg {
			hi = mid
		} else {
			lo = mid
		}
	}
	off := 0
	for _, t := range toks {
		if t.start < hi {
			off = t.start
		}
	}
	return featuregate.Errorf(featuregate.KindInvalid, "%s", msg).At(charPos(s, off))
}

// byteOffset is the byte offset in s of 1-based character position pos.
func byteOffset(s string, pos int) int {
	for off := range s {
		if pos--; pos == 0 {
			return off
		}
	}
	return len(s)
}

func tokens(s string, res *pg_query.ScanResult) []token {
	if res == nil {
		return nil
	}
	toks := make([]token, 0, len(res.Tokens))
	for _, t := range res.Tokens {
		if t.Token == pg_query.Token_SQL_COMMENT || t.Token == pg_query.Token_C_COMMENT {
			continue
		}
		tok := token{start: int(t.Start), end: int(t.End), kind: t.Token, keyword: t.KeywordKind}
		text := s[tok.start:tok.end]
		if t.KeywordKind != pg_query.KeywordKind_NO_KEYWORD || t.Token == pg_query.Token_IDENT && text[0] != '"' {
			tok.word = lowerASCII(text)
		}
		toks = append(toks, tok)
	}
	return toks
}

// pos is the 1-based character position of byte offset off.
func (s *source) pos(off int) int { return charPos(s.sql, off) }

func charPos(s string, off int) int { return utf8.RuneCountInString(s[:off]) + 1 }

func (s *source) text(t token) string { return s.sql[t.start:t.end] }

// lowerASCII lower-cases like PostgreSQL does unquoted identifiers:
// ASCII letters only.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isName tells whether t can be a name: an identifier, quoted or not, or
// any keyword.
func isName(t token) bool {
	return t.kind == pg_query.Token_IDENT || t.kind == pg_query.Token_UIDENT ||
		t.keyword != pg_query.KeywordKind_NO_KEYWORD
}

// identValue decodes an identifier token: unquoted ones are lower-cased,
// quoted ones keep their case with "" unescaped.
func identValue(text string) (string, error) {
	switch {
	case text[0] == '"':
		return strings.ReplaceAll(text[1:len(text)-1], `""`, `"`), nil
	case len(text) > 2 && text[1] == '&':
		inner := strings.ReplaceAll(text[3:len(text)-1], `""`, `"`)
		return unescapeUnicode(inner)
	}
	return lowerASCII(text), nil
}

// stringValue decodes a string constant token: '...', E'...', U&'...' or
// $tag$...$tag$.
func stringValue(text string) (string, error) {
	var (
		s   string
		err error
	)
	switch {
	case text[0] == '$':
		tag := text[:strings.IndexByte(text[1:], '$')+2]
		s = text[len(tag) : len(text)-len(tag)]
	case text[0] == 'E' || text[0] == 'e':
		s, err = unescapeC(joinSegments(text[1:], true))
	case text[0] == 'U' || text[0] == 'u':
		s, err = unescapeUnicode(joinSegments(text[2:], false))
	default:
		s = joinSegments(text, false)
	}
	if err != nil {
		return "", err
	}
	if bad := firstBadByte(s); bad < len(s) {
		return "", fmt.Errorf("invalid byte sequence for encoding \"UTF8\": 0x%02x", s[bad])
	}
	return s, nil
}

// joinSegments reads quoted segments, 'a' 'b' separated by whitespace with
// a newline, into their content, with ” unescaped. With backslash
// escapes, a backslash and the byte after it are kept as they are.
func joinSegments(text string, backslash bool) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		i++ // the opening quote
		for i < len(text) {
			c := text[i]
			if c == '\'' && i+1 < len(text) && text[i+1] == '\'' {
				b.WriteByte(c)
				i += 2
				continue
			}
			if c == '\'' {
				i++
				break
			}
			if backslash && c == '\\' && i+1 < len(text) {
				b.WriteByte(c)
				i++
				c = text[i]
			}
			b.WriteByte(c)
			i++
		}
		for i < len(text) && text[i] != '\'' {
			i++
		}
	}
	return b.String()
}
