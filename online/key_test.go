package online

import (
	"bytes"
	"sort"
	"testing"
	"time"
)

func mustEncodeKey(t *testing.T, k []any) []byte {
	t.Helper()
	b, err := EncodeKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyTuplesNeverCollide(t *testing.T) {
	keys := [][]any{
		key("a", "bc"), key("ab", "c"), key("abc"), key("a\x00", "bc"), key("a", "\x00bc"),
		key("a"), key("a", ""), key("", "a"), key(int64(1)), key("\x00\x00\x00\x00\x00\x00\x00\x01"),
		key([]byte("a"), "bc"), key(true), key(false), key(t0), key(int64(1), int64(2)),
	}
	seen := map[string]int{}
	for i, k := range keys {
		b := mustEncodeKey(t, k)
		if j, dup := seen[string(b)]; dup {
			t.Errorf("keys %v and %v collide", keys[j], k)
		}
		seen[string(b)] = i
	}
}

func TestIntegerKeyPartsAreCanonical(t *testing.T) {
	want := mustEncodeKey(t, key(int64(5), "x"))
	for _, k := range []any{int32(5), int16(5), 5} {
		if got := mustEncodeKey(t, key(k, "x")); !bytes.Equal(got, want) {
			t.Errorf("%T(5): %x, want %x", k, got, want)
		}
	}
}

func TestKeyTuplesSortAsTuples(t *testing.T) {
	// In tuple order within each type.
	ints := [][]any{
		key(int64(-1 << 63)), key(int64(-2)), key(int64(-1)), key(int64(0)), key(int64(1), "a"),
		key(int64(1), "b"), key(int64(2)), key(int64(1<<63 - 1)),
	}
	texts := [][]any{key(""), key("", "a"), key("\x00"), key("\x00", ""), key("\x01"), key("a"), key("a", "b"), key("a\x00"), key("ab"), key("b")}
	times := [][]any{key(time.Unix(-1, 0)), key(time.Unix(0, 0)), key(time.Unix(0, 1)), key(t0)}
	for _, group := range [][][]any{ints, texts, times} {
		enc := make([][]byte, len(group))
		for i, k := range group {
			enc[i] = mustEncodeKey(t, k)
		}
		if !sort.SliceIsSorted(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 }) {
			t.Errorf("encodings of %v are not in tuple order", group)
		}
	}
}

func TestAppendKeyAndEscaped(t *testing.T) {
	prefix := AppendEscaped([]byte("x"), "a\x00b")
	if want := "x" + "a\x00\xffb\x00\x01"; string(prefix) != want {
		t.Errorf("AppendEscaped: %q, want %q", prefix, want)
	}
	got, err := AppendKey(prefix, key("k", int64(1)))
	if want := string(prefix) + string(mustEncodeKey(t, key("k", int64(1)))); err != nil || string(got) != want {
		t.Errorf("AppendKey: %q %v, want %q", got, err, want)
	}
	if b, err := AppendKey(prefix, key(1.5)); b != nil || err == nil {
		t.Errorf("AppendKey of a float: %q %v", b, err)
	}
}
