package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate/online"
)

// TestBounds runs testdata/bounds: writes, reopenings, drops and a store
// from before bounds were kept, with the values served and the bounds
// stored after each step.
//
//	write [view=v]     one row per line: key ts [created] label (times in
//	                   seconds after t0); prints how many were written
//	get [view=v]       one key per line; prints its label and stamp
//	bound [view=v]     the view's stored bound, or none
//	format             whether the format key is there
//	reopen             closes and opens the store
//	forget-bounds      deletes every bound and the format key, as in a
//	                   store written before bounds were kept
//	drop [view=v]      DropView
func TestBounds(t *testing.T) {
	e := &boundsEnv{dir: t.TempDir()}
	e.s = openStore(t, e.dir)
	defer func() { _ = e.s.Close() }()
	datadriven.RunTest(t, "testdata/bounds", e.run)
}

// boundsEnv is the store TestBounds works on.
type boundsEnv struct {
	dir string
	s   *Store
}

func (e *boundsEnv) run(t *testing.T, d *datadriven.TestData) string {
	ctx := context.Background()
	view := "v"
	if d.HasArg("view") {
		d.ScanArgs(t, "view", &view)
	}
	switch d.Cmd {
	case "write":
		var rows []online.Row
		for _, line := range strings.Split(d.Input, "\n") {
			f := strings.Fields(line)
			r := online.Row{Project: "p", View: view, Key: key(f[0]), TS: at(t, f[1]), Values: []any{f[len(f)-1]}}
			if len(f) == 4 {
				r.Created = at(t, f[2])
			}
			rows = append(rows, r)
		}
		n, err := e.s.Write(ctx, rows)
		if err != nil {
			return "error: " + err.Error()
		}
		return fmt.Sprintf("written %d", n)
	case "get":
		var b strings.Builder
		for _, k := range strings.Fields(d.Input) {
			res := mustGet(t, e.s, "p", view, key(k))
			if !res[0].Found {
				fmt.Fprintf(&b, "%s: none\n", k)
				continue
			}
			fmt.Fprintf(&b, "%s: %v %s\n", k, res[0].Values[0], stampString(stamp{res[0].TS, res[0].Created}))
		}
		return b.String()
	case "bound":
		raw, closer, err := e.s.db.Get(boundKey(appendViewPrefix(nil, prefixData, "p", view)))
		if errors.Is(err, pebble.ErrNotFound) {
			return "none"
		}
		if err != nil {
			t.Fatal(err)
		}
		defer closer.Close()
		st, err := decodeStamp(raw)
		if err != nil {
			t.Fatal(err)
		}
		return stampString(st)
	case "format":
		_, closer, err := e.s.db.Get(formatKey)
		if errors.Is(err, pebble.ErrNotFound) {
			return "absent"
		}
		if err != nil {
			t.Fatal(err)
		}
		closer.Close()
		return "present"
	case "reopen":
		if err := e.s.Close(); err != nil {
			t.Fatal(err)
		}
		e.s = openStore(t, e.dir)
		return "ok"
	case "forget-bounds":
		for _, k := range [][]byte{{prefixBound}, formatKey} {
			if err := e.s.db.DeleteRange(k, prefixEnd(k), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}
		return "ok"
	case "drop":
		if err := e.s.DropView(ctx, "p", view); err != nil {
			t.Fatal(err)
		}
		return "ok"
	}
	t.Fatalf("unknown command %q", d.Cmd)
	return ""
}

// at is t0 plus s seconds.
func at(t *testing.T, s string) time.Time {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return t0.Add(time.Duration(n) * time.Second)
}

// stampString prints a stamp as seconds after t0 (created: zero when none).
func stampString(st stamp) string {
	c := "-"
	if !st.created.IsZero() {
		c = strconv.Itoa(int(st.created.Sub(t0) / time.Second))
	}
	return fmt.Sprintf("ts=%d created=%s", int(st.ts.Sub(t0)/time.Second), c)
}
