package pit

import (
	"math"
	"strconv"
	"strings"
)

// The postgres-style interval grammar: the text is split into fields
// (numbers, times, signed numbers, words), then read from right to left
// so that each number meets its unit first.

// fieldKind is what a field looks like.
type fieldKind int

const (
	fNumber fieldKind = iota // 1, 1.5, .5
	fTime                    // 04:05:06.5
	fDate                    // 1-2; also anything else PostgreSQL reads as a date, which an interval refuses
	fSigned                  // -1, +02:03:04, -1-2
	fWord                    // a unit or "ago"
)

type field struct {
	kind fieldKind
	text string
}

// unit is a unit of interval input.
type unit int

const (
	unitNone unit = iota
	unitMicrosecond
	unitMillisecond
	unitSecond
	unitMinute
	unitHour
	unitDay
	unitWeek
	unitMonth
	unitYear
	unitDecade
	unitCentury
	unitMillennium
	unitAgo // "ago": the whole interval is negated
)

// usecIn and yearsIn give the size of the time and year units.
var (
	usecIn = map[unit]int64{unitMicrosecond: 1, unitMillisecond: 1000, unitSecond: usecPerSec,
		unitMinute: usecPerMinute, unitHour: usecPerHour}
	yearsIn = map[unit]int64{unitYear: 1, unitDecade: 10, unitCentury: 100, unitMillennium: 1000}
)

// units are PostgreSQL's unit words. A word is looked up by its first ten
// letters, as PostgreSQL does ("milliseconds" is "millisecon").
var units = map[string]unit{
	"ago": unitAgo,
	"us":  unitMicrosecond, "usec": unitMicrosecond, "usecs": unitMicrosecond, "useconds": unitMicrosecond,
	"microsecon": unitMicrosecond,
	"ms":         unitMillisecond, "msec": unitMillisecond, "msecs": unitMillisecond, "mseconds": unitMillisecond,
	"millisecon": unitMillisecond,
	"s":          unitSecond, "sec": unitSecond, "secs": unitSecond, "second": unitSecond, "seconds": unitSecond,
	"m": unitMinute, "min": unitMinute, "mins": unitMinute, "minute": unitMinute, "minutes": unitMinute,
	"h": unitHour, "hr": unitHour, "hrs": unitHour, "hour": unitHour, "hours": unitHour,
	"d": unitDay, "day": unitDay, "days": unitDay,
	"w": unitWeek, "week": unitWeek, "weeks": unitWeek,
	"mon": unitMonth, "mons": unitMonth, "month": unitMonth, "months": unitMonth,
	"y": unitYear, "yr": unitYear, "yrs": unitYear, "year": unitYear, "years": unitYear,
	"dec": unitDecade, "decs": unitDecade, "decade": unitDecade, "decades": unitDecade,
	"c": unitCentury, "cent": unitCentury, "century": unitCentury, "centuries": unitCentury,
	"mil": unitMillennium, "mils": unitMillennium, "millennium": unitMillennium, "millennia": unitMillennium,
}

// shortWords are the units that are also words of PostgreSQL's date
// keyword table: only those may be followed directly by a digit without
// the pair being read as one date field ("1d2h" is a day and two hours,
// "1day2h" is refused).
var shortWords = map[string]bool{"d": true, "h": true, "m": true, "s": true, "y": true, "dec": true, "mon": true}

func lookupUnit(w string) (unit, bool) {
	if len(w) > 10 {
		w = w[:10]
	}
	u, ok := units[w]
	return u, ok
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isDigit(c) && !isAlpha(c) }

// span returns the end of the run of s from i whose bytes ok accepts.
func span(s string, i int, ok func(byte) bool) int {
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

// splitFields splits s into fields as PostgreSQL's ParseDateTime does;
// other punctuation separates fields.
func splitFields(s string) ([]field, error) {
	var out []field
	for i := 0; i < len(s); {
		c := s[i]
		var f field
		var err error
		switch {
		case c == '+' || c == '-':
			f, i, err = signedField(s, i)
		case isSpace(c) || isPunct(c) && c != '.':
			i++ // "@", commas and other punctuation only separate fields
			continue
		case isDigit(c):
			f, i = numberField(s, i)
		case c == '.':
			j := span(s, i+1, isDigit)
			f, i = field{fNumber, s[i:j]}, j
		case isAlpha(c):
			f, i = wordField(s, i)
		default:
			err = errIntervalSyntax
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// numberField reads a field that starts with a digit.
func numberField(s string, i int) (field, int) {
	j := span(s, i, isDigit)
	if j == len(s) {
		return field{fNumber, s[i:j]}, j
	}
	switch d := s[j]; d {
	case ':':
		j = span(s, j+1, func(c byte) bool { return isDigit(c) || c == ':' || c == '.' })
		return field{fTime, s[i:j]}, j
	case '-', '/', '.':
		j++
		if j < len(s) && isDigit(s[j]) {
			kind := fDate
			if d == '.' {
				kind = fNumber
			}
			j = span(s, j, isDigit)
			if j < len(s) && s[j] == d {
				kind = fDate
				j = span(s, j, func(c byte) bool { return isDigit(c) || c == d })
			}
			return field{kind, s[i:j]}, j
		}
		j = span(s, j, func(c byte) bool { return isDigit(c) || isAlpha(c) || c == d })
		return field{fDate, s[i:j]}, j
	}
	return field{fNumber, s[i:j]}, j
}

// wordField reads a field that starts with a letter: a word, or a date
// such as "p1d" when the word runs into digits or punctuation.
func wordField(s string, i int) (field, int) {
	j := span(s, i, isAlpha)
	w := strings.ToLower(s[i:j])
	if j < len(s) {
		c := s[j]
		if c == '-' || c == '/' || c == '.' || ((c == '+' || isDigit(c)) && !shortWords[w]) {
			j = span(s, j, func(c byte) bool {
				return isDigit(c) || isAlpha(c) || strings.IndexByte("+-/_.:", c) >= 0
			})
			return field{fDate, s[i:j]}, j
		}
	}
	return field{fWord, w}, j
}

// signedField reads a field that starts with + or -: a signed number,
// time or years-months (spaces may follow the sign).
func signedField(s string, i int) (field, int, error) {
	sign := s[i]
	j := span(s, i+1, isSpace)
	switch {
	case j < len(s) && isDigit(s[j]):
		k := span(s, j, func(c byte) bool { return isDigit(c) || c == ':' || c == '.' || c == '-' })
		return field{fSigned, string(sign) + s[j:k]}, k, nil
	case j < len(s) && isAlpha(s[j]):
		k := span(s, j, isAlpha)
		return field{fDate, s[i:k]}, k, nil // -infinity and the like: not an interval here
	}
	return field{}, 0, errIntervalSyntax
}

// decodeFields reads the fields from right to left: a unit word gives
// the unit of the number before it; a number without one is in seconds,
// or in days when a time follows it; "ago" negates the whole interval.
// Each unit may appear once.
func decodeFields(fields []field) (interval, error) {
	var iv interval
	var seen fieldMask
	next := unitNone
	ago := false
	for i := len(fields) - 1; i >= 0; i-- {
		f := fields[i]
		var mask fieldMask
		var err error
		switch {
		case f.kind == fTime || f.kind == fSigned && strings.Contains(f.text[1:], ":"):
			mask, err = iv.setTime(f.text)
			next = unitDay
		case f.kind == fNumber || f.kind == fDate || f.kind == fSigned:
			if next == unitNone {
				next = unitSecond
			}
			mask, next, err = iv.addNumber(f.text, next)
		default:
			u, ok := lookupUnit(f.text)
			switch {
			case !ok:
				return iv, errIntervalSyntax
			case u == unitAgo:
				ago, next = true, unitAgo // a number right before "ago" needs a unit
			default:
				next = u
			}
		}
		if err != nil {
			return iv, err
		}
		if mask&seen != 0 {
			return iv, errIntervalSyntax
		}
		seen |= mask
	}
	if seen == 0 {
		return iv, errIntervalSyntax
	}
	if ago {
		iv = interval{-iv.months, -iv.days, -iv.usec}
	}
	return iv, nil
}

// fieldMask records which units a value has set, so that each is set once.
type fieldMask uint

func maskOf(u unit) fieldMask { return 1 << u }

// timeMask covers a time field: hours, minutes and every kind of second.
const timeMask = fieldMask(1<<unitHour | 1<<unitMinute | 1<<unitSecond | 1<<unitMillisecond | 1<<unitMicrosecond)

// setTime reads [+|-]h:m[:s[.frac]] or m:s.frac. Like PostgreSQL it sets,
// rather than adds to, the interval's time, and a sign applies to the
// time alone.
func (iv *interval) setTime(text string) (fieldMask, error) {
	neg := false
	if text[0] == '-' || text[0] == '+' {
		neg, text = text[0] == '-', text[1:]
	}
	us, err := timeUsec(text)
	if err != nil {
		return 0, err
	}
	if neg {
		us = -us
	}
	iv.usec = us
	return timeMask, nil
}

// timeUsec reads h:m, h:m:s[.frac] or m:s.frac as microseconds.
func timeUsec(text string) (int64, error) {
	parts := strings.SplitN(text, ":", 3)
	h, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, rangeOrSyntax(err)
	}
	var m, sec int64
	frac := 0.0
	last := parts[len(parts)-1]
	k := strings.IndexByte(last, '.')
	if k >= 0 {
		if frac, err = parseFraction(last[k:]); err != nil {
			return 0, err
		}
		last = last[:k]
	}
	switch {
	case len(parts) == 2 && k >= 0: // m:s.frac
		h, m = 0, h
		sec, err = parseTimePart(last)
	case len(parts) == 2:
		m, err = parseTimePart(last)
	default:
		if m, err = parseTimePart(parts[1]); err == nil {
			sec, err = parseTimePart(last)
		}
	}
	if err != nil {
		return 0, err
	}
	fsec := int64(math.RoundToEven(frac * 1e6))
	if h < 0 || m > 59 || sec > 60 || fsec > usecPerSec {
		return 0, errIntervalRange
	}
	return timeToUsec(h, m, sec, fsec)
}

// parseTimePart reads the minutes or seconds of a time: digits only,
// none meaning 0 ("1:" is an hour).
func parseTimePart(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if span(s, 0, isDigit) != len(s) {
		return 0, errIntervalSyntax
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return v, rangeOrSyntax(err)
}

func timeToUsec(h, m, sec, fsec int64) (int64, error) {
	us, ok := mulInt64(h, usecPerHour)
	if ok {
		us, ok = addInt64(us, m*usecPerMinute+sec*usecPerSec+fsec)
	}
	if !ok {
		return 0, errIntervalRange
	}
	return us, nil
}

func rangeOrSyntax(err error) error {
	if err == nil {
		return nil
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return errIntervalRange
	}
	return errIntervalSyntax
}

// addNumber reads a number field (with its sign, fraction, or as
// years-months "1-2") in unit u, and returns the unit the number before
// it has when it has none of its own.
func (iv *interval) addNumber(text string, u unit) (fieldMask, unit, error) {
	neg := strings.HasPrefix(text, "-")
	body := strings.TrimPrefix(strings.TrimPrefix(text, "-"), "+")
	end := span(body, 0, isDigit)
	val, err := strconv.ParseInt(body[:end], 10, 64)
	if err != nil && end > 0 {
		return 0, u, rangeOrSyntax(err)
	}
	if neg {
		val = -val
	}
	rest := body[end:]
	frac := 0.0
	switch {
	case strings.HasPrefix(rest, "-"):
		if val, err = yearsMonths(val, rest[1:], neg); err != nil {
			return 0, u, err
		}
		u = unitMonth
	case strings.HasPrefix(rest, "."):
		if frac, err = parseFraction(rest); err != nil {
			return 0, u, err
		}
		if neg {
			frac = -frac
		}
	case rest != "" || end == 0:
		return 0, u, errIntervalSyntax
	}
	if u == unitAgo || u == unitNone {
		return 0, u, errIntervalSyntax
	}
	if err := iv.addUnit(u, val, frac); err != nil {
		return 0, u, err
	}
	mask := maskOf(u)
	if u == unitSecond && frac != 0 {
		mask |= maskOf(unitMillisecond) | maskOf(unitMicrosecond)
	}
	if u == unitHour {
		return mask, unitDay, nil
	}
	return mask, u, nil
}

// yearsMonths is the SQL standard's "Y-M": years (val) and months (0 to
// 11), in months, the sign of the field applying to both.
func yearsMonths(years int64, months string, neg bool) (int64, error) {
	var m int64
	if months != "" { // "1-" is a year
		var err error
		if m, err = strconv.ParseInt(months, 10, 32); err != nil {
			return 0, rangeOrSyntax(err)
		}
	}
	if m < 0 || m > 11 {
		return 0, errIntervalRange
	}
	if neg {
		m = -m
	}
	total, ok := mulInt64(years, 12)
	if ok {
		total, ok = addInt64(total, m)
	}
	if !ok {
		return 0, errIntervalRange
	}
	return total, nil
}
