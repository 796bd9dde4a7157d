package exec

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
	"github.com/featuregate/featuregate/online"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

// nativeCases are, per type, texts the gateway must read itself (accept)
// and texts it must leave to PostgreSQL (refuse): forms PostgreSQL reads
// differently, loosely, or not at all.
var nativeCases = map[string]struct{ accept, refuse []string }{
	"smallint": {
		accept: []string{"0", "-32768", "32767", "+5", "007"},
		refuse: []string{"32768", "", " 1", "1 ", "1.0", "1e3", "0x10", "1_000", "-"},
	},
	"integer": {
		accept: []string{"-2147483648", "2147483647", "42"},
		refuse: []string{"2147483648", "4e1", "forty"},
	},
	"bigint": {
		accept: []string{"-9223372036854775808", "9223372036854775807", "1001"},
		refuse: []string{"9223372036854775808", "1.5", "\u0661"},
	},
	"real": {
		accept: []string{"0", "-0", "1.5", ".5", "5.", "3.4028235e38", "1.17549435e-38", "0.1", "1E+06", "123456789012"},
		refuse: []string{"3.5e38", "1e-39", "1e-50", "NaN", "Infinity", "inf", "0x1p3", " 1", "1e", "e1", "."},
	},
	"double precision": {
		accept: []string{"0.3333333333333333", "1e308", "2.2250738585072014e-308", "-123.456e-7", "0.0e0", "9007199254740993"},
		refuse: []string{"1e309", "1e-320", "1e-400", "nan", "-Infinity", "1,5"},
	},
	"boolean": {
		accept: []string{"t", "f", "true", "FALSE", "True", "1", "0"},
		refuse: []string{"yes", "on", "y", "tr", " t", ""},
	},
	"text": {
		accept: []string{"", "v1", "a,b\n\"c\"", "ünïcödé 😀", `\x00`, " padded "},
		refuse: []string{"nul\x00inside", "bad \xff utf8"},
	},
	"date": {
		accept: []string{"2024-02-29", "1000-01-01", "9999-12-31"},
		refuse: []string{"2023-02-29", "2024-13-01", "0999-01-01", "2024-1-1", "20240101", "2024-01-01 00:00:00", "epoch", "infinity"},
	},
	"timestamp with time zone": {
		accept: []string{"2024-01-01T00:00:00Z", "2024-01-01 10:00:00", "2024-01-01 10:00:00+05:30", "2024-01-01T10:00:00.123456-08",
			"2024-06-30T23:59:59.5+0200", "2024-02-29 12:00:00.1Z", "1999-12-31 23:59:59-14:00"},
		refuse: []string{"2024-01-01T00:00:00.1234567Z", "2024-01-01 24:00:00", "2024-01-01 23:59:60", "2024-01-01 10:00",
			"2024-01-01", "2024-01-01 10:00:00 UTC", "2024-01-01 10:00:00+15", "2024-01-01 10:00:00+05:30:15", "now", "2024-01-01t10:00:00"},
	},
	"timestamp without time zone": {
		accept: []string{"2024-01-01 10:00:00", "2024-01-01T10:00:00.000001"},
		refuse: []string{"2024-01-01 10:00:00Z", "2024-01-01 10:00:00+02"},
	},
}

// TestNativeReaders: the strict forms are read in the gateway, the
// others left to PostgreSQL.
func TestNativeReaders(t *testing.T) {
	for typ, c := range nativeCases {
		read := nativeTypes[typ].read
		for _, s := range c.accept {
			if _, ok := read(s); !ok {
				t.Errorf("%s: %q not read natively", typ, s)
			}
		}
		for _, s := range c.refuse {
			if v, ok := read(s); ok {
				t.Errorf("%s: %q read natively as %v, want it left to PostgreSQL", typ, s, v)
			}
		}
	}
}

// TestNativeAgreesWithPostgreSQL: every text the gateway reads natively,
// from the cases above and from random ones, PostgreSQL reads too, to the
// same value.
func TestNativeAgreesWithPostgreSQL(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, "native")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["timezone"] = "UTC" // as the gateway's offline connections
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	for typ, nt := range nativeTypes {
		read := nt.read
		texts := append(append([]string{}, nativeCases[typ].accept...), randomTexts(rng, typ, 2000)...)
		var native []string
		var want []any
		for _, s := range texts {
			if v, ok := read(s); ok {
				native, want = append(native, s), append(want, v)
			}
		}
		if len(native) < len(texts)/2 {
			t.Errorf("%s: only %d of %d texts read natively", typ, len(native), len(texts))
		}
		got := castAll(ctx, t, conn, typ, native)
		for i := range native {
			if !sameValue(got[i], want[i]) {
				t.Errorf("%s: %q reads natively as %#v, PostgreSQL reads %#v", typ, native[i], want[i], got[i])
			}
		}
	}
}

// TestNativeEncodings: the encodings a push writes straight from text are
// those of the values read, as the online store encodes them, and a text
// the reader refuses the encoders refuse too.
func TestNativeEncodings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for typ, nt := range nativeTypes {
		c := nativeCases[typ]
		texts := append(append(append([]string{}, c.accept...), c.refuse...), randomTexts(rng, typ, 500)...)
		for _, s := range texts {
			v, ok := nt.read(s)
			got, vok := nt.value(nil, s)
			if vok != ok {
				t.Errorf("%s %q: value encoder ok %v, reader %v", typ, s, vok, ok)
				continue
			}
			if !ok {
				continue
			}
			want, err := online.AppendValue(nil, time.Time{}, time.Time{}, []any{v})
			if err != nil {
				t.Fatal(err)
			}
			if header := online.AppendValueHeader(nil, time.Time{}, time.Time{}, 1); !bytes.Equal(append(header, got...), want) {
				t.Errorf("%s %q: encodes as %x, the store as %x", typ, s, got, want[len(header):])
			}
			if nt.key == nil {
				continue
			}
			gotKey, kok := nt.key(nil, s)
			wantKey, err := online.EncodeKey([]any{v})
			if !kok || err != nil || !bytes.Equal(gotKey, wantKey) {
				t.Errorf("%s %q: key part %x (%v), the store's %x (%v)", typ, s, gotKey, kok, wantKey, err)
			}
		}
	}
}

// castAll has PostgreSQL read texts as typ.
func castAll(ctx context.Context, t *testing.T, conn *pgx.Conn, typ string, texts []string) []any {
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT x::%s FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n", typ), texts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[any])
	if err != nil {
		t.Fatalf("%s: PostgreSQL refuses a text read natively: %v", typ, err)
	}
	return got
}

// sameValue compares values as the online store keeps them: times as
// instants, floats by their bits.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	}
	return reflect.DeepEqual(a, b)
}

// randomTexts are n random texts for typ, most of them in strict form.
func randomTexts(rng *rand.Rand, typ string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = randomText(rng, typ)
	}
	return out
}

func randomText(rng *rand.Rand, typ string) string {
	switch typ {
	case "smallint", "integer", "bigint":
		bits := map[string]int{"smallint": 16, "integer": 32, "bigint": 64}[typ]
		return strconv.FormatInt(int64(rng.Uint64())>>(64-bits+rng.IntN(bits)), 10)
	case "real", "double precision":
		return randomFloat(rng, typ == "real")
	case "boolean":
		return []string{"t", "f", "true", "false", "TRUE", "1", "0"}[rng.IntN(7)]
	case "text":
		r := make([]rune, rng.IntN(20))
		for j := range r {
			r[j] = rune(1 + rng.IntN(0x2FFFF))
		}
		if rng.IntN(10) == 0 { // now and then a byte that is not UTF-8
			return string(r) + "\xfe"
		}
		return string(r)
	case "date":
		return randomTime(rng).Format("2006-01-02")
	case "timestamp without time zone":
		return randomTime(rng).Format("2006-01-02T15:04:05.999999")
	}
	zones := []string{"Z", "", "+00", "-08", "+05:30", "+0545", "-14:00", "+14"}
	return randomTime(rng).Format("2006-01-02 15:04:05.999999") + zones[rng.IntN(len(zones))]
}

// randomFloat formats a random float in one of the ways clients write
// them.
func randomFloat(rng *rand.Rand, single bool) string {
	f := math.Float64frombits(rng.Uint64())
	if math.IsNaN(f) || math.IsInf(f, 0) || rng.IntN(2) == 0 {
		f = rng.NormFloat64() * math.Pow10(rng.IntN(40)-20)
	}
	bits := 64
	if single {
		bits = 32
	}
	formats := []byte{'g', 'e', 'f', 'E'}
	return strconv.FormatFloat(f, formats[rng.IntN(4)], rng.IntN(25)-1, bits)
}

// randomTime is a random microsecond between the years 1000 and 9999.
func randomTime(rng *rand.Rand) time.Time {
	lo := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	hi := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()
	return time.UnixMicro(lo + rng.Int64N(hi-lo)).UTC()
}
