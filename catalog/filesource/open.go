package filesource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// Data is a file source's files as read by Open: it implements
// catalog.FileData.
type Data struct {
	path   string              // as the statement wrote it
	show   func(string) string // names a local file in messages
	files  []string
	fp     catalog.SourceFile
	cols   []catalog.Column
	loader loader
}

// loader is the format-specific part of Data.
type loader interface {
	load(ctx context.Context, tx pgx.Tx, table pgx.Identifier, cols []catalog.Column) (int64, error)
}

// Open reads the schema of the file, directory or glob at path (a local
// path) and fingerprints its files. written is the path as the statement
// wrote it, for messages.
func Open(ctx context.Context, path, written string) (*Data, error) {
	files, multi, err := expand(path)
	if err != nil {
		return nil, notFound(written, err)
	}
	show := func(f string) string { return f }
	format, err := formatOfAll(written, files, multi, show)
	if err != nil {
		return nil, err
	}
	return open(ctx, files, format, written, show)
}

// OpenUnder opens path, as a statement sent to a gateway wrote it, under
// root: see Resolve and Confine.
func OpenUnder(ctx context.Context, root, path string) (*Data, error) {
	local, err := Resolve(root, path)
	if err != nil {
		return nil, err
	}
	files, multi, err := expand(local)
	if err != nil {
		return nil, notFound(path, err)
	}
	if err := Confine(root, path, files); err != nil {
		return nil, err
	}
	// Messages name files relative to the root, never by their place on
	// the gateway's machine.
	show := func(f string) string {
		if rel, err := filepath.Rel(root, f); err == nil {
			return rel
		}
		return filepath.Base(f)
	}
	format, err := formatOfAll(path, files, multi, show)
	if err != nil {
		return nil, err
	}
	return open(ctx, files, format, path, show)
}

func open(ctx context.Context, files []string, format, written string, show func(string) string) (*Data, error) {
	d := &Data{path: written, files: files, show: show}
	d.fp = catalog.SourceFile{Path: written, Format: format, Files: len(files)}
	var err error
	if format == FormatCSV {
		err = d.openCSV(ctx)
	} else {
		err = d.openParquet(ctx)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Fingerprint implements catalog.FileData.
func (d *Data) Fingerprint() catalog.SourceFile { return d.fp }

// Columns implements catalog.FileData.
func (d *Data) Columns() []catalog.Column { return d.cols }

// Load implements catalog.FileData.
func (d *Data) Load(ctx context.Context, tx pgx.Tx, table pgx.Identifier) (int64, error) {
	return d.loader.load(ctx, tx, table, d.cols)
}

// stat adds a file's size and modification time to the fingerprint.
func (d *Data) stat(f *os.File) (os.FileInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, notFound(d.show(f.Name()), err)
	}
	d.fp.Size += st.Size()
	if mt := st.ModTime().UTC(); mt.After(d.fp.ModTime) {
		d.fp.ModTime = mt
	}
	return st, nil
}

// hashFiles sets the fingerprint's SHA-256: of the one file's content, or
// of the files' own hashes, in name order.
func (d *Data) hashFiles(sums [][]byte) {
	if len(sums) == 1 {
		d.fp.SHA256 = hex.EncodeToString(sums[0])
		return
	}
	h := sha256.New()
	for _, s := range sums {
		h.Write(s)
	}
	d.fp.SHA256 = hex.EncodeToString(h.Sum(nil))
}

// hashFile returns the SHA-256 of f's content, reading it from the start.
func hashFile(ctx context.Context, f *os.File, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return nil, &featuregate.Error{Kind: featuregate.KindInvalid, Message: "file " + quote(path) + " cannot be read", Err: err}
	}
	return h.Sum(nil), nil
}
