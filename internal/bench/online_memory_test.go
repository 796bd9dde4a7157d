package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	// onlineMemDB is the database (and project) of the memory leg.
	onlineMemDB = "onlinememory"
	// onlineMemEntitiesEnv sets the entities of the memory leg.
	onlineMemEntitiesEnv     = "FEATUREGATE_ONLINE_MEMORY_ENTITIES"
	onlineMemDefaultEntities = 1_000_000
	// onlineMemLabel is the mode of the memory leg, a process whatever
	// FEATUREGATE_ONLINE_GATEWAY says: its RSS is what it measures.
	onlineMemLabel = onlineProcessLabel
	// onlineTargetRSS is issue 12's bound on the gateway's peak RSS.
	onlineTargetRSS = 150 << 20
)

// onlineMemResult is the outcome of the memory leg.
type onlineMemResult struct {
	entities      int
	matTime       time.Duration // MATERIALIZE of every entity
	peakAfterMat  int64         // VmHWM after MATERIALIZE, bytes
	peak, current int64         // VmHWM and VmRSS after the lookups
	loads         []onlineLoad  // the lookups
}

// onlineMemoryLeg materializes the 50-feature view for
// FEATUREGATE_ONLINE_MEMORY_ENTITIES entities (one snapshot each, so the
// source holds the latest values) in a new `featuregate serve` process of
// the binary bin (built if ""), checks a sample of its answers, looks up
// random keys with 16 clients for dur, one key then 100 keys at a time,
// and reads the process's peak RSS. The process is stopped when b ends.
func onlineMemoryLeg(b *testing.B, srv *localpg.Server, bin string, dur time.Duration) onlineMemResult {
	ctx := context.Background()
	r := onlineMemResult{entities: onlineEnvInt(b, onlineMemEntitiesEnv, onlineMemDefaultEntities, onlineBatch)}
	v := onlineViews[1]
	dsn, err := srv.CreateDB(ctx, onlineMemDB)
	if err != nil {
		b.Fatal(err)
	}
	if err := onlineMemGenerate(ctx, dsn, v, r.entities); err != nil {
		b.Fatal(err)
	}
	if bin == "" {
		bin = buildGateway(b)
	}
	p := startGatewayProc(b, bin, dsn, onlineMemDB)
	fgDSN := p.DSN("alice", onlineMemDB)
	if err := onlineMemMaterialize(ctx, fgDSN, v, &r); err != nil {
		b.Fatal(err)
	}
	if r.peakAfterMat, _, err = p.memory(); err != nil {
		b.Fatal(err)
	}
	keys := onlineKeys(r.entities)
	if err := onlineMemVerify(ctx, fgDSN, dsn, v, keys); err != nil {
		b.Fatalf("featuregate's values differ from PostgreSQL's: %v", err)
	}
	sample := onlineSampler(srv, p.cmd.Process.Pid, 0, 0)
	for _, n := range []int{1, onlineBatch} {
		kind := fmt.Sprintf("memory_%dx%d", n, v.features)
		l, err := onlineRunLeg(ctx, onlinePGXLeg(kind, onlineFG, fgDSN, v, n, 16), keys, dur, sample)
		if err != nil {
			b.Fatal(err)
		}
		l.mode = onlineMemLabel
		r.loads = append(r.loads, l)
	}
	if r.peak, r.current, err = p.memory(); err != nil {
		b.Fatal(err)
	}
	return r
}

// onlineMemGenerate creates v's source with one snapshot of entities
// entities and, as its baseline, a view of it.
func onlineMemGenerate(ctx context.Context, dsn string, v onlineView, entities int) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("memory leg: %w", err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		v.sourceSQL(entities, 1),
		fmt.Sprintf("ANALYZE %s", v.table()),
		fmt.Sprintf("CREATE VIEW %s AS SELECT user_id, %s FROM %s", v.baseline(), v.featureList(), v.table()),
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("memory leg: %s: %w", s, err)
		}
	}
	return nil
}

// onlineMemMaterialize defines v through the gateway and materializes it.
func onlineMemMaterialize(ctx context.Context, fgDSN string, v onlineView, r *onlineMemResult) error {
	conn, err := pgx.Connect(ctx, fgDSN)
	if err != nil {
		return fmt.Errorf("memory leg: %w", err)
	}
	defer conn.Close(ctx)
	for _, stmt := range append([]string{onlineEntitySQL}, v.catalogSQL()...) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("memory leg: %s: %w", stmt, err)
		}
	}
	r.matTime, _, err = onlineMaterializeView(ctx, fgDSN, v, int64(r.entities))
	return err
}

// onlineMemVerify compares a few batches of featuregate's answers with
// the source.
func onlineMemVerify(ctx context.Context, fgDSN, pgDSN string, v onlineView, keys []string) error {
	fg, err := pgx.Connect(ctx, fgDSN)
	if err != nil {
		return err
	}
	defer fg.Close(ctx)
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	for o := 0; o+onlineBatch <= min(len(keys), 5*onlineBatch); o += onlineBatch {
		if err := onlineVerifyBatch(ctx, fg, pg, v, keys[o:o+onlineBatch]); err != nil {
			return err
		}
	}
	return nil
}
