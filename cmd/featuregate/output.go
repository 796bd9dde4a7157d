package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// checkFormat refuses an -o value that is not one of allowed.
func checkFormat(format string, allowed ...string) error {
	if slices.Contains(allowed, format) {
		return nil
	}
	return usagef("unknown output format %q: use -o %s", format, orList(allowed))
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// resultSet is a query's result in PostgreSQL's text format, as psql would
// print it: each value is its text, or nil for NULL.
type resultSet struct {
	cols []string
	oids []uint32
	rows [][]*string
}

// querySimple runs sql with the simple protocol (a statement of its own,
// such as MATERIALIZE) and reads its rows.
func querySimple(ctx context.Context, conn *pgx.Conn, sql string) (*resultSet, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	return readRows(rows)
}

// queryText runs sql with args (extended protocol) and reads its rows in
// text format.
func queryText(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (*resultSet, error) {
	rows, err := conn.Query(ctx, sql, append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)...)
	if err != nil {
		return nil, err
	}
	return readRows(rows)
}

// readRows reads every row of rows as text.
func readRows(rows pgx.Rows) (*resultSet, error) {
	defer rows.Close()
	rs := &resultSet{}
	err := eachRow(rows, func(cols []string, oids []uint32) error {
		rs.cols, rs.oids = cols, oids
		return nil
	}, func(vals []*string) error {
		rs.rows = append(rs.rows, vals)
		return nil
	})
	return rs, err
}

// eachRow calls header once with the columns, then row for each row, as
// the rows arrive.
func eachRow(rows pgx.Rows, header func(cols []string, oids []uint32) error, row func([]*string) error) error {
	defer rows.Close()
	started := false
	start := func() error {
		started = true
		var cols []string
		var oids []uint32
		for _, fd := range rows.FieldDescriptions() {
			cols = append(cols, fd.Name)
			oids = append(oids, fd.DataTypeOID)
		}
		return header(cols, oids)
	}
	for rows.Next() {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		raw := rows.RawValues()
		vals := make([]*string, len(raw))
		for i, b := range raw {
			if b != nil {
				s := string(b)
				vals[i] = &s
			}
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !started {
		return start()
	}
	return nil
}

// records returns the rows as records: text values for a table, typed
// values (numbers, booleans) for JSON and YAML.
func (rs *resultSet) records(typed bool) []record {
	out := make([]record, len(rs.rows))
	for i, row := range rs.rows {
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = textValue(v)
			if typed {
				vals[j] = typedValue(rs.oids[j], v)
			}
		}
		out[i] = record{cols: rs.cols, vals: vals}
	}
	return out
}

// write prints the result as a table, a JSON array or a YAML sequence of
// objects, or CSV with a header.
func (rs *resultSet) write(w io.Writer, format string) error {
	if format == "csv" {
		cw := newCSVWriter(w)
		if err := cw.header(rs.cols, rs.oids); err != nil {
			return err
		}
		for _, r := range rs.rows {
			if err := cw.row(r); err != nil {
				return err
			}
		}
		return cw.flush()
	}
	return writeRecords(w, format, rs.cols, rs.records(format != "table"), false)
}

// textValue is a text value as any: nil for NULL.
func textValue(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

// typedValue reads the text of a value of type oid as the JSON value it
// stands for: booleans and numbers as such, everything else as its text.
func typedValue(oid uint32, v *string) any {
	if v == nil {
		return nil
	}
	s := *v
	switch oid {
	case pgtype.BoolOID:
		return s == "t"
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case pgtype.Float4OID, pgtype.Float8OID:
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case pgtype.NumericOID:
		if json.Valid([]byte(s)) {
			return json.Number(s)
		}
	}
	return s
}

// csvWriter writes rows as CSV: a header of column names, NULL as an
// empty field.
type csvWriter struct {
	w *csv.Writer
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) header(cols []string, _ []uint32) error { return c.w.Write(cols) }

func (c *csvWriter) row(vals []*string) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		if v != nil {
			rec[i] = *v
		}
	}
	return c.w.Write(rec)
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}
