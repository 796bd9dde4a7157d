package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
)

// A file source (CREATE SOURCE … AS FILE 'path') is a table source whose
// table featuregate fills from a parquet or CSV file: the table is
// FileSchema.FileTable(project, source), created and loaded in the same
// transaction as the registry change that defines or refreshes the source,
// so that readers see the old rows or the new, never a mix. Everything that
// reads sources reads Source.Table, which a loaded file source sets.

// FileSchema is the schema that holds the tables of file sources. It
// belongs to featuregate: nothing else should be created there.
const FileSchema = "featuregate_files"

// SourceFile is what a file source reads, and the fingerprint of what it
// loaded last.
type SourceFile struct {
	// Path is the file, directory or glob as written in the statement;
	// apply reads it relative to the repo, a gateway relative to its
	// files.root.
	Path string
	// Format is "parquet" or "csv".
	Format string
	// Files is how many files the path named (a directory or glob of
	// parquet files reads several).
	Files int
	// Size is the files' total size in bytes, ModTime the latest of their
	// modification times, SHA256 the hex SHA-256 of their contents (of the
	// files' hashes in name order when there are several).
	Size    int64
	ModTime time.Time
	SHA256  string
	// Rows is how many rows were loaded.
	Rows int64
}

// SameContent reports whether f and g fingerprint the same content of the
// same path: a file touched but not changed needs no reload.
func (f *SourceFile) SameContent(g *SourceFile) bool {
	if f == nil || g == nil {
		return f == g
	}
	return f.Path == g.Path && f.Format == g.Format && f.Size == g.Size && f.SHA256 == g.SHA256
}

// FileData is the content of a file source's file as a loader read it:
// the columns of the table to load it into, and the rows.
type FileData interface {
	// Fingerprint describes the file(s) read; Rows may be 0 until Load.
	Fingerprint() SourceFile
	// Columns are the columns of the table, in order, with PostgreSQL
	// type names.
	Columns() []Column
	// Load copies every row into table (schema and name) within tx and
	// returns how many it copied.
	Load(ctx context.Context, tx pgx.Tx, table pgx.Identifier) (int64, error)
}

// FileTable is the table, unquoted, in FileSchema that holds the rows of
// project's file source: <project>.<source> when that fits in a PostgreSQL
// identifier and neither name holds a '.', otherwise its first bytes, '$'
// and 16 hex digits of the SHA-256 of the two names (NUL between them), as
// RelationSchema shortens names: two sources share a table only if they
// share 64 bits of that hash.
func FileTable(project, source string) string {
	name := project + "." + source
	if len(name) <= maxIdentifier && !hasHashSuffix(name) && !strings.Contains(project, ".") && !strings.Contains(source, ".") {
		return name
	}
	sum := sha256.Sum256([]byte(project + "\x00" + source))
	return clipUTF8(name, maxIdentifier-1-hashDigits) + "$" + hex.EncodeToString(sum[:hashDigits/2])
}

// fileTableSQL is the quoted, qualified name of a file source's table.
func fileTableSQL(project, source string) string {
	return pgx.Identifier{FileSchema, FileTable(project, source)}.Sanitize()
}

// loadFile creates src's table afresh from data within the registry
// transaction and points src at it. The rows go into a staging table
// first; the old table is dropped and the staging one renamed at the end,
// so readers wait only for that swap. With rows false (a check: plan), the
// table is a temporary one, created empty, so that validation sees its
// columns without touching the source's table.
func (st *state) loadFile(ctx context.Context, src *Source, data FileData, rows bool) error {
	if data == nil {
		return featuregate.Errorf(featuregate.KindInvalid, "source %q: the rows of file %q were not read", src.Name, src.File.Path).
			WithHint("Create a file source with featuregate apply, or over the wire under the gateway's files.root.")
	}
	fp := data.Fingerprint()
	fp.Path = src.File.Path
	table := FileTable(st.project, src.Name)
	if !rows {
		check := pgx.Identifier{"pg_temp", table}.Sanitize()
		if err := st.createTable(ctx, src, "CREATE TEMP TABLE "+check, data.Columns()); err != nil {
			return err
		}
		src.File, src.Table = &fp, check
		return nil
	}
	stagingID := pgx.Identifier{FileSchema, clipUTF8(table, maxIdentifier-len("$load")) + "$load"}
	staging := stagingID.Sanitize()
	if _, err := st.v.tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{FileSchema}.Sanitize()); err != nil {
		return dbError(err, "source %q: create schema %s", src.Name, FileSchema)
	}
	if err := st.createTable(ctx, src, "CREATE TABLE "+staging, data.Columns()); err != nil {
		return err
	}
	n, err := data.Load(ctx, st.v.tx, stagingID)
	if err != nil {
		return fileLoadError(src, err)
	}
	fp.Rows = n
	if err := st.indexViews(ctx, staging, src.Name, src.TimestampColumn); err != nil {
		return err
	}
	if err := st.grantReaders(ctx, staging); err != nil {
		return err
	}
	swap := []string{
		"DROP TABLE IF EXISTS " + fileTableSQL(st.project, src.Name),
		"ALTER TABLE " + staging + " RENAME TO " + pgx.Identifier{table}.Sanitize(),
	}
	for _, q := range swap {
		if _, err := st.v.tx.Exec(ctx, q); err != nil {
			return dbError(err, "source %q: replace the table of file %q", src.Name, src.File.Path)
		}
	}
	src.File = &fp
	src.Table = fileTableSQL(st.project, src.Name)
	return nil
}

// createTable runs create (CREATE [TEMP] TABLE name) with cols, dropping a
// table of that name left by an earlier change of this transaction. Column
// names PostgreSQL refuses are the file's error.
func (st *state) createTable(ctx context.Context, src *Source, create string, cols []Column) error {
	name := strings.TrimPrefix(strings.TrimPrefix(create, "CREATE TEMP TABLE "), "CREATE TABLE ")
	if _, err := st.v.tx.Exec(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
		return dbError(err, "source %q: create the table of file %q", src.Name, src.File.Path)
	}
	err := st.v.savepoint(ctx, func() error {
		_, err := st.v.tx.Exec(ctx, create+" ("+columnDefs(cols)+")")
		return err
	})
	switch {
	case err == nil:
		return nil
	case !isPgError(err):
		return dbError(err, "source %q: create the table of file %q", src.Name, src.File.Path)
	}
	return &featuregate.Error{Kind: featuregate.KindInvalid,
		Message: fmt.Sprintf("source %q: the columns of file %q cannot make a table", src.Name, src.File.Path),
		Hint:    "Give the file's columns distinct names, of at most 63 bytes each.", Err: err}
}

// fileLoadError keeps a loader's featuregate error, naming the source.
func fileLoadError(src *Source, err error) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return &featuregate.Error{Kind: fe.Kind, Message: fmt.Sprintf("source %q: %s", src.Name, fe.Message),
			Detail: fe.Detail, Hint: fe.Hint, Err: fe.Err}
	}
	return dbError(err, "source %q: load file %q", src.Name, src.File.Path)
}

// columnDefs renders name type, … for CREATE TABLE.
func columnDefs(cols []Column) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += pgx.Identifier{c.Name}.Sanitize() + " " + c.Type
	}
	return s
}

// dropFileTable drops the table of a file source that is dropped or no
// longer a file source.
func (st *state) dropFileTable(ctx context.Context, tx pgx.Tx, name string) error {
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+fileTableSQL(st.project, name)); err != nil {
		return dbError(err, "source %q: drop the table of its file", name)
	}
	return nil
}

// prepareFile loads the file of a file source being created or replaced
// (old, when not nil, is the object it replaces), unless its content is
// that of the table old loaded and c does not ask for a reload: then the
// source keeps that table. A file source replaced by another kind of
// source has its table dropped.
func (st *state) prepareFile(ctx context.Context, obj, old Object, c Change) error {
	src, ok := obj.(*Source)
	if !ok {
		return nil
	}
	was, _ := old.(*Source)
	if src.File == nil {
		if was != nil && was.File != nil {
			st.fileTables[src.Name] = true
		}
		return nil
	}
	delete(st.fileTables, src.Name)
	if was != nil && was.File != nil && !c.Reload && c.Data != nil {
		if fp := fingerprint(c.Data, src); fp.SameContent(was.File) {
			src.File, src.Table = was.File, was.Table
			return nil
		}
	}
	return st.loadFile(ctx, src, c.Data, st.load)
}

// fingerprint is what data read, or what src says when there is no data.
func fingerprint(data FileData, src *Source) *SourceFile {
	if data == nil {
		return src.File
	}
	fp := data.Fingerprint()
	fp.Path = src.File.Path
	return &fp
}

// dropFileTables drops the tables of the file sources the changes dropped.
func (st *state) dropFileTables(ctx context.Context, tx pgx.Tx) error {
	for name := range st.fileTables {
		if err := st.dropFileTable(ctx, tx, name); err != nil {
			return err
		}
	}
	return nil
}

// fileChanges is how plan shows a file source whose file changed:
// "file changed (size 10 -> 12 bytes, rows 1 -> 2)".
func fileChanges(was, now *SourceFile) []string {
	return []string{fmt.Sprintf("file changed (size %d -> %d bytes, rows %d -> %d)", was.Size, now.Size, was.Rows, now.Rows)}
}

// commentChange is the line of a changed comment, if any.
func commentChange(was, now Object) []string {
	w, n := was.(*Source).Comment, now.(*Source).Comment
	if w == n {
		return nil
	}
	return []string{fmt.Sprintf("comment: %s -> %s", orNone(w), orNone(n))}
}

// grantReaders lets the roles that may use FileSchema (the gateway's
// session roles, granted by featuregate serve and roles setup) read the
// table: SELECT, nothing more.
func (st *state) grantReaders(ctx context.Context, table string) error {
	return grantSessionRoles(ctx, st.v.tx, "SELECT ON "+table)
}

// RefreshChange is the change that loads the file of src, a file source,
// again from data (REFRESH SOURCE), even when its content is unchanged.
func RefreshChange(src *Source, data FileData) Change {
	fp := data.Fingerprint()
	fp.Path = src.File.Path
	re := *src
	re.File = &fp
	return Change{Op: OpCreateOrReplace, Object: &re, Data: data, Reload: true}
}

// NotAFileSource is the error of REFRESH SOURCE on a source that reads a
// table or a query.
func NotAFileSource(name string) error {
	return featuregate.Errorf(featuregate.KindInvalid, "source %q is not a file source", name).
		WithHint("REFRESH SOURCE reloads sources defined AS FILE; a table source reads its table as it is.")
}
