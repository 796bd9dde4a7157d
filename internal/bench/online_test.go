package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// onlineDB is the database (and project) of BenchmarkOnline.
	onlineDB = "onlinebench"

	onlineEntitiesEnv     = "FEATUREGATE_ONLINE_ENTITIES"      // entities in each source
	onlineSecondsEnv      = "FEATUREGATE_ONLINE_SECONDS"       // seconds per lookup leg
	onlineGatewayEnv      = "FEATUREGATE_ONLINE_GATEWAY"       // process (default) or inprocess
	onlineRowCacheEnv     = "FEATUREGATE_ONLINE_ROW_CACHE_MIB" // the lookup legs' gateway's online.row_cache_mib
	onlineGOMAXPROCSEnv   = "FEATUREGATE_ONLINE_GOMAXPROCS"    // the gateway process's GOMAXPROCS
	onlineDefaultEntities = 100000
	onlineDefaultSeconds  = 10

	// onlineBatch is the number of keys of a batch lookup.
	onlineBatch = 100
	// onlineSample is the number of keys whose values are checked against
	// the baseline after materialization.
	onlineSample = 2000
)

// Issue 5's target for materialization.
const onlineTargetMatRatio = 0.5 // materialization / COPY read rate

// onlineLegWarmup is how long each client looks up, untimed, before a leg.
const onlineLegWarmup = 200 * time.Millisecond

// BenchmarkOnline measures online serving in one run against the same
// work done directly on PostgreSQL and on Redis: MATERIALIZE against COPY
// of the source; single-key lookups of 6 features and 100-key batches of
// 50 features with 1 and 16 clients through pgx (prepared statements, and
// for single keys the simple protocol too) against a primary-key lookup
// in PostgreSQL and HMGETs in redis-server holding the same values; the
// HTTP API's /get-online-features with 1 and 100 keys of 50 features; and
// the gateway's peak RSS over a million materialized entities. The gateway
// is a `featuregate serve` process unless FEATUREGATE_ONLINE_GATEWAY says
// inprocess. The data are generated, materialized, loaded into Redis and
// every system's answers checked against the baseline once; each
// sub-benchmark logs its rows, and the last, summary, every leg with
// issue 12's targets. One op is a whole leg: use -benchtime 1x.
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
	gw := onlineGateway(b, srv, dsn)
	if err := onlineDefine(ctx, gw.dsn); err != nil {
		b.Fatal(err)
	}
	rds := onlineStartRedis(b)
	floor := onlineStartFloor(b)
	sample := onlineSampler(srv, gw.pid(), rds.pid(), floor.pid())
	mats, err := onlineMaterializeAll(ctx, gw.dsn, dsn, entities, sample)
	if err != nil {
		b.Fatal(err)
	}
	keys := onlineKeys(entities)
	onlineCheckAll(ctx, b, gw, rds, dsn, keys)
	sum := &onlineSummary{mode: gw.label(), about: fmt.Sprintf("%d entities (generated in %s), %s per lookup leg, online.row_cache_mib %s",
		entities, generated, dur, cmp.Or(os.Getenv(onlineRowCacheEnv), "0 (the default)"))}
	// Only sub-benchmarks' logs show without -v.
	b.Run("materialize", func(b *testing.B) { onlineReportMats(b, sum, mats) })
	for _, g := range onlineGroups(gw, dsn, rds, floor) {
		b.Run(g.name, func(b *testing.B) {
			loads, err := onlineRunGroup(ctx, g, keys, dur, sample, gw.label())
			if err != nil {
				b.Fatal(err)
			}
			sum.loads = append(sum.loads, loads...)
			onlineReportLoads(b, sum, loads)
		})
	}
	b.Run("memory", func(b *testing.B) {
		m := onlineMemoryLeg(b, srv, gw.bin, dur)
		sum.mem = &m
		onlineReportMemory(b, m)
	})
	b.Run("summary", func(b *testing.B) {
		if gw.proc != nil {
			peak, _, err := gw.proc.memory()
			if err != nil {
				b.Fatal(err)
			}
			sum.gwPeak = peak
		}
		onlineReportSummary(b, sum)
	})
}

// onlineCheckAll checks, before anything is timed, every system's answers
// for a sample of keys against the baseline (loading Redis first), so
// that a wrong or empty answer cannot pass for a fast one.
func onlineCheckAll(ctx context.Context, b *testing.B, gw *onlineGW, rds *onlineRedisServer, dsn string, keys []string) {
	b.Helper()
	if err := onlineVerify(ctx, gw.dsn, dsn, keys); err != nil {
		b.Fatalf("featuregate's values differ from PostgreSQL's: %v", err)
	}
	if err := onlineVerifyHTTP(ctx, gw.url, dsn, keys); err != nil {
		b.Fatalf("featuregate's HTTP answers differ from PostgreSQL's: %v", err)
	}
	if err := onlineRedisLoad(ctx, rds, dsn); err != nil {
		b.Fatal(err)
	}
	if err := onlineVerifyRedis(ctx, rds, dsn, keys); err != nil {
		b.Fatalf("Redis's values differ from PostgreSQL's: %v", err)
	}
}

// onlineGroup is a sub-benchmark: the legs of one workload, one per
// system, run one after the other.
type onlineGroup struct {
	name string
	legs []onlineLeg
}

// onlineGroups are the lookup workloads in the order they run: single-key
// lookups of the 6-feature view, 100-key batches of the 50-feature view,
// and the HTTP API with 1 and 100 keys of the 50-feature view, each with
// 1 and 16 clients. The single-key workloads end with the floor leg.
func onlineGroups(gw *onlineGW, pgDSN string, rds *onlineRedisServer, floor *onlineFloorServer) []onlineGroup {
	single, wide := onlineViews[0], onlineViews[1]
	var out []onlineGroup
	for _, c := range []int{1, 16} {
		out = append(out, onlineGroup{fmt.Sprintf("%s/c%d", onlineSingleKind, c), []onlineLeg{
			onlinePGXLeg(onlineSingleKind, onlinePG, pgDSN, single, 1, c),
			onlinePGXLeg(onlineSingleKind, onlineFG, gw.dsn, single, 1, c),
			onlinePGXLeg(onlineSingleKind, onlineFGSimple, gw.dsn, single, 1, c),
			onlineRedisLeg(onlineSingleKind, rds, single, 1, c),
			onlinePGXLeg(onlineSingleKind, onlineFloor, floor.dsn, single, 1, c),
		}})
	}
	for _, c := range []int{1, 16} {
		out = append(out, onlineGroup{fmt.Sprintf("%s/c%d", onlineBatchKind, c), []onlineLeg{
			onlinePGXLeg(onlineBatchKind, onlinePG, pgDSN, wide, onlineBatch, c),
			onlinePGXLeg(onlineBatchKind, onlineFG, gw.dsn, wide, onlineBatch, c),
			onlineRedisLeg(onlineBatchKind, rds, wide, onlineBatch, c),
		}})
	}
	for _, k := range []struct {
		kind string
		keys int
	}{{onlineHTTP1Kind, 1}, {onlineHTTPNKind, onlineBatch}} {
		for _, c := range []int{1, 16} {
			out = append(out, onlineGroup{fmt.Sprintf("%s/c%d", k.kind, c),
				[]onlineLeg{onlineHTTPLeg(k.kind, gw.url, wide, k.keys, c)}})
		}
	}
	return out
}

// onlineRunGroup runs the legs of g one after the other.
func onlineRunGroup(ctx context.Context, g onlineGroup, keys []string, dur time.Duration, sample onlineCPUSampler, mode string) ([]onlineLoad, error) {
	var out []onlineLoad
	for _, l := range g.legs {
		r, err := onlineRunLeg(ctx, l, keys, dur, sample)
		if err != nil {
			return nil, err
		}
		r.mode = mode
		out = append(out, r)
	}
	return out, nil
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

func onlineMicros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
