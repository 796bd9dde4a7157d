package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
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
	b := s.db.NewBatchWithSize(batchSize(enc))
	keys, err := s.fill(ctx, b, enc)
	if err != nil || len(keys) == 0 {
		b.Close()
		s.release()
		return 0, err
	}
	written = len(keys)
	if err := s.commit(ctx, b, s.disk.reserve+uint64(b.Len()), s.rows.keysWrite(keys)); err != nil {
		return 0, err
	}
	return written, nil
}

// batchSize is the size of a batch setting every row of enc: room made
// once, not grown by doubling (each step copies, and touches fresh pages).
func batchSize(enc []encodedRow) int {
	n := batchHeader
	for i := range enc {
		n += 1 + 2*binary.MaxVarintLen32 + len(enc[i].key) + len(enc[i].val)
	}
	return n
}

// batchHeader is the size of a Pebble batch's header (sequence number
// and count).
const batchHeader = 12

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
	prefix     int // the length of the view prefix of key
	view       int // the index of its view in the write's viewBounds
}

// viewBound is the bound of one view a write sets rows of: as it was
// before the write, and raised by the rows set so far.
type viewBound struct {
	prefix      []byte
	old, raised stamp
}

// fill sets in b the rows that are newer than what the store holds and
// than the rows of the call set before them, raises their views' bounds
// in b and in memory, and returns the keys it set, one per accepted row.
// b is a plain batch (appending is all a Set costs); what it holds is
// tracked in a map instead of being read back from it. The stored stamps
// of rows not newer than their view's bound are read first, by parallel
// readers (the caller holds the writer token, so nothing changes them
// meanwhile).
func (s *Store) fill(ctx context.Context, b *pebble.Batch, enc []encodedRow) (keys [][]byte, err error) {
	views, err := s.viewBounds(enc)
	if err != nil {
		return nil, err
	}
	if err := readStamps(ctx, s.db, enc, views); err != nil {
		return nil, err
	}
	set := make(map[string]int32, len(enc)) // the row last set for a key
	keys = make([][]byte, 0, len(enc))
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
		if v := &views[e.view]; e.st.newer(v.raised) {
			v.raised = e.st
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return keys, s.raiseBounds(b, views)
}

// viewBounds sets the view of every row and returns the bounds of the
// views of enc.
func (s *Store) viewBounds(enc []encodedRow) ([]viewBound, error) {
	var views []viewBound
	for i := range enc {
		e := &enc[i]
		p := e.key[:e.prefix]
		if n := len(views); n > 0 && bytes.Equal(views[n-1].prefix, p) { // the rows of a write are mostly of one view
			e.view = n - 1
			continue
		}
		e.view = slices.IndexFunc(views, func(v viewBound) bool { return bytes.Equal(v.prefix, p) })
		if e.view >= 0 {
			continue
		}
		st, err := s.bound(p)
		if err != nil {
			return nil, err
		}
		e.view, views = len(views), append(views, viewBound{prefix: p, old: st, raised: st})
	}
	return views, nil
}

// raiseBounds sets in b the bounds that the rows set raised, and raises
// them in memory now: were the commit to fail, or to land later, a bound
// in memory above the stored values is still a bound. The first Write of
// a store that had no format key sets it too.
func (s *Store) raiseBounds(b *pebble.Batch, views []viewBound) error {
	if s.formatPending {
		if err := b.Set(formatKey, []byte{boundsVersion}, nil); err != nil {
			return fmt.Errorf("pebblestore: batch set: %w", err)
		}
		s.formatPending = false // a lost commit leaves the key absent: Open computes the bounds then
	}
	for _, v := range views {
		if !v.raised.newer(v.old) {
			continue
		}
		if err := b.Set(boundKey(v.prefix), encodeStamp(v.raised), nil); err != nil {
			return fmt.Errorf("pebblestore: batch set: %w", err)
		}
		s.bounds[string(v.prefix)] = v.raised
	}
	return nil
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
		if buf, err = r.AppendKey(append(buf, prefix...)); err != nil {
			return fmt.Errorf("pebblestore: write row %d: %w", i+1, err)
		}
		mid := len(buf)
		if buf, err = r.AppendValue(buf); err != nil {
			return fmt.Errorf("pebblestore: write row %d: %w", i+1, err)
		}
		offs = append(offs, [3]int{start, mid, len(buf)})
		enc[i].st, enc[i].prefix = stamp{r.TS, r.Created}, len(prefix)
		if i == lo { // room for the part's rows if they are about the first's size, within reason
			buf = slices.Grow(buf, min((hi-lo-1)*len(buf)*9/8, maxPresize))
		}
	}
	for j, o := range offs { // buf no longer moves
		enc[lo+j].key, enc[lo+j].val = buf[o[0]:o[1]:o[1]], buf[o[1]:o[2]:o[2]]
	}
	return nil
}

// maxPresize bounds the room encodePart makes from its first row's size:
// a large first row must not make a part reserve gigabytes for rows that
// are small; past it the buffer grows as rows come.
const maxPresize = 64 << 20

// readStamps reads the stored stamp of every row's key that is not newer
// than its view's bound, in parallel parts.
func readStamps(ctx context.Context, db *pebble.DB, enc []encodedRow, views []viewBound) error {
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
				e := &enc[i]
				if e.st.newer(views[e.view].old) {
					continue // newer than every stored value of its view
				}
				if e.stored, e.found, errs[p] = storedStamp(db, e.key); errs[p] != nil {
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
