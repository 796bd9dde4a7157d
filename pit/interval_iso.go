package pit

import (
	"math"
	"strings"
)

// ISO 8601 durations, as PostgreSQL reads them: "P" then numbers with the
// units Y, M, W, D, and after "T" the units H, M, S (upper case, no
// spaces); numbers may be negative or fractional. The alternative format
// "P0001-02-03T04:05:06" and its basic form "P00010203T040506" are read
// too.

// parseISOInterval reads an ISO 8601 duration.
func parseISOInterval(s string) (interval, error) {
	var iv interval
	if !strings.HasPrefix(s, "P") {
		return iv, errIntervalSyntax
	}
	s = s[1:]
	date, have := true, false
	for s != "" {
		if s[0] == 'T' {
			date, have, s = false, false, s[1:]
			continue
		}
		start := s
		val, frac, rest, err := isoNumber(s)
		if err != nil {
			return iv, err
		}
		var u byte
		if rest != "" {
			u, rest = rest[0], rest[1:]
		}
		if alt, ok := isoAlternative(u, date); ok {
			if have {
				return iv, errIntervalSyntax
			}
			return iv, iv.isoAlternative(start, val, frac, u, rest, alt)
		}
		if err := iv.isoUnit(u, date, val, frac); err != nil {
			return iv, err
		}
		have, s = true, rest
	}
	return iv, nil
}

// isoNumber reads a number as strtod does (a leading "-", a fraction, an
// exponent), and splits it into its integer part and fraction. PostgreSQL
// refuses magnitudes above 1e15.
func isoNumber(s string) (val int64, frac float64, rest string, err error) {
	if s == "" || !(isDigit(s[0]) || s[0] == '-' || s[0] == '.') {
		return 0, 0, s, errIntervalSyntax
	}
	n := floatPrefix(s)
	if n == 0 {
		return 0, 0, s, errIntervalSyntax
	}
	f, err := parseFloat(s[:n])
	if err != nil {
		return 0, 0, s, err
	}
	if math.IsNaN(f) || f < -1e15 || f > 1e15 {
		return 0, 0, s, errIntervalRange
	}
	val = int64(math.Trunc(f))
	return val, f - float64(val), s[n:], nil
}

// floatPrefix is the length of the longest prefix of s that is a decimal
// number: sign, digits, fraction, exponent.
func floatPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	d := span(s, i, isDigit)
	digits := d - i
	i = d
	if i < len(s) && s[i] == '.' {
		d = span(s, i+1, isDigit)
		digits += d - i - 1
		i = d
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		if e := span(s, j, isDigit); e > j {
			i = e
		}
	}
	return i
}

// isoUnit adds val and frac of the ISO unit u.
func (iv *interval) isoUnit(u byte, date bool, val int64, frac float64) error {
	units := map[byte]unit{'Y': unitYear, 'M': unitMonth, 'W': unitWeek, 'D': unitDay}
	if !date {
		units = map[byte]unit{'H': unitHour, 'M': unitMinute, 'S': unitSecond}
	}
	un, ok := units[u]
	if !ok {
		return errIntervalSyntax
	}
	return iv.addUnit(un, val, frac)
}

// isoAlternative reports whether unit u starts the alternative format,
// and which: 8 or 6 digits (basic) are told apart later.
func isoAlternative(u byte, date bool) (string, bool) {
	switch {
	case date && (u == 0 || u == 'T' || u == '-'):
		return "date", true
	case !date && (u == 0 || u == ':'):
		return "time", true
	}
	return "", false
}

// isoAlternative reads the alternative format from its first number
// (val, frac, written as start), whose separator was u.
func (iv *interval) isoAlternative(start string, val int64, frac float64, u byte, rest, kind string) error {
	basic := u != '-' && u != ':' && isoIntegerWidth(start) == map[string]int{"date": 8, "time": 6}[kind]
	if kind == "date" {
		return iv.isoAltDate(basic, val, frac, u, rest)
	}
	return iv.isoAltTime(basic, val, frac, u, rest)
}

// isoIntegerWidth is the number of digits the number at s starts with,
// after a "-".
func isoIntegerWidth(s string) int {
	s = strings.TrimPrefix(s, "-")
	return span(s, 0, isDigit)
}

// isoAltDate reads YYYYMMDD, or Y[-M[-D]], then an optional T and time.
func (iv *interval) isoAltDate(basic bool, val int64, frac float64, u byte, rest string) error {
	if basic {
		if err := iv.addYears(val/10000, 0, 1); err != nil {
			return err
		}
		if err := iv.addMonths((val / 100) % 100); err != nil {
			return err
		}
		if err := iv.addUnit(unitDay, val%100, frac); err != nil {
			return err
		}
		return iv.isoAfterDate(u, rest)
	}
	if err := iv.addYears(val, frac, 1); err != nil || u != '-' {
		if err != nil {
			return err
		}
		return iv.isoAfterDate(u, rest)
	}
	for _, un := range []unit{unitMonth, unitDay} {
		v, f, r, err := isoNumber(rest)
		if err != nil {
			return err
		}
		if err := iv.addUnit(un, v, f); err != nil {
			return err
		}
		rest = r
		if rest == "" || rest[0] == 'T' || un == unitDay {
			break
		}
		if rest[0] != '-' {
			return errIntervalSyntax
		}
		rest = rest[1:]
	}
	if rest == "" {
		return nil
	}
	return iv.isoAfterDate(rest[0], rest[1:])
}

// isoAfterDate continues after the date of the alternative format: the
// end, or T and a time.
func (iv *interval) isoAfterDate(u byte, rest string) error {
	switch u {
	case 0:
		return nil
	case 'T':
		t, err := parseISOInterval("PT" + rest)
		if err != nil {
			return err
		}
		return iv.add(t)
	}
	return errIntervalSyntax
}

// isoAltTime reads HHMMSS, or H[:M[:S]].
func (iv *interval) isoAltTime(basic bool, val int64, frac float64, u byte, rest string) error {
	if basic {
		return iv.addHMS(val/10000, (val/100)%100, val%100, frac)
	}
	if err := iv.addUnit(unitHour, val, frac); err != nil || u == 0 {
		return err
	}
	for _, un := range []unit{unitMinute, unitSecond} {
		v, f, r, err := isoNumber(rest)
		if err != nil {
			return err
		}
		if err := iv.addUnit(un, v, f); err != nil {
			return err
		}
		if r == "" {
			return nil
		}
		if r[0] != ':' || un == unitSecond {
			return errIntervalSyntax
		}
		rest = r[1:]
	}
	return nil
}

func (iv *interval) addHMS(h, m, s int64, frac float64) error {
	if err := iv.addUnit(unitHour, h, 0); err != nil {
		return err
	}
	if err := iv.addUnit(unitMinute, m, 0); err != nil {
		return err
	}
	return iv.addUnit(unitSecond, s, frac)
}

// add adds o's fields to iv's.
func (iv *interval) add(o interval) error {
	if err := iv.addMonths(o.months); err != nil {
		return err
	}
	if err := iv.addDays(o.days); err != nil {
		return err
	}
	return iv.addUsec(o.usec)
}
