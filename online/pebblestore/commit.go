package pebblestore

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// acquire takes the writer token. It gives up when ctx is done, or when
// the token stays held while a background job fails to write and does
// not recover (waitHealthy): the holder waits for a flush that the full
// disk prevents.
func (s *Store) acquire(ctx context.Context) error {
	if b := s.broken.Load(); b != nil {
		return diskFull(fmt.Errorf("the store stopped writing after %w; restart the gateway once space is free", *b))
	}
	for {
		failing, healthy, _ := s.disk.state()
		select {
		case s.writer <- struct{}{}:
			return nil
		case <-failing:
			if err := s.disk.waitHealthy(ctx, healthy); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("pebblestore: %w", ctx.Err())
		}
	}
}

func (s *Store) release() { <-s.writer }

// commit commits b durably and releases the writer token, once there are
// need bytes free on the disk. When the commit goes ahead, cw (which may
// be nil) opens the row cache's write window just before it and closes
// it once the commit ended, whether it succeeded or not, before commit
// returns its outcome (the row cache drops what b wrote there). The
// commit runs on its own goroutine: when
// ctx ends or a background job fails to write while it waits (the disk is
// full, so the memtable cannot be flushed to make room), commit returns
// at once with an error, and the commit goes on in the background,
// holding the token, until the disk has room again; its rows may then
// still be written, which newer-wins makes harmless.
func (s *Store) commit(ctx context.Context, b *pebble.Batch, need uint64, cw cacheWrite) error {
	if err := s.disk.room(need + uint64(b.Len())); err != nil {
		b.Close()
		s.release()
		return err
	}
	done := make(chan error, 1)
	go func() {
		defer s.release()
		defer b.Close()
		if cw != nil {
			cw.begin()
		}
		err := s.syncCommit(b)
		if cw != nil {
			cw.end()
		}
		done <- err
	}()
	for {
		failing, healthy, _ := s.disk.state()
		select {
		case err := <-done:
			if err != nil {
				if isDiskError(err) {
					return diskFull(err)
				}
				return fmt.Errorf("pebblestore: commit: %w", err)
			}
			return nil
		case <-failing:
			if err := s.disk.waitHealthy(ctx, healthy); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("pebblestore: commit: %w", ctx.Err())
		}
	}
}

// syncCommit commits b with Sync. Pebble panics when its write-ahead log
// cannot be written; that is turned into an error, and the store refuses
// writes from then on.
func (s *Store) syncCommit(b *pebble.Batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				e = fmt.Errorf("%v", r)
			}
			err = fmt.Errorf("a failed write-ahead log write: %w", e)
			s.broken.Store(&err)
			s.disk.log.Error("online store: the write-ahead log cannot be written; writes are refused until the gateway restarts",
				"err", e.Error(), "dir", s.disk.dir)
		}
	}()
	return b.Commit(pebble.Sync)
}
