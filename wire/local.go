package wire

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/planner"
)

// Statements the planner says to run in the gateway produce their rows
// here: Go values encoded in the text or binary format the client asked
// for, with PostgreSQL's codecs from pgtype.

// rowDescription describes local columns in the given result formats.
func rowDescription(cols []planner.Column, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, c := range cols {
		rd.Fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), DataTypeOID: c.OID,
			DataTypeSize: -1, TypeModifier: -1, Format: formatOf(formats, i)}
	}
	return rd
}

// formatOf applies the protocol's rule for format codes: none means text,
// one applies to all, otherwise one per column.
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
	cols    []planner.Column
	formats []int16
	row     pgproto3.DataRow
}

func (e *rowEncoder) encode(values []any) (*pgproto3.DataRow, error) {
	if len(values) != len(e.cols) {
		return nil, fmt.Errorf("row of %d values for %d columns", len(values), len(e.cols))
	}
	e.row.Values = e.row.Values[:0]
	for i, v := range values {
		if v == nil {
			e.row.Values = append(e.row.Values, nil)
			continue
		}
		if t, ok := v.(time.Time); ok && e.cols[i].OID == pgtype.TimestamptzOID && formatOf(e.formats, i) == pgtype.TextFormatCode {
			e.row.Values = append(e.row.Values, []byte(t.UTC().Format(timestamptzText)))
			continue
		}
		buf, err := e.types.Encode(e.cols[i].OID, formatOf(e.formats, i), v, nil)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", e.cols[i].Name, err)
		}
		if buf == nil {
			buf = []byte{}
		}
		e.row.Values = append(e.row.Values, buf)
	}
	return &e.row, nil
}

// streamWriter sends each row to the client as it comes.
type streamWriter struct {
	s   *session
	enc rowEncoder
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

// Progress implements planner.ProgressWriter.
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
func (s *session) checkTopLevel(st planner.Statement, multi bool) error {
	if !st.TopLevel || (s.txStatus == 'I' && !multi) {
		return nil
	}
	return featuregate.Errorf(featuregate.KindActiveTransaction,
		"%s cannot run inside a transaction block", st.Command).
		WithHint("run it on its own, outside BEGIN … COMMIT")
}

// runLocalSimple runs a local statement for the simple protocol: rows
// stream as they come, in text format.
func (s *session) runLocalSimple(ctx context.Context, st planner.Statement) error {
	cols := st.Local.Columns()
	if cols != nil {
		s.c.send(rowDescription(cols, nil))
	}
	w := &streamWriter{s: s, enc: rowEncoder{types: s.types, cols: cols}}
	tag, err := st.Local.Run(ctx, nil, w)
	if err != nil {
		return err
	}
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}
