package filesource

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/featuregate/featuregate"
)

// csvScanner splits CSV text into records as PostgreSQL's COPY … (FORMAT
// csv) reads it: fields separated by commas, double quotes around a field
// that holds commas, quotes (doubled) or line breaks, records ended by
// LF or CRLF. It tells an unquoted empty field (NULL) from a quoted one
// (an empty string), and where each record starts.
type csvScanner struct {
	r      *bufio.Reader
	line   int // the line the next record starts on, from 1
	record int // the records read, the header included
	fields []csvField
	buf    []byte
	eol    string // the first record's line ending: "\n", "\r\n" or "\r"
}

// csvField is one field of a record.
type csvField struct {
	value  []byte
	quoted bool
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func newCSVScanner(r io.Reader) *csvScanner {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	return &csvScanner{r: br, line: 1}
}

// next reads the next record; io.EOF at the end of the text.
func (s *csvScanner) next() ([]csvField, error) {
	s.fields, s.buf = s.fields[:0], s.buf[:0]
	if _, err := s.r.Peek(1); err == io.EOF {
		return nil, io.EOF
	}
	start := s.line
	var ends []int
	quoted, inQuotes := false, false
	field := func() {
		ends = append(ends, len(s.buf))
		s.fields = append(s.fields, csvField{quoted: quoted})
		quoted = false
	}
	for {
		c, err := s.r.ReadByte()
		if err == io.EOF {
			if inQuotes {
				return nil, s.errorf(start, "a quoted field is not closed before the end of the file")
			}
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case inQuotes && c == '"':
			if n, _ := s.r.Peek(1); len(n) == 1 && n[0] == '"' {
				_, _ = s.r.ReadByte()
				s.buf = append(s.buf, '"')
			} else {
				inQuotes = false
			}
			continue
		case inQuotes:
			if c == '\n' {
				s.line++
			}
			s.buf = append(s.buf, c)
			continue
		case c == '"': // anywhere in a field, as COPY reads it: a"b,c"d is ab,cd
			inQuotes, quoted = true, true
			continue
		case c == ',':
			field()
			continue
		case c == '\r':
			eol := "\r"
			if n, _ := s.r.Peek(1); len(n) == 1 && n[0] == '\n' {
				_, _ = s.r.ReadByte()
				eol = "\r\n"
			}
			if err := s.lineEnding(start, eol); err != nil {
				return nil, err
			}
		case c == '\n':
			if err := s.lineEnding(start, "\n"); err != nil {
				return nil, err
			}
		default:
			s.buf = append(s.buf, c)
			continue
		}
		if c == '\n' || c == '\r' {
			s.line++
			break
		}
	}
	field()
	s.split(ends)
	s.record++
	return s.fields, nil
}

// split sets each field's value from the record's buffer: field i ends at
// ends[i] and begins where field i-1 ended.
func (s *csvScanner) split(ends []int) {
	begin := 0
	for i := range s.fields {
		s.fields[i].value = s.buf[begin:ends[i]]
		begin = ends[i]
	}
}

// lineEnding checks that a record ends its line as the first one did:
// COPY refuses a file that mixes them.
func (s *csvScanner) lineEnding(line int, eol string) error {
	if s.eol == "" {
		s.eol = eol
	}
	if eol != s.eol {
		return s.errorf(line, "the line ends with %q where the first line ends with %q", eol, s.eol).
			WithHint("End every line of the file the same way (LF, or CRLF throughout).")
	}
	return nil
}

// errorf reports a malformed record: the record being read (the header is
// row 0), which starts on line.
func (s *csvScanner) errorf(line int, format string, args ...any) *featuregate.Error {
	return featuregate.Errorf(featuregate.KindInvalid, "row %d (line %d): %s", s.record, line, fmt.Sprintf(format, args...))
}
