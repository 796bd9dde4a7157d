package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The labels of the modes in every line BenchmarkOnline prints.
const (
	onlineProcessLabel   = "mode=process"
	onlineInprocessLabel = "mode=inprocess (profiling only)"
)

// onlineFeastNotes are Feast's published p99 latencies, for reference
// next to the HTTP legs of the same shape.
var onlineFeastNotes = map[string]string{
	onlineHTTP1Kind: "Feast publishes p99 1.78 ms (Go server, 1 row, 50 features)",
	onlineHTTPNKind: "Feast publishes p99 124.9 ms (Python server, 100 rows)",
}

// onlineReportMats reports and logs the materialization of every view,
// after a line about the run.
func onlineReportMats(b *testing.B, sum *onlineSummary, mats []onlineMatResult) {
	b.ReportMetric(0, "ns/op") // measured once, before the sub-benchmarks
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s; %s\n", sum.mode, sum.about)
	fmt.Fprintf(&sb, "rows/s; source rows are every row COPY reads, entities the rows MATERIALIZE writes\n")
	fmt.Fprintf(&sb, "%-5s %-31s %8s %8s %10s %12s %12s %12s %6s  %s\n", "view", "mode", "src rows", "entities",
		"COPY src", "COPY latest", "MAT src", "MAT entities", "ratio", "target >= 0.5 (issue 5)")
	for _, m := range mats {
		p := m.view + "_"
		b.ReportMetric(m.copyRate(), p+"copy_rows/s")
		b.ReportMetric(m.latestRate(), p+"copylatest_rows/s")
		b.ReportMetric(m.sourceRate(), p+"fg_source_rows/s")
		b.ReportMetric(m.entityRate(), p+"fg_entities/s")
		b.ReportMetric(m.ratio(), p+"ratio")
		fmt.Fprintf(&sb, "%-5s %-31s %8d %8d %10.0f %12.0f %12.0f %12.0f %6.3f  %s\n", m.view, sum.mode, m.sourceRows,
			m.entities, m.copyRate(), m.latestRate(), m.sourceRate(), m.entityRate(), m.ratio(),
			onlineMet(m.ratio() >= onlineTargetMatRatio))
	}
	for _, m := range mats {
		fmt.Fprintf(&sb, "%s, %s: COPY %.3fs (CPU: postgres %.2fs); MATERIALIZE %.3fs, said %.3fs (CPU: postgres %.2fs, bench %.2fs, gateway process %.2fs)\n",
			m.view, sum.mode, m.copyTime.Seconds(), m.copyCPU.pg.Seconds(), m.matTime.Seconds(), m.matSeconds,
			m.matCPU.pg.Seconds(), m.matCPU.self.Seconds(), m.matCPU.gw.Seconds())
	}
	b.Log(strings.TrimSuffix(sb.String(), "\n"))
}

// onlineMetricPrefix names a leg's metrics by its target.
var onlineMetricPrefix = map[string]string{
	onlinePG: "pg_", onlineFG: "fg_", onlineFGSimple: "fgsimple_", onlineRedis: "redis_", onlineHTTP: "http_",
	onlineFloor: "floor_",
}

// onlineReportLoads reports the legs of one sub-benchmark and logs their
// rows, with their ratios to the PostgreSQL and Redis legs among them.
func onlineReportLoads(b *testing.B, sum *onlineSummary, loads []onlineLoad) {
	b.ReportMetric(0, "ns/op") // one op is a whole leg
	for _, l := range loads {
		onlineReportLoad(b, onlineMetricPrefix[l.leg.target], l)
	}
	out := fmt.Sprintf("%s; %s\n", sum.mode, sum.about) + onlineTable(loads)
	simple, ok1 := onlineFind(loads, onlineSingleKind, loads[0].leg.clients, onlineFGSimple)
	prepared, ok2 := onlineFind(loads, onlineSingleKind, loads[0].leg.clients, onlineFG)
	if ok1 && ok2 && simple.hasServerCPU() {
		x := simple.serverCPU() / prepared.serverCPU()
		b.ReportMetric(x, "simple/prepared_gateway_cpu")
		out += fmt.Sprintf("\n%s: gateway CPU per lookup, simple/prepared protocol %s; target <= 1.5: %s",
			sum.mode, onlineFmtRatio(x), onlineMet(x <= onlineTargetSimple))
	}
	b.Log(out)
}

// onlineReportLoad reports one leg's metrics, each name prefixed by p.
func onlineReportLoad(b *testing.B, p string, l onlineLoad) {
	b.ReportMetric(l.opsPerSec(), p+"ops/s")
	b.ReportMetric(onlineMicros(l.p50), p+"p50_us")
	b.ReportMetric(onlineMicros(l.p99), p+"p99_us")
	b.ReportMetric(l.cpuPerOp(l.cpu.self), p+"cpu_bench_us/op")
	b.ReportMetric(l.cpuPerOp(l.cpu.pg), p+"cpu_postgres_us/op")
	if l.mode != onlineInprocessLabel {
		b.ReportMetric(l.cpuPerOp(l.cpu.gw), p+"cpu_gateway_us/op")
	}
	b.ReportMetric(l.cpuPerOp(l.cpu.rd), p+"cpu_redis_us/op")
}

// onlineReportMemory reports and logs the memory leg.
func onlineReportMemory(b *testing.B, m onlineMemResult) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(mib(m.peak), "gateway_peak_rss_MiB")
	b.ReportMetric(mib(m.peakAfterMat), "gateway_peak_rss_after_materialize_MiB")
	for _, l := range m.loads {
		onlineReportLoad(b, l.leg.kind+"_", l)
	}
	b.Log(onlineMemLine(m) + "\n" + onlineTable(m.loads))
}

// onlineMemLine describes the memory leg in one line.
func onlineMemLine(m onlineMemResult) string {
	return fmt.Sprintf("memory, %s: %d entities x 50 features, MATERIALIZE %.1fs; featuregate serve peak RSS %.1f MiB after MATERIALIZE, %.1f MiB after the lookups (now %.1f MiB); target < %d MiB: %s",
		onlineMemLabel, m.entities, m.matTime.Seconds(), mib(m.peakAfterMat), mib(m.peak), mib(m.current),
		onlineTargetRSS>>20, onlineMet(m.peak < onlineTargetRSS))
}

// onlineTable is the table of legs, each with its ratios to the
// PostgreSQL and Redis legs of the same workload among loads (ops/s,
// and the CPU per lookup of the server each leg measures), and Feast's
// published latency next to an HTTP leg.
func onlineTable(loads []onlineLoad) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-34s %-31s %9s %8s %8s %8s %8s %8s %8s %8s %7s %7s %7s %7s\n", "leg", "mode", "ops/s", "p50", "p99",
		"CPU bch", "CPU pg", "CPU gw", "CPU rds", "CPU fl", "ops/PG", "ops/Rds", "CPU/PG", "CPU/Rds")
	for _, l := range loads {
		fmt.Fprintf(&sb, "%-34s %-31s %9.0f %8.0f %8.0f %8.1f %8.1f %8s %8.1f %8.1f", l.leg.name(), l.mode, l.opsPerSec(),
			onlineMicros(l.p50), onlineMicros(l.p99), l.cpuPerOp(l.cpu.self), l.cpuPerOp(l.cpu.pg), onlineGWCPU(l),
			l.cpuPerOp(l.cpu.rd), l.cpuPerOp(l.cpu.fl))
		for _, cpu := range []bool{false, true} {
			for _, ref := range []string{onlinePG, onlineRedis} {
				fmt.Fprintf(&sb, " %7s", onlineRatio(l, loads, ref, cpu))
			}
		}
		if n := onlineFeastNotes[l.leg.kind]; n != "" {
			fmt.Fprintf(&sb, "  %s", n)
		}
		sb.WriteByte('\n')
	}
	sb.WriteString("latencies in µs; CPU in µs per lookup of the benchmark's process (bch), PostgreSQL (pg), the gateway process (gw), redis-server (rds) and pgfloor (fl, a Go server answering from constant bytes); X/PG and X/Rds: the leg's figure over the PostgreSQL or Redis leg's, CPU that of the server each leg measures")
	return sb.String()
}

// onlineGWCPU is a leg's gateway CPU per lookup, or "-" when the gateway
// runs in the benchmark's process.
func onlineGWCPU(l onlineLoad) string {
	if l.mode == onlineInprocessLabel {
		return "-"
	}
	return fmt.Sprintf("%.1f", l.cpuPerOp(l.cpu.gw))
}

// onlineRatio is l's ops/s, or with cpu the CPU per lookup of the server
// it measures, over that of the leg of target ref with l's kind and
// clients among loads; "-" without one, when l is that leg, or for the
// CPU of a gateway in the benchmark's process.
func onlineRatio(l onlineLoad, loads []onlineLoad, ref string, cpu bool) string {
	r, ok := onlineFind(loads, l.leg.kind, l.leg.clients, ref)
	switch {
	case !ok || l.leg.target == ref:
		return "-"
	case !cpu:
		return onlineFmtRatio(l.opsPerSec() / r.opsPerSec())
	case !l.hasServerCPU():
		return "-"
	}
	return onlineFmtRatio(l.serverCPU() / r.serverCPU())
}

// onlineFmtRatio prints a ratio, "inf" when its denominator was 0.
func onlineFmtRatio(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "inf"
	}
	return fmt.Sprintf("%.2f", x)
}

// onlineFind is the leg of kind, clients and target among loads.
func onlineFind(loads []onlineLoad, kind string, clients int, target string) (onlineLoad, bool) {
	for _, l := range loads {
		if l.leg.kind == kind && l.leg.clients == clients && l.leg.target == target {
			return l, true
		}
	}
	return onlineLoad{}, false
}

func onlineMet(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
