package pittest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/pit"
)

// pit.ParseTTL must read every interval as PostgreSQL does: for each
// spelling, `extract(epoch from $1::interval)` on a real server is the
// oracle. Spellings PostgreSQL refuses, and intervals that are not
// positive or longer than pit.MaxTTL, must be refused.

// ttlSpellings are written by hand: every style PostgreSQL reads or
// prints, each unit spelling, fractions and signs.
var ttlSpellings = []string{
	// postgres style, as printed and as written
	"1 day -00:30:00", "1 day 02:00", "1 day 02:00:00", "-1 days +02:03:04.5", "90 days", "1 day",
	"1 year 2 mons 3 days 04:05:06.789", "2 mons", "1 mon", "00:00:01", "00:00:00.000001", "1:30",
	"01:30.5", "100:00:00", "25:00", "12:00:60", "1 day 1 hour", "1 2 hours", "1 hour 5", "5 1:00",
	"1.5 days 02:00", "02:00 1.5 days", "1d2h", "1 day, 2 hours", "+1 day", "-1 day 30 hours",
	// verbose
	"@ 1 day", "@ 1 day ago", "@ 2 hours 30 mins", "@ 1 year 2 mons ago", "@ 1 day -2 hours ago", "1 hour ago ago",
	// SQL standard
	"1-2", "3 4:05:06", "+1-2 +3 +4:05:06", "0-1", "1-0 2", "-1-2", "10 0:00:01",
	// ISO 8601
	"P1M", "P1D", "P1DT2H", "PT30M", "P1Y2M3DT4H5M6S", "P2W", "P1.5W", "P0.5D", "PT1.5H", "PT0.000001S",
	"P-1DT48H", "PT-30M", "P0001-02-03T04:05:06", "P00010203T040506", "P0001-02", "PT36:00", "P1T2H", "P1Y-6M",
	// units, singular, plural, abbreviated
	"1 microsecond", "5 microseconds", "7 us", "9 usec", "9 usecs", "3 useconds",
	"1 millisecond", "250 milliseconds", "250 ms", "4 msec", "4 msecs", "4 mseconds",
	"1 second", "45 seconds", "45 sec", "45 secs", "45 s", "1 minute", "30 minutes", "30 min", "30 mins", "30 m",
	"1 hour", "12 hours", "12 hr", "12 hrs", "12 h", "1 day", "2 days", "2 d",
	"1 week", "3 weeks", "3 w", "1 month", "6 months", "6 mon", "6 mons",
	"1 year", "2 years", "2 yr", "2 yrs", "2 y", "1 decade", "2 decades", "2 dec", "2 decs",
	"1 century", "1 centuries", "1 c", "1 cent", "1 millennium", "1 millennia", "1 mil", "1 mils",
	"10 millisecondsxyz", "DAYS 3", "3 DAYS",
	// fractions and their spill
	"1.5 years", "1.3 years", "0.5 months", "1.5 weeks", "1.0000005 seconds", "1.0000015 seconds",
	"0.0000005 s", "0.1 decade", "0.33 centuries", "1.5 hours", "2.5 ms", "0.7 us", ".5 days", "1. days",
	"-1.5 days 40 hours", "1 month 0.5 days", "1.25 mons",
	// lengths: months, years and their mixes
	"12 months", "11 months", "13 months", "14 months", "23 months", "24 months", "100 years", "99 years 11 months",
	"36525 days", "36525 days 00:00:00.000001", "1200 months", "1201 months", "300 years", "5 centuries",
	// not positive
	"0", "0 days", "-1 day", "1 day -24:00:00", "-P1D", "00:00:00", "1 day ago",
	// refused by PostgreSQL
	"", " ", "1", "5", "1.5", "1 1", "1 quarter", "1 day 1 day", "1 hour 00:30:00", "1:00 5", "p1d", " P1D", "P1D ",
	"P", "PT", "P1", "PT1", "P1X", "1 fortnight", "1 2 days", "3 4 5 hours", "1-12", "1:60", "1:2:3:4", "@",
	"1 day ago 2 hours", "infinity", "-infinity", "1 day +", "--1 day", "1 mm", "1 day 2", "1e3 days",
	"1 week 1 week", "99999999999999999999 days", "2147483648 days", "1 timezone", "P1Y1Y", "PT1H1M1S1H",
}

// TestParseTTLAgainstPostgreSQL compares pit.ParseTTL with PostgreSQL on
// every hand-written spelling.
func TestParseTTLAgainstPostgreSQL(t *testing.T) {
	conn := ttlConn(t)
	for _, s := range ttlSpellings {
		checkTTL(t, conn, s)
	}
}

// TestParseTTLPrintedStyles has PostgreSQL print random intervals in each
// IntervalStyle, and reads them back with pit.ParseTTL.
func TestParseTTLPrintedStyles(t *testing.T) {
	conn := ttlConn(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	for range 150 {
		months, days := r.IntN(40)-8, r.IntN(900)-100
		usec := r.Int64N(4*86_400_000_000) - 86_400_000_000
		if r.IntN(3) == 0 {
			usec -= usec % 1_000_000
		}
		for _, style := range []string{"postgres", "postgres_verbose", "sql_standard", "iso_8601"} {
			var text string
			err := conn.QueryRow(ctx, `SELECT set_config('IntervalStyle', $1, false),
				make_interval(months => $2, days => $3, secs => $4::numeric / 1000000)::text`,
				style, months, days, usec).Scan(nil, &text)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "SET IntervalStyle = postgres"); err != nil {
				t.Fatal(err)
			}
			checkTTL(t, conn, text)
		}
	}
}

// TestParseTTLRandomSpellings writes random intervals from the grammar's
// pieces (numbers, fractions, signs, units, times, ago, ISO), then random
// runs of tokens glued together, and compares with PostgreSQL, refusals
// included.
func TestParseTTLRandomSpellings(t *testing.T) {
	conn := ttlConn(t)
	r := rand.New(rand.NewPCG(3, 5))
	for range 1500 {
		checkTTL(t, conn, randomSpelling(r))
	}
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(7) {
			b.WriteString(glueTokens[r.IntN(len(glueTokens))])
		}
		checkTTL(t, conn, b.String())
	}
}

// glueTokens are pieces of interval text, glued at random.
var glueTokens = []string{"1", "2", "12", "0", "8", "-", "+", ".", ".5", "1.5", "0.5", ":", "00", "30", "59", "60", "61",
	"10000000", "day", "days", "h", "hour", "m", "mon", "dec", "y", "ago", "@", ",", "/", " ", " ", " ", "\t", "P", "T",
	"D", "H", "M", "S", "W", "Y", "-1", "1-2", "2-3", "1-", "e", "E5", "e-2", "us", "ms", "mil", "c", "week", "xyz",
	"4:05", "1:2", "1:2:3", "P1", "PT", "1Y", "2M", "3D", "4H", "-5S", "T1", "P00010203", "T040506"}

// ttlConn connects to PostgreSQL directly, in IntervalStyle postgres.
func ttlConn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN("postgres")+"&IntervalStyle=postgres")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// checkTTL compares pit.ParseTTL(s) with PostgreSQL's reading of s.
func checkTTL(t *testing.T, conn *pgx.Conn, s string) {
	t.Helper()
	got, err := pit.ParseTTL(s)
	var epoch string
	pgErr := conn.QueryRow(context.Background(), "SELECT extract(epoch from $1::text::interval)::text", s).Scan(&epoch)
	if pgErr != nil {
		if err == nil {
			t.Errorf("ParseTTL(%q) = %v; PostgreSQL refuses it: %v", s, got, pgErr)
		}
		return
	}
	want, ok := epochMicros(epoch)
	if !ok {
		t.Fatalf("%q: epoch %q", s, epoch)
	}
	if want <= 0 || want > pit.MaxTTL.Microseconds() {
		if err == nil || featuregate.KindOf(err) != featuregate.KindInvalid {
			t.Errorf("ParseTTL(%q) = %v, %v; PostgreSQL reads %s seconds, which is no TTL (want a KindInvalid error)", s, got, err, epoch)
		}
		return
	}
	if err != nil || got.Microseconds() != want || got%time.Microsecond != 0 {
		t.Errorf("ParseTTL(%q) = %v, %v; PostgreSQL reads %s seconds", s, got, err, epoch)
	}
}

// epochMicros reads extract(epoch …)'s numeric text as microseconds;
// magnitudes beyond int64 become its bounds.
func epochMicros(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "000000")[:6]
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	switch {
	case err2 != nil || err1 != nil && !errors.Is(err1, strconv.ErrRange):
		return 0, false
	case err1 != nil || w > math.MaxInt64/1_000_000-1:
		if neg {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	us := w*1_000_000 + f
	if neg {
		us = -us
	}
	return us, true
}

// randomSpelling draws an interval text: mostly valid postgres-style or
// ISO fields, sometimes broken.
func randomSpelling(r *rand.Rand) string {
	if r.IntN(5) == 0 {
		return randomISO(r)
	}
	units := []string{"us", "ms", "msec", "second", "secs", "s", "min", "mins", "minutes", "hour", "hrs", "h",
		"day", "days", "d", "week", "weeks", "mon", "months", "year", "yrs", "decade", "century", "millennium", "ago", ""}
	var parts []string
	for range 1 + r.IntN(4) {
		switch r.IntN(6) {
		case 0:
			parts = append(parts, randomTime(r))
		case 1:
			parts = append(parts, fmt.Sprintf("%d-%d", r.IntN(5), r.IntN(13)))
		default:
			parts = append(parts, randomNumber(r), units[r.IntN(len(units))])
		}
	}
	if r.IntN(6) == 0 {
		parts = append([]string{"@"}, parts...)
	}
	if r.IntN(8) == 0 {
		parts = append(parts, "ago")
	}
	return strings.Join(parts, " ")
}

func randomNumber(r *rand.Rand) string {
	n := strconv.Itoa(r.IntN(60))
	if r.IntN(3) == 0 {
		n += "." + strconv.Itoa(r.IntN(1_000_000_0))
	}
	switch r.IntN(5) {
	case 0:
		return "-" + n
	case 1:
		return "+" + n
	}
	return n
}

func randomTime(r *rand.Rand) string {
	t := fmt.Sprintf("%d:%02d", r.IntN(30), r.IntN(62))
	switch r.IntN(3) {
	case 0:
		t += fmt.Sprintf(":%02d", r.IntN(62))
	case 1:
		t += fmt.Sprintf(":%02d.%d", r.IntN(61), r.IntN(10_000_000))
	}
	switch r.IntN(4) {
	case 0:
		return "-" + t
	case 1:
		return "+" + t
	}
	return t
}

func randomISO(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("P")
	for _, u := range []string{"Y", "M", "W", "D"} {
		if r.IntN(3) == 0 {
			b.WriteString(randomISONumber(r) + u)
		}
	}
	if r.IntN(2) == 0 {
		b.WriteString("T")
		for _, u := range []string{"H", "M", "S"} {
			if r.IntN(2) == 0 {
				b.WriteString(randomISONumber(r) + u)
			}
		}
	}
	return b.String()
}

func randomISONumber(r *rand.Rand) string {
	n := strconv.Itoa(r.IntN(40))
	if r.IntN(3) == 0 {
		n += "." + strconv.Itoa(r.IntN(1000))
	}
	if r.IntN(6) == 0 {
		n = "-" + n
	}
	return n
}
