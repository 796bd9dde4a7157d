// Package filesource reads the files of file sources (CREATE SOURCE … AS
// FILE 'path'): a parquet file, a directory or glob of parquet files read as
// one dataset, or a CSV file with a header. Open lists the files, checks
// their schemas, types their columns for PostgreSQL and fingerprints them
// (size, modification time, SHA-256); the Data it returns implements
// catalog.FileData, whose Load streams the rows into a table with COPY
// (binary COPY through pgx for parquet, PostgreSQL's own CSV parser for
// CSV). Resolve confines the paths a gateway reads over the wire to its
// files.root.
//
// The parquet-to-PostgreSQL type map is in parquetType; CSV columns are
// typed by reading every value (csvinfer.go).
package filesource
