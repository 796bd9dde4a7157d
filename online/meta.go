package online

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// watermarkKey is the key of a view's watermark.
func watermarkKey(project, view string) []byte {
	return appendViewPrefix(nil, prefixWatermark, project, view)
}

// SetWatermark durably records t as view's materialization watermark: the
// time up to which its rows are in the store. Materialization calls it only
// after the rows' Write returned.
func (s *Store) SetWatermark(ctx context.Context, project, view string, t time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	v := appendTime([]byte{valueVersion}, t)
	if err := s.db.Set(watermarkKey(project, view), v, pebble.Sync); err != nil {
		return fmt.Errorf("online: set watermark of %s.%s: %w", project, view, err)
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
		return time.Time{}, false, fmt.Errorf("online: watermark of %s.%s: %w", project, view, err)
	}
	defer closer.Close()
	d := decoder{b: raw}
	if d.byte1() != valueVersion {
		d.fail()
	}
	t = d.time()
	if d.err != nil {
		return time.Time{}, false, fmt.Errorf("online: watermark of %s.%s: %w", project, view, d.err)
	}
	return t, true, nil
}

// DropView deletes every value of view and its watermark, durably.
func (s *Store) DropView(ctx context.Context, project, view string) error {
	return s.dropPrefixes(ctx,
		appendViewPrefix(nil, prefixData, project, view),
		appendViewPrefix(nil, prefixWatermark, project, view))
}

// DropProject deletes every value and watermark of project, durably.
func (s *Store) DropProject(ctx context.Context, project string) error {
	return s.dropPrefixes(ctx, projectPrefix(prefixData, project), projectPrefix(prefixWatermark, project))
}

// dropPrefixes range-deletes every key under the prefixes in one synced
// batch. It holds the write lock so that no Write interleaves.
func (s *Store) dropPrefixes(ctx context.Context, prefixes ...[]byte) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	b := s.db.NewBatch()
	defer b.Close()
	for _, p := range prefixes {
		if err := b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			return fmt.Errorf("online: drop: %w", err)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("online: drop: %w", err)
	}
	return nil
}
