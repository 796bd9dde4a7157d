package filesource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// csvLoader loads a CSV file with PostgreSQL's COPY … (FORMAT csv,
// HEADER): an unquoted empty field is NULL, a quoted one an empty string.
type csvLoader struct {
	file, written string
	sha256        string
}

// openCSV reads the whole file once: its header, the type of each column
// (inferCSV), its row count and hash. A record with another number of
// fields than the header is refused with its row and line.
func (d *Data) openCSV(ctx context.Context) error {
	name := d.files[0]
	f, err := os.Open(name)
	if err != nil {
		return notFound(d.path, err)
	}
	defer f.Close()
	if _, err := d.stat(f); err != nil {
		return err
	}
	h := sha256.New()
	s := newCSVScanner(io.TeeReader(f, h))
	header, err := s.next()
	if err == io.EOF {
		return featuregate.Errorf(featuregate.KindInvalid, "file %q is empty", d.path).
			WithHint("A CSV file starts with a header of column names.")
	}
	if err != nil {
		return fileError(d.path, err)
	}
	names, err := headerNames(header)
	if err != nil {
		return fileError(d.path, err)
	}
	types, rows, err := inferCSV(ctx, s, len(names))
	if err != nil {
		return fileError(d.path, err)
	}
	for i, n := range names {
		d.cols = append(d.cols, catalog.Column{Name: n, Type: types[i]})
	}
	d.fp.Rows = rows
	d.fp.SHA256 = fmt.Sprintf("%x", h.Sum(nil))
	d.loader = &csvLoader{file: name, written: d.path, sha256: d.fp.SHA256}
	return nil
}

// headerNames checks the header: names, none empty, none twice.
func headerNames(fields []csvField) ([]string, error) {
	seen := map[string]bool{}
	var names []string
	for i, f := range fields {
		n := string(f.value)
		if n == "" {
			return nil, featuregate.Errorf(featuregate.KindInvalid, "column %d of the header has no name", i+1).
				WithHint("The first line of a CSV file names every column.")
		}
		if seen[n] {
			return nil, featuregate.Errorf(featuregate.KindDuplicate, "column %q appears twice in the header", n)
		}
		seen[n] = true
		names = append(names, n)
	}
	return names, nil
}

// load streams the file to COPY, and checks that it is still the file
// that was read: a file changed in between loads nothing.
func (l *csvLoader) load(ctx context.Context, tx pgx.Tx, table pgx.Identifier, cols []catalog.Column) (int64, error) {
	f, err := os.Open(l.file)
	if err != nil {
		return 0, notFound(l.written, err)
	}
	defer f.Close()
	h := sha256.New()
	r := &bomSkipper{r: io.TeeReader(f, h)}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c.Name}.Sanitize()
	}
	sql := "COPY " + table.Sanitize() + " (" + strings.Join(names, ", ") + ") FROM STDIN WITH (FORMAT csv, HEADER true)"
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql)
	if err != nil {
		return 0, copyError(l.written, err)
	}
	if changed(h, l.sha256) {
		return 0, featuregate.Errorf(featuregate.KindInvalid, "file %q changed while it was loaded", l.written).
			WithHint("Run the statement again once the file is written.")
	}
	return tag.RowsAffected(), nil
}

func changed(h hash.Hash, want string) bool { return fmt.Sprintf("%x", h.Sum(nil)) != want }

// copyError turns PostgreSQL's refusal of a value into an error that names
// the file and the line.
func copyError(written string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	kind := featuregate.KindInvalid
	if strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57") {
		kind = featuregate.KindUnavailable
	}
	where := pe.Where
	if i := strings.Index(where, ", line "); i >= 0 {
		where = where[i+2:]
	}
	return &featuregate.Error{Kind: kind, Message: fmt.Sprintf("file %q: %s", written, pe.Message), Detail: where,
		Hint: "Fix the value at that line of the file; nothing was loaded.", Err: err}
}

// bomSkipper drops a UTF-8 byte order mark at the start of a file, which
// COPY would read as part of the first column's name.
type bomSkipper struct {
	r    io.Reader
	done bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.done {
		return b.r.Read(p)
	}
	b.done = true
	head := make([]byte, 3)
	n, err := io.ReadFull(b.r, head)
	head = head[:n]
	if bytes.Equal(head, bom) {
		head = nil
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
		if len(head) == 0 {
			return 0, io.EOF
		}
	}
	if err != nil {
		return 0, err
	}
	b.r = io.MultiReader(bytes.NewReader(head), b.r)
	return b.r.Read(p)
}
