package exec

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/featuregate/featuregate/online"
)

// Pushed values are read in the gateway when PostgreSQL is not needed to
// read them: the view has no CHECK rules, every column's type is one of
// nativeTypes, and every value of a chunk is in a strict form that
// PostgreSQL reads to the same value (decimal integers in range, plain
// decimal floats, true/false/t/f/1/0, valid UTF-8 text without NUL, ISO
// 8601 dates and times with at most microseconds and an offset under 15
// hours). A chunk with any other value goes to PostgreSQL whole, which
// reads it as before or gives its own error: reading natively only ever
// skips a round trip, it never accepts what PostgreSQL would refuse nor
// reads a value differently. TestNativeAgreesWithPostgreSQL holds it to
// that. Values read natively are written straight into the online
// store's encoding (TestNativeEncodings holds the bytes to the store's).

// nativeType is a column type read in the gateway: read gives a text's
// value as pgx decodes the column (what TestNativeAgreesWithPostgreSQL
// compares with PostgreSQL's), value appends its encoding as a feature
// and key as an entity key part (nil: not read natively as a key); each
// reports false when the text is not in the strict form.
type nativeType struct {
	read  func(s string) (any, bool)
	value func(dst []byte, s string) ([]byte, bool)
	key   func(dst []byte, s string) ([]byte, bool)
}

// newNativeType makes a nativeType of values of T from its strict parser
// and its encodings (key may be nil).
func newNativeType[T any](parse func(string) (T, bool), value, key func([]byte, T) []byte) nativeType {
	nt := nativeType{
		read: func(s string) (any, bool) {
			if v, ok := parse(s); ok {
				return v, true
			}
			return nil, false
		},
		value: func(dst []byte, s string) ([]byte, bool) {
			if v, ok := parse(s); ok {
				return value(dst, v), true
			}
			return dst, false
		},
	}
	if key != nil {
		nt.key = func(dst []byte, s string) ([]byte, bool) {
			if v, ok := parse(s); ok {
				return key(dst, v), true
			}
			return dst, false
		}
	}
	return nt
}

// nativeTypes are the column types read in the gateway; the values are
// the Go types pgx decodes the same columns to.
var nativeTypes = map[string]nativeType{
	"smallint": newNativeType(func(s string) (int16, bool) { n, ok := parseInt(s, 16); return int16(n), ok },
		func(d []byte, v int16) []byte { return online.AppendIntValue(d, 16, int64(v)) },
		func(d []byte, v int16) []byte { return online.AppendIntKeyPart(d, int64(v)) }),
	"integer": newNativeType(func(s string) (int32, bool) { n, ok := parseInt(s, 32); return int32(n), ok },
		func(d []byte, v int32) []byte { return online.AppendIntValue(d, 32, int64(v)) },
		func(d []byte, v int32) []byte { return online.AppendIntKeyPart(d, int64(v)) }),
	"bigint": newNativeType(func(s string) (int64, bool) { return parseInt(s, 64) },
		func(d []byte, v int64) []byte { return online.AppendIntValue(d, 64, v) }, online.AppendIntKeyPart),
	"real": newNativeType(func(s string) (float32, bool) { f, ok := parseFloat(s, 32); return float32(f), ok },
		online.AppendFloat32Value, nil),
	"double precision":            newNativeType(func(s string) (float64, bool) { return parseFloat(s, 64) }, online.AppendFloat64Value, nil),
	"boolean":                     newNativeType(parseBool, online.AppendBoolValue, online.AppendBoolKeyPart),
	"text":                        newNativeType(parseText, online.AppendTextValue, online.AppendTextKeyPart),
	"date":                        newNativeType(parseDay, online.AppendTimeValue, online.AppendTimeKeyPart),
	"timestamp with time zone":    newNativeType(parseInstant, online.AppendTimeValue, online.AppendTimeKeyPart),
	"timestamp without time zone": newNativeType(parseLocalTime, online.AppendTimeValue, online.AppendTimeKeyPart),
}

// nativeTypes are the types of t's columns, or nil when a push into t
// must be read by PostgreSQL: the view has CHECK rules, or a column's
// type (a key's type, for a key) is not read natively.
func (t *PushTarget) nativeTypes() []nativeType {
	if len(t.pv.Checks) > 0 {
		return nil
	}
	types := make([]nativeType, len(t.Types))
	for i, typ := range t.Types {
		nt, ok := nativeTypes[typ]
		if !ok || (i < len(t.keys) && nt.key == nil) {
			return nil
		}
		types[i] = nt
	}
	return types
}

// readNative reads rows [lo, hi) of values into online rows, as pushRead
// does through PostgreSQL, with their keys and values encoded as they are
// read (no value is boxed into an any); false when types is nil or a
// value is not in its strict form. A key or event time is never NULL
// here (checkValues).
func (t *PushTarget) readNative(project string, types []nativeType, values [][]*string, lo, hi int) ([]online.Row, bool) {
	if types == nil {
		return nil, false
	}
	nk, nf := len(t.keys), len(values)-len(t.keys)-2
	rows := make([]online.Row, hi-lo)
	var mem arena
	var row []byte // the key, then the value, of one row
	var ok bool
	for r := range rows {
		out := &rows[r]
		out.Project, out.View = project, t.Online
		row = row[:0]
		for c := range nk {
			if row, ok = types[c].key(row, *values[c][lo+r]); !ok {
				return nil, false
			}
		}
		nkey := len(row)
		if out.TS, ok = parseInstant(*values[nk][lo+r]); !ok {
			return nil, false
		}
		if p := values[nk+1][lo+r]; p != nil {
			if out.Created, ok = parseInstant(*p); !ok {
				return nil, false
			}
		}
		row = online.AppendValueHeader(row, out.TS, out.Created, nf)
		for c := nk + 2; c < len(values); c++ {
			p := values[c][lo+r]
			if p == nil {
				row = online.AppendNullValue(row)
			} else if row, ok = types[c].value(row, *p); !ok {
				return nil, false
			}
		}
		kept := mem.keep(row)
		out.EncodedKey, out.EncodedValue = kept[:nkey:nkey], kept[nkey:]
	}
	return rows, true
}

// arena keeps byte strings in blocks of arenaBlock bytes: a few
// allocations per push instead of two per row.
type arena struct{ block []byte }

const arenaBlock = 64 << 10

// keep returns a copy of b in the arena.
func (a *arena) keep(b []byte) []byte {
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, max(arenaBlock, len(b)))
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return a.block[start:len(a.block):len(a.block)]
}

// parseInt reads a decimal integer of bits bits: an optional sign and
// digits, nothing else.
func parseInt(s string, bits int) (int64, bool) {
	if !isDecimal(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, bits)
	return n, err == nil
}

// isDecimal reports whether s is an optional sign and at least one digit.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	return s != "" && digitRun(s) == len(s)
}

// digitRun is the length of the run of ASCII digits s starts with.
func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// parseFloat reads a plain decimal float (digits with an optional point
// and exponent; no NaN, Infinity, hex or spaces) of bits bits. Values
// that overflow, or that PostgreSQL would refuse as an underflow, are not
// in the strict form: non-zero digits rounding to zero, or a result
// below the smallest normal number.
func parseFloat(s string, bits int) (float64, bool) {
	smallest := 0x1p-1022 // the smallest normal float64
	if bits == 32 {
		smallest = 0x1p-126 // the smallest normal float32
	}
	if !isPlainFloat(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil || (f != 0 && math.Abs(f) < smallest) || (f == 0 && hasNonZeroMantissa(s)) {
		return 0, false
	}
	return f, true
}

// isPlainFloat reports whether s is [sign] digits [. digits] [e [sign]
// digits], with at least one digit before the exponent.
func isPlainFloat(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	whole := digitRun(s)
	s = s[whole:]
	frac := 0
	if s != "" && s[0] == '.' {
		frac = digitRun(s[1:])
		s = s[1+frac:]
	}
	if whole+frac == 0 {
		return false
	}
	return s == "" || ((s[0] == 'e' || s[0] == 'E') && isDecimal(s[1:]))
}

// hasNonZeroMantissa reports whether the digits before a float's
// exponent are not all zeros.
func hasNonZeroMantissa(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c == 'e' || c == 'E':
			return false
		case c >= '1' && c <= '9':
			return true
		}
	}
	return false
}

// parseBool reads true, false, t, f, 1 or 0, in any case.
func parseBool(s string) (bool, bool) {
	switch {
	case s == "t" || s == "1" || strings.EqualFold(s, "true") || s == "T":
		return true, true
	case s == "f" || s == "0" || strings.EqualFold(s, "false") || s == "F":
		return false, true
	}
	return false, false
}

// parseText reads valid UTF-8 without NUL, which PostgreSQL refuses.
func parseText(s string) (string, bool) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return "", false
	}
	return s, true
}

// parseDay reads YYYY-MM-DD as midnight UTC, as pgx decodes a date.
func parseDay(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	return parseDate(s)
}

// parseInstant reads an ISO 8601 time with an optional offset, UTC
// without one (the gateway's connections to the offline store run in
// UTC).
func parseInstant(s string) (time.Time, bool) { return parseTime(s, true) }

// parseLocalTime reads an ISO 8601 time without an offset (PostgreSQL
// would drop an offset silently; such text goes to PostgreSQL).
func parseLocalTime(s string) (time.Time, bool) { return parseTime(s, false) }

// parseDate reads YYYY-MM-DD at the start of s, years 1000 to 9999, with
// the day checked against the month.
func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1000 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // Feb 30 and the like normalize into the next month
		return time.Time{}, false
	}
	return t, true
}

// parseTime reads YYYY-MM-DD{T| }HH:MM:SS[.ffffff][zone], zone being Z
// or ±HH[[:]MM] under 15 hours, allowed only when zoned.
func parseTime(s string, zoned bool) (time.Time, bool) {
	day, ok := parseDate(s)
	if !ok || len(s) < 19 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	h, ok1 := digits(s[11:13])
	mi, ok2 := digits(s[14:16])
	sec, ok3 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if rest != "" && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 7 { // one to six digits: microseconds, as stored
			return time.Time{}, false
		}
		f, _ := digits(rest[1:n])
		nsec = f * int(math.Pow10(9-(n-1)))
		rest = rest[n:]
	}
	offset, ok := parseOffset(rest, zoned)
	if !ok {
		return time.Time{}, false
	}
	t := day.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(nsec))
	return t.Add(-time.Duration(offset) * time.Second), true
}

// parseOffset reads a zone: "" (UTC), Z, or ±HH[[:]MM] in seconds east.
func parseOffset(s string, zoned bool) (int, bool) {
	switch {
	case s == "":
		return 0, true
	case !zoned:
		return 0, false
	case s == "Z":
		return 0, true
	case s[0] != '+' && s[0] != '-':
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	hh, mm := s[1:], ""
	switch {
	case len(hh) == 5 && hh[2] == ':':
		hh, mm = hh[:2], hh[3:]
	case len(hh) == 4:
		hh, mm = hh[:2], hh[2:]
	case len(hh) != 2:
		return 0, false
	}
	h, ok := digits(hh)
	m, ok2 := digits(mm)
	if !ok || (mm != "" && !ok2) || h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// digits reads a run of ASCII digits; "" is 0.
func digits(s string) (int, bool) {
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
