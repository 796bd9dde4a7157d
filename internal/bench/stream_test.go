package bench

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// streamDB is the database (and project) of BenchmarkStream10M.
	streamDB = "stream"
	// streamRowsEnv sets the rows of each stream (default 10,000,000).
	streamRowsEnv = "FEATUREGATE_STREAM_ROWS"
	// streamPeakLimit is the gateway's peak RSS the streams must stay under.
	streamPeakLimit = 150 << 20
)

// copySink receives a COPY TO STDOUT stream: it counts its bytes and
// lines and hashes its content, keeping none of it.
type copySink struct {
	h            maphash.Hash
	bytes, lines int64
}

// Write implements io.Writer.
func (s *copySink) Write(p []byte) (int, error) {
	s.bytes += int64(len(p))
	s.lines += int64(bytes.Count(p, []byte{'\n'}))
	return s.h.Write(p)
}

// streamTimes are the durations of the runs of one stream.
type streamTimes struct{ direct, viaGW time.Duration }

// BenchmarkStream10M streams 10 million generated rows (four columns:
// bigint, double, text, timestamptz) from PostgreSQL to a pgx client,
// directly and through a featuregate serve process, in two ways: COPY
// (SELECT …) TO STDOUT, and a plain SELECT whose rows are all received.
// Iterations alternate which goes first (use -benchtime 2x or more). The
// gateway must relay the same bytes (COPY) and rows (SELECT) as
// PostgreSQL sends directly, and its peak RSS (VmHWM) must stay under 150
// MB: it relays results message by message, so its memory stays flat
// however many rows pass. Reports seconds per stream, the throughput
// ratios gateway/direct, and the gateway's peak RSS before and after.
func BenchmarkStream10M(b *testing.B) {
	ctx := context.Background()
	n := positiveEnv(b, streamRowsEnv, 10_000_000)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	dsn, err := srv.CreateDB(ctx, streamDB)
	if err != nil {
		b.Fatal(err)
	}
	gw := startGatewayProc(b, buildGateway(b), dsn, streamDB)
	direct := connectLeg(ctx, b, dsn)
	viaGW := connectLeg(ctx, b, gw.DSN("bench", streamDB))
	if _, err := drain(ctx, viaGW, "SELECT 1"); err != nil {
		b.Fatal(err)
	}
	before, _, err := gw.memory()
	if err != nil {
		b.Fatal(err)
	}
	sel := fmt.Sprintf("SELECT i, i * 0.5::float8 AS x, 'row ' || i AS label,"+
		" timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' AS ts FROM generate_series(1::bigint, %d) i", n)
	var cp, rows streamTimes
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gwFirst := i%2 == 1 // alternate, so that neither pays for going first
		cp.add(copyBoth(ctx, b, direct, viaGW, "COPY ("+sel+") TO STDOUT", n, gwFirst))
		rows.add(selectBoth(ctx, b, direct, viaGW, sel, n, gwFirst))
	}
	b.StopTimer()
	peak, cur, err := gw.memory()
	if err != nil {
		b.Fatal(err)
	}
	reportStream(b, n, cp, rows, before, peak, cur)
	if peak >= streamPeakLimit {
		b.Errorf("gateway peak RSS %.1f MiB, want under %d MiB", mib(peak), streamPeakLimit>>20)
	}
}

// add accumulates t's durations.
func (s *streamTimes) add(t streamTimes) {
	s.direct += t.direct
	s.viaGW += t.viaGW
}

// copyBoth runs the COPY directly and through the gateway (first with
// gwFirst) and checks that both sent n lines and the same bytes.
func copyBoth(ctx context.Context, b *testing.B, direct, viaGW *pgx.Conn, sql string, n int64, gwFirst bool) streamTimes {
	var t streamTimes
	var sinks [2]copySink // direct, through the gateway
	order := []int{0, 1}
	if gwFirst {
		order = []int{1, 0}
	}
	for _, i := range order {
		c, took := direct, &t.direct
		if i == 1 {
			c, took = viaGW, &t.viaGW
		}
		sinks[i].h.SetSeed(hashSeed)
		start := time.Now()
		tag, err := c.PgConn().CopyTo(ctx, &sinks[i], sql)
		if err != nil {
			b.Fatalf("copy (%d): %v", i, err)
		}
		*took = time.Since(start)
		if tag.RowsAffected() != n || sinks[i].lines != n {
			b.Fatalf("copy (%d): %s and %d lines, want %d rows", i, tag, sinks[i].lines, n)
		}
	}
	if sinks[0].bytes != sinks[1].bytes || sinks[0].h.Sum64() != sinks[1].h.Sum64() {
		b.Fatalf("copy through the gateway: %d bytes (hash %016x), directly %d (hash %016x)",
			sinks[1].bytes, sinks[1].h.Sum64(), sinks[0].bytes, sinks[0].h.Sum64())
	}
	return t
}

// selectBoth receives every row of sql directly and through the gateway
// (first with gwFirst) and checks that both returned the same n rows.
func selectBoth(ctx context.Context, b *testing.B, direct, viaGW *pgx.Conn, sql string, n int64, gwFirst bool) streamTimes {
	var d, v received
	var errD, errV error
	if gwFirst {
		v, errV = drain(ctx, viaGW, sql)
	}
	d, errD = drain(ctx, direct, sql)
	if !gwFirst {
		v, errV = drain(ctx, viaGW, sql)
	}
	if errD != nil {
		b.Fatalf("select directly: %v", errD)
	}
	if errV != nil {
		b.Fatalf("select through the gateway: %v", errV)
	}
	if d.rows != n {
		b.Fatalf("select directly: %d rows, want %d", d.rows, n)
	}
	if err := v.sameAs(d); err != nil {
		b.Fatalf("select through the gateway: %v", err)
	}
	return streamTimes{direct: d.elapsed, viaGW: v.elapsed}
}

// reportStream reports and logs the figures of BenchmarkStream10M.
func reportStream(b *testing.B, n int64, cp, rows streamTimes, before, peak, cur int64) {
	b.ReportMetric(0, "ns/op") // one op is all four streams: meaningless
	lines := []string{fmt.Sprintf("%d rows per stream, mean of %d run(s):", n, b.N)}
	for _, s := range []struct {
		name string
		t    streamTimes
	}{{"copy", cp}, {"select", rows}} {
		d, v := s.t.direct.Seconds()/float64(b.N), s.t.viaGW.Seconds()/float64(b.N)
		b.ReportMetric(d, s.name+"_direct_s")
		b.ReportMetric(v, s.name+"_gateway_s")
		b.ReportMetric(d/v, s.name+"_throughput_ratio")
		lines = append(lines, fmt.Sprintf("  %-6s direct %7.2f s (%4.2f M rows/s), gateway %7.2f s (%4.2f M rows/s), throughput gateway/direct %.3f",
			s.name, d, float64(n)/d/1e6, v, float64(n)/v/1e6, d/v))
	}
	b.ReportMetric(mib(peak), "gateway_peak_MB")
	b.ReportMetric(mib(before), "gateway_start_MB")
	lines = append(lines, fmt.Sprintf("  gateway VmHWM %.1f MiB after the streams, %.1f MiB before them (limit %d MiB); VmRSS now %.1f MiB",
		mib(peak), mib(before), streamPeakLimit>>20, mib(cur)))
	b.Log(strings.Join(lines, "\n"))
}
