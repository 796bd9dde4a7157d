package onlinetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// testEncodedRows writes rows whose key and value the caller encoded part
// by part (as a push does): they read back as the same rows written with
// Key and Values do, and compete with those by newer-wins on one key.
func testEncodedRows(t *testing.T, s online.Store) {
	plain := online.Row{Project: "p", View: "enc", Key: key("a", int64(7)), TS: T0,
		Values: []any{int64(-3), "x", nil, 2.5, true}}
	enc := online.Row{Project: "p", View: "enc", TS: T0.Add(time.Second), Created: T0}
	enc.EncodedKey = online.AppendIntKeyPart(online.AppendTextKeyPart(nil, "b"), 7)
	v := online.AppendValueHeader(nil, enc.TS, enc.Created, 5)
	v = online.AppendIntValue(v, 64, -3)
	v = online.AppendTextValue(v, "y")
	v = online.AppendNullValue(v)
	v = online.AppendFloat64Value(v, 2.5)
	enc.EncodedValue = online.AppendBoolValue(v, false)
	if n := mustWrite(t, s, plain, enc); n != 2 {
		t.Fatalf("wrote %d rows, want 2", n)
	}
	got := mustGet(t, s, "p", "enc", key("a", int64(7)), key("b", int64(7)))
	if r := got[1]; !r.Found || !r.TS.Equal(enc.TS) || !r.Created.Equal(T0) || fmtValues(r.Values) != "[-3 y <nil> 2.5 false]" {
		t.Errorf("encoded row reads back as %+v", r)
	}
	if r := got[0]; !r.Found || fmtValues(r.Values) != "[-3 x <nil> 2.5 true]" {
		t.Errorf("plain row reads back as %+v", r)
	}
	// On one key: an older encoded row loses, a newer plain one wins.
	older := enc
	older.TS = T0.Add(-time.Hour)
	older.EncodedValue = online.AppendNullValue(online.AppendValueHeader(nil, older.TS, time.Time{}, 1))
	if n := mustWrite(t, s, older); n != 0 {
		t.Errorf("an older encoded row was written")
	}
	newer := online.Row{Project: "p", View: "enc", Key: key("b", int64(7)), TS: T0.Add(time.Hour), Values: []any{"z"}}
	if n := mustWrite(t, s, newer); n != 1 {
		t.Errorf("a newer plain row over an encoded one was not written")
	}
	if r := mustGet(t, s, "p", "enc", key("b", int64(7)))[0]; fmtValues(r.Values) != "[z]" {
		t.Errorf("after the newer plain row: %+v", r)
	}
}

// fmtValues prints values as fmt does.
func fmtValues(values []any) string { return fmt.Sprint(values) }
