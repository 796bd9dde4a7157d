package pit

import (
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
)

// TestParseTTL reads TTLs in each style; internal/pittest compares many
// more with PostgreSQL itself.
func TestParseTTL(t *testing.T) {
	const day = 24 * time.Hour
	year := 365*day + 6*time.Hour
	for in, want := range map[string]time.Duration{
		"1 day -00:30:00":      day - 30*time.Minute,
		"1 day 02:00":          day + 2*time.Hour,
		"-1 days +50:03:04.5":  26*time.Hour + 3*time.Minute + 4500*time.Millisecond,
		"90 days":              90 * day,
		"P1M":                  30 * day,
		"P1D":                  day,
		"P1DT2H":               day + 2*time.Hour,
		"PT30M":                30 * time.Minute,
		"P1Y2M3DT4H5M6S":       year + 63*day + 4*time.Hour + 5*time.Minute + 6*time.Second,
		"P0001-02-03T04:05:06": year + 63*day + 4*time.Hour + 5*time.Minute + 6*time.Second,
		"1-2":                  year + 60*day,
		"3 4:05:06":            3*day + 4*time.Hour + 5*time.Minute + 6*time.Second,
		"@ 2 days 1 day ago":   0, // refused below: -3 days
		"30 mins":              30 * time.Minute,
		"12 hrs":               12 * time.Hour,
		"250 ms":               250 * time.Millisecond,
		"7 us":                 7 * time.Microsecond,
		"3 weeks":              21 * day,
		"12 months":            year,
		"13 months":            year + 30*day,
		"2 years":              2 * year,
		"1 decade":             10 * year,
		"1 century":            100 * year,
		"1.5 years":            year + 180*day,
		"0.5 months":           15 * day,
		"1.5 weeks":            10*day + 12*time.Hour,
		"100 years":            MaxTTL,
	} {
		got, err := ParseTTL(in)
		if want == 0 {
			if err == nil {
				t.Errorf("ParseTTL(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// TestParseTTLRefuses checks the refusals and their kind.
func TestParseTTLRefuses(t *testing.T) {
	for in, why := range map[string]string{
		"":                  "invalid input syntax",
		"1 fortnight":       "invalid input syntax",
		"1 day 1 day":       "invalid input syntax",
		"-1 day":            "not positive",
		"1 day ago":         "not positive",
		"0":                 "not positive",
		"300 years":         "longer than 100 years",
		"100 years 1 us":    "longer than 100 years",
		"2147483647 days":   "longer than 100 years",
		"9999999 millennia": "interval field value out of range",
	} {
		_, err := ParseTTL(in)
		if err == nil || featuregate.KindOf(err) != featuregate.KindInvalid || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseTTL(%q) = %v; want a KindInvalid error saying %q", in, err, why)
		}
	}
}

func TestSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		84600 * time.Second:           "84600 seconds",
		time.Microsecond:              "0.000001 seconds",
		1500 * time.Millisecond:       "1.5 seconds",
		MaxTTL:                        "3155760000 seconds",
		-90 * time.Second:             "-90 seconds",
		time.Second + time.Nanosecond: "1 seconds",
	} {
		if got := Seconds(d); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", d, got, want)
		}
	}
}
