package pit

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// A PostgreSQL interval as interval_in reads it (IntervalStyle postgres,
// the default): three fields kept apart, months, days and microseconds.
// The grammar is PostgreSQL 15's: postgres and postgres_verbose styles
// ("1 day -00:30:00", "@ 1 day 2 hours ago", units singular, plural or
// abbreviated), SQL standard fields ("1-2", "3 4:05:06") and ISO 8601
// ("P1Y2M3DT4H5M6S", "P0001-02-03T04:05:06"). Fractions spill into the
// smaller fields as PostgreSQL spills them (in double precision: half a
// year is 6 months, half a month 15 days, half a day 12 hours).

// interval is a parsed interval. Months and days hold int32 values, as in
// PostgreSQL; usec is int64.
type interval struct {
	months, days, usec int64
}

// errIntervalSyntax and errIntervalRange are PostgreSQL's two failures:
// invalid input syntax, and a field out of range.
var (
	errIntervalSyntax = errors.New("invalid input syntax for type interval")
	errIntervalRange  = errors.New("interval field value out of range")
)

// parseInterval reads s as interval_in does: fields first, and ISO 8601
// when the fields are not a valid interval.
func parseInterval(s string) (interval, error) {
	fields, err := splitFields(s)
	if err == nil {
		var iv interval
		iv, err = decodeFields(fields)
		if err == nil {
			return iv, nil
		}
	}
	if errors.Is(err, errIntervalSyntax) {
		return parseISOInterval(s)
	}
	return interval{}, err
}

// addDays, addMonths and addUsec add to a field, failing when it leaves
// its range (int32 for days and months).
func (iv *interval) addDays(n int64) error {
	return addInt32(&iv.days, n)
}

func (iv *interval) addMonths(n int64) error {
	return addInt32(&iv.months, n)
}

func addInt32(f *int64, n int64) error {
	if n < math.MinInt32 || n > math.MaxInt32 {
		return errIntervalRange
	}
	v := *f + n
	if v < math.MinInt32 || v > math.MaxInt32 {
		return errIntervalRange
	}
	*f = v
	return nil
}

func (iv *interval) addUsec(n int64) error {
	v, ok := addInt64(iv.usec, n)
	if !ok {
		return errIntervalRange
	}
	iv.usec = v
	return nil
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0) || b == 0
}

func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(absInt64(a)), uint64(absInt64(b)))
	if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absInt64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// Microseconds per unit, and days per month as interval input counts
// them.
const (
	usecPerSec    = int64(1_000_000)
	usecPerMinute = 60 * usecPerSec
	usecPerHour   = 60 * usecPerMinute
	usecPerDay    = 24 * usecPerHour
	daysPerMonth  = 30
)

// addFracUsec adds frac × scale microseconds, rounding half toward zero
// (|frac| < 1).
func (iv *interval) addFracUsec(frac float64, scale int64) error {
	if frac == 0 {
		return nil
	}
	frac *= float64(scale)
	us := int64(frac)
	frac -= float64(us)
	switch {
	case frac > 0.5:
		us++
	case frac < -0.5:
		us--
	}
	return iv.addUsec(us)
}

// addFracDays adds frac × scale days: whole days, the rest as time.
func (iv *interval) addFracDays(frac float64, scale int) error {
	if frac == 0 {
		return nil
	}
	frac *= float64(scale)
	d := int64(frac)
	if err := iv.addDays(d); err != nil {
		return err
	}
	return iv.addFracUsec(frac-float64(d), usecPerDay)
}

// addYears adds val years and frac × scale years, the fraction rounded to
// whole months.
func (iv *interval) addYears(val int64, frac float64, scale int64) error {
	m, ok := mulInt64(val, scale*12)
	if !ok {
		return errIntervalRange
	}
	if err := iv.addMonths(m); err != nil {
		return err
	}
	return iv.addMonths(int64(math.RoundToEven(frac * float64(scale) * 12)))
}

// addTime adds val units of scale microseconds and the fraction frac of
// one.
func (iv *interval) addTime(val int64, frac float64, scale int64) error {
	us, ok := mulInt64(val, scale)
	if !ok {
		return errIntervalRange
	}
	if err := iv.addUsec(us); err != nil {
		return err
	}
	return iv.addFracUsec(frac, scale)
}

// addUnit adds val and frac of unit u.
func (iv *interval) addUnit(u unit, val int64, frac float64) error {
	switch u {
	case unitDay:
		if err := iv.addDays(val); err != nil {
			return err
		}
		return iv.addFracUsec(frac, usecPerDay)
	case unitWeek:
		d, ok := mulInt64(val, 7)
		if !ok {
			return errIntervalRange
		}
		if err := iv.addDays(d); err != nil {
			return err
		}
		return iv.addFracDays(frac, 7)
	case unitMonth:
		if err := iv.addMonths(val); err != nil {
			return err
		}
		return iv.addFracDays(frac, daysPerMonth)
	case unitYear, unitDecade, unitCentury, unitMillennium:
		return iv.addYears(val, frac, yearsIn[u])
	}
	return iv.addTime(val, frac, usecIn[u])
}

// parseFraction reads ".digits" (or a lone "."), as strtod does.
func parseFraction(s string) (float64, error) {
	if s == "." {
		return 0, nil
	}
	if !strings.HasPrefix(s, ".") {
		return 0, errIntervalSyntax
	}
	return parseFloat(s)
}

// parseFloat reads a decimal number as C's strtod does, refusing, as
// PostgreSQL does, the values strtod reports out of range: overflow, and
// underflow to zero or below the smallest normal double.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	underflow := f == 0 && strings.ContainsAny(mantissa, "123456789") ||
		f != 0 && math.Abs(f) < 0x1p-1022
	if err != nil || underflow {
		return 0, errIntervalSyntax
	}
	return f, nil
}
