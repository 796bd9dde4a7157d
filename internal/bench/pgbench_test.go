package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// pgbenchScale is the scale factor of the pgbench tables (100,000
	// accounts each).
	pgbenchScale = 10
	// pgbenchDB is the database pgbench runs in, directly and as the
	// gateway's offline store.
	pgbenchDB = "bench"
	// secondsEnv sets the length of each pgbench run, in seconds.
	secondsEnv     = "FEATUREGATE_PGBENCH_SECONDS"
	defaultSeconds = 10
)

// txnScript is a custom pgbench script: a few reads in an explicit
// transaction, so that BEGIN and END go through the gateway too.
var txnScript = fmt.Sprintf(`\set aid random(1, %d)
BEGIN;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT 1;
END;
`, 100000*pgbenchScale)

// workload is one pgbench script, run in each query protocol.
type workload struct {
	name string
	args func(dir string) []string // the script's arguments
}

var workloads = []workload{
	{"select", func(string) []string { return []string{"-S"} }},
	{"txn", func(dir string) []string { return []string{"-f", filepath.Join(dir, "txn.sql")} }},
}

var protocols = []string{"simple", "extended", "prepared"}

// pgbenchResult is the throughput of one workload in one protocol.
type pgbenchResult struct {
	name          string
	direct, viaGW float64
}

// BenchmarkPgbench runs pgbench's select-only workload and a custom
// read-only transaction script, with each query protocol (simple,
// extended, prepared), against a throwaway PostgreSQL directly and through
// a gateway over it. Each sub-benchmark reports direct_tps, gateway_tps
// and ratio (gateway/direct), TPS excluding connection time; the table of
// all of them is logged at the end.
func BenchmarkPgbench(b *testing.B) {
	secs := pgbenchSeconds(b)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Error(err)
		}
	})
	if _, err := srv.CreateDB(context.Background(), pgbenchDB); err != nil {
		b.Fatal(err)
	}
	if out, err := pgbench(srv.Port, "-i", "-s", strconv.Itoa(pgbenchScale), "-q", pgbenchDB); err != nil {
		b.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	g := gatewaytest.Start(b, srv, pgbenchDB)
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "txn.sql"), []byte(txnScript), 0o644); err != nil {
		b.Fatal(err)
	}
	// Warm the caches, so that the first measured run does not pay for them.
	if _, err := runPgbench(srv.Port, "simple", min(secs, 3), "-S"); err != nil {
		b.Fatal(err)
	}

	var results []*pgbenchResult
	total := len(workloads) * len(protocols)
	for _, w := range workloads {
		for _, mode := range protocols {
			r := &pgbenchResult{name: w.name + "/" + mode}
			results = append(results, r)
			last := len(results) == total
			b.Run(r.name, func(b *testing.B) {
				args := w.args(dir)
				var direct, viaGW float64
				for i := 0; i < b.N; i++ {
					d, err := runPgbench(srv.Port, mode, secs, args...)
					if err != nil {
						b.Fatalf("directly: %v", err)
					}
					v, err := runPgbench(g.Port, mode, secs, args...)
					if err != nil {
						b.Fatalf("through the gateway: %v", err)
					}
					direct += d
					viaGW += v
				}
				r.direct, r.viaGW = direct/float64(b.N), viaGW/float64(b.N)
				b.ReportMetric(0, "ns/op") // one op is a whole pgbench run: meaningless
				b.ReportMetric(r.direct, "direct_tps")
				b.ReportMetric(r.viaGW, "gateway_tps")
				b.ReportMetric(r.viaGW/r.direct, "ratio")
				// Only sub-benchmarks' logs show without -v: the last one
				// logs the whole table, the others their own row.
				if last {
					b.Log(pgbenchTable(secs, results))
				} else {
					b.Logf("%s: direct %.1f TPS, gateway %.1f TPS, ratio %.3f", r.name, r.direct, r.viaGW, r.viaGW/r.direct)
				}
			})
		}
	}
}

// pgbenchTable formats results as a table of TPS.
func pgbenchTable(secs int, results []*pgbenchResult) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "pgbench -c 4 -j 2 -T %d, scale %d, TPS without connection time:\n", secs, pgbenchScale)
	fmt.Fprintf(&sb, "%-18s %12s %12s %7s\n", "workload/mode", "direct", "gateway", "ratio")
	for _, r := range results {
		if r.direct == 0 {
			continue // filtered out by -bench
		}
		fmt.Fprintf(&sb, "%-18s %12.1f %12.1f %7.3f\n", r.name, r.direct, r.viaGW, r.viaGW/r.direct)
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// pgbenchSeconds reads the run length from the environment.
func pgbenchSeconds(b *testing.B) int {
	v := os.Getenv(secondsEnv)
	if v == "" {
		return defaultSeconds
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a whole number of seconds, at least 1", secondsEnv, v)
	}
	return n
}

// tpsRE finds pgbench's throughput without the time spent connecting (the
// wording changed in PostgreSQL 14).
var tpsRE = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)`)

// failedRE finds a count of failed transactions other than 0.
var failedRE = regexp.MustCompile(`number of failed transactions: ([1-9][0-9]*)`)

// runPgbench runs a read-only pgbench workload with 4 clients for secs
// seconds on the server at port and returns its TPS.
func runPgbench(port int, mode string, secs int, script ...string) (float64, error) {
	args := append([]string{"-n", "-M", mode, "-c", "4", "-j", "2", "-T", strconv.Itoa(secs)}, script...)
	args = append(args, pgbenchDB)
	out, err := pgbench(port, args...)
	if err != nil {
		return 0, fmt.Errorf("pgbench %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench %s: no TPS in its output:\n%s", strings.Join(args, " "), out)
	}
	if failed := failedRE.FindSubmatch(out); failed != nil {
		return 0, fmt.Errorf("pgbench %s: %s transactions failed:\n%s", strings.Join(args, " "), failed[1], out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// pgbench runs the pgbench binary against 127.0.0.1:port as user postgres.
func pgbench(port int, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	all := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres"}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(localpg.BinDir, "pgbench"), all...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	return cmd.CombinedOutput()
}
