package pebblestore

import (
	"bytes"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

func TestKeysNeverCollide(t *testing.T) {
	keys := [][]any{
		key("a", "bc"), key("ab", "c"), key("abc"), key("a\x00", "bc"), key("a", "\x00bc"),
		key("a"), key("a", ""), key("", "a"), key(int64(1)), key("\x00\x00\x00\x00\x00\x00\x00\x01"),
		key([]byte("a"), "bc"), key(true), key(false), key(t0), key(int64(1), int64(2)),
	}
	seen := map[string]int{}
	for i, k := range keys {
		b, err := appendDataKey(nil, "p", "v", k)
		if err != nil {
			t.Fatal(err)
		}
		if j, dup := seen[string(b)]; dup {
			t.Errorf("keys %v and %v collide", keys[j], k)
		}
		seen[string(b)] = i
	}
	// Project and view names are components too.
	a, _ := appendDataKey(nil, "ab", "c", key("x"))
	b, _ := appendDataKey(nil, "a", "bc", key("x"))
	if bytes.Equal(a, b) {
		t.Error("project/view boundaries collide")
	}
}

func TestIntegerKeysAreCanonical(t *testing.T) {
	want, _ := appendDataKey(nil, "p", "v", key(int64(5), "x"))
	for _, k := range []any{int32(5), int16(5), 5} {
		got, err := appendDataKey(nil, "p", "v", key(k, "x"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%T(5): %x, want %x (%v)", k, got, want, err)
		}
	}
	s := newStore(t)
	mustWrite(t, s, online.Row{Project: "p", View: "v", Key: key(int32(5)), TS: t0, Values: []any{"five"}})
	if r := mustGet(t, s, "p", "v", key(int64(5)))[0]; !r.Found || r.Values[0] != "five" {
		t.Errorf("int64 read of int32 write: %+v", r)
	}
}

func TestKeysSortAsTuples(t *testing.T) {
	// In tuple order within each type.
	ordered := [][]any{
		key(int64(-1 << 63)), key(int64(-2)), key(int64(-1)), key(int64(0)), key(int64(1), "a"),
		key(int64(1), "b"), key(int64(2)), key(int64(1<<63 - 1)),
	}
	texts := [][]any{key(""), key("", "a"), key("\x00"), key("\x00", ""), key("\x01"), key("a"), key("a", "b"), key("a\x00"), key("ab"), key("b")}
	times := [][]any{key(time.Unix(-1, 0)), key(time.Unix(0, 0)), key(time.Unix(0, 1)), key(t0)}
	for _, group := range [][][]any{ordered, texts, times} {
		enc := make([][]byte, len(group))
		for i, k := range group {
			b, err := appendDataKey(nil, "p", "v", k)
			if err != nil {
				t.Fatal(err)
			}
			enc[i] = b
		}
		if !sort.SliceIsSorted(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 }) {
			t.Errorf("encodings of %v are not in tuple order", group)
		}
	}
}

func TestEncodeKeyIsTheDataKeySuffix(t *testing.T) {
	keys := [][]any{key("a", "bc"), key(int64(-1), "x\x00"), key([]byte{0}, true, t0), key(int32(5))}
	for _, k := range keys {
		full, err := appendDataKey(nil, "p", "v", k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := online.EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		prefix := appendViewPrefix(nil, prefixData, "p", "v")
		if !bytes.Equal(append(prefix, got...), full) {
			t.Errorf("%#v: EncodeKey %x, data key %x", k, got, full)
		}
	}
}

func TestWatermarkEncoding(t *testing.T) {
	for _, w := range []time.Time{t0, time.Unix(-1, 999999999), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)} {
		got, err := decodeWatermark(encodeWatermark(w))
		if err != nil || !got.Equal(w) || got.Location() != time.UTC {
			t.Errorf("%v: decoded %v, %v", w, got, err)
		}
	}
	good := encodeWatermark(t0)
	bad := [][]byte{nil, {2, 0, 0}, {watermarkVersion}, {watermarkVersion, 0}, {watermarkVersion, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03}, good[:len(good)-1]}
	for _, b := range bad {
		if _, err := decodeWatermark(b); !errors.Is(err, online.ErrCorrupt) {
			t.Errorf("%x: %v, want ErrCorrupt", b, err)
		}
	}
}
