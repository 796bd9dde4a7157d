package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The targets and kinds of lookup legs.
const (
	onlineFG         = "featuregate"
	onlinePG         = "postgres"
	onlineSingleKind = "single"
	onlineBatchKind  = "batch"
	// onlineStmt is the name of each client's prepared statement.
	onlineStmt = "online_lookup"
)

// onlineLeg is one timed lookup workload.
type onlineLeg struct {
	kind    string // onlineSingleKind or onlineBatchKind
	target  string // onlineFG or onlinePG
	clients int
	dsn     string
	sql     string
	keys    int // keys per lookup: 1 is a scalar parameter, more an array
}

func (l onlineLeg) name() string { return fmt.Sprintf("%s/c%d/%s", l.kind, l.clients, l.target) }

// onlineLookupSQL is the lookup of a leg, on the feature view or on the
// baseline table.
func onlineLookupSQL(v onlineView, target, kind string) string {
	rel := v.view()
	if target == onlinePG {
		rel = v.baseline()
	}
	if kind == onlineBatchKind {
		return fmt.Sprintf("SELECT user_id, %s FROM %s WHERE user_id = ANY($1)", v.featureList(), rel)
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE user_id = $1", v.featureList(), rel)
}

// onlineLegPair is a lookup workload on PostgreSQL and on featuregate.
type onlineLegPair struct{ pg, fg onlineLeg }

func (p onlineLegPair) name() string { return fmt.Sprintf("%s/c%d", p.fg.kind, p.fg.clients) }

// onlinePairs are the lookup workloads in the order they run: single-key
// lookups of the 6-feature view, then 100-key batches of the 50-feature
// view, each with 1 and 16 clients.
func onlinePairs(fgDSN, pgDSN string) []onlineLegPair {
	var out []onlineLegPair
	for _, k := range []struct {
		kind string
		view onlineView
		keys int
	}{{onlineSingleKind, onlineViews[0], 1}, {onlineBatchKind, onlineViews[1], onlineBatch}} {
		for _, clients := range []int{1, 16} {
			leg := func(target, dsn string) onlineLeg {
				return onlineLeg{kind: k.kind, target: target, clients: clients, dsn: dsn,
					sql: onlineLookupSQL(k.view, target, k.kind), keys: k.keys}
			}
			out = append(out, onlineLegPair{pg: leg(onlinePG, pgDSN), fg: leg(onlineFG, fgDSN)})
		}
	}
	return out
}

// onlineLoad is the outcome of a leg.
type onlineLoad struct {
	leg           onlineLeg
	ops           int
	elapsed       time.Duration
	p50, p99, max time.Duration
	cpu           onlineCPU // used during the timed part
}

func (l onlineLoad) opsPerSec() float64 { return float64(l.ops) / l.elapsed.Seconds() }

// cpuPerOp is the CPU time of d per lookup, in µs.
func (l onlineLoad) cpuPerOp(d time.Duration) float64 {
	return onlineMicros(d) / float64(max(l.ops, 1))
}

// onlineRunLeg runs l for dur: each client warms up, then all start at
// once and look up random keys until dur has passed; every latency is
// kept, and the CPU time the timed part used.
func onlineRunLeg(ctx context.Context, l onlineLeg, keys []string, dur time.Duration, sample onlineCPUSampler) (onlineLoad, error) {
	conns, err := onlineConnect(ctx, l)
	defer func() {
		for _, c := range conns {
			_ = c.Close(ctx)
		}
	}()
	if err != nil {
		return onlineLoad{}, err
	}
	var (
		ready, done sync.WaitGroup
		start       = make(chan struct{})
		deadline    time.Time // written before start is closed
		lats        = make([][]time.Duration, len(conns))
		errs        = make([]error, len(conns))
	)
	for i, c := range conns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			cl := &onlineClient{conn: c, leg: l, keys: keys, rng: rand.New(rand.NewPCG(uint64(i), 42))}
			warmErr := cl.warm(ctx)
			ready.Done()
			<-start
			if warmErr != nil {
				errs[i] = warmErr
				return
			}
			lats[i], errs[i] = cl.run(ctx, deadline)
		}()
	}
	ready.Wait()
	cpu0, err := sample()
	if err != nil {
		return onlineLoad{}, err
	}
	began := time.Now()
	deadline = began.Add(dur)
	close(start)
	done.Wait()
	elapsed := time.Since(began)
	cpu1, err := sample()
	if err := errors.Join(append(errs, err)...); err != nil {
		return onlineLoad{}, err
	}
	r := onlineSummarize(l, lats, elapsed)
	r.cpu = cpu1.since(cpu0)
	return r, nil
}

// onlineConnect opens one connection per client, each with the leg's
// statement prepared.
func onlineConnect(ctx context.Context, l onlineLeg) ([]*pgx.Conn, error) {
	var conns []*pgx.Conn
	for range l.clients {
		c, err := pgx.Connect(ctx, l.dsn)
		if err != nil {
			return conns, fmt.Errorf("connect: %w", err)
		}
		conns = append(conns, c)
		if _, err := c.Prepare(ctx, onlineStmt, l.sql); err != nil {
			return conns, fmt.Errorf("prepare %s: %w", l.sql, err)
		}
	}
	return conns, nil
}

// onlineSummarize merges the clients' latencies into percentiles.
func onlineSummarize(l onlineLeg, lats [][]time.Duration, elapsed time.Duration) onlineLoad {
	all := slices.Concat(lats...)
	slices.Sort(all)
	r := onlineLoad{leg: l, ops: len(all), elapsed: elapsed}
	if len(all) > 0 {
		r.p50, r.p99, r.max = onlinePercentile(all, 50), onlinePercentile(all, 99), all[len(all)-1]
	}
	return r
}

// onlinePercentile is the nearest-rank p-th percentile of sorted values.
func onlinePercentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100 // ceil(n * p / 100)
	return sorted[max(rank, 1)-1]
}

// onlineClient is one client of a leg.
type onlineClient struct {
	conn *pgx.Conn
	leg  onlineLeg
	keys []string
	rng  *rand.Rand
}

// warm runs lookups for onlineLegWarmup, untimed.
func (c *onlineClient) warm(ctx context.Context) error {
	until := time.Now().Add(onlineLegWarmup)
	for time.Now().Before(until) {
		if err := c.once(ctx); err != nil {
			return err
		}
	}
	return nil
}

// run looks up until deadline and returns every latency.
func (c *onlineClient) run(ctx context.Context, deadline time.Time) ([]time.Duration, error) {
	lats := make([]time.Duration, 0, 1<<16)
	for t := time.Now(); t.Before(deadline); {
		if err := c.once(ctx); err != nil {
			return nil, err
		}
		now := time.Now()
		lats = append(lats, now.Sub(t))
		t = now
	}
	return lats, nil
}

// once runs one lookup of random keys and checks it returned one row per
// key; the values are checked by onlineVerify, not here, so that decoding
// them is no part of the measure.
func (c *onlineClient) once(ctx context.Context) error {
	var arg any
	if c.leg.keys == 1 {
		arg = c.keys[c.rng.IntN(len(c.keys))]
	} else {
		o := c.rng.IntN(len(c.keys) - c.leg.keys + 1)
		arg = c.keys[o : o+c.leg.keys]
	}
	rows, err := c.conn.Query(ctx, onlineStmt, arg)
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	if n != c.leg.keys {
		return fmt.Errorf("lookup of %d keys returned %d rows", c.leg.keys, n)
	}
	return nil
}
