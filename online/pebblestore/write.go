package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

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
	// Encoding needs no lock: a bad row fails before anything is read.
	enc, err := encodeRows(rows)
	if err != nil {
		return 0, err
	}
	// One writer at a time: the read-compare-write of a key must not
	// interleave with another writer's, or an older row could win.
	if err := s.acquire(ctx); err != nil {
		return 0, err
	}
	b := s.db.NewBatch()
	keys, err := fill(ctx, s.db, b, enc)
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

// stamp is the (TS, Created) of a value: the newer one wins.
type stamp struct{ ts, created time.Time }

// newer reports whether s is strictly greater than old.
func (s stamp) newer(old stamp) bool {
	if c := s.ts.Compare(old.ts); c != 0 {
		return c > 0
	}
	return s.created.Compare(old.created) > 0
}

// encodedRow is a row of a write as Pebble stores it, and the stamp of
// the value the store holds for its key (found false: none).
type encodedRow struct {
	key, val   []byte
	st, stored stamp
	found      bool
}

// fill sets in b the rows that are newer than what db holds and than
// the rows of the call set before them, and returns the keys it set, one
// per accepted row. b is a plain batch (appending is all a Set costs);
// what it holds is tracked in a map instead of being read back from it.
// The stored stamps are read first, by parallel readers (the caller
// holds the write lock, so nothing changes them meanwhile).
func fill(ctx context.Context, db *pebble.DB, b *pebble.Batch, enc []encodedRow) (keys [][]byte, err error) {
	if err := readStamps(ctx, db, enc); err != nil {
		return nil, err
	}
	set := make(map[string]int32, len(enc)) // the row last set for a key
	for i := range enc {
		e := &enc[i]
		if j, ok := set[string(e.key)]; ok {
			if !e.st.newer(enc[j].st) {
				continue
			}
		} else if e.found && !e.st.newer(e.stored) {
			continue
		}
		if err := b.Set(e.key, e.val, nil); err != nil {
			return nil, fmt.Errorf("pebblestore: batch set: %w", err)
		}
		// The map's key shares the encoded key's bytes, never written again.
		set[unsafe.String(&e.key[0], len(e.key))] = int32(i)
		keys = append(keys, e.key)
	}
	return keys, nil
}

// parts splits n items into ranges for GOMAXPROCS workers, none under
// minPart items.
func parts(n int) [][2]int {
	const minPart = 1024
	k := max(1, min(runtime.GOMAXPROCS(0), n/minPart))
	out := make([][2]int, k)
	for i := range out {
		out[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return out
}

// encodeRows encodes rows, in parallel parts; each part's keys and
// values share one buffer. The error is the first bad row's.
func encodeRows(rows []online.Row) ([]encodedRow, error) {
	enc := make([]encodedRow, len(rows))
	ps := parts(len(rows))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for p, r := range ps {
		wg.Go(func() { errs[p] = encodePart(rows, enc, r[0], r[1]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return enc, nil
}

// encodePart encodes rows [lo, hi) into enc.
func encodePart(rows []online.Row, enc []encodedRow, lo, hi int) error {
	var buf, prefix []byte
	var project, view string         // of prefix
	offs := make([][3]int, 0, hi-lo) // per row: key start, value start, value end
	for i := lo; i < hi; i++ {
		r := &rows[i]
		if r.Project == "" || r.View == "" {
			return fmt.Errorf("pebblestore: write row %d: %w", i+1, featuregate.Errorf(featuregate.KindInvalid, "pebblestore: row without project or view"))
		}
		if prefix == nil || r.Project != project || r.View != view { // the rows of a write are mostly of one view
			project, view, prefix = r.Project, r.View, appendViewPrefix(nil, prefixData, r.Project, r.View)
		}
		start := len(buf)
		var err error
		if buf, err = online.AppendKey(append(buf, prefix...), r.Key); err != nil {
			return fmt.Errorf("pebblestore: write row %d: %w", i+1, err)
		}
		mid := len(buf)
		if buf, err = online.AppendValue(buf, r.TS, r.Created, r.Values); err != nil {
			return fmt.Errorf("pebblestore: write row %d: %w", i+1, err)
		}
		offs = append(offs, [3]int{start, mid, len(buf)})
		enc[i].st = stamp{r.TS, r.Created}
	}
	for j, o := range offs { // buf no longer moves
		enc[lo+j].key, enc[lo+j].val = buf[o[0]:o[1]:o[1]], buf[o[1]:o[2]:o[2]]
	}
	return nil
}

// readStamps reads the stored stamp of every row's key, in parallel parts.
func readStamps(ctx context.Context, db *pebble.DB, enc []encodedRow) error {
	ps := parts(len(enc))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for p, r := range ps {
		wg.Go(func() {
			for i := r[0]; i < r[1]; i++ {
				if (i-r[0])%256 == 0 && ctx.Err() != nil {
					errs[p] = fmt.Errorf("pebblestore: write: %w", ctx.Err())
					return
				}
				if enc[i].stored, enc[i].found, errs[p] = storedStamp(db, enc[i].key); errs[p] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// storedStamp is the stamp of the value db stores under key; found is
// false when there is none.
func storedStamp(db *pebble.DB, key []byte) (st stamp, found bool, err error) {
	old, closer, err := db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return stamp{}, false, nil
	}
	if err != nil {
		return stamp{}, false, fmt.Errorf("pebblestore: get: %w", err)
	}
	defer closer.Close()
	ts, created, err := online.DecodeHeader(old)
	return stamp{ts, created}, err == nil, err
}
