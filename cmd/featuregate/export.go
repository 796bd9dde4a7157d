package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// An exporter writes the rows of a query, streamed from the gateway, to a
// file in one format. CSV streams PostgreSQL's own COPY output; a format
// the offline store cannot write itself (parquet) reads the rows and
// encodes them, a batch at a time, behind the same interface.
type exporter interface {
	// export streams query's rows from conn to w and returns how many
	// rows it wrote.
	export(ctx context.Context, conn *pgx.Conn, query string, w io.Writer) (rows int64, err error)
}

// exporters are the export formats, by name (the file extension).
var exporters = map[string]exporter{"csv": csvExporter{}, "parquet": parquetExporter{}}

// exporterFor chooses the exporter of format, or else of file's extension.
func exporterFor(file, format string) (exporter, error) {
	given := format != ""
	if !given {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	}
	if ex, ok := exporters[format]; ok {
		return ex, nil
	}
	if given {
		return nil, usagef("unknown format %q: use --format csv or parquet", format)
	}
	return nil, usageError{fmt.Errorf("cannot tell the format of %q: name a .csv or .parquet file, or pass --format csv or parquet", file)}
}

// csvExporter writes CSV with a header, NULL as an empty field and an
// empty string as "": COPY (query) TO STDOUT (FORMAT csv, HEADER), as
// the offline store writes it, relayed by the gateway.
type csvExporter struct{}

func (csvExporter) export(ctx context.Context, conn *pgx.Conn, query string, w io.Writer) (int64, error) {
	tag, err := conn.PgConn().CopyTo(ctx, w, "COPY ("+query+") TO STDOUT (FORMAT csv, HEADER)")
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// exportQuery writes query's rows to the file path with ex, showing the
// bytes written on a terminal; a failed export removes the file.
func exportQuery(cmd *cobra.Command, conn *pgx.Conn, ex exporter, query, path string) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	stderr := cmd.ErrOrStderr()
	w, finish := withProgress(file, stderr, path)
	rows, err := ex.export(cmd.Context(), conn, query, w)
	finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d rows written to %s\n", rows, path)
	return nil
}

// withProgress returns w, which on a terminal (stderr) also draws the
// bytes written to path as they come, and the function that ends the bar.
func withProgress(w io.Writer, stderr io.Writer, path string) (io.Writer, func()) {
	if !isTerminal(stderr) {
		return w, func() {}
	}
	bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("export "+filepath.Base(path)), progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true))
	return io.MultiWriter(w, bar), func() {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
}
