package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Issue 12's targets, as ratios of featuregate to PostgreSQL or Redis.
const (
	onlineTargetCPUvsPG      = 1.0 / 3 // gateway CPU per lookup or batch / PostgreSQL's
	onlineTargetCPUvsRedis   = 2.0     // gateway CPU per single-key lookup / redis-server's per HMGET
	onlineTargetSimple       = 1.5     // gateway CPU per lookup, simple / prepared
	onlineTargetThroughput   = 1.5     // ops/s at 16 clients / PostgreSQL's, p99 no worse
	onlineTargetThroughputAt = 16      // the clients of the throughput target
)

// onlineSummary gathers the results of BenchmarkOnline's sub-benchmarks
// as they run, for the summary at the end.
type onlineSummary struct {
	mode   string // the gateway's mode, onlineProcessLabel or onlineInprocessLabel
	about  string // the sizes of the run
	loads  []onlineLoad
	mem    *onlineMemResult // nil unless the memory leg ran
	gwPeak int64            // the gateway process's VmHWM at the end; 0 in mode inprocess
}

// onlineTarget is one of issue 12's targets and how the run fared.
type onlineTarget struct {
	name, mode, measured, verdict string
}

// onlineReportSummary prints every leg of the run in one table with issue
// 12's targets, and reports how many were missed. It prints to standard
// output, as the testing package keeps only the first 10 lines of a
// benchmark's log.
func onlineReportSummary(b *testing.B, s *onlineSummary) {
	b.ReportMetric(0, "ns/op")
	loads := slices.Clone(s.loads)
	if s.mem != nil {
		loads = append(loads, s.mem.loads...)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "summary, %s; %s\n", s.mode, s.about)
	sb.WriteString(onlineTable(loads) + "\n")
	if s.mem != nil {
		sb.WriteString(onlineMemLine(*s.mem) + "\n")
	}
	if s.gwPeak > 0 {
		fmt.Fprintf(&sb, "%s: featuregate serve peak RSS over the run %.1f MiB\n", s.mode, mib(s.gwPeak))
	}
	missed, counted, targets := 0, 0, s.targets()
	fmt.Fprintf(&sb, "%-62s %-31s %-46s %s\n", "target (issue 12)", "mode", "measured", "verdict")
	for _, t := range targets {
		if t.verdict == onlineMet(false) {
			missed++
		}
		if !strings.HasPrefix(t.name, onlineFloorPrefix) {
			counted++
		}
		fmt.Fprintf(&sb, "%-62s %-31s %-46s %s\n", t.name, t.mode, t.measured, t.verdict)
	}
	fmt.Print(sb.String())
	b.ReportMetric(float64(missed), "targets_missed")
	b.Logf("%s: %d of %d targets missed; the summary is printed above", s.mode, missed, counted)
}

// targets evaluates issue 12's targets on the legs that ran.
func (s *onlineSummary) targets() []onlineTarget {
	var out []onlineTarget
	for _, c := range []int{1, 16} {
		out = append(out,
			s.cpuRatioTarget(fmt.Sprintf("single c%d: gateway CPU/lookup <= 1/3 of PostgreSQL's", c),
				onlineSingleKind, c, onlineFG, onlinePG, onlineTargetCPUvsPG),
			s.cpuRatioTarget(fmt.Sprintf("single c%d: gateway CPU/lookup <= 2x redis-server's/HMGET", c),
				onlineSingleKind, c, onlineFG, onlineRedis, onlineTargetCPUvsRedis),
			s.simpleTarget(c),
			s.cpuRatioTarget(fmt.Sprintf("batch c%d: gateway CPU/batch <= 1/3 of PostgreSQL's", c),
				onlineBatchKind, c, onlineFG, onlinePG, onlineTargetCPUvsPG))
	}
	out = append(out, s.throughputTarget(onlineSingleKind), s.throughputTarget(onlineBatchKind), s.rssTarget())
	for _, c := range []int{1, 16} {
		out = append(out, s.floorLine(c))
	}
	return out
}

// onlineFloorPrefix starts the name of the summary's floor lines.
const onlineFloorPrefix = "(floor) single"

// floorLine is no target: it states the CPU per lookup of pgfloor, a Go
// server that does nothing but read each lookup and write a constant
// answer, over PostgreSQL's. No Go gateway can go below it, so a CPU
// target under that ratio cannot be met by one.
func (s *onlineSummary) floorLine(clients int) onlineTarget {
	t := s.cpuRatioTarget(fmt.Sprintf("%s c%d: a Go server doing no work, CPU/lookup", onlineFloorPrefix, clients),
		onlineSingleKind, clients, onlineFloor, onlinePG, onlineTargetCPUvsPG)
	if t.verdict == onlineMet(true) || t.verdict == onlineMet(false) {
		t.verdict = "reference: the least any Go gateway's CPU can be"
	}
	return t
}

// simpleTarget compares the gateway's CPU per single-key lookup with the
// simple protocol and with a prepared statement.
func (s *onlineSummary) simpleTarget(clients int) onlineTarget {
	return s.cpuRatioTarget(fmt.Sprintf("single c%d: gateway CPU/lookup simple <= 1.5x prepared", clients),
		onlineSingleKind, clients, onlineFGSimple, onlineFG, onlineTargetSimple)
}

// cpuRatioTarget is met when the server CPU per lookup of the leg of
// target over that of the leg of ref is at most limit.
func (s *onlineSummary) cpuRatioTarget(name, kind string, clients int, target, ref string, limit float64) onlineTarget {
	t := onlineTarget{name: name, mode: s.mode}
	l, ok1 := onlineFind(s.loads, kind, clients, target)
	r, ok2 := onlineFind(s.loads, kind, clients, ref)
	switch {
	case !ok1 || !ok2:
		t.measured, t.verdict = "-", "not run"
	case !l.hasServerCPU():
		t.measured, t.verdict = "-", "n/a: the gateway's CPU is the benchmark's"
	default:
		x := l.serverCPU() / r.serverCPU()
		t.measured = fmt.Sprintf("%.1f / %.1f µs = %s", l.serverCPU(), r.serverCPU(), onlineFmtRatio(x))
		t.verdict = onlineMet(x <= limit)
	}
	return t
}

// throughputTarget compares featuregate's and PostgreSQL's legs of kind
// at 16 clients: at least 1.5 times the lookups per second, with a p99
// no worse.
func (s *onlineSummary) throughputTarget(kind string) onlineTarget {
	c := onlineTargetThroughputAt
	t := onlineTarget{name: fmt.Sprintf("%s c%d: ops/s >= 1.5x PostgreSQL's, p99 no worse", kind, c), mode: s.mode}
	fg, ok1 := onlineFind(s.loads, kind, c, onlineFG)
	pg, ok2 := onlineFind(s.loads, kind, c, onlinePG)
	if !ok1 || !ok2 {
		t.measured, t.verdict = "-", "not run"
		return t
	}
	x := fg.opsPerSec() / pg.opsPerSec()
	t.measured = fmt.Sprintf("%sx, p99 %.0f vs %.0f µs", onlineFmtRatio(x), onlineMicros(fg.p99), onlineMicros(pg.p99))
	t.verdict = onlineMet(x >= onlineTargetThroughput && fg.p99 <= pg.p99)
	return t
}

// rssTarget checks the memory leg's peak RSS.
func (s *onlineSummary) rssTarget() onlineTarget {
	t := onlineTarget{name: "memory: gateway peak RSS < 150 MiB", mode: onlineMemLabel}
	if s.mem == nil {
		t.measured, t.verdict = "-", "not run"
		return t
	}
	t.measured = fmt.Sprintf("%.1f MiB (%d entities x 50 features)", mib(s.mem.peak), s.mem.entities)
	t.verdict = onlineMet(s.mem.peak < onlineTargetRSS)
	return t
}
