package filesource

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"
)

// FuzzCSVScanner: records written by encoding/csv (quoting what needs
// quotes, LF line endings) read back the same, field by field, with an
// empty unquoted field as NULL and nothing else.
func FuzzCSVScanner(f *testing.F) {
	f.Add("a,b\n1,\"x, y\"\n", 2)
	f.Add("h\n\"two\nlines\"\n\"\"\"q\"\"\"\n", 1)
	f.Add("\xEF\xBB\xBFid,v\n,\n", 2)
	f.Fuzz(func(t *testing.T, text string, width int) {
		if width < 1 || width > 8 {
			return
		}
		var records [][]string
		var row []string
		for i, r := range []rune(text) {
			if i > 200 {
				break
			}
			if r == '\r' || r == 0xFEFF {
				continue // COPY's line endings are LF here; a BOM only starts a file
			}
			row = append(row, string(r))
			if len(row) == width {
				records = append(records, row)
				row = nil
			}
		}
		if len(records) == 0 {
			return
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		if err := w.WriteAll(records); err != nil {
			return
		}
		s := newCSVScanner(&b)
		for i, want := range records {
			got, err := s.next()
			if err != nil {
				t.Fatalf("record %d of %q: %v", i, b.String(), err)
			}
			if len(got) != len(want) {
				t.Fatalf("record %d: %d fields, want %d (%q)", i, len(got), len(want), want)
			}
			for j, g := range got {
				if string(g.value) != want[j] {
					t.Fatalf("record %d field %d: %q, want %q", i, j, g.value, want[j])
				}
			}
		}
		if _, err := s.next(); err != io.EOF {
			t.Fatalf("after the records: %v", err)
		}
	})
}
