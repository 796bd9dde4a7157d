package pit

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/featuregate/featuregate"
)

// MaxTTL is the longest TTL a feature view may have: 100 years of 365.25
// days.
const MaxTTL = 100 * secondsPerYear * time.Second

// secondsPerYear and secondsPerMonth are PostgreSQL's lengths of a year
// and a month when it turns an interval into seconds (extract(epoch from
// interval)): 365.25 and 30 days.
const (
	secondsPerYear  = 36525 * 86400 / 100
	secondsPerMonth = 30 * 86400
)

// ParseTTL reads a TTL, written as any PostgreSQL interval (see
// interval.go for the spellings), as the exact duration PostgreSQL gives
// it with extract(epoch from interval): the interval's months are
// counted as whole years of 365.25 days and remaining months of 30 days,
// its days as 86 400 seconds (no calendar, no daylight saving time), and
// its time as it is. So '1 day -00:30:00' is 84 600 seconds, 'P1M' 30
// days, '1 year' 365 days and 6 hours, '13 months' 395 days and 6 hours.
//
// A TTL must be positive and at most MaxTTL; errors are
// featuregate.KindInvalid.
func ParseTTL(s string) (time.Duration, error) {
	iv, err := parseInterval(s)
	if err != nil {
		return 0, featuregate.Errorf(featuregate.KindInvalid, "TTL %q: %v", s, err).
			WithHint("Write an interval such as '90 days', '1 day 02:00:00' or 'P1DT2H'.")
	}
	d, err := iv.duration()
	switch {
	case err != nil:
		return 0, featuregate.Errorf(featuregate.KindInvalid, "TTL %q is longer than %s", s, maxTTLText)
	case d <= 0:
		return 0, featuregate.Errorf(featuregate.KindInvalid, "TTL %q is not positive", s).
			WithHint("Write TTL NONE for no TTL.")
	case d > MaxTTL:
		return 0, featuregate.Errorf(featuregate.KindInvalid, "TTL %q is longer than %s", s, maxTTLText).
			WithHint("Write TTL NONE for no TTL.")
	}
	return d, nil
}

const maxTTLText = "100 years"

// errTooLong is a duration beyond what time.Duration holds.
var errTooLong = errors.New("interval too long")

// duration is the interval's length as extract(epoch from interval)
// counts it, exact to the microsecond.
func (iv interval) duration() (time.Duration, error) {
	days := iv.days + (iv.months%12)*30
	secs, ok := mulInt64(iv.months/12, secondsPerYear)
	if !ok {
		return 0, errTooLong
	}
	daySecs, ok := mulInt64(days, 86400)
	if ok {
		secs, ok = addInt64(secs, daySecs)
	}
	var us int64
	if ok {
		us, ok = mulInt64(secs, usecPerSec)
	}
	if ok {
		us, ok = addInt64(us, iv.usec)
	}
	var ns int64
	if ok {
		ns, ok = mulInt64(us, 1000)
	}
	if !ok {
		return 0, errTooLong
	}
	return time.Duration(ns), nil
}

// Seconds renders a duration of whole microseconds as an interval
// PostgreSQL reads exactly: "84600 seconds", "0.000001 seconds".
func Seconds(d time.Duration) string {
	us := d.Microseconds()
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	s := strconv.FormatInt(us/1_000_000, 10)
	if frac := us % 1_000_000; frac != 0 {
		f := fmt.Sprintf("%06d", frac)
		for f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		s += "." + f
	}
	return sign + s + " seconds"
}
