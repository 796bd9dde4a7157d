package filesource

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// A CSV column's type is the first of these that every value of the
// column (NULLs, unquoted empty fields, aside) can be read as; a quoted
// empty string, or a column of NULLs only, makes it text.
const (
	candBool  = 1 << iota // true, false, t, f, any case
	candInt               // a 64-bit integer
	candFloat             // a decimal number
	candDate              // 2024-01-31
	candTSTZ              // a date and time with a UTC offset or Z
	candTS                // a date and time without
	candAll   = candBool | candInt | candFloat | candDate | candTSTZ | candTS
)

var candTypes = []struct {
	bit  int
	name string
}{
	{candBool, "boolean"}, {candInt, "bigint"}, {candFloat, "double precision"}, {candDate, "date"},
	{candTSTZ, "timestamp with time zone"}, {candTS, "timestamp without time zone"},
}

// inferCSV reads the records after the header and returns each column's
// type and the row count.
func inferCSV(ctx context.Context, s *csvScanner, width int) ([]string, int64, error) {
	cands := make([]int, width)
	seen := make([]bool, width)
	for i := range cands {
		cands[i] = candAll
	}
	var rows int64
	for {
		start := s.line
		rec, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		if len(rec) != width {
			s.record-- // the record read
			return nil, 0, s.errorf(start, "%d fields, where the header has %d", len(rec), width).
				WithHint("Quote a field that holds a comma or a line break; nothing was loaded.")
		}
		rows++
		if rows%65536 == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		for i, f := range rec {
			if len(f.value) == 0 && !f.quoted {
				continue // NULL
			}
			seen[i] = true
			if cands[i] != 0 {
				cands[i] &= candidates(f.value)
			}
		}
	}
	types := make([]string, width)
	for i := range types {
		types[i] = "text"
		if !seen[i] {
			continue
		}
		for _, c := range candTypes {
			if cands[i]&c.bit != 0 {
				types[i] = c.name
				break
			}
		}
	}
	return types, rows, nil
}

// candidates returns the types a value can be read as.
func candidates(v []byte) int {
	if len(v) == 0 || v[0] == ' ' || v[len(v)-1] == ' ' {
		return 0
	}
	s := string(v)
	c := 0
	switch {
	case isBool(s):
		return candBool
	case s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '+' || s[0] == '.':
	default:
		return 0
	}
	_, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err == nil:
		c |= candInt | candFloat
	case errors.Is(err, strconv.ErrRange):
		return 0 // an identifier past 64 bits: text, not a rounded number
	case isDecimal(v):
		c |= candFloat
	}
	if len(s) >= 10 && s[4] == '-' {
		c |= timeCandidates(s)
	}
	return c
}

func isBool(s string) bool {
	switch len(s) {
	case 1, 4, 5:
		switch bytes.ToLower([]byte(s))[0] {
		case 't', 'f':
			l := string(bytes.ToLower([]byte(s)))
			return l == "t" || l == "f" || l == "true" || l == "false"
		}
	}
	return false
}

// isDecimal accepts [+-]digits[.digits][e[+-]digits], as PostgreSQL reads
// a double precision, leaving out its hexadecimal and special spellings.
func isDecimal(v []byte) bool {
	if v[0] == '+' || v[0] == '-' {
		v = v[1:]
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp, digits = true, 0
			if i+1 < len(v) && (v[i+1] == '+' || v[i+1] == '-') {
				i++
			}
		default:
			return false
		}
	}
	return digits > 0
}

var (
	zoned = []string{"2006-01-02T15:04:05.999999Z07:00", "2006-01-02 15:04:05.999999Z07:00",
		"2006-01-02 15:04:05.999999Z07", "2006-01-02T15:04:05.999999Z07", "2006-01-02T15:04Z07:00", "2006-01-02 15:04Z07:00"}
	unzoned = []string{"2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", "2006-01-02T15:04", "2006-01-02 15:04"}
)

// timeCandidates tells whether s is a date, or a time with or without
// zone, in the ISO 8601 forms PostgreSQL reads whatever its DateStyle.
func timeCandidates(s string) int {
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return candDate | candTS | candTSTZ
	}
	for _, l := range zoned {
		if _, err := time.Parse(l, s); err == nil {
			return candTSTZ
		}
	}
	for _, l := range unzoned {
		if _, err := time.Parse(l, s); err == nil {
			return candTS
		}
	}
	return 0
}
