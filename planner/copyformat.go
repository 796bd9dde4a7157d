package planner

import (
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/featuregate/featuregate"
)

// copyFormat is how the data of a COPY FROM STDIN is written: PostgreSQL's
// text format (delimiter, NULL string, backslash escapes) or its CSV
// format (delimiter, NULL string, quote and escape characters), with or
// without a header line.
type copyFormat struct {
	csv                  bool
	header               bool
	delim, quote, escape byte
	null                 string
}

// parse reads data into n columns of values; nil is NULL. Data of
// parallelCopy bytes or more whose records cannot span lines (the text
// format, or CSV without a quote character) is read in parts split at
// line ends, one per processor. The values are slices of data (escaped
// and quoted values excepted), and point into blocks of
// strings: the garbage collector sees a few large objects, not several
// per row.
func (f copyFormat) parse(data string, n int) ([][]*string, error) {
	parts := f.split(data)
	res := make([]copyPart, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { res[i] = f.parsePart(part, n, i == 0) })
	}
	wg.Wait()
	line := 0 // records before the part's
	for i, r := range res {
		if r.err != "" {
			return nil, copyError(line+r.errLine, r.err)
		}
		if r.ended {
			res = res[:i+1]
			break
		}
		line += r.records
	}
	if len(res) == 1 {
		return res[0].cols.cols, nil
	}
	cols := make([][]*string, n)
	for c := range cols {
		for _, r := range res {
			cols[c] = append(cols[c], r.cols.cols[c]...)
		}
	}
	return cols, nil
}

// parallelCopy is the least data read in parallel parts.
const parallelCopy = 1 << 20

// split cuts data into parts that end at line ends, when it is large and
// no record can span lines.
func (f copyFormat) split(data string) []string {
	k := runtime.GOMAXPROCS(0)
	if len(data) < parallelCopy || k == 1 || (f.csv && strings.IndexByte(data, f.quote) >= 0) {
		return []string{data}
	}
	var parts []string
	for i := 1; i < k && len(data) > 0; i++ {
		cut := len(data) / (k - i + 1)
		end := strings.IndexByte(data[cut:], '\n')
		if end < 0 {
			break
		}
		parts, data = append(parts, data[:cut+end+1]), data[cut+end+1:]
	}
	return append(parts, data)
}

// copyPart is what parsePart read of one part: its values, how many
// records it read (a header and the end marker included), whether it met
// the end marker, and the first error with the record it is on.
type copyPart struct {
	cols    columns
	records int
	ended   bool
	err     string
	errLine int
}

// columns collects the values of records column by column; the values
// live in blocks of valueBlock strings.
type columns struct {
	cols  [][]*string
	block []string // the current block, filled up to its length
}

const valueBlock = 4096

// add appends the values of one record of len(c.cols) fields.
func (c *columns) add(fields []field) {
	for i, f := range fields {
		if f.null {
			c.cols[i] = append(c.cols[i], nil)
			continue
		}
		if len(c.block) == cap(c.block) {
			c.block = make([]string, 0, valueBlock)
		}
		c.block = append(c.block, f.v)
		c.cols[i] = append(c.cols[i], &c.block[len(c.block)-1])
	}
}

// parsePart reads the records of one part of the data; the header, when
// there is one, is the first record of the first part.
func (f copyFormat) parsePart(data string, n int, first bool) copyPart {
	p := copyPart{cols: columns{cols: make([][]*string, n)}}
	rows := strings.Count(data, "\n") + 1 // records, unless values span lines
	for c := range p.cols.cols {
		p.cols.cols[c] = make([]*string, 0, rows)
	}
	fields := make([]field, 0, n)
	for len(data) > 0 {
		var err error
		if f.csv {
			fields, data, err = f.csvRecord(fields[:0], data)
		} else {
			var raw string
			raw, data = cutLine(data)
			if raw == `\.` {
				p.ended = true
				return p
			}
			fields = f.textRecord(fields[:0], raw)
		}
		p.records++
		if err != nil {
			p.err, p.errLine = err.Error(), p.records
			return p
		}
		if first && p.records == 1 && f.header {
			continue
		}
		if f.csv && len(fields) == 1 && !fields[0].null && fields[0].v == `\.` {
			p.ended = true
			return p
		}
		switch {
		case len(fields) < n:
			p.err, p.errLine = "missing data for a column: "+strconv.Itoa(len(fields))+" values for "+strconv.Itoa(n)+" columns", p.records
			return p
		case len(fields) > n:
			p.err, p.errLine = "extra data after last expected column", p.records
			return p
		}
		p.cols.add(fields)
	}
	return p
}

func copyError(line int, msg string) error {
	return featuregate.Errorf(featuregate.KindBadCopyFormat, "COPY line %d: %s", line, msg).
		WithHint("one line per row, the values in the order of the COPY's column list")
}

// cutLine cuts the first line off data, without its \n or \r\n.
func cutLine(data string) (line, rest string) {
	line, rest, _ = strings.Cut(data, "\n")
	return strings.TrimSuffix(line, "\r"), rest
}

// textRecord appends to fields the values of a line of the text format.
// Values without escapes are slices of line.
func (f copyFormat) textRecord(fields []field, line string) []field {
	for {
		i := unescapedIndex(line, f.delim)
		v := line
		if i >= 0 {
			v = line[:i]
		}
		fields = append(fields, field{null: v == f.null, v: unescapeText(v)})
		if i < 0 {
			return fields
		}
		line = line[i+1:]
	}
}

// field is one value of a COPY record.
type field struct {
	v    string
	null bool
}

// unescapedIndex is the index of the first c in b not escaped by a
// backslash, or -1.
func unescapedIndex(b string, c byte) int {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case c:
			return i
		}
	}
	return -1
}

// unescapeText undoes the text format's backslash escapes.
func unescapeText(b string) string {
	if strings.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			j := i + 1
			for j < len(b) && j < i+3 && isHex(b[j]) {
				j++
			}
			if j == i+1 {
				out = append(out, 'x')
				continue
			}
			v, _ := strconv.ParseUint(b[i+1:j], 16, 8)
			out, i = append(out, byte(v)), j-1
		default:
			if c < '0' || c > '7' {
				out = append(out, c)
				continue
			}
			j := i
			for j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(b[i:j], 8, 16)
			out, i = append(out, byte(v)), j-1
		}
	}
	return string(out)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
