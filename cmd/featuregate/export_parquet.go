package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/parquet-go/parquet-go"

	"github.com/featuregate/featuregate"
)

const (
	// pqRowGroupRows bounds a row group: the writer holds one row group's
	// pages in memory, so the rows of a group, not of the file, set the
	// memory an export takes.
	pqRowGroupRows = 128 * 1024
	// pqBatchRows are the rows decoded before they are handed to the
	// writer at once.
	pqBatchRows = 1024
)

// parquetExporter writes a parquet file: it prepares the query to learn
// its columns' types (pqColumnFor maps them; a type it does not map fails
// the export before a row is read), reads the rows in binary format
// (numeric as text) and writes them in row groups of pqRowGroupRows rows,
// every column optional, its pages compressed with snappy: the codec
// costing the least CPU per byte, so that an export keeps up with the
// offline store, and the one every parquet reader (pandas, Spark, DuckDB,
// polars) reads by default.
type parquetExporter struct{}

func (parquetExporter) export(ctx context.Context, conn *pgx.Conn, query string, w io.Writer) (int64, error) {
	pg := conn.PgConn()
	sd, err := pg.Prepare(ctx, "", query, nil)
	if err != nil {
		return 0, err
	}
	cols, err := pqColumns(sd.Fields, conn.TypeMap())
	if err != nil {
		return 0, err
	}
	formats := make([]int16, len(cols))
	for i, c := range cols {
		formats[i] = c.format
	}
	pw := parquet.NewGenericWriter[any](w, pqSchema(cols), parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(pqRowGroupRows), parquet.CreatedBy("featuregate", version, ""))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rr := pg.ExecPrepared(ctx, "", nil, nil, formats)
	n, err := writeParquetRows(rr, cols, pw)
	if err != nil {
		cancel() // stop the query rather than read its remaining rows
		_, _ = rr.Close()
		return n, err
	}
	if _, err := rr.Close(); err != nil {
		return n, err
	}
	return n, pw.Close()
}

// pqColumns maps the result's columns, whose names must differ: a parquet
// group cannot hold two fields of one name.
func pqColumns(fields []pgconn.FieldDescription, types *pgtype.Map) ([]pqColumn, error) {
	if len(fields) == 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "the result has no columns, and a parquet file needs one")
	}
	cols := make([]pqColumn, len(fields))
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		if seen[f.Name] {
			return nil, featuregate.Errorf(featuregate.KindDuplicateColumn, "the result has two columns named %q, which a parquet file cannot hold: name them apart in the query (… AS other_name)", f.Name)
		}
		seen[f.Name] = true
		c, err := pqColumnFor(f, types)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return cols, nil
}

// writeParquetRows converts the rows of rr and writes them to pw, a batch
// at a time, and returns how many it wrote.
func writeParquetRows(rr *pgconn.ResultReader, cols []pqColumn, pw *parquet.GenericWriter[any]) (int64, error) {
	batch := make([]parquet.Row, pqBatchRows)
	for i := range batch {
		batch[i] = make(parquet.Row, len(cols))
	}
	var arena []byte
	var total int64
	n := 0
	flush := func() error {
		if _, err := pw.WriteRows(batch[:n]); err != nil {
			return fmt.Errorf("write parquet: %w", err)
		}
		total += int64(n)
		n, arena = 0, arena[:0]
		return nil
	}
	for rr.NextRow() {
		if err := convertRow(batch[n], rr.Values(), cols, &arena); err != nil {
			return total, err
		}
		if n++; n == len(batch) {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if n > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// convertRow fills row with the parquet values of one result row: a NULL
// is a value of definition level 0, any other of level 1.
func convertRow(row parquet.Row, vals [][]byte, cols []pqColumn, arena *[]byte) error {
	for i, raw := range vals {
		if raw == nil {
			row[i] = parquet.NullValue().Level(0, 0, i)
			continue
		}
		v, err := cols[i].value(raw, arena)
		if err != nil {
			return err
		}
		row[i] = v.Level(0, 1, i)
	}
	return nil
}
