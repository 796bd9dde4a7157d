package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/online"
)

// Write stores the rows that are newer than what the store holds: a row
// replaces the stored value of its key only when (TS, Created) is strictly
// greater; older or equal rows are skipped and not counted. Rows of one
// call are compared in order, also against each other, and are committed
// in one durable (synced) Pebble batch: after a crash either all of the
// call's accepted rows are there or none. written counts accepted rows.
func (s *Store) Write(ctx context.Context, rows []online.Row) (written int, err error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	// One writer at a time: the read-compare-write of a key must not
	// interleave with another writer's, or an older row could win.
	if err := s.acquire(ctx); err != nil {
		return 0, err
	}
	b := s.db.NewIndexedBatch()
	keys, err := fill(ctx, b, rows)
	if err != nil || len(keys) == 0 {
		b.Close()
		s.release()
		return 0, err
	}
	written = len(keys)
	after := func() { s.rows.invalidate(keys) }
	if err := s.commit(ctx, b, s.disk.reserve+uint64(b.Len()), after); err != nil {
		return 0, err
	}
	return written, nil
}

// fill sets in b the rows that are newer than what b holds, and returns
// the keys it set, one per accepted row.
func fill(ctx context.Context, b *pebble.Batch, rows []online.Row) (keys [][]byte, err error) {
	var key, val []byte
	for i := range rows {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("pebblestore: write: %w", ctx.Err())
		}
		ok, err := applyRow(b, &rows[i], &key, &val)
		if err != nil {
			return nil, fmt.Errorf("pebblestore: write row %d: %w", i+1, err)
		}
		if ok {
			keys = append(keys, bytes.Clone(key))
		}
	}
	return keys, nil
}

// applyRow sets r in b when it is newer than the value b (or the DB
// beneath it) holds; key and val are reused buffers.
func applyRow(b *pebble.Batch, r *online.Row, key, val *[]byte) (bool, error) {
	if r.Project == "" || r.View == "" {
		return false, featuregate.Errorf(featuregate.KindInvalid, "pebblestore: row without project or view")
	}
	k, err := appendDataKey((*key)[:0], r.Project, r.View, r.Key)
	if err != nil {
		return false, err
	}
	*key = k
	// Encode first so that a bad row fails whether or not it is newer.
	v, err := online.AppendValue((*val)[:0], r.TS, r.Created, r.Values)
	if err != nil {
		return false, err
	}
	*val = v
	newer, err := isNewer(b, k, r.TS, r.Created)
	if err != nil || !newer {
		return false, err
	}
	if err := b.Set(k, v, nil); err != nil {
		return false, fmt.Errorf("pebblestore: batch set: %w", err)
	}
	return true, nil
}

// isNewer reports whether (ts, created) is strictly greater than the stored
// value's, or nothing is stored under key.
func isNewer(b *pebble.Batch, key []byte, ts, created time.Time) (bool, error) {
	old, closer, err := b.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("pebblestore: get: %w", err)
	}
	defer closer.Close()
	oldTS, oldCreated, err := online.DecodeHeader(old)
	if err != nil {
		return false, err
	}
	if c := ts.Compare(oldTS); c != 0 {
		return c > 0, nil
	}
	return created.Compare(oldCreated) > 0, nil
}
