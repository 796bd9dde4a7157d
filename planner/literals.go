package planner

import "strconv"

// Drivers that put values into the text (psql, psycopg2, pandas, most
// Python code) send every key lookup as a new string, which the plan cache
// cannot help with and which costs a full parse. templateOf takes the
// constants out of such a string with a scanner written in Go, so that
// every lookup of the same shape shares one cached plan: the template,
// planned with a parameter in place of each constant, is bound to the
// constants of each string. Like quickForward it is conservative: any
// construct it does not fully understand (comments, dollar quotes,
// parameters, escape strings, exponents) gives up, and the string takes
// the full parse.

// templateOf returns sql with each string and numeric constant replaced by
// $1, $2, … in order, and the constants' values as the parser would give
// them: strings as string, integers that fit 32 bits as int64, other
// numbers as their text. ok is false when sql holds no constant or
// anything the scanner does not handle.
func templateOf(sql string) (tpl string, lits []any, ok bool) {
	if len(sql) > 4096 {
		return "", nil, false
	}
	out := make([]byte, 0, len(sql))
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '$' || c == '\\' || c == 0 || (c == '-' && next(sql, i) == '-') || (c == '/' && next(sql, i) == '*'):
			return "", nil, false
		case c == '\'':
			if i > 0 && isWordByte(sql[i-1]) { // E'…', B'…', X'…', U&'…' and the like
				return "", nil, false
			}
			s, end, ok := quoted(sql, i, '\'')
			if !ok {
				return "", nil, false
			}
			lits = append(lits, s)
			out = appendParam(out, len(lits))
			i = end
		case c == '"':
			_, end, ok := quoted(sql, i, '"')
			if !ok {
				return "", nil, false
			}
			out = append(out, sql[i:end]...)
			i = end
		case c >= '0' && c <= '9' && (i == 0 || !isWordByte(sql[i-1]) && sql[i-1] != '.'):
			v, end, ok := number(sql, i)
			if !ok {
				return "", nil, false
			}
			lits = append(lits, v)
			out = appendParam(out, len(lits))
			i = end
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			out = append(out, sql[i:j]...)
			i = j
		default:
			out = append(out, c)
			i++
		}
	}
	if len(lits) == 0 {
		return "", nil, false
	}
	return string(out), lits, true
}

func next(s string, i int) byte {
	if i+1 < len(s) {
		return s[i+1]
	}
	return 0
}

func appendParam(out []byte, n int) []byte {
	out = append(out, '$')
	return strconv.AppendInt(out, int64(n), 10)
}

// quoted reads the text quoted by q at sql[i], a doubled q standing for
// one, and returns it with the index after the closing quote.
func quoted(sql string, i int, q byte) (string, int, bool) {
	var b []byte
	for j := i + 1; j < len(sql); j++ {
		if sql[j] != q {
			b = append(b, sql[j])
			continue
		}
		if next(sql, j) == q {
			b = append(b, q)
			j++
			continue
		}
		return string(b), j + 1, true
	}
	return "", 0, false
}

// number reads digits[.digits] at sql[i]. A number running into a word or
// a second dot, or with an exponent, is not handled.
func number(sql string, i int) (any, int, bool) {
	j := i
	for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
		j++
	}
	frac := j < len(sql) && sql[j] == '.'
	if frac {
		j++
		for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
			j++
		}
	}
	if j < len(sql) && (isWordByte(sql[j]) || sql[j] == '.') {
		return nil, 0, false
	}
	text := sql[i:j]
	if !frac {
		if n, err := strconv.ParseInt(text, 10, 32); err == nil {
			return int64(n), j, true
		}
	}
	return text, j, true
}
