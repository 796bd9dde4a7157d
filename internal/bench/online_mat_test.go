package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// The materialization window: it holds every snapshot.
const (
	onlineFrom = "2024-01-01T00:00:00Z"
	onlineTo   = "2025-01-01T00:00:00Z"
)

// onlineMatResult is the materialization of one view against COPY on the
// same PostgreSQL.
type onlineMatResult struct {
	view       string
	sourceRows int64         // rows of the source (what COPY reads)
	entities   int64         // rows materialized: one per entity
	copyTime   time.Duration // COPY (SELECT * FROM source) TO STDOUT
	latestTime time.Duration // COPY of the newest row per entity, PostgreSQL alone
	matTime    time.Duration // MATERIALIZE through the gateway, client side
	matSeconds float64       // the seconds MATERIALIZE reports
	copyCPU    onlineCPU     // used by the timed COPY of the source
	matCPU     onlineCPU     // used by MATERIALIZE
}

func onlineRate(n int64, d time.Duration) float64 { return float64(n) / d.Seconds() }

// copyRate is COPY's read rate of the source, rows/s.
func (m onlineMatResult) copyRate() float64 { return onlineRate(m.sourceRows, m.copyTime) }

// latestRate is the rate at which PostgreSQL alone streams the newest row
// per entity (DISTINCT ON, as materialization asks it), entities/s.
func (m onlineMatResult) latestRate() float64 { return onlineRate(m.entities, m.latestTime) }

// sourceRate is the source rows materialization consumes per second.
func (m onlineMatResult) sourceRate() float64 { return onlineRate(m.sourceRows, m.matTime) }

// entityRate is the rows materialization writes per second.
func (m onlineMatResult) entityRate() float64 { return onlineRate(m.entities, m.matTime) }

// ratio is materialization's read rate of the source over COPY's.
func (m onlineMatResult) ratio() float64 { return m.sourceRate() / m.copyRate() }

// onlineMaterializeAll materializes every view of the benchmark.
func onlineMaterializeAll(ctx context.Context, fgDSN, pgDSN string, entities int, sample onlineCPUSampler) ([]onlineMatResult, error) {
	var mats []onlineMatResult
	for _, v := range onlineViews {
		m, err := onlineMaterialize(ctx, fgDSN, pgDSN, v, entities, sample)
		if err != nil {
			return nil, err
		}
		mats = append(mats, m)
	}
	return mats, nil
}

// onlineMaterialize times COPY of v's source (after an untimed warming
// COPY), COPY of its newest rows, then MATERIALIZE v through the gateway,
// and checks that every entity was written; the CPU time of the first
// and the last is sampled.
func onlineMaterialize(ctx context.Context, fgDSN, pgDSN string, v onlineView, entities int, sample onlineCPUSampler) (onlineMatResult, error) {
	m := onlineMatResult{view: v.name, entities: int64(entities)}
	direct, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return m, fmt.Errorf("materialize %s: %w", v.name, err)
	}
	defer direct.Close(ctx)
	all := fmt.Sprintf("COPY (SELECT * FROM %s) TO STDOUT", v.table())
	if _, _, err := onlineCopy(ctx, direct, all); err != nil { // warms the caches
		return m, err
	}
	cpu0, err := sample()
	if err != nil {
		return m, err
	}
	if m.sourceRows, m.copyTime, err = onlineCopy(ctx, direct, all); err != nil {
		return m, err
	}
	cpu1, err := sample()
	if err != nil {
		return m, err
	}
	m.copyCPU = cpu1.since(cpu0)
	latest := fmt.Sprintf(`COPY (SELECT DISTINCT ON (user_id) * FROM %s WHERE as_of >= '%s' AND as_of < '%s'
		ORDER BY user_id, as_of DESC) TO STDOUT`, v.table(), onlineFrom, onlineTo)
	n, d, err := onlineCopy(ctx, direct, latest)
	if err != nil {
		return m, err
	}
	if n != m.entities {
		return m, fmt.Errorf("%s: %d rows, want one per entity (%d)", latest, n, m.entities)
	}
	m.latestTime = d
	if cpu0, err = sample(); err != nil {
		return m, err
	}
	if m.matTime, m.matSeconds, err = onlineMaterializeView(ctx, fgDSN, v, m.entities); err != nil {
		return m, err
	}
	cpu1, err = sample()
	m.matCPU = cpu1.since(cpu0)
	return m, err
}

// onlineCopy runs a COPY … TO STDOUT into io.Discard and returns its rows
// and duration.
func onlineCopy(ctx context.Context, conn *pgx.Conn, sql string) (int64, time.Duration, error) {
	start := time.Now()
	tag, err := conn.PgConn().CopyTo(ctx, io.Discard, sql)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", sql, err)
	}
	return tag.RowsAffected(), time.Since(start), nil
}

// onlineMaterializeView runs MATERIALIZE v through the gateway and checks
// its result row: every entity read and written, none rejected.
func onlineMaterializeView(ctx context.Context, fgDSN string, v onlineView, entities int64) (time.Duration, float64, error) {
	conn, err := pgx.Connect(ctx, fgDSN)
	if err != nil {
		return 0, 0, fmt.Errorf("materialize %s: %w", v.name, err)
	}
	defer conn.Close(ctx)
	sql := fmt.Sprintf("MATERIALIZE %s FROM '%s' TO '%s'", v.view(), onlineFrom, onlineTo)
	var (
		name                    string
		from, to                time.Time
		read, written, rejected int64
		secs                    float64
	)
	start := time.Now()
	err = conn.QueryRow(ctx, sql, pgx.QueryExecModeSimpleProtocol).
		Scan(&name, &from, &to, &read, &written, &rejected, &secs)
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", sql, err)
	}
	if read != entities || written != entities || rejected != 0 {
		return 0, 0, fmt.Errorf("%s: read %d, written %d, rejected %d; want %d, %d, 0", sql, read, written, rejected, entities, entities)
	}
	return d, secs, nil
}
