package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate/online"
)

// getSQL reads the stored rows of some keys of a view. The value comes back
// only when the row is valid: no TTL ($4 NULL) or (ts, ts_ns) >= ($4, $5).
const getSQL = `
SELECT key, ts, ts_ns, created, created_ns,
	CASE WHEN $4::timestamptz IS NULL OR (ts, ts_ns) >= ($4, $5::int2) THEN value END
FROM featuregate_online.features
WHERE project = $1 AND view = $2 AND key = ANY($3::bytea[])`

// stored is one row read by Get.
type stored struct {
	ts, created time.Time
	value       []byte // nil when expired
}

// Get returns one Result per key of view, in request order. With ttl > 0 a
// value is valid when TS >= now-ttl (the boundary is valid, as in the
// offline rule) and Expired otherwise; ttl 0 means none.
func (s *Store) Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]online.Result, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	enc, distinct, err := encodeKeys(keys)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return []online.Result{}, nil
	}
	var oldest any // NULL: no TTL
	var oldestNs int16
	if ttl > 0 {
		oldest, oldestNs = split(now.Add(-ttl))
	}
	found, err := s.read(ctx, project, view, distinct, oldest, oldestNs)
	if err != nil {
		return nil, err
	}
	out := make([]online.Result, len(keys))
	for i, k := range enc {
		if out[i], err = result(found, k); err != nil {
			return nil, fmt.Errorf("pgstore: get key %d of %s.%s: %w", i+1, project, view, err)
		}
	}
	return out, nil
}

// encodeKeys encodes every key and also returns the distinct encodings.
func encodeKeys(keys [][]any) (enc []string, distinct [][]byte, err error) {
	enc = make([]string, len(keys))
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		b, err := online.EncodeKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("pgstore: get key %d: %w", i+1, err)
		}
		enc[i] = string(b)
		if !seen[enc[i]] {
			seen[enc[i]] = true
			distinct = append(distinct, b)
		}
	}
	return enc, distinct, nil
}

// read runs getSQL and returns the rows found by encoded key.
func (s *Store) read(ctx context.Context, project, view string, keys [][]byte, oldest any, oldestNs int16) (map[string]stored, error) {
	rows, err := s.pool.Query(ctx, getSQL, project, view, keys, oldest, oldestNs)
	if err != nil {
		return nil, wrap(ctx, "get from "+project+"."+view, err)
	}
	defer rows.Close()
	found := make(map[string]stored, len(keys))
	var (
		key, value []byte
		ts         time.Time
		created    pgtype.Timestamptz
		tsNs, crNs int16
	)
	for rows.Next() {
		if err := rows.Scan(&key, &ts, &tsNs, &created, &crNs, &value); err != nil {
			return nil, wrap(ctx, "get from "+project+"."+view, err)
		}
		st := stored{ts: join(ts, tsNs), value: value}
		if created.Valid {
			st.created = join(created.Time, crNs)
		}
		found[string(key)] = st
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, "get from "+project+"."+view, err)
	}
	return found, nil
}

// result decodes the stored row of one requested key, afresh for every
// request of it so that results never share their values.
func result(found map[string]stored, key string) (online.Result, error) {
	st, ok := found[key]
	if !ok {
		return online.Result{}, nil
	}
	if st.value == nil {
		return online.Result{Found: true, Expired: true, TS: st.ts, Created: st.created}, nil
	}
	_, _, values, err := online.DecodeValue(st.value)
	if err != nil {
		return online.Result{}, err
	}
	return online.Result{Found: true, TS: st.ts, Created: st.created, Values: values}, nil
}
