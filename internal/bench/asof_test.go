package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// asofDB is the database (and project) of BenchmarkAsOf.
	asofDB = "asof"
	// asofViewCount is the number of feature views (4 features each).
	asofViewCount = 4

	spineEnv = "FEATUREGATE_ASOF_SPINE" // spine rows
	rowsEnv  = "FEATUREGATE_ASOF_ROWS"  // feature rows per view
	usersEnv = "FEATUREGATE_ASOF_USERS" // users
	legsEnv  = "FEATUREGATE_ASOF_LEGS"  // comma-separated legs to run
	runsEnv  = "FEATUREGATE_ASOF_RUNS"  // runs of every leg per b.N iteration

	legLateral     = "lateral"
	legPlain       = "lateral_plain"
	legFeast       = "feast"
	legFeaturegate = "featuregate"
	legFGSorted    = "featuregate_sorted_spine"
)

// allLegs is every leg, in the order each run executes them.
var allLegs = []string{legLateral, legPlain, legFeaturegate, legFGSorted, legFeast}

// asofLeg is one way of building the training set.
type asofLeg struct {
	name  string
	sql   string
	conn  *pgx.Conn
	best  time.Duration // fastest run
	cpu   time.Duration // gateway CPU time over all runs (gateway legs only)
	first received      // the first run's result
}

// viaGateway reports whether the leg runs through the gateway.
func (l *asofLeg) viaGateway() bool { return strings.HasPrefix(l.name, legFeaturegate) }

// BenchmarkAsOf builds the same point-in-time training set (a spine of
// user_id and t, LEFT JOINed to the latest row at or before t of each of 4
// feature views with 4 features each) in five ways, receiving every row
// with pgx: directly on PostgreSQL, the best hand-written LEFT JOIN
// LATERAL query found (lateral), the textbook one (lateral_plain; see
// lateralSQL for the difference) and Feast's ROW_NUMBER range-join query
// (feast); through a featuregate serve process, the AS OF query over the
// spine table (featuregate) and over the spine sorted by key and time
// (featuregate_sorted_spine), which tells the gateway's own cost from the
// plan's. Every run of every leg must return the same rows as the first
// leg's first run (row count, NULL count, order-independent checksum of
// all values, column types). Each b.N iteration runs every leg
// FEATUREGATE_ASOF_RUNS times (default 1) on the same data, in the order
// of allLegs. The fastest run of each leg is reported, in seconds (ns/op
// is meaningless), with the ratios featuregate/lateral and
// feast/featuregate and the gateway's peak RSS.
func BenchmarkAsOf(b *testing.B) {
	ctx := context.Background()
	sz := asofSizesFromEnv(b)
	legs := asofLegsFromEnv(b)
	views := asofViews(asofViewCount)
	srv := startTunedPG(ctx, b)
	dsn, err := srv.CreateDB(ctx, asofDB)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := asofGenerate(ctx, dsn, views, sz); err != nil {
		b.Fatal(err)
	}
	generated := time.Since(start)

	var gw *gatewayProc
	for _, l := range legs {
		l.sql = legSQL(l.name, views)
		if !l.viaGateway() {
			l.conn = connectLeg(ctx, b, dsn)
			continue
		}
		if gw == nil {
			gw = startGatewayProc(b, buildGateway(b), dsn, asofDB)
			l.conn = connectLeg(ctx, b, gw.DSN("bench", asofDB))
			applyCatalog(ctx, b, l.conn, views)
		} else {
			l.conn = connectLeg(ctx, b, gw.DSN("bench", asofDB))
		}
		preflight(ctx, b, l.conn, l.sql)
	}
	var before int64
	if gw != nil {
		if before, _, err = gw.memory(); err != nil {
			b.Fatal(err)
		}
	}

	runs := int(positiveEnv(b, runsEnv, 1)) * b.N
	b.ResetTimer()
	for i := 0; i < runs; i++ {
		for _, l := range legs {
			runLeg(ctx, b, gw, l, legs[0].first, i)
		}
	}
	b.StopTimer()
	reportAsOf(b, asofRun{sz: sz, runs: runs, generated: generated, memBefore: before}, legs, gw)
}

// runLeg runs one leg once and checks its result against want (unless it
// is the reference leg's first run).
func runLeg(ctx context.Context, b *testing.B, gw *gatewayProc, l *asofLeg, want received, run int) {
	var cpu0 time.Duration
	if l.viaGateway() {
		cpu0 = mustCPU(b, gw)
	}
	r, err := drain(ctx, l.conn, l.sql)
	if err != nil {
		b.Fatalf("%s, run %d: %v\n%s", l.name, run+1, err, l.sql)
	}
	if l.viaGateway() {
		l.cpu += mustCPU(b, gw) - cpu0
	}
	if testing.Verbose() {
		b.Logf("%s run %d: %d rows in %s", l.name, run+1, r.rows, r.elapsed.Round(time.Millisecond))
	}
	if want.types != nil {
		if err := r.sameAs(want); err != nil {
			b.Fatalf("%s, run %d, returned other rows than the first leg: %v", l.name, run+1, err)
		}
	}
	if run == 0 {
		l.first, l.best = r, r.elapsed
	}
	l.best = min(l.best, r.elapsed)
}

// asofRun describes one run of BenchmarkAsOf.
type asofRun struct {
	sz        asofSizes
	runs      int           // runs of each leg
	generated time.Duration // time to generate the data
	memBefore int64         // the gateway's peak RSS before the runs
}

// reportAsOf checks the results' plausibility and reports the figures;
// its log is one table, most important lines first, as the testing
// package shows only the first 10 lines of a benchmark's log without -v.
func reportAsOf(b *testing.B, run asofRun, legs []*asofLeg, gw *gatewayProc) {
	sz, ref := run.sz, legs[0].first
	if ref.rows != sz.spine {
		b.Fatalf("%d rows, want one per spine row (%d)", ref.rows, sz.spine)
	}
	nullShare := float64(ref.nulls) / float64(ref.rows*int64(len(ref.types)-2))
	if nullShare > 0.5 {
		b.Fatalf("%.0f%% of the feature values are NULL: the joins found almost nothing", 100*nullShare)
	}
	lines := []string{fmt.Sprintf("AS OF training set, %d spine rows x %d views x %d rows (%d users, generated in %s), "+
		"best of %d run(s), all rows received by pgx, same rows in every leg (%.1f%% NULL features, checksum %016x):",
		sz.spine, asofViewCount, sz.rows, sz.users, run.generated.Round(time.Second), run.runs, 100*nullShare, ref.sum)}
	b.ReportMetric(0, "ns/op") // one op runs every leg: meaningless
	if gw != nil {
		lines = append(lines, gatewayMemory(b, gw, run.memBefore))
	}
	lines = append(lines, legTimes(b, legs, run.runs)...)
	b.Log(strings.Join(lines, "\n"))
}

// gatewayMemory reports the gateway's peak RSS and describes it.
func gatewayMemory(b *testing.B, gw *gatewayProc, before int64) string {
	peak, cur, err := gw.memory()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(mib(peak), "gateway_peak_MB")
	return fmt.Sprintf("  gateway VmHWM %.1f MiB (target < 150; %.1f before the runs), VmRSS now %.1f MiB",
		mib(peak), mib(before), mib(cur))
}

// legTimes reports each leg's best time and the ratios between legs, and
// describes them.
func legTimes(b *testing.B, legs []*asofLeg, runs int) []string {
	var lines []string
	secs := map[string]float64{}
	for _, l := range legs {
		secs[l.name] = l.best.Seconds()
		b.ReportMetric(secs[l.name], l.name+"_s")
		line := fmt.Sprintf("  %-24s %9.2f s", l.name, secs[l.name])
		if l.viaGateway() {
			line += fmt.Sprintf("   (gateway CPU %.2f s per run)", l.cpu.Seconds()/float64(runs))
		}
		lines = append(lines, line)
	}
	for _, r := range []struct{ metric, num, den, target string }{
		{"ratio_fg_over_lateral", legFeaturegate, legLateral, "<= 1.15"},
		{"ratio_feast_over_fg", legFeast, legFeaturegate, ">= 3"},
		{"ratio_fg_sorted_spine_over_lateral", legFGSorted, legLateral, "none"},
		{"ratio_fg_over_lateral_plain", legFeaturegate, legPlain, "none"},
		{"ratio_feast_over_lateral", legFeast, legLateral, "none"},
	} {
		n, okN := secs[r.num]
		d, okD := secs[r.den]
		if okN && okD {
			b.ReportMetric(n/d, r.metric)
			lines = append(lines, fmt.Sprintf("  %-34s %6.3f   (target %s)", r.metric, n/d, r.target))
		}
	}
	return lines
}

// legSQL returns the query of the named leg.
func legSQL(name string, views []asofView) string {
	switch name {
	case legLateral:
		return lateralSQL(views, true)
	case legPlain:
		return lateralSQL(views, false)
	case legFeast:
		return feastSQL(views)
	case legFGSorted:
		return featuregateSQL(views, "(SELECT * FROM spine ORDER BY user_id, t)")
	default:
		return featuregateSQL(views, "spine")
	}
}

// startTunedPG starts a throwaway PostgreSQL tuned by tunePG, stopped
// when the benchmark ends.
func startTunedPG(ctx context.Context, b *testing.B) *localpg.Server {
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	if err := tunePG(ctx, srv); err != nil {
		b.Fatal(err)
	}
	return srv
}

// connectLeg opens a connection closed when the benchmark ends.
func connectLeg(ctx context.Context, b *testing.B, dsn string) *pgx.Conn {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// applyCatalog creates the entity, sources and views through the gateway.
func applyCatalog(ctx context.Context, b *testing.B, conn *pgx.Conn, views []asofView) {
	for _, s := range asofCatalogSQL(views) {
		if _, err := conn.Exec(ctx, s); err != nil {
			b.Fatalf("through the gateway: %s: %v", s, err)
		}
	}
}

// preflight runs the featuregate query on a few rows, so that a gateway
// that cannot run it fails the benchmark before the long runs, and logs
// the SQL the gateway runs for it when EXPLAIN shows it.
func preflight(ctx context.Context, b *testing.B, conn *pgx.Conn, sql string) {
	if _, err := drain(ctx, conn, sql+"\nLIMIT 10"); err != nil {
		b.Fatalf("through the gateway: %v\n%s", err, sql)
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		b.Logf("EXPLAIN through the gateway: %v", err)
		return
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Logf("EXPLAIN through the gateway: %v", err)
		return
	}
	if testing.Verbose() {
		b.Logf("EXPLAIN of the AS OF query through the gateway:\n%s", strings.Join(plan, "\n"))
	}
}

// mustCPU returns the gateway's CPU time so far.
func mustCPU(b *testing.B, gw *gatewayProc) time.Duration {
	d, err := gw.cpuTime()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// asofSizesFromEnv reads the data sizes, defaulting to the issue's: 1M
// spine rows, 5M rows per view, and 25 rows per user in each view.
func asofSizesFromEnv(b *testing.B) asofSizes {
	rows := positiveEnv(b, rowsEnv, 5_000_000)
	return asofSizes{
		spine: positiveEnv(b, spineEnv, 1_000_000),
		rows:  rows,
		users: positiveEnv(b, usersEnv, max(1, rows/25)),
	}
}

// asofLegsFromEnv returns the legs named in FEATUREGATE_ASOF_LEGS (every
// leg by default), in the order of allLegs.
func asofLegsFromEnv(b *testing.B) []*asofLeg {
	names := allLegs
	if v := os.Getenv(legsEnv); v != "" {
		names = strings.Split(v, ",")
		for _, n := range names {
			if !slices.Contains(allLegs, n) {
				b.Fatalf("%s=%q: unknown leg %q (legs: %s)", legsEnv, v, n, strings.Join(allLegs, ","))
			}
		}
	}
	var legs []*asofLeg
	for _, n := range allLegs {
		if slices.Contains(names, n) {
			legs = append(legs, &asofLeg{name: n})
		}
	}
	return legs
}

// positiveEnv reads a whole number at least 1 from the environment.
func positiveEnv(b *testing.B, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a whole number, at least 1", name, v)
	}
	return n
}
