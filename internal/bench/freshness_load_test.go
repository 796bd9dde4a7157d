package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// freshSample is a committed row to look for online: its key (entity),
// the seq of its transaction, and when that transaction's COMMIT
// returned to the writer (monotonic clock).
type freshSample struct {
	key, seq  int64
	committed time.Time
}

// freshResult is what one leg measured.
type freshResult struct {
	rows    int             // source rows committed
	elapsed time.Duration   // from the first COMMIT's start to the last's end
	lags    []time.Duration // per sample served: first seen online − COMMIT returned
	missed  int             // samples not served within freshTimeout
	lost    int             // committed rows not served after the run
	runs    int             // MATERIALIZE runs of leg materialize
	cpu     onlineCPU       // CPU time of the gateway and PostgreSQL (the writer's inserts too) over the leg
	wall    time.Duration   // the leg's time, the prober's wait for the last samples included
}

// freshRun writes leg's table at sz's rate for sz.seconds while a prober
// looks the samples up through the gateway at gwDSN; for leg materialize
// a loop runs MATERIALIZE INCREMENTAL meanwhile, until every sample was
// served or missed. sample reads the CPU times at the leg's start and
// end, while the writer's backend still runs.
func freshRun(ctx context.Context, offDSN, gwDSN, leg string, sz freshSizes, sample onlineCPUSampler) (freshResult, error) {
	writer, err := pgx.Connect(ctx, offDSN)
	if err != nil {
		return freshResult{}, err
	}
	defer writer.Close(context.WithoutCancel(ctx))
	// localpg runs with synchronous_commit = off, which delays the WAL
	// (and so the replication stream) up to wal_writer_delay; writers of
	// a deployment commit with PostgreSQL's default, on.
	if _, err := writer.Exec(ctx, "SET synchronous_commit = on"); err != nil {
		return freshResult{}, err
	}
	t0, err := sample()
	if err != nil {
		return freshResult{}, err
	}
	started := time.Now()
	stop := make(chan struct{})
	matDone := make(chan freshLoopEnd, 1)
	if leg == "materialize" {
		go func() { matDone <- freshMaterializeLoop(ctx, gwDSN, stop) }()
	} else {
		matDone <- freshLoopEnd{}
	}
	samples := make(chan freshSample, int(sz.seconds.Seconds())*freshCommits+freshCommits)
	probed := make(chan freshProbeEnd, 1)
	go func() { probed <- freshProbe(ctx, gwDSN, leg, samples) }()
	res, werr := freshWrite(ctx, writer, leg, sz, samples)
	close(samples)
	p := <-probed
	close(stop)
	m := <-matDone
	res.lags, res.missed, res.runs = p.lags, p.missed, m.runs
	t1, err := sample()
	res.cpu, res.wall = t1.since(t0), time.Since(started)
	return res, errors.Join(werr, p.err, m.err, err)
}

// freshInsertSQL inserts per rows into leg's table: keys $1 … $1+per-1
// (each a new entity), seq $2, and tag = key*31 + seq, so that a lookup
// can tell a value from the one committed.
func freshInsertSQL(leg string, per int) string {
	return fmt.Sprintf(`INSERT INTO fresh_%s SELECT $1::bigint + g, clock_timestamp(), clock_timestamp(), $2::bigint,
		($1::bigint + g) * 31 + $2::bigint FROM generate_series(0, %d) g`, leg, per-1)
}

// freshWrite commits freshCommits transactions of sz.per rows a second
// for sz.seconds (a tick the writer is late for is dropped, which lowers
// the rate reached) and sends each transaction's last row as a sample.
func freshWrite(ctx context.Context, conn *pgx.Conn, leg string, sz freshSizes, samples chan<- freshSample) (freshResult, error) {
	insert := freshInsertSQL(leg, sz.per)
	tick := time.NewTicker(time.Second / freshCommits)
	defer tick.Stop()
	var res freshResult
	started := time.Now()
	end := started.Add(sz.seconds)
	for seq := int64(1); ; seq++ {
		if now := <-tick.C; now.After(end) {
			break
		}
		first := (seq - 1) * int64(sz.per)
		if _, err := conn.Exec(ctx, insert, first, seq); err != nil {
			return res, fmt.Errorf("commit %d: %w", seq, err)
		}
		committed := time.Now()
		res.rows += sz.per
		res.elapsed = committed.Sub(started)
		samples <- freshSample{key: first + int64(sz.per) - 1, seq: seq, committed: committed}
	}
	return res, nil
}

// freshProbeEnd is what the prober measured.
type freshProbeEnd struct {
	lags   []time.Duration
	missed int
	err    error
}

// freshProbe looks every pending sample up through the gateway, all in
// one lookup, about once a millisecond, until each is served or older
// than freshTimeout, and the samples are closed. A sample's lag is taken
// when the lookup that served it returned: at most a poll interval and a
// round trip late.
func freshProbe(ctx context.Context, gwDSN, leg string, samples <-chan freshSample) freshProbeEnd {
	conn, err := pgx.Connect(ctx, gwDSN)
	if err != nil {
		return freshProbeEnd{err: err}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var (
		out     freshProbeEnd
		pending []freshSample
		closed  bool
	)
	for {
		pending, closed = freshReceive(samples, pending, closed)
		if len(pending) == 0 {
			return out
		}
		batch := pending[:min(len(pending), 1000)]
		keys := make([]int64, len(batch))
		for i, s := range batch {
			keys[i] = s.key
		}
		got, err := freshLookup(ctx, conn, leg, keys)
		if err != nil {
			out.err = err
			return out
		}
		now := time.Now()
		keep := make([]freshSample, 0, len(pending))
		for i, s := range pending {
			switch {
			case i < len(got) && got[i] != nil && *got[i] != s.seq:
				out.err = fmt.Errorf("key %d: seq %d online, committed %d", s.key, *got[i], s.seq)
				return out
			case i < len(got) && got[i] != nil:
				out.lags = append(out.lags, now.Sub(s.committed))
			case now.Sub(s.committed) > freshTimeout:
				out.missed++
			default:
				keep = append(keep, s)
			}
		}
		pending = keep
		time.Sleep(time.Millisecond)
	}
}

// freshReceive adds the samples that arrived to pending, waiting for one
// when none is pending and more may come; closed tells whether the
// channel was closed.
func freshReceive(samples <-chan freshSample, pending []freshSample, closed bool) ([]freshSample, bool) {
	if closed {
		return pending, true
	}
	if len(pending) == 0 {
		s, ok := <-samples
		if !ok {
			return pending, true
		}
		pending = append(pending, s)
	}
	for {
		select {
		case s, ok := <-samples:
			if !ok {
				return pending, true
			}
			pending = append(pending, s)
		default:
			return pending, false
		}
	}
}

// freshLookup looks keys up in leg's view through the gateway, in one
// lookup, and returns each key's seq, nil when the key is not served. A
// row whose tag is not its key's and seq's is an error.
func freshLookup(ctx context.Context, conn *pgx.Conn, leg string, keys []int64) ([]*int64, error) {
	sql := fmt.Sprintf("SELECT user_id, seq, tag FROM fresh_%s_fv WHERE user_id = ANY($1)", leg)
	rows, err := conn.Query(ctx, sql, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	out := make([]*int64, 0, len(keys))
	for rows.Next() {
		var key, seq, tag *int64
		if err := rows.Scan(&key, &seq, &tag); err != nil {
			return nil, fmt.Errorf("%s: %w", sql, err)
		}
		i := len(out)
		switch {
		case i >= len(keys):
			return nil, fmt.Errorf("%s: more rows than the %d keys", sql, len(keys))
		case seq == nil && tag == nil:
		case seq == nil || tag == nil || key == nil || *key != keys[i] || *tag != keys[i]*31+*seq:
			return nil, fmt.Errorf("%s: row %d is (%s, %s, %s), want key %d and tag = key*31 + seq",
				sql, i, freshText(key), freshText(seq), freshText(tag), keys[i])
		}
		out = append(out, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	if len(out) != len(keys) {
		return nil, fmt.Errorf("%s: %d rows for %d keys", sql, len(out), len(keys))
	}
	return out, nil
}

// freshText prints a nullable integer.
func freshText(v *int64) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(*v)
}

// freshLoopEnd is how the MATERIALIZE loop ended.
type freshLoopEnd struct {
	runs int
	err  error
}

// freshMaterializeLoop runs MATERIALIZE INCREMENTAL of leg materialize's
// view to now() through the gateway, again and again, until stop.
func freshMaterializeLoop(ctx context.Context, gwDSN string, stop <-chan struct{}) freshLoopEnd {
	conn, err := pgx.Connect(ctx, gwDSN)
	if err != nil {
		return freshLoopEnd{err: err}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var end freshLoopEnd
	for {
		select {
		case <-stop:
			return end
		default:
		}
		if _, err := conn.Exec(ctx, "MATERIALIZE INCREMENTAL fresh_materialize_fv TO now()"); err != nil {
			end.err = fmt.Errorf("MATERIALIZE INCREMENTAL: %w", err)
			return end
		}
		end.runs++
	}
}

// report reports leg's figures as metrics and returns its line.
func (r freshResult) report(b *testing.B, leg string, sz freshSizes) string {
	b.ReportMetric(0, "ns/op") // one op is the whole run
	rate := float64(r.rows) / r.elapsed.Seconds()
	kept := "kept"
	if rate < 0.98*float64(sz.rate) {
		kept = "NOT KEPT"
	}
	b.ReportMetric(rate, leg+"_rows/s")
	b.ReportMetric(float64(len(r.lags)), leg+"_samples")
	b.ReportMetric(float64(r.missed), leg+"_missed")
	b.ReportMetric(float64(r.lost), leg+"_rows_not_online")
	line := fmt.Sprintf("  %-11s %d rows in %.1f s: %.0f rows/s (rate %d: %s); %d samples served",
		leg, r.rows, r.elapsed.Seconds(), rate, sz.rate, kept, len(r.lags))
	if len(r.lags) > 0 {
		s := slices.Sorted(slices.Values(r.lags))
		p50, p99, top := onlinePercentile(s, 50), onlinePercentile(s, 99), s[len(s)-1]
		b.ReportMetric(ms(p50), leg+"_p50_ms")
		b.ReportMetric(ms(p99), leg+"_p99_ms")
		b.ReportMetric(ms(top), leg+"_max_ms")
		met := "met"
		if p99 >= freshTarget {
			met = "MISSED"
		}
		line += fmt.Sprintf(", lag p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < %v: %s)", ms(p50), ms(p99), ms(top), freshTarget, met)
	}
	line += fmt.Sprintf("; %d samples not served within %v; %d committed rows not online after the run", r.missed, freshTimeout, r.lost)
	if leg == "materialize" {
		b.ReportMetric(float64(r.runs)/r.wall.Seconds(), "materialize_runs/s")
		line += fmt.Sprintf("; %d MATERIALIZE runs", r.runs)
	}
	gw, pg := r.cpu.gw.Seconds()/r.wall.Seconds(), r.cpu.pg.Seconds()/r.wall.Seconds()
	b.ReportMetric(gw, leg+"_gateway_cores")
	b.ReportMetric(pg, leg+"_postgres_cores")
	return line + fmt.Sprintf("; CPU over the leg's %.1f s (the prober's lookups and the writer's inserts included): gateway %.2f cores, PostgreSQL %.2f cores",
		r.wall.Seconds(), gw, pg)
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
