package planner

import (
	"strings"

	"github.com/featuregate/featuregate"
)

// csvRecord appends to fields the values of the first record of data, a
// record of the CSV format which may span lines inside quotes, and
// returns the rest of data. As in PostgreSQL, an unquoted value equal to
// the NULL string is NULL and a quoted one never is; inside quotes the
// escape character makes the quote or escape character after it a
// literal. Values without quotes are slices of data.
func (f copyFormat) csvRecord(fields []field, data string) ([]field, string, error) {
	end, quoted := f.csvEnd(data)
	if end < 0 {
		return nil, "", featuregate.Errorf(featuregate.KindBadCopyFormat, "unterminated CSV quoted field")
	}
	rec, rest := data[:end], data[end:]
	switch {
	case len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n':
		rest = rest[2:]
	case len(rest) > 0:
		rest = rest[1:]
	}
	if !quoted {
		for {
			i := strings.IndexByte(rec, f.delim)
			if i < 0 {
				return append(fields, field{v: rec, null: rec == f.null}), rest, nil
			}
			fields = append(fields, field{v: rec[:i], null: rec[:i] == f.null})
			rec = rec[i+1:]
		}
	}
	for {
		v, next := f.csvField(rec)
		fields = append(fields, v)
		if next < 0 {
			return fields, rest, nil
		}
		rec = rec[next:]
	}
}

// csvEnd is the end of the record data starts with (the index of its
// line break outside quotes, or len(data)), and whether it holds a quote
// character; -1 when a quote is left open.
func (f copyFormat) csvEnd(data string) (end int, quoted bool) {
	line, _, _ := strings.Cut(data, "\n")
	if strings.IndexByte(line, f.quote) < 0 { // most lines: found by byte searches
		if cr := strings.IndexByte(line, '\r'); cr >= 0 {
			return cr, false
		}
		return len(line), false
	}
	inQuotes := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inQuotes && c == f.escape && i+1 < len(data) && (data[i+1] == f.quote || data[i+1] == f.escape):
			i++
		case c == f.quote:
			inQuotes, quoted = !inQuotes, true
		case !inQuotes && (c == '\n' || c == '\r'):
			return i, quoted
		}
	}
	if inQuotes {
		return -1, quoted
	}
	return len(data), quoted
}

// csvField reads the first value of rec, a record whose quotes are
// balanced, and the index of the next value (-1 after the last).
func (f copyFormat) csvField(rec string) (field, int) {
	var b strings.Builder
	quoted, inQuotes := false, false
	for i := 0; i < len(rec); i++ {
		c := rec[i]
		switch {
		case inQuotes && c == f.escape && i+1 < len(rec) && (rec[i+1] == f.quote || rec[i+1] == f.escape):
			b.WriteByte(rec[i+1])
			i++
		case c == f.quote:
			inQuotes, quoted = !inQuotes, true
		case !inQuotes && c == f.delim:
			return csvValue(b.String(), quoted, f.null), i + 1
		default:
			b.WriteByte(c)
		}
	}
	return csvValue(b.String(), quoted, f.null), -1
}

// csvValue is a value read from CSV: NULL when it is the NULL string and
// was not quoted.
func csvValue(v string, quoted bool, null string) field {
	return field{v: v, null: !quoted && v == null}
}
