package filesource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// pqColumn is how one top-level parquet field becomes a column.
type pqColumn struct {
	name    string
	pgType  string
	conv    converter
	list    bool
	listDef int // a list's definition level at which it is present (empty)
	elemDef int // and at which its element is present, possibly null
}

// parquetLoader loads the rows of parquet files.
type parquetLoader struct {
	files   []string
	written string
	show    func(string) string
	cols    []pqColumn
}

// openParquet reads the schema of every file, which must be the same, and
// fingerprints them.
func (d *Data) openParquet(ctx context.Context) error {
	l := &parquetLoader{files: d.files, written: d.path, show: d.show}
	var sums [][]byte
	for i, name := range d.files {
		cols, sum, rows, err := d.readParquetMeta(ctx, name)
		if err != nil {
			return err
		}
		if i == 0 {
			l.cols = cols
		} else if err := sameSchema(d.path, d.show(d.files[0]), l.cols, d.show(name), cols); err != nil {
			return err
		}
		sums = append(sums, sum)
		d.fp.Rows += rows
	}
	d.hashFiles(sums)
	for _, c := range l.cols {
		typ := c.pgType
		if c.list {
			typ += "[]"
		}
		d.cols = append(d.cols, catalog.Column{Name: c.name, Type: typ})
	}
	d.loader = l
	return nil
}

// readParquetMeta reads one file's schema, hash and row count.
func (d *Data) readParquetMeta(ctx context.Context, name string) ([]pqColumn, []byte, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, 0, notFound(d.show(name), err)
	}
	defer f.Close()
	st, err := d.stat(f)
	if err != nil {
		return nil, nil, 0, err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, nil, 0, notParquet(d.show(name), err)
	}
	cols, err := parquetColumns(pf.Schema())
	if err != nil {
		return nil, nil, 0, fileError(d.show(name), err)
	}
	sum, err := hashFile(ctx, f, d.show(name))
	return cols, sum, pf.NumRows(), err
}

func notParquet(name string, err error) error {
	return &featuregate.Error{Kind: featuregate.KindInvalid, Message: "file " + quote(name) + " is not a valid parquet file",
		Hint: "Check that the file was written completely.", Err: err}
}

// fileError prefixes a featuregate error with the file it is about.
func fileError(name string, err error) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		c := *fe
		c.Message = "file " + quote(name) + ": " + fe.Message
		return &c
	}
	return err
}

// parquetColumns maps the schema's top-level fields to columns.
func parquetColumns(schema *parquet.Schema) ([]pqColumn, error) {
	var cols []pqColumn
	for _, f := range schema.Fields() {
		c, err := parquetColumn(schema, f)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "the file has no columns")
	}
	return cols, nil
}

// parquetColumn maps one top-level field: a leaf, or a LIST of leaves (in
// the three-level form, or a repeated leaf).
func parquetColumn(schema *parquet.Schema, f parquet.Field) (pqColumn, error) {
	c := pqColumn{name: f.Name()}
	node := parquet.Node(f)
	path := []string{f.Name()}
	outerDef := 0
	if f.Optional() {
		outerDef = 1
	}
	switch {
	case f.Leaf() && f.Repeated():
		c.list, c.listDef, c.elemDef = true, 0, 1
	case f.Leaf():
	case isList(f):
		rep := f.Fields()[0]
		elem := rep.Fields()[0]
		if !elem.Leaf() {
			return c, unsupported(f.Name(), "LIST of "+groupName(elem))
		}
		node, path = elem, append(path, rep.Name(), elem.Name())
		c.list, c.listDef, c.elemDef = true, outerDef, outerDef+1
	default:
		return c, unsupported(f.Name(), groupName(f))
	}
	if leaf, ok := schema.Lookup(path...); !ok || leaf.ColumnIndex < 0 {
		return c, unsupported(f.Name(), "group")
	}
	var err error
	c.pgType, c.conv, err = parquetType(f.Name(), node)
	return c, err
}

// isList reports whether f is a LIST of the three-level form: a group
// annotated LIST holding one repeated group of one field.
func isList(f parquet.Field) bool {
	lt := f.Type().LogicalType()
	if lt == nil {
		return false
	}
	if _, ok := lt.Value.(*format.ListType); !ok || len(f.Fields()) != 1 {
		return false
	}
	rep := f.Fields()[0]
	return rep.Repeated() && !rep.Leaf() && len(rep.Fields()) == 1
}

func groupName(n parquet.Node) string {
	if lt := n.Type().LogicalType(); lt != nil && lt.Value != nil {
		return lt.Value.String()
	}
	return "group (struct)"
}

// sameSchema checks that a file has the columns of the first.
func sameSchema(written, first string, want []pqColumn, name string, got []pqColumn) error {
	desc := func(cs []pqColumn) []string {
		var out []string
		for _, c := range cs {
			typ := c.pgType
			if c.list {
				typ += "[]"
			}
			out = append(out, c.name+" "+typ)
		}
		return out
	}
	w, g := desc(want), desc(got)
	if slices.Equal(w, g) {
		return nil
	}
	return &featuregate.Error{Kind: featuregate.KindDatatypeMismatch,
		Message: fmt.Sprintf("file path %q: %s has other columns than %s", written, name, first),
		Detail:  fmt.Sprintf("%s: %v; %s: %v", first, w, name, g),
		Hint:    "Every file of a directory or glob must have the same columns, of the same types; nothing was loaded."}
}

// load copies the rows of every file into table.
func (l *parquetLoader) load(ctx context.Context, tx pgx.Tx, table pgx.Identifier, cols []catalog.Column) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	src := &parquetRows{l: l, vals: make([]any, len(l.cols))}
	defer src.close()
	n, err := tx.Conn().CopyFrom(ctx, table, names, src)
	if src.err != nil {
		return n, src.err
	}
	if err != nil {
		return n, &featuregate.Error{Kind: featuregate.KindInvalid,
			Message: fmt.Sprintf("file path %q: the rows cannot be loaded", l.written), Err: err}
	}
	return n, nil
}

// parquetRows is the rows of the files, one after the other, as
// pgx.CopyFromSource.
type parquetRows struct {
	l      *parquetLoader
	file   int // the next file to open
	f      *os.File
	groups []parquet.RowGroup
	rows   parquet.Rows
	buf    []parquet.Row
	n, i   int
	vals   []any
	err    error
}

func (r *parquetRows) Next() bool {
	for r.i+1 >= r.n {
		if !r.fill() {
			return false
		}
	}
	r.i++
	return true
}

// fill reads the next batch of rows, opening row groups and files as
// needed; it reports false at the end or on an error.
func (r *parquetRows) fill() bool {
	for {
		if r.rows != nil {
			if r.buf == nil {
				r.buf = make([]parquet.Row, 256)
			}
			n, err := r.rows.ReadRows(r.buf)
			if n > 0 {
				r.n, r.i = n, -1
				if err != nil && err != io.EOF {
					r.err = r.readError(err)
				}
				return r.err == nil
			}
			if err != nil && err != io.EOF {
				r.err = r.readError(err)
				return false
			}
			r.rows.Close()
			r.rows = nil
		}
		if len(r.groups) > 0 {
			r.rows, r.groups = r.groups[0].Rows(), r.groups[1:]
			continue
		}
		if !r.nextFile() {
			return false
		}
	}
}

func (r *parquetRows) readError(err error) error {
	return &featuregate.Error{Kind: featuregate.KindInvalid,
		Message: fmt.Sprintf("file %q cannot be read", r.l.show(r.l.files[r.file-1])), Err: err}
}

// nextFile opens the next file and lists its row groups.
func (r *parquetRows) nextFile() bool {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	if r.file >= len(r.l.files) {
		return false
	}
	name := r.l.files[r.file]
	shown := r.l.show(name)
	r.file++
	f, err := os.Open(name)
	if err != nil {
		r.err = notFound(shown, err)
		return false
	}
	r.f = f
	st, err := f.Stat()
	if err != nil {
		r.err = notFound(shown, err)
		return false
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		r.err = notParquet(shown, err)
		return false
	}
	cols, err := parquetColumns(pf.Schema())
	if err == nil {
		err = sameSchema(r.l.written, r.l.show(r.l.files[0]), r.l.cols, shown, cols)
	}
	if err != nil {
		r.err = fileError(shown, err) // changed since it was opened
		return false
	}
	r.groups = pf.RowGroups()
	return true
}

func (r *parquetRows) Values() ([]any, error) {
	row := r.buf[r.i]
	pos := 0
	for c, col := range r.l.cols {
		start := pos
		for pos < len(row) && row[pos].Column() == c {
			pos++
		}
		r.vals[c] = col.value(row[start:pos])
	}
	return r.vals, nil
}

// value converts the values of one column of a row: one for a scalar,
// one per element of a list (or one marking an empty or null list).
func (c *pqColumn) value(vs []parquet.Value) any {
	if !c.list {
		if len(vs) == 0 || vs[0].IsNull() {
			return nil
		}
		return c.conv(vs[0])
	}
	if len(vs) == 0 || vs[0].DefinitionLevel() < c.listDef {
		return nil
	}
	if vs[0].DefinitionLevel() == c.listDef {
		return []any{}
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		if !v.IsNull() {
			out[i] = c.conv(v)
		}
	}
	return out
}

func (r *parquetRows) Err() error { return r.err }

func (r *parquetRows) close() {
	if r.rows != nil {
		r.rows.Close()
	}
	if r.f != nil {
		r.f.Close()
	}
}
