package wire

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// Statements the planner says to run in the gateway produce their rows
// here: Go values encoded in the text or binary format the client asked
// for, with PostgreSQL's codecs from pgtype.

// rowDescription describes local columns in the given result formats.
func rowDescription(cols []plan.Column, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, c := range cols {
		rd.Fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), DataTypeOID: c.OID,
			DataTypeSize: -1, TypeModifier: -1, Format: formatOf(formats, i)}
	}
	return rd
}

// formatOf applies the protocol's rule for format codes: none means text,
// one applies to all, otherwise one per column.
// checkFormats checks a Bind's format codes as PostgreSQL does: none, one
// for all, or one per item; each text (0) or binary (1).
func checkFormats(codes []int16, n int, what, items string) error {
	if len(codes) > 1 && len(codes) != n {
		return featuregate.Errorf(featuregate.KindProtocolViolation, "bind message has %d %s but %d %s", len(codes), what, n, items)
	}
	for _, c := range codes {
		if c != pgtype.TextFormatCode && c != pgtype.BinaryFormatCode {
			return featuregate.Errorf(featuregate.KindInvalid, "unsupported format code: %d", c)
		}
	}
	return nil
}

func formatOf(formats []int16, i int) int16 {
	switch {
	case len(formats) == 0:
		return pgtype.TextFormatCode
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return pgtype.TextFormatCode
}

// timestamptzText is PostgreSQL's text output of a timestamptz with
// TimeZone UTC; pgtype writes "Z" instead of "+00", which some drivers
// (psycopg2) do not read.
const timestamptzText = "2006-01-02 15:04:05.999999-07"

// rowEncoder turns Go values into DataRow messages.
type rowEncoder struct {
	types   *pgtype.Map
	cols    []plan.Column
	formats []int16
	row     pgproto3.DataRow
	plans   []columnPlan // per column, the encode plan of the last value's type
	size    int          // the last row's encoded size, to size the next buffer
	ends    []int        // per value, where it ends in the row's buffer
	// reuse encodes every row into one buffer, for rows sent before the
	// next is encoded; otherwise each row has a buffer of its own.
	reuse bool
	buf   []byte
}

// setFormats makes the encoder encode in formats, planning its columns
// anew if they differ from the last ones.
func (e *rowEncoder) setFormats(formats []int16) {
	if !slices.Equal(e.formats, formats) {
		e.formats = append(e.formats[:0], formats...)
		e.plans = nil
	}
}

// columnPlan is an encode plan for values of one Go type in a column.
type columnPlan struct {
	typ  reflect.Type
	plan pgtype.EncodePlan
}

// encode encodes one row into a buffer of its own (rows may be kept, as
// portals read a few at a time), planning each column's encoding once per
// Go type rather than once per value.
func (e *rowEncoder) encode(values []any) (*pgproto3.DataRow, error) {
	if len(values) != len(e.cols) {
		return nil, fmt.Errorf("row of %d values for %d columns", len(values), len(e.cols))
	}
	if e.plans == nil {
		e.plans = make([]columnPlan, len(e.cols))
	}
	buf := e.buf[:0]
	if !e.reuse {
		buf = make([]byte, 0, e.size)
	}
	if cap(e.ends) < len(values) {
		e.ends = make([]int, len(values))
	}
	ends := e.ends[:len(values)] // end offset of each value in buf; -1 for NULL
	for i, v := range values {
		var err error
		if buf, ends[i], err = e.encodeValue(i, v, buf); err != nil {
			return nil, fmt.Errorf("column %s: %w", e.cols[i].Name, err)
		}
	}
	e.size = len(buf)
	if e.reuse {
		e.buf = buf
	}
	e.row.Values = e.row.Values[:0]
	start := 0
	for _, end := range ends {
		if end < 0 {
			e.row.Values = append(e.row.Values, nil)
			continue
		}
		e.row.Values = append(e.row.Values, buf[start:end:end])
		start = end
	}
	return &e.row, nil
}

// encodeValue appends column i's value v to buf and returns where it ends,
// -1 for NULL.
func (e *rowEncoder) encodeValue(i int, v any, buf []byte) ([]byte, int, error) {
	if v == nil {
		return buf, -1, nil
	}
	format := formatOf(e.formats, i)
	if t, ok := v.(time.Time); ok && e.cols[i].OID == pgtype.TimestamptzOID && format == pgtype.TextFormatCode {
		buf = t.UTC().AppendFormat(buf, timestamptzText)
		return buf, len(buf), nil
	}
	cp := &e.plans[i]
	if typ := reflect.TypeOf(v); cp.typ != typ {
		cp.plan = e.types.PlanEncode(e.cols[i].OID, format, v)
		if cp.plan == nil {
			return buf, 0, fmt.Errorf("cannot encode %T as type %d", v, e.cols[i].OID)
		}
		cp.typ = typ
	}
	out, err := cp.plan.Encode(v, buf)
	if err != nil {
		return buf, 0, err
	}
	if out == nil {
		return buf, -1, nil
	}
	return out, len(out), nil
}

// streamWriter sends each row to the client as it comes.
type streamWriter struct {
	s   *session
	enc *rowEncoder
	n   int
}

func (w *streamWriter) WriteRow(values []any) error {
	row, err := w.enc.encode(values)
	if err != nil {
		return err
	}
	w.s.c.send(row)
	w.n++
	return nil
}

// Progress shows a long statement's progress to clients that ask for it
// (application_name featuregate-cli, as the CLI sets), as a NOTICE sent
// at once.
func (w *streamWriter) Progress(msg string) { w.s.progress(msg) }

// Progress implements plan.ProgressWriter.
func (w *bufferWriter) Progress(msg string) { w.s.progress(msg) }

// ProgressApplication is the application_name of clients that receive
// progress notices.
const ProgressApplication = "featuregate-cli"

func (s *session) progress(msg string) {
	if s.st.params["application_name"] != ProgressApplication {
		return
	}
	s.c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg})
	_ = s.c.flush()
}

// bufferWriter keeps the encoded rows, for portals read a few rows at a time.
type bufferWriter struct {
	s    *session
	enc  rowEncoder
	rows [][][]byte
}

func (w *bufferWriter) WriteRow(values []any) error {
	row, err := w.enc.encode(values)
	if err != nil {
		return err
	}
	cp := make([][]byte, len(row.Values))
	copy(cp, row.Values)
	w.rows = append(w.rows, cp)
	return nil
}

// checkTopLevel refuses a statement that must not run in a transaction block.
func (s *session) checkTopLevel(st plan.Statement, multi bool) error {
	if !st.TopLevel || (s.txStatus == 'I' && !multi) {
		return nil
	}
	return featuregate.Errorf(featuregate.KindActiveTransaction,
		"%s cannot run inside a transaction block", st.Command).
		WithHint("run it on its own, outside BEGIN … COMMIT")
}

// runLocalSimple runs a local statement for the simple protocol: rows
// stream as they come, in text format.
func (s *session) runLocalSimple(ctx context.Context, st plan.Statement) error {
	cols := st.Local.Columns()
	if cols != nil {
		s.c.send(rowDescription(cols, nil))
	}
	w := &streamWriter{s: s, enc: &rowEncoder{types: s.types, cols: cols, reuse: true}}
	var tag string
	var err error
	if ci, ok := st.Local.(plan.CopyIn); ok {
		tag, err = s.copyInLocal(ctx, ci, w)
	} else {
		tag, err = s.runLocal(ctx, st.Local, nil, w)
	}
	if err != nil {
		return err
	}
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

// Notice implements plan.NoticeWriter.
func (w *streamWriter) Notice(msg string) { w.s.notice(msg) }

// Notice implements plan.NoticeWriter.
func (w *bufferWriter) Notice(msg string) { w.s.notice(msg) }

func (s *session) notice(msg string) {
	s.c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg})
}
