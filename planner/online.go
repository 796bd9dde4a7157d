package planner

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/online"
)

// OnlineStore holds the latest feature values by entity key: the embedded
// Pebble store (online.Store) or its PostgreSQL twin (online/pgstore).
type OnlineStore interface {
	Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]online.Result, error)
	Write(ctx context.Context, rows []online.Row) (written int, err error)
	Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error)
	SetWatermark(ctx context.Context, project, view string, t time.Time) error
	DropView(ctx context.Context, project, view string) error
	DropProject(ctx context.Context, project string) error
}

// Offline runs queries on the offline PostgreSQL for materialization. The
// gateway gives it a pool that logs in as the read-only role, in read-only
// transactions (internal/offline.Pool); *pgxpool.Pool implements it too.
type Offline interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// WithOnline gives the planner its online store: lookups and MATERIALIZE.
func WithOnline(s OnlineStore) Option { return func(o *options) { o.online = s } }

// WithOffline gives the planner a connection pool to the offline store for
// materialization.
func WithOffline(q Offline) Option { return func(o *options) { o.offline = q } }

// onlineName is the name a feature view's values have in the online
// store: its name and a fingerprint of what its values mean (its features
// and their types, its entity's keys, its source), so that values written
// for one definition are never read as another's after CREATE OR REPLACE.
func onlineName(sn *catalog.Snapshot, v *catalog.FeatureView) string {
	h := fnv.New32a()
	for _, f := range v.Features {
		fmt.Fprintf(h, "f\x00%s\x00%s\x00", f.Name, f.Type)
	}
	if e, ok := sn.Find(catalog.KindEntity, v.Entity).(*catalog.Entity); ok {
		for _, k := range e.Keys {
			fmt.Fprintf(h, "k\x00%s\x00%s\x00", k.Name, k.Type)
		}
	}
	if src, ok := sn.Find(catalog.KindSource, v.Source).(*catalog.Source); ok {
		fmt.Fprintf(h, "s\x00%s\x00%s\x00%s\x00%s\x00", src.Table, src.Query, src.TimestampColumn, src.CreatedColumn)
	}
	return fmt.Sprintf("%s@%08x", v.Name, h.Sum32())
}

// ttlOf converts a view's TTL, a PostgreSQL interval such as "90 days" or
// "1 day 02:00:00", into a duration; 0 means none. A month counts 30
// days and a year 365.25, as PostgreSQL's interval arithmetic on epochs.
func ttlOf(v *catalog.FeatureView) (time.Duration, error) {
	if v.TTL == "" {
		return 0, nil
	}
	fields := strings.Fields(strings.ToLower(v.TTL))
	var d time.Duration
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") {
			var h, m int
			var s float64
			if _, err := fmt.Sscanf(f, "%d:%d:%g", &h, &m, &s); err != nil {
				return 0, fmt.Errorf("ttl %q: %w", v.TTL, err)
			}
			d += time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s*float64(time.Second))
			continue
		}
		if i+1 >= len(fields) {
			return 0, fmt.Errorf("ttl %q: a number needs a unit", v.TTL)
		}
		var n float64
		if _, err := fmt.Sscanf(f, "%g", &n); err != nil {
			return 0, fmt.Errorf("ttl %q: %w", v.TTL, err)
		}
		unit, ok := ttlUnits[strings.TrimSuffix(fields[i+1], "s")]
		if !ok {
			return 0, fmt.Errorf("ttl %q: unknown unit %q", v.TTL, fields[i+1])
		}
		d += time.Duration(n * float64(unit))
		i++
	}
	return d, nil
}

var ttlUnits = map[string]time.Duration{
	"microsecond": time.Microsecond, "millisecond": time.Millisecond,
	"second": time.Second, "sec": time.Second, "minute": time.Minute, "min": time.Minute,
	"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
	"mon": 30 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "year": 8766 * time.Hour,
}
