package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// onlineDB is the database (and project) of BenchmarkOnline.
	onlineDB = "onlinebench"

	onlineEntitiesEnv     = "FEATUREGATE_ONLINE_ENTITIES" // entities in each source
	onlineSecondsEnv      = "FEATUREGATE_ONLINE_SECONDS"  // seconds per lookup leg
	onlineGatewayEnv      = "FEATUREGATE_ONLINE_GATEWAY"  // inprocess (default) or process
	onlineDefaultEntities = 100000
	onlineDefaultSeconds  = 10

	// onlineBatch is the number of keys of a batch lookup.
	onlineBatch = 100
	// onlineSample is the number of keys whose values are checked against
	// the baseline after materialization.
	onlineSample = 2000
)

// Issue 5's targets.
const (
	onlineTargetRatio     = 2.0                  // single-key lookups, featuregate/PostgreSQL
	onlineTargetSingleP99 = time.Millisecond     // single-key p99 at 16 clients
	onlineTargetBatchP99  = 5 * time.Millisecond // 100-key batch p99
	onlineTargetMatRatio  = 0.5                  // materialization / COPY read rate
)

// onlineLegWarmup is how long each client looks up, untimed, before a leg.
const onlineLegWarmup = 200 * time.Millisecond

// BenchmarkOnline measures issue 5's online serving in one run, against
// the same work done directly on PostgreSQL: MATERIALIZE against COPY of
// the source, single-key lookups of 6 features and 100-key batches of 50
// features through pgx prepared statements with 1 and 16 clients against
// a primary-key lookup in PostgreSQL. The data are generated and
// materialized, and featuregate's values checked against the baseline,
// once; the sub-benchmark materialize reports the materialization, and
// each lookup sub-benchmark (single/c1, …) times its PostgreSQL leg then
// its featuregate leg. One op is a whole leg: use -benchtime 1x. Each
// sub-benchmark logs its rows of the table, with issue 5's targets.
func BenchmarkOnline(b *testing.B) {
	ctx := context.Background()
	entities := onlineEnvInt(b, onlineEntitiesEnv, onlineDefaultEntities, onlineBatch)
	dur := time.Duration(onlineEnvInt(b, onlineSecondsEnv, onlineDefaultSeconds, 1)) * time.Second
	srv := onlineServer(b)
	dsn, err := srv.CreateDB(ctx, onlineDB)
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	if err := onlineGenerate(ctx, dsn, entities); err != nil {
		b.Fatal(err)
	}
	generated := time.Since(started).Round(time.Millisecond)
	fgDSN, proc := onlineGateway(b, srv, dsn)
	if err := onlineDefine(ctx, fgDSN); err != nil {
		b.Fatal(err)
	}
	sample := onlineSampler(srv, proc)
	mats, err := onlineMaterializeAll(ctx, fgDSN, dsn, entities, sample)
	if err != nil {
		b.Fatal(err)
	}
	keys := onlineKeys(entities)
	if err := onlineVerify(ctx, fgDSN, dsn, keys); err != nil {
		b.Fatalf("featuregate's values differ from PostgreSQL's: %v", err)
	}
	// Only sub-benchmarks' logs show without -v.
	about := fmt.Sprintf("%d entities (generated in %s), %s per lookup leg, gateway %s",
		entities, generated, dur, onlineWhere(proc))
	b.Run("materialize", func(b *testing.B) { onlineReportMats(b, about, mats) })
	for _, p := range onlinePairs(fgDSN, dsn) {
		b.Run(p.name(), func(b *testing.B) {
			pg, err := onlineRunLeg(ctx, p.pg, keys, dur, sample)
			if err != nil {
				b.Fatalf("%s: %v", p.pg.name(), err)
			}
			fg, err := onlineRunLeg(ctx, p.fg, keys, dur, sample)
			if err != nil {
				b.Fatalf("%s: %v", p.fg.name(), err)
			}
			onlineReportLoads(b, pg, fg)
		})
	}
	if proc != nil {
		b.Run("memory", func(b *testing.B) { onlineReportMemory(b, proc) })
	}
}

// onlineServer starts the throwaway PostgreSQL, stopped at cleanup.
func onlineServer(b *testing.B) *localpg.Server {
	b.Helper()
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	return srv
}

// onlineDefine registers the entity, sources and views through the
// gateway, as a user would.
func onlineDefine(ctx context.Context, fgDSN string) error {
	conn, err := pgx.Connect(ctx, fgDSN)
	if err != nil {
		return fmt.Errorf("connect to the gateway: %w", err)
	}
	defer conn.Close(ctx)
	for _, stmt := range onlineCatalogSQL() {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// onlineGateway starts the gateway FEATUREGATE_ONLINE_GATEWAY asks for
// and returns a DSN of user alice in the benchmark's project, and the
// process when it is one.
func onlineGateway(b *testing.B, srv *localpg.Server, dsn string) (string, *gatewayProc) {
	b.Helper()
	switch mode := os.Getenv(onlineGatewayEnv); mode {
	case "", "inprocess":
		return gatewaytest.Start(b, srv, onlineDB).DSN("alice", onlineDB), nil
	case "process":
		p := startGatewayProc(b, onlineNoHTTP(b, buildGateway(b)), dsn, onlineDB)
		return p.DSN("alice", onlineDB), p
	default:
		b.Fatalf("%s=%q: want inprocess or process", onlineGatewayEnv, mode)
		return "", nil
	}
}

// onlineNoHTTP wraps the binary bin in a script that runs it (same
// process, by exec) with the HTTP API off, whose default port another
// gateway on the machine may hold; startGatewayProc does not turn it off.
func onlineNoHTTP(b *testing.B, bin string) string {
	b.Helper()
	script := filepath.Join(b.TempDir(), "featuregate-nohttp")
	body := fmt.Sprintf("#!/bin/sh\nexec %q \"$@\" --http off\n", bin)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		b.Fatal(err)
	}
	return script
}

// onlineWhere says where the gateway runs.
func onlineWhere(proc *gatewayProc) string {
	if proc != nil {
		return "in a featuregate serve process"
	}
	return "in the benchmark's process (sharing GOMAXPROCS with the clients)"
}

// onlineReportMemory reports the gateway process's peak RSS.
func onlineReportMemory(b *testing.B, p *gatewayProc) {
	peak, _, err := p.memory()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(mib(peak), "gateway_peak_rss_MiB")
	b.Logf("featuregate serve peak RSS %.1f MiB", mib(peak))
}

// onlineEnvInt reads a positive integer of at least lo from the
// environment, or def.
func onlineEnvInt(b *testing.B, name string, def, lo int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo {
		b.Fatalf("%s=%q: want a whole number, at least %d", name, v, lo)
	}
	return n
}

// onlineReportMats reports and logs the materialization of every view,
// after a line about the run.
func onlineReportMats(b *testing.B, about string, mats []onlineMatResult) {
	b.ReportMetric(0, "ns/op") // measured once, before the sub-benchmarks
	var sb strings.Builder
	fmt.Fprintln(&sb, about)
	fmt.Fprintf(&sb, "rows/s; source rows are every row COPY reads, entities the rows MATERIALIZE writes\n")
	fmt.Fprintf(&sb, "%-5s %8s %8s %10s %12s %12s %12s %6s  %s\n", "view", "src rows", "entities",
		"COPY src", "COPY latest", "MAT src", "MAT entities", "ratio", "target >= 0.5")
	for _, m := range mats {
		p := m.view + "_"
		b.ReportMetric(m.copyRate(), p+"copy_rows/s")
		b.ReportMetric(m.latestRate(), p+"copylatest_rows/s")
		b.ReportMetric(m.sourceRate(), p+"fg_source_rows/s")
		b.ReportMetric(m.entityRate(), p+"fg_entities/s")
		b.ReportMetric(m.ratio(), p+"ratio")
		fmt.Fprintf(&sb, "%-5s %8d %8d %10.0f %12.0f %12.0f %12.0f %6.3f  %s\n", m.view, m.sourceRows,
			m.entities, m.copyRate(), m.latestRate(), m.sourceRate(), m.entityRate(), m.ratio(),
			onlineMet(m.ratio() >= onlineTargetMatRatio))
	}
	for _, m := range mats {
		fmt.Fprintf(&sb, "%s: COPY %.3fs (CPU: postgres %.2fs); MATERIALIZE %.3fs, said %.3fs (CPU: postgres %.2fs, bench %.2fs, gateway process %.2fs)\n",
			m.view, m.copyTime.Seconds(), m.copyCPU.pg.Seconds(), m.matTime.Seconds(), m.matSeconds,
			m.matCPU.pg.Seconds(), m.matCPU.self.Seconds(), m.matCPU.gw.Seconds())
	}
	b.Log(strings.TrimSuffix(sb.String(), "\n"))
}

// onlineReportLoads reports and logs a PostgreSQL leg and its featuregate
// twin.
func onlineReportLoads(b *testing.B, pg, fg onlineLoad) {
	b.ReportMetric(0, "ns/op") // one op is a whole leg
	for _, l := range []onlineLoad{pg, fg} {
		p := "fg_"
		if l.leg.target == onlinePG {
			p = "pg_"
		}
		b.ReportMetric(l.opsPerSec(), p+"ops/s")
		b.ReportMetric(onlineMicros(l.p50), p+"p50_us")
		b.ReportMetric(onlineMicros(l.p99), p+"p99_us")
		b.ReportMetric(l.cpuPerOp(l.cpu.self), p+"cpu_bench_us/op")
		b.ReportMetric(l.cpuPerOp(l.cpu.pg), p+"cpu_postgres_us/op")
		if l.cpu.gw > 0 {
			b.ReportMetric(l.cpuPerOp(l.cpu.gw), p+"cpu_gateway_us/op")
		}
	}
	ratio := fg.opsPerSec() / pg.opsPerSec()
	b.ReportMetric(ratio, "ratio")
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-22s %9s %9s %8s %8s %8s %9s %9s %9s  (µs; CPU per lookup of the benchmark's process, PostgreSQL, a gateway process)\n",
		"leg", "ops", "ops/s", "p50", "p99", "max", "CPU bench", "CPU pg", "CPU gw")
	for _, l := range []onlineLoad{pg, fg} {
		fmt.Fprintf(&sb, "%-22s %9d %9.0f %8.0f %8.0f %8.0f %9.1f %9.1f %9.1f\n", l.leg.name(), l.ops, l.opsPerSec(),
			onlineMicros(l.p50), onlineMicros(l.p99), onlineMicros(l.max),
			l.cpuPerOp(l.cpu.self), l.cpuPerOp(l.cpu.pg), l.cpuPerOp(l.cpu.gw))
	}
	fmt.Fprintf(&sb, "featuregate/postgres %.3f; %s", ratio, onlineVerdict(pg, fg))
	b.Log(sb.String())
}

// onlineVerdict says whether a featuregate leg meets issue 5's targets.
func onlineVerdict(pg, fg onlineLoad) string {
	ratio := fmt.Sprintf("ratio >= 2: %s", onlineMet(fg.opsPerSec()/pg.opsPerSec() >= onlineTargetRatio))
	switch {
	case fg.leg.kind == onlineBatchKind:
		return fmt.Sprintf("p99 < 5 ms: %s", onlineMet(fg.p99 < onlineTargetBatchP99))
	case fg.leg.clients == 16:
		return fmt.Sprintf("%s; p99 < 1 ms: %s", ratio, onlineMet(fg.p99 < onlineTargetSingleP99))
	}
	return ratio
}

func onlineMet(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func onlineMicros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
