package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate/online"
)

// SetWatermark durably records t as view's materialization watermark: the
// time up to which its rows are in the store. Materialization calls it only
// after the rows' Write returned.
func (s *Store) SetWatermark(ctx context.Context, project, view string, t time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	b := s.db.NewBatch()
	if err := b.Set(watermarkKey(project, view), encodeWatermark(t), nil); err != nil {
		b.Close()
		s.release()
		return fmt.Errorf("pebblestore: set watermark of %s.%s: %w", project, view, err)
	}
	if err := s.commit(ctx, b, smallWrite, nil); err != nil {
		return fmt.Errorf("pebblestore: set watermark of %s.%s: %w", project, view, err)
	}
	return nil
}

// Watermark returns view's watermark; ok is false when none was set.
func (s *Store) Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error) {
	if err := s.check(ctx); err != nil {
		return time.Time{}, false, err
	}
	raw, closer, err := s.db.Get(watermarkKey(project, view))
	if errors.Is(err, pebble.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("pebblestore: watermark of %s.%s: %w", project, view, err)
	}
	defer closer.Close()
	if t, err = decodeWatermark(raw); err != nil {
		return time.Time{}, false, fmt.Errorf("pebblestore: watermark of %s.%s: %w", project, view, err)
	}
	return t, true, nil
}

// DropView deletes every value of view, its watermark and its bound,
// durably.
func (s *Store) DropView(ctx context.Context, project, view string) error {
	return s.dropPrefixes(ctx,
		appendViewPrefix(nil, prefixData, project, view),
		appendViewPrefix(nil, prefixWatermark, project, view),
		appendViewPrefix(nil, prefixBound, project, view))
}

// DropProject deletes every value, watermark and bound of project,
// durably.
func (s *Store) DropProject(ctx context.Context, project string) error {
	return s.dropPrefixes(ctx, projectPrefix(prefixData, project), projectPrefix(prefixWatermark, project),
		projectPrefix(prefixBound, project))
}

// dropPrefixes range-deletes every key under the prefixes in one synced
// batch. It holds the writer token so that no Write interleaves; the
// bounds in memory are forgotten once the batch committed or failed (the
// next Write reads them from the store).
func (s *Store) dropPrefixes(ctx context.Context, prefixes ...[]byte) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	b := s.db.NewBatch()
	for _, p := range prefixes {
		if err := b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			b.Close()
			s.release()
			return fmt.Errorf("pebblestore: drop: %w", err)
		}
	}
	if err := s.commit(ctx, b, smallWrite, dropWrite{s}); err != nil {
		return fmt.Errorf("pebblestore: drop: %w", err)
	}
	return nil
}

// watermarkVersion is the first byte of a stored watermark.
const watermarkVersion byte = 1

// encodeWatermark encodes a watermark: the version, then the time as the
// value encoding writes times (a zigzag varint of Unix seconds and a
// uvarint of nanoseconds).
func encodeWatermark(t time.Time) []byte {
	b := binary.AppendVarint([]byte{watermarkVersion}, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decodeWatermark decodes what encodeWatermark returned, in UTC.
func decodeWatermark(b []byte) (time.Time, error) {
	if len(b) == 0 || b[0] != watermarkVersion {
		return time.Time{}, online.ErrCorrupt
	}
	sec, n := binary.Varint(b[1:])
	if n <= 0 {
		return time.Time{}, online.ErrCorrupt
	}
	nsec, m := binary.Uvarint(b[1+n:])
	if m <= 0 || nsec >= 1e9 {
		return time.Time{}, online.ErrCorrupt
	}
	return time.Unix(sec, int64(nsec)).UTC(), nil
}
