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
// that.

// nativeReader reads the text of one value as a column's type; false
// when the text is not in the strict form.
type nativeReader func(s string) (any, bool)

// nativeTypes are the column types read in the gateway, with their
// readers; the values are the Go types pgx decodes the same columns to.
var nativeTypes = map[string]nativeReader{
	"smallint":                    readInt(16),
	"integer":                     readInt(32),
	"bigint":                      readInt(64),
	"real":                        readFloat(32),
	"double precision":            readFloat(64),
	"boolean":                     readBool,
	"text":                        readText,
	"date":                        readDate,
	"timestamp with time zone":    readInstant,
	"timestamp without time zone": readLocalTime,
}

// nativeReaders are the readers of t's columns, or nil when a push into t
// must be read by PostgreSQL: the view has CHECK rules, or a column's
// type has no native reader.
func (t *PushTarget) nativeReaders() []nativeReader {
	if len(t.pv.Checks) > 0 {
		return nil
	}
	readers := make([]nativeReader, len(t.Types))
	for i, typ := range t.Types {
		r, ok := nativeTypes[typ]
		if !ok {
			return nil
		}
		readers[i] = r
	}
	return readers
}

// readNative reads rows [lo, hi) of values with readers into online
// rows, as pushRead does through PostgreSQL; false when readers is nil or
// a value is not in its strict form.
func (t *PushTarget) readNative(project string, readers []nativeReader, values [][]*string, lo, hi int) ([]online.Row, bool) {
	if readers == nil {
		return nil, false
	}
	nk := len(t.keys)
	rows := make([]online.Row, hi-lo)
	// One backing array for every row's keys and values: two allocations
	// per chunk instead of two per row.
	keys := make([]any, (hi-lo)*nk)
	feats := make([]any, (hi-lo)*(len(values)-nk-2))
	for r := range rows {
		row := &rows[r]
		row.Project, row.View = project, t.Online
		row.Key, keys = keys[:nk:nk], keys[nk:]
		nf := len(values) - nk - 2
		row.Values, feats = feats[:nf:nf], feats[nf:]
		for c, col := range values {
			p := col[lo+r]
			if p == nil {
				continue // NULL: a key or event time is never NULL here (checkValues)
			}
			v, ok := readers[c](*p)
			if !ok {
				return nil, false
			}
			switch {
			case c < nk:
				row.Key[c] = v
			case c == nk:
				row.TS = v.(time.Time)
			case c == nk+1:
				row.Created = v.(time.Time)
			default:
				row.Values[c-nk-2] = v
			}
		}
	}
	return rows, true
}

// readInt reads a decimal integer of bits bits: an optional sign and
// digits, nothing else.
func readInt(bits int) nativeReader {
	return func(s string) (any, bool) {
		if !isDecimal(s) {
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return nil, false
		}
		switch bits {
		case 16:
			return int16(n), true
		case 32:
			return int32(n), true
		}
		return n, true
	}
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

// readFloat reads a plain decimal float (digits with an optional point
// and exponent; no NaN, Infinity, hex or spaces) of bits bits. Values
// that overflow, or that PostgreSQL would refuse as an underflow, are not
// in the strict form: non-zero digits rounding to zero, or a result
// below the smallest normal number.
func readFloat(bits int) nativeReader {
	smallest := 0x1p-1022 // the smallest normal float64
	if bits == 32 {
		smallest = 0x1p-126 // the smallest normal float32
	}
	return func(s string) (any, bool) {
		if !isPlainFloat(s) {
			return nil, false
		}
		f, err := strconv.ParseFloat(s, bits)
		if err != nil || (f != 0 && math.Abs(f) < smallest) || (f == 0 && hasNonZeroMantissa(s)) {
			return nil, false
		}
		if bits == 32 {
			return float32(f), true
		}
		return f, true
	}
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

// readBool reads true, false, t, f, 1 or 0, in any case.
func readBool(s string) (any, bool) {
	switch {
	case s == "t" || s == "1" || strings.EqualFold(s, "true") || s == "T":
		return true, true
	case s == "f" || s == "0" || strings.EqualFold(s, "false") || s == "F":
		return false, true
	}
	return nil, false
}

// readText reads valid UTF-8 without NUL, which PostgreSQL refuses.
func readText(s string) (any, bool) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return nil, false
	}
	return s, true
}

// readDate reads YYYY-MM-DD as midnight UTC, as pgx decodes a date.
func readDate(s string) (any, bool) {
	if len(s) != 10 {
		return nil, false
	}
	d, ok := parseDate(s)
	return d, ok
}

// readInstant reads an ISO 8601 time with an optional offset, UTC without
// one (the gateway's connections to the offline store run in UTC).
func readInstant(s string) (any, bool) {
	t, ok := parseTime(s, true)
	return t, ok
}

// readLocalTime reads an ISO 8601 time without an offset (PostgreSQL
// would drop an offset silently; such text goes to PostgreSQL).
func readLocalTime(s string) (any, bool) {
	t, ok := parseTime(s, false)
	return t, ok
}

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
