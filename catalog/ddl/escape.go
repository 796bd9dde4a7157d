package ddl

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

var errUnicodeEscape = errors.New("invalid Unicode escape value")

// runeWriter collects bytes and code points, joining UTF-16 surrogate
// pairs and refusing code points PostgreSQL refuses.
type runeWriter struct {
	b    []byte
	high rune // a pending high surrogate, 0 when none
}

func (w *runeWriter) byte(c byte) bool {
	w.b = append(w.b, c)
	return w.high == 0
}

func (w *runeWriter) rune(r rune) bool {
	switch {
	case w.high != 0:
		r = utf16.DecodeRune(w.high, r)
		w.high = 0
		if r == utf8.RuneError {
			return false
		}
	case utf16.IsSurrogate(r) && r < 0xDC00:
		w.high = r
		return true
	}
	if r <= 0 || r > utf8.MaxRune || utf16.IsSurrogate(r) {
		return false
	}
	w.b = utf8.AppendRune(w.b, r)
	return true
}

func (w *runeWriter) result() (string, error) {
	if w.high != 0 {
		return "", errUnicodeEscape
	}
	return string(w.b), nil
}

// hexRune reads exactly n hex digits at the start of s.
func hexRune(s string, n int) (rune, bool) {
	if digits(s, n, isHexDigit) != n {
		return 0, false
	}
	v, _ := strconv.ParseUint(s[:n], 16, 32)
	return rune(v), true
}

// unescapeUnicode decodes the content of U&'...' or U&"...": \XXXX,
// \+XXXXXX and \\.
func unescapeUnicode(s string) (string, error) {
	var w runeWriter
	for i := 0; i < len(s); i++ {
		ok := true
		switch {
		case s[i] != '\\':
			ok = w.byte(s[i])
		case i+1 < len(s) && s[i+1] == '\\':
			ok = w.byte('\\')
			i++
		case i+1 < len(s) && s[i+1] == '+':
			var r rune
			r, ok = hexRune(s[i+2:], 6)
			ok = ok && w.rune(r)
			i += 7
		default:
			var r rune
			r, ok = hexRune(s[i+1:], 4)
			ok = ok && w.rune(r)
			i += 4
		}
		if !ok {
			return "", errUnicodeEscape
		}
	}
	return w.result()
}

// unescapeC decodes the content of E'...': \b \f \n \r \t \v, octal \ooo,
// hex \xhh, \uXXXX, \UXXXXXXXX, and \c for any other c.
func unescapeC(s string) (string, error) {
	var w runeWriter
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			if !w.byte(s[i]) {
				return "", errUnicodeEscape
			}
			continue
		}
		n, ok := unescapeOne(&w, s[i+1:])
		if !ok {
			return "", errUnicodeEscape
		}
		i += n
	}
	return w.result()
}

// unescapeOne decodes the escape after a backslash at the start of s and
// returns how many bytes it took.
func unescapeOne(w *runeWriter, s string) (int, bool) {
	c := s[0]
	switch {
	case c >= '0' && c <= '7':
		n := digits(s, 3, func(c byte) bool { return c >= '0' && c <= '7' })
		v, _ := strconv.ParseUint(s[:n], 8, 16)
		return n, w.byte(byte(v))
	case c == 'x' && digits(s[1:], 2, isHexDigit) > 0:
		n := digits(s[1:], 2, isHexDigit)
		v, _ := strconv.ParseUint(s[1:1+n], 16, 8)
		return 1 + n, w.byte(byte(v))
	case c == 'u' || c == 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		r, ok := hexRune(s[1:], n)
		return 1 + n, ok && w.rune(r)
	}
	if e, ok := simpleEscapes[c]; ok {
		c = e
	}
	return 1, w.byte(c)
}

var simpleEscapes = map[byte]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}

// digits counts the bytes, at most max, at the start of s that are digits.
func digits(s string, max int, digit func(byte) bool) int {
	n := 0
	for n < len(s) && n < max && digit(s[n]) {
		n++
	}
	return n
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
