package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// The targets of lookup legs: the system a leg's clients talk to.
const (
	onlinePG       = "postgres"           // the baseline table, pgx prepared statements
	onlineFG       = "featuregate"        // the feature view, pgx prepared statements
	onlineFGSimple = "featuregate_simple" // the feature view, pgx simple protocol
	onlineRedis    = "redis"              // redis-server, go-redis HMGET
	onlineHTTP     = "featuregate_http"   // POST /get-online-features
)

// The kinds of lookup legs.
const (
	onlineSingleKind = "single"      // 1 key x 6 features
	onlineBatchKind  = "batch"       // 100 keys x 50 features
	onlineHTTP1Kind  = "http_1x50"   // 1 key x 50 features over HTTP
	onlineHTTPNKind  = "http_100x50" // 100 keys x 50 features over HTTP
)

// onlineConn is one client's connection to the system a leg measures.
type onlineConn interface {
	// lookup looks keys up and checks that the answer has one row per
	// key; the values are checked by the verify steps, not here, so that
	// decoding them is no part of the measure.
	lookup(ctx context.Context, keys []string) error
	close(ctx context.Context)
}

// onlineLeg is one timed lookup workload.
type onlineLeg struct {
	kind    string // onlineSingleKind, …
	target  string // onlinePG, …
	clients int
	keys    int // keys per lookup
	// open connects one client.
	open func(ctx context.Context) (onlineConn, error)
}

func (l onlineLeg) name() string { return fmt.Sprintf("%s/c%d/%s", l.kind, l.clients, l.target) }

// onlineLoad is the outcome of a leg.
type onlineLoad struct {
	leg           onlineLeg
	mode          string // where the gateway ran: onlineModeLabel
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

// serverCPU is the CPU time per lookup, in µs, of the server the leg
// measures: PostgreSQL's, redis-server's or the gateway process's (0 when
// the gateway runs in the benchmark's process).
func (l onlineLoad) serverCPU() float64 {
	switch l.leg.target {
	case onlinePG:
		return l.cpuPerOp(l.cpu.pg)
	case onlineRedis:
		return l.cpuPerOp(l.cpu.rd)
	case onlineFloor:
		return l.cpuPerOp(l.cpu.fl)
	}
	return l.cpuPerOp(l.cpu.gw)
}

// hasServerCPU says whether serverCPU is measured: not for a gateway in
// the benchmark's process.
func (l onlineLoad) hasServerCPU() bool {
	return l.leg.target == onlinePG || l.leg.target == onlineRedis || l.leg.target == onlineFloor ||
		l.mode != onlineInprocessLabel
}

// onlineRunLeg runs l for dur: each client connects and warms up, then
// all start at once and look up random keys until dur has passed; every
// latency is kept, and the CPU time the timed part used.
func onlineRunLeg(ctx context.Context, l onlineLeg, keys []string, dur time.Duration, sample onlineCPUSampler) (onlineLoad, error) {
	conns, err := onlineConnect(ctx, l)
	defer func() {
		for _, c := range conns {
			c.close(ctx)
		}
	}()
	if err != nil {
		return onlineLoad{}, fmt.Errorf("%s: %w", l.name(), err)
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
			cl := &onlineClient{conn: c, n: l.keys, keys: keys, rng: rand.New(rand.NewPCG(uint64(i), 42))}
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
		return onlineLoad{}, fmt.Errorf("%s: %w", l.name(), err)
	}
	r := onlineSummarize(l, lats, elapsed)
	r.cpu = cpu1.since(cpu0)
	return r, nil
}

// onlineConnect opens one connection per client.
func onlineConnect(ctx context.Context, l onlineLeg) ([]onlineConn, error) {
	var conns []onlineConn
	for range l.clients {
		c, err := l.open(ctx)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
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
	conn onlineConn
	n    int      // keys per lookup
	keys []string // every key, shuffled
	rng  *rand.Rand
	one  [1]string // the key of a single-key lookup
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

// once runs one lookup of random keys: one key, or a window of
// consecutive keys of the shuffled list, so distinct random ones.
func (c *onlineClient) once(ctx context.Context) error {
	if c.n == 1 {
		c.one[0] = c.keys[c.rng.IntN(len(c.keys))]
		return c.conn.lookup(ctx, c.one[:])
	}
	o := c.rng.IntN(len(c.keys) - c.n + 1)
	return c.conn.lookup(ctx, c.keys[o:o+c.n])
}
