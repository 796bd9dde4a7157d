package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/catalog/filesource"
	"github.com/featuregate/featuregate/internal/localpg"
)

// fileRowsEnv sets BenchmarkFileSource's row count.
const fileRowsEnv = "FEATUREGATE_FILE_ROWS"

// fileRow is one generated row, as parquet-go writes it.
type fileRow struct {
	UserID int64     `parquet:"user_id"`
	TS     time.Time `parquet:"ts,timestamp(microsecond:utc)"`
	Score  float64   `parquet:"score"`
	Clicks int32     `parquet:"clicks"`
	Plan   string    `parquet:"plan,dict"`
	Active bool      `parquet:"active"`
}

var plans = []string{"basic", "standard", "premium", "family", "student"}

func genRow(i int64) fileRow {
	return fileRow{UserID: i % 1_000_003, TS: time.Unix(1_700_000_000+i, 0).UTC(), Score: float64(i%10007) / 7,
		Clicks: int32(i % 1009), Plan: plans[i%5], Active: i%3 != 0}
}

// writeFiles writes n generated rows as parquet (row groups of 1M rows)
// and as CSV with a header, the same rows.
func writeFiles(b *testing.B, dir string, n int64) (pq, csv string) {
	pq, csv = filepath.Join(dir, "rows.parquet"), filepath.Join(dir, "rows.csv")
	pf, err := os.Create(pq)
	if err != nil {
		b.Fatal(err)
	}
	cf, err := os.Create(csv)
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[fileRow](pf, parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(1_000_000))
	cw := bufio.NewWriterSize(cf, 1<<20)
	cw.WriteString("user_id,ts,score,clicks,plan,active\n")
	batch := make([]fileRow, 0, 8192)
	var line []byte
	for i := int64(0); i < n; i++ {
		r := genRow(i)
		batch = append(batch, r)
		line = strconv.AppendInt(line[:0], r.UserID, 10)
		line = append(line, ',')
		line = r.TS.AppendFormat(line, "2006-01-02 15:04:05Z07:00")
		line = append(line, ',')
		line = strconv.AppendFloat(line, r.Score, 'g', -1, 64)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(r.Clicks), 10)
		line = append(line, ',')
		line = append(line, r.Plan...)
		line = append(line, ',')
		line = strconv.AppendBool(line, r.Active)
		line = append(line, '\n')
		cw.Write(line)
		if len(batch) == cap(batch) {
			if _, err := w.Write(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := w.Write(batch); err != nil {
		b.Fatal(err)
	}
	for _, err := range []error{w.Close(), pf.Close(), cw.Flush(), cf.Close()} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return pq, csv
}

// BenchmarkFileSource loads a generated parquet file as a file source
// (CREATE SOURCE … AS FILE: fingerprint, schema, binary COPY of every row
// into the source's table, in the registry's transaction) against COPY …
// FROM STDIN (FORMAT csv) of the same rows into a table of the same
// columns, and checks that both tables hold the same rows.
func BenchmarkFileSource(b *testing.B) {
	ctx := context.Background()
	n := positiveEnv(b, fileRowsEnv, 10_000_000)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	dsn, err := srv.CreateDB(ctx, "files")
	if err != nil {
		b.Fatal(err)
	}
	genStart := time.Now()
	pq, csv := writeFiles(b, b.TempDir(), n)
	b.Logf("generated %d rows in %.1fs: parquet %.1f MiB, CSV %.1f MiB", n, time.Since(genStart).Seconds(), fileMiB(b, pq), fileMiB(b, csv))
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	reg, err := catalog.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	var copyT, fileT, openT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copyT += copyCSV(ctx, b, conn, csv)
		o, f := loadParquet(ctx, b, reg, pq, i)
		openT, fileT = openT+o, fileT+f
	}
	b.StopTimer()
	checkSame(ctx, b, conn, n)
	rate := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(copyT), "copy_csv_rows/s")
	b.ReportMetric(rate(fileT), "file_source_rows/s")
	b.ReportMetric(rate(fileT)/rate(copyT), "ratio")
	b.Logf("%d rows: COPY from CSV %.2fs (%.0f rows/s); file source %.2fs (%.0f rows/s; of which fingerprint and schema %.2fs): %.2f of COPY",
		n, copyT.Seconds()/float64(b.N), rate(copyT), fileT.Seconds()/float64(b.N), rate(fileT), openT.Seconds()/float64(b.N), rate(fileT)/rate(copyT))
	if r := rate(fileT) / rate(copyT); r < 0.5 {
		b.Errorf("file source loads at %.2f of COPY's rows/s, want at least 0.5", r)
	}
}

func fileMiB(b *testing.B, path string) float64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(st.Size()) / (1 << 20)
}

// copyCSV loads the CSV file into a fresh table with COPY and returns how
// long COPY took.
func copyCSV(ctx context.Context, b *testing.B, conn *pgx.Conn, csv string) time.Duration {
	if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS csv_rows; CREATE TABLE csv_rows (user_id bigint, ts timestamptz,
		score double precision, clicks integer, plan text, active boolean)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(csv)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if _, err := conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 1<<20), "COPY csv_rows FROM STDIN WITH (FORMAT csv, HEADER true)"); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// loadParquet creates (or, after the first run, refreshes) the file source
// and returns how long reading the file's fingerprint and schema took, and
// the whole.
func loadParquet(ctx context.Context, b *testing.B, reg *catalog.Store, pq string, run int) (open, total time.Duration) {
	sql := "CREATE SOURCE rows TIMESTAMP COLUMN ts AS FILE 'rows.parquet'"
	stmt, _, err := ddl.Parse(sql)
	if err != nil {
		b.Fatal(err)
	}
	src := stmt.(*ddl.CreateStmt).Object.(*catalog.Source)
	start := time.Now()
	data, err := filesource.Open(ctx, pq, "rows.parquet")
	if err != nil {
		b.Fatal(err)
	}
	open = time.Since(start)
	op := catalog.OpCreate
	if run > 0 {
		op = catalog.OpCreateOrReplace
	}
	if _, err := reg.Apply(ctx, "bench", "bench", sql, []catalog.Change{{Op: op, Object: src, Data: data, Reload: true}}); err != nil {
		b.Fatal(err)
	}
	return open, time.Since(start)
}

// checkSame compares the two tables' row counts and sums.
func checkSame(ctx context.Context, b *testing.B, conn *pgx.Conn, n int64) {
	q := "SELECT count(*), sum(user_id), sum(clicks), sum(score)::numeric(30,4), count(*) FILTER (WHERE active), count(DISTINCT plan), max(ts)::text FROM "
	var got [2]string
	for i, table := range []string{"csv_rows", pgx.Identifier{catalog.FileSchema, catalog.FileTable("bench", "rows")}.Sanitize()} {
		var cnt, users, clicks, active, plans int64
		var score, maxTS string
		if err := conn.QueryRow(ctx, q+table).Scan(&cnt, &users, &clicks, &score, &active, &plans, &maxTS); err != nil {
			b.Fatal(err)
		}
		if cnt != n {
			b.Errorf("%s holds %d rows, want %d", table, cnt, n)
		}
		got[i] = fmt.Sprint(cnt, users, clicks, score, active, plans, maxTS)
	}
	if got[0] != got[1] {
		b.Errorf("the tables differ: CSV %s, file source %s", got[0], got[1])
	}
}
