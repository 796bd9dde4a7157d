package onlineit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// copyFormats are COPY option lists with an encoder of one value in each
// (nil encodes NULL).
var copyFormats = []struct {
	name, options string
	encode        func(rng *rand.Rand, v *string) string
	delim         string
}{
	{"csv", "FORMAT csv", csvEncoder(`"`, `"`, ""), ","},
	{"csv-pipe-escape", `FORMAT csv, DELIMITER '|', QUOTE '''', ESCAPE '\', NULL 'NULL'`, csvEncoder(`'`, `\`, "NULL"), "|"},
	{"text", "", textEncoder(`\N`), "\t"},
	{"text-comma", `DELIMITER ',', NULL 'nil'`, textEncoder("nil"), ","},
}

// csvEncoder writes a value in CSV with quote and escape characters,
// quoting it whenever it must be and at random otherwise.
func csvEncoder(quote, escape, null string) func(*rand.Rand, *string) string {
	return func(rng *rand.Rand, v *string) string {
		if v == nil {
			return null
		}
		s := *v
		if !strings.ContainsAny(s, quote+escape+",|\r\n") && s != null && s != "" && rng.IntN(2) == 0 {
			return s
		}
		r := strings.NewReplacer(escape, escape+escape, quote, escape+quote)
		if escape == quote {
			r = strings.NewReplacer(quote, quote+quote)
		}
		return quote + r.Replace(s) + quote
	}
}

// textEncoder writes a value in the text format, with backslash escapes
// (and now and then an octal or hex escape for a plain character).
func textEncoder(null string) func(*rand.Rand, *string) string {
	return func(rng *rand.Rand, v *string) string {
		if v == nil {
			return null
		}
		var b strings.Builder
		for _, c := range *v {
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == ',':
				b.WriteString(`\,`)
			case c < 0x80 && rng.IntN(8) == 0:
				fmt.Fprintf(&b, `\%03o`, c)
			case c < 0x80 && rng.IntN(8) == 0:
				fmt.Fprintf(&b, `\x%x`, c)
			default:
				b.WriteRune(c)
			}
		}
		if s := b.String(); s != null {
			return s
		}
		return `\` + b.String() // the NULL string, escaped, is a value
	}
}

// copyPieces make up the random values: every character the formats
// treat specially, and plain ones.
var copyPieces = []string{",", "|", `"`, "'", `\`, "\n", "\r\n", "\t", "N", `\N`, "nil", "NULL", "a", "bc", " ", "é", "😀"}

// randomNote is a random value, NULL now and then.
func randomNote(rng *rand.Rand) *string {
	if rng.IntN(10) == 0 {
		return nil
	}
	var b strings.Builder
	for range rng.IntN(6) {
		b.WriteString(copyPieces[rng.IntN(len(copyPieces))])
	}
	s := b.String()
	return &s
}

// TestPushCopyAgreesWithPostgreSQL: random values, written in each COPY
// format, read by a COPY into a feature view, are served as PostgreSQL's
// own COPY of the same bytes into a table reads them.
func TestPushCopyAgreesWithPostgreSQL(t *testing.T) {
	e := newEnv(t, "copyformat", stores[0], eventsTable)
	e.define(t, eventsCatalog...)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	for fi, f := range copyFormats {
		var data strings.Builder
		eol := []string{"\n", "\r\n"}[fi%2] // PostgreSQL wants one line ending throughout
		for i := range 300 {
			enc := []string{f.encode(rng, strPtr(fmt.Sprintf("%s%d", f.name, i))), f.encode(rng, strPtr("2024-03-01T00:00:00Z")), f.encode(rng, randomNote(rng))}
			data.WriteString(strings.Join(enc, f.delim) + eol)
		}
		opts := ""
		if f.options != "" {
			opts = " WITH (" + f.options + ")"
		}
		table := fmt.Sprintf("copy_oracle_%d", fi)
		offlineExec(t, e.direct, "CREATE TABLE "+table+" (user_id text, ts text, note text)")
		if _, err := e.direct.PgConn().CopyFrom(ctx, strings.NewReader(data.String()), "COPY "+table+" FROM STDIN"+opts); err != nil {
			t.Fatalf("%s: PostgreSQL's COPY: %v", f.name, err)
		}
		if _, err := e.conn.PgConn().CopyFrom(ctx, strings.NewReader(data.String()), "COPY events_fv (user_id, event_timestamp, note) FROM STDIN"+opts); err != nil {
			t.Fatalf("%s: COPY into the view: %v", f.name, err)
		}
		_, want, err := queryAll(ctx, e.direct, "SELECT user_id, note FROM "+table+" ORDER BY user_id")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			_, got, err := queryAll(ctx, e.conn, "SELECT note FROM events_fv WHERE user_id = $1", w[0])
			if err != nil || len(got) != 1 || !sameRows(got, [][]any{w[1:]}) {
				t.Errorf("%s: %s serves %v (%v), PostgreSQL's COPY read %q", f.name, w[0], got, err, w[1])
			}
		}
	}
}

func strPtr(s string) *string { return &s }

// TestPushCopyLarge: COPY data large enough to be read in parallel parts
// gives the rows, the line of an error and the end marker as one part
// would.
func TestPushCopyLarge(t *testing.T) {
	e := newEnv(t, "copylarge", stores[0], eventsTable)
	e.define(t, eventsCatalog...)
	ctx := context.Background()
	pc := e.conn.PgConn()
	const rows = 40000 // about 1.6 MB
	gen := func(key, format string, bad, end int) string {
		var b strings.Builder
		if format == "csv" {
			b.WriteString("user_id,event_timestamp,amount,note\n")
		}
		for i := 1; i <= rows; i++ {
			switch {
			case i == end:
				b.WriteString(`\.` + "\n")
			case i == bad && format == "csv":
				fmt.Fprintf(&b, "%s%d,2024-03-01T00:00:00Z,%d\n", key, i, i)
			case i == bad:
				fmt.Fprintf(&b, "%s%d\t2024-03-01T00:00:00Z\t%d\n", key, i, i)
			case format == "csv":
				fmt.Fprintf(&b, "%s%d,2024-03-01T00:00:00Z,%d,note %d\r\n", key, i, i, i)
			default:
				fmt.Fprintf(&b, "%s%d\t2024-03-01T00:00:00Z\t%d\tnote\\t%d\n", key, i, i, i)
			}
		}
		return b.String()
	}
	for ci, c := range []struct {
		format, opts string
		bad, end     int
		err          string
		last         int // the last row served
	}{
		{"text", "", 0, 0, "", rows},
		{"csv", " WITH (FORMAT csv, HEADER)", 0, 0, "", rows},
		{"text", "", 31000, 0, "COPY line 31000: missing data for a column", 0},
		{"csv", " WITH (FORMAT csv, HEADER)", 31000, 0, "COPY line 31001: missing data for a column", 0},
		{"text", "", 0, 10000, "", 9999},
	} {
		key := fmt.Sprintf("case%d-", ci)
		_, err := pc.CopyFrom(ctx, strings.NewReader(gen(key, c.format, c.bad, c.end)), "COPY events_fv (user_id, event_timestamp, amount, note) FROM STDIN"+c.opts)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s bad line %d: %v, want %q", c.format, c.bad, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		note := map[string]string{"text": "note\t%d", "csv": "note %d"}[c.format]
		for _, i := range []int{1, c.last / 2, c.last} {
			lookupEquals(t, e.conn, [][]any{{int64(i), fmt.Sprintf(note, i)}}, "SELECT amount, note FROM events_fv WHERE user_id = $1", fmt.Sprintf("%s%d", key, i))
		}
		if c.last < rows { // nothing after the end marker
			lookupEquals(t, e.conn, [][]any{{nil}}, "SELECT amount FROM events_fv WHERE user_id = $1", fmt.Sprintf("%s%d", key, rows))
		}
	}
}
