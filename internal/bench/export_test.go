package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/parquettest"
)

const (
	// exportDB is the database (and project) of BenchmarkExport.
	exportDB = "export"
	// exportRowsEnv sets the rows of the exported dataset (default
	// 10,000,000).
	exportRowsEnv = "FEATUREGATE_EXPORT_ROWS"
)

// BenchmarkExport saves a dataset of generated rows (bigint, double, text,
// timestamptz, boolean) through a `featuregate serve` process, then
// exports it three ways, rotating which goes first: `COPY (SELECT * FROM
// <dataset table>) TO STDOUT (FORMAT csv, HEADER)` run by pgx directly on
// PostgreSQL into a file, and the CLI, `featuregate saved-datasets export
// NAME --output FILE.csv` and `… --output FILE.parquet`, each a process of
// its own talking to the gateway process. The CSV files must be byte for
// byte equal; DuckDB must read the parquet file's rows (its count, and a
// sample compared with PostgreSQL's). Reports the seconds of each, the
// throughput ratios CLI/COPY of CSV and of parquet (target at least 0.5
// each), and the peak RSS of each CLI and of the gateway.
func BenchmarkExport(b *testing.B) {
	ctx := context.Background()
	n := positiveEnv(b, exportRowsEnv, 10_000_000)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	dsn, err := srv.CreateDB(ctx, exportDB)
	if err != nil {
		b.Fatal(err)
	}
	bin := buildGateway(b)
	gw := startGatewayProc(b, bin, dsn, exportDB)
	viaGW := connectLeg(ctx, b, gw.DSN("bench", exportDB))
	start := time.Now()
	if _, err := viaGW.Exec(ctx, fmt.Sprintf(`CREATE DATASET big AS SELECT i, i * 0.5::float8 AS x, 'row ' || i AS label,
		timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' AS ts, i %% 3 = 0 AS flag
		FROM generate_series(1::bigint, %d) i`, n)); err != nil {
		b.Fatal(err)
	}
	b.Logf("CREATE DATASET of %d rows: %.1f s", n, time.Since(start).Seconds())
	direct := connectLeg(ctx, b, dsn)
	dir := b.TempDir()
	directFile, cliFile, pqFile := filepath.Join(dir, "direct.csv"), filepath.Join(dir, "cli.csv"), filepath.Join(dir, "cli.parquet")
	var tDirect, tCLI, tPQ time.Duration
	var cliPeak, pqPeak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		legs := []func(){
			func() {
				t0 := time.Now()
				exportDirect(ctx, b, direct, directFile)
				tDirect += time.Since(t0)
			},
			func() {
				t0 := time.Now()
				cliPeak = max(cliPeak, exportCLI(b, bin, gw.addr, dsn, cliFile))
				tCLI += time.Since(t0)
			},
			func() {
				t0 := time.Now()
				pqPeak = max(pqPeak, exportCLI(b, bin, gw.addr, dsn, pqFile))
				tPQ += time.Since(t0)
			},
		}
		for j := range legs {
			legs[(i+j)%len(legs)]()
		}
	}
	b.StopTimer()
	sameFiles(b, directFile, cliFile)
	checkParquet(ctx, b, direct, pqFile, n)
	peak, _, err := gw.memory()
	if err != nil {
		b.Fatal(err)
	}
	d, c, p := tDirect.Seconds()/float64(b.N), tCLI.Seconds()/float64(b.N), tPQ.Seconds()/float64(b.N)
	st, _ := os.Stat(cliFile)
	pst, _ := os.Stat(pqFile)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(d, "copy_s")
	b.ReportMetric(c, "cli_s")
	b.ReportMetric(p, "parquet_s")
	b.ReportMetric(d/c, "throughput_ratio")
	b.ReportMetric(d/p, "parquet_ratio")
	b.ReportMetric(mib(cliPeak), "cli_peak_MB")
	b.ReportMetric(mib(pqPeak), "parquet_cli_peak_MB")
	b.ReportMetric(mib(peak), "gateway_peak_MB")
	b.Logf("%d rows, %.0f MiB of CSV, %.0f MiB of parquet, mean of %d run(s): COPY directly %.2f s (%.2f M rows/s), CLI CSV export %.2f s (%.2f M rows/s), CLI parquet export %.2f s (%.2f M rows/s); throughput CLI/COPY: CSV %.3f, parquet %.3f (target 0.5); peak RSS: CLI CSV %.1f MiB, CLI parquet %.1f MiB, gateway %.1f MiB",
		n, mib(st.Size()), mib(pst.Size()), b.N, d, float64(n)/d/1e6, c, float64(n)/c/1e6, p, float64(n)/p/1e6, d/c, d/p, mib(cliPeak), mib(pqPeak), mib(peak))
	if d/c < 0.5 {
		b.Errorf("CSV export throughput %.3f of COPY, want at least 0.5", d/c)
	}
	if d/p < 0.5 {
		b.Errorf("parquet export throughput %.3f of COPY, want at least 0.5", d/p)
	}
}

// checkParquet reads the parquet file with DuckDB: it must hold n rows,
// and a sample of them (first, middle, last) as PostgreSQL holds them
// (x, which is i/2, as 2x).
func checkParquet(ctx context.Context, b *testing.B, conn *pgx.Conn, path string, n int64) {
	src := "read_parquet('" + path + "')"
	count := parquettest.Run(b, "SELECT count(*) AS n FROM "+src)
	if got := fmt.Sprint(count[0]["n"]); got != fmt.Sprint(n) {
		b.Fatalf("DuckDB reads %s rows from %s, want %d", got, path, n)
	}
	sample := fmt.Sprintf("(1, %d, %d)", (n+1)/2, n)
	rows := parquettest.Run(b, "SELECT i::varchar AS si, (x * 2)::bigint::varchar AS sx, label, epoch_us(ts)::varchar AS sts, flag::varchar AS sflag FROM "+src+
		" WHERE i IN "+sample+" ORDER BY i")
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r["si"], " ", r["sx"], " ", r["label"], " ", r["sts"], " ", r["sflag"]))
	}
	var want []string
	pg, err := conn.Query(ctx, "SELECT i::text || ' ' || (x * 2)::bigint || ' ' || label || ' ' || (extract(epoch FROM ts) * 1000000)::bigint || ' ' || flag::text FROM fg_datasets_export.big WHERE i IN "+sample+" ORDER BY i")
	if err != nil {
		b.Fatal(err)
	}
	for pg.Next() {
		var s string
		if err := pg.Scan(&s); err != nil {
			b.Fatal(err)
		}
		want = append(want, s)
	}
	if err := pg.Err(); err != nil {
		b.Fatal(err)
	}
	if !slices.Equal(got, want) {
		b.Fatalf("DuckDB reads from %s\n%q\nPostgreSQL has\n%q", path, got, want)
	}
}

// exportDirect writes the dataset's table to path with COPY on
// PostgreSQL directly.
func exportDirect(ctx context.Context, b *testing.B, conn *pgx.Conn, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := conn.PgConn().CopyTo(ctx, f, "COPY (SELECT * FROM fg_datasets_export.big) TO STDOUT (FORMAT csv, HEADER)"); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// exportCLI runs featuregate saved-datasets export into path and returns
// the process's peak RSS.
func exportCLI(b *testing.B, bin, addr, dsn, path string) int64 {
	cmd := exec.Command(bin, "saved-datasets", "export", "big", "--output", path,
		"--listen", addr, "--offline", dsn, "--project", exportDB, "--user", "bench")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("featuregate saved-datasets export: %v\n%s", err, out.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		return 0
	}
	return ru.Maxrss << 10 // KiB on Linux
}

// sameFiles fails unless the files have the same bytes.
func sameFiles(b *testing.B, p, q string) {
	if x, y := fileHash(b, p), fileHash(b, q); x != y {
		b.Fatalf("the CLI's export (%s) differs from COPY's (%s)", y, x)
	}
}

// fileHash is the SHA-256 of the file at path, and its size.
func fileHash(b *testing.B, path string) string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("%d bytes, sha256 %x", n, h.Sum(nil))
}
