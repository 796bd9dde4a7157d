package examples

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// An example's repo may hold data files, NAME/repo/data/*.parquet, that
// its file sources read (CREATE SOURCE … AS FILE 'data/…'). The data of
// some examples is relative to the day it is set up (biometrics: readings
// of the last 30 days, which its 90-day TTL keeps fresh): their committed
// files were written on the day DataDays names, and WriteData moves every
// timestamp by whole days, so that they end where they would on the day
// the example is set up, as Feast's init writes its data.
var dataDays = map[string]time.Time{
	"biometrics": BiometricsDay,
}

// BiometricsDay is the day examples/biometrics/repo/data/user_biometrics.parquet
// was written at: its readings are those data.sql writes when loaded on it.
var BiometricsDay = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// WriteData writes the data files of example name's repo into dir (made if
// missing), moved to the day of now when the example's data is relative.
func WriteData(name, dir string, now time.Time) error {
	files, err := fs.Glob(FS, name+"/repo/data/*.parquet")
	if err != nil || len(files) == 0 {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var shift time.Duration
	if day, ok := dataDays[name]; ok {
		shift = now.UTC().Truncate(24*time.Hour).Sub(day) / (24 * time.Hour) * (24 * time.Hour)
	}
	for _, f := range files {
		b, err := FS.ReadFile(f)
		if err != nil {
			return err
		}
		if shift != 0 {
			if b, err = ShiftTimes(b, shift); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, path.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ShiftTimes returns the parquet file b with every TIMESTAMP value moved
// by d, everything else as it is.
func ShiftTimes(b []byte, d time.Duration) ([]byte, error) {
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	schema := f.Schema()
	delta := map[int]int64{} // column index -> the shift in its unit
	for _, p := range schema.Columns() {
		leaf, _ := schema.Lookup(p...)
		if lt := leaf.Node.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok {
				delta[leaf.ColumnIndex] = int64(d / ts.Unit.Value.Duration())
			}
		}
	}
	var out bytes.Buffer
	w := parquet.NewWriter(&out, schema, parquet.Compression(&parquet.Snappy))
	buf := make([]parquet.Row, 128)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				for i, v := range row {
					if dt, ok := delta[v.Column()]; ok && !v.IsNull() {
						row[i] = parquet.Int64Value(v.Int64()+dt).Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column())
					}
				}
			}
			if _, werr := w.WriteRows(buf[:n]); werr != nil {
				return nil, werr
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
		rows.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
