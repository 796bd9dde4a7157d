package pebblestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate/online"
)

// Bounds: the store keeps, for every view, a stamp no older than the
// stamp of any value the view holds (its 'b' key). A row newer than its
// view's bound is newer than whatever its key holds, so Write sets it
// without reading the stored value: pushes, streams and materialization
// mostly write rows newer than all before them, and for those the read,
// which was most of a write's cost, is gone.
//
// The bound only ever rises while the view's values exist: Write raises
// it in the batch that sets the values, and in memory before that batch
// commits, so a commit that fails, or lands later in the background,
// leaves the bound in memory above the values. DropView and DropProject
// delete the bounds with the values. The format key says that every view
// holding values has its bound: a store written before bounds were kept
// has none, and Open computes every view's bound from its values then,
// once, and writes them with the format key.

// boundsVersion is the value of the format key of a store that keeps
// bounds, and the first byte of a stored bound.
const boundsVersion byte = 1

// formatKey is the key that says the store keeps bounds.
var formatKey = []byte{prefixFormat}

// unreadable is the bound of a view holding a value whose stamp cannot be
// read: later than any time PostgreSQL stores, so every row of the view
// is compared with its stored value, as without bounds.
var unreadable = stamp{ts: time.Unix(1<<45, 0).UTC()}

// boundKey is the key of a view's bound, given the prefix of its data
// keys.
func boundKey(dataPrefix []byte) []byte {
	return append([]byte{prefixBound}, dataPrefix[1:]...)
}

// encodeStamp encodes a bound: the version, then TS and Created as the
// value encoding writes times (a zigzag varint of Unix seconds and a
// uvarint of nanoseconds each).
func encodeStamp(st stamp) []byte {
	b := []byte{boundsVersion}
	for _, t := range []time.Time{st.ts, st.created} {
		b = binary.AppendVarint(b, t.Unix())
		b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	}
	return b
}

// decodeStamp decodes what encodeStamp returned.
func decodeStamp(b []byte) (stamp, error) {
	if len(b) == 0 || b[0] != boundsVersion {
		return stamp{}, online.ErrCorrupt
	}
	b = b[1:]
	var ts [2]time.Time
	for i := range ts {
		sec, n := binary.Varint(b)
		if n <= 0 {
			return stamp{}, online.ErrCorrupt
		}
		nsec, m := binary.Uvarint(b[n:])
		if m <= 0 || nsec >= 1e9 {
			return stamp{}, online.ErrCorrupt
		}
		ts[i], b = time.Unix(sec, int64(nsec)).UTC(), b[n+m:]
	}
	return stamp{ts: ts[0], created: ts[1]}, nil
}

// bound is the bound of the view whose data keys start with dataPrefix,
// from memory or else from the store (zero when the view holds nothing).
// The caller holds the writer token.
func (s *Store) bound(dataPrefix []byte) (stamp, error) {
	if st, ok := s.bounds[string(dataPrefix)]; ok {
		return st, nil
	}
	raw, closer, err := s.db.Get(boundKey(dataPrefix))
	var st stamp
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return stamp{}, fmt.Errorf("pebblestore: read a view's bound: %w", err)
	default:
		st, err = decodeStamp(raw)
		closer.Close()
		if err != nil {
			st = unreadable
		}
	}
	s.bounds[string(dataPrefix)] = st
	return st, nil
}

// keepBounds makes sure the store opened as db keeps bounds. A store
// without the format key that holds values was written before bounds were
// kept: keepBounds computes every view's bound from its values and writes
// them with the format key, in one synced batch. One that holds no values
// needs no bounds yet: pending is true, and its first Write adds the
// format key (writing it here would make Pebble start a second log file
// at the first write, which takes a memtable's room on the disk).
func keepBounds(db *pebble.DB, log *slog.Logger) (pending bool, err error) {
	_, closer, err := db.Get(formatKey)
	if err == nil {
		return false, closer.Close()
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		return false, fmt.Errorf("pebblestore: read the format key: %w", err)
	}
	start := time.Now()
	bounds, n, err := scanBounds(db)
	if err != nil || n == 0 {
		return err == nil, err
	}
	b := db.NewBatch()
	defer b.Close()
	for prefix, st := range bounds {
		if err := b.Set(boundKey([]byte(prefix)), encodeStamp(st), nil); err != nil {
			return false, fmt.Errorf("pebblestore: write bounds: %w", err)
		}
	}
	if err := b.Set(formatKey, []byte{boundsVersion}, nil); err != nil {
		return false, fmt.Errorf("pebblestore: write bounds: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return false, fmt.Errorf("pebblestore: write bounds: %w", err)
	}
	log.Info("online store: computed the newest stamp of each view, once", "views", len(bounds), "values", n, "took", time.Since(start))
	return false, nil
}

// scanBounds reads every value of db and returns each view's newest
// stamp, by data key prefix, and how many values it read.
func scanBounds(db *pebble.DB) (map[string]stamp, int, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixData}, UpperBound: []byte{prefixData + 1}})
	if err != nil {
		return nil, 0, fmt.Errorf("pebblestore: scan values: %w", err)
	}
	defer it.Close()
	bounds := map[string]stamp{}
	var prefix []byte
	var max stamp
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
		k := it.Key()
		if prefix == nil || !bytes.HasPrefix(k, prefix) {
			if prefix != nil {
				bounds[string(prefix)] = max
			}
			prefix, max = append([]byte(nil), k[:viewPrefixLen(k)]...), stamp{}
		}
		ts, created, err := online.DecodeHeader(it.Value())
		if st := (stamp{ts, created}); err != nil {
			max = unreadable
		} else if st.newer(max) {
			max = st
		}
	}
	if prefix != nil {
		bounds[string(prefix)] = max
	}
	if err := it.Error(); err != nil {
		return nil, 0, fmt.Errorf("pebblestore: scan values: %w", err)
	}
	return bounds, n, nil
}

// viewPrefixLen is the length of the view prefix of data key k: the
// prefix byte and two escaped components (appendViewPrefix).
func viewPrefixLen(k []byte) int {
	ends := 0
	for i := 1; i+1 < len(k); i++ {
		if k[i] != 0 {
			continue
		}
		if k[i+1] == 0x01 {
			if ends++; ends == 2 {
				return i + 2
			}
		}
		i++ // 0x00 0xFF or the terminator: skip its second byte
	}
	return len(k)
}
