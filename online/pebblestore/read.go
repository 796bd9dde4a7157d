package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate/online"
)

// Get returns one Result per key of view, in request order. With ttl > 0 a
// value is valid when TS >= now-ttl (the boundary is valid, as in the
// offline rule) and Expired otherwise; ttl 0 means none.
func (s *Store) Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]online.Result, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	exp := expiry{on: ttl > 0, oldest: now.Add(-ttl)}
	out := make([]online.Result, len(keys))
	buf := make([]byte, 0, 64)
	for i, key := range keys {
		if i%256 == 255 && ctx.Err() != nil {
			return nil, fmt.Errorf("pebblestore: get: %w", ctx.Err())
		}
		k, err := appendDataKey(buf[:0], project, view, key)
		if err != nil {
			return nil, fmt.Errorf("pebblestore: get key %d of %s.%s: %w", i+1, project, view, err)
		}
		buf = k
		if out[i], err = s.get(k, exp); err != nil {
			return nil, fmt.Errorf("pebblestore: get key %d of %s.%s: %w", i+1, project, view, err)
		}
	}
	return out, nil
}

// expiry tells which values are expired: with on, those with TS < oldest.
type expiry struct {
	on     bool
	oldest time.Time
}

// get reads one key, from the row cache or from Pebble.
func (s *Store) get(key []byte, exp expiry) (online.Result, error) {
	if raw, hit, epoch := s.rows.get(key); hit {
		return decodeStored(raw, exp)
	} else {
		return s.getPebble(key, exp, epoch)
	}
}

// getPebble reads one key from Pebble, and caches what it read unless a
// write committed since the cache's epoch was read.
func (s *Store) getPebble(key []byte, exp expiry, epoch uint64) (online.Result, error) {
	raw, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		s.rows.put(key, nil, epoch)
		return online.Result{}, nil
	}
	if err != nil {
		return online.Result{}, err
	}
	defer closer.Close()
	s.rows.put(key, raw, epoch)
	return decodeStored(raw, exp)
}

// decodeStored decodes the stored bytes of a key; empty bytes are a key
// with nothing stored (as the row cache keeps it).
func decodeStored(raw []byte, exp expiry) (online.Result, error) {
	if len(raw) == 0 {
		return online.Result{}, nil
	}
	ts, created, err := online.DecodeHeader(raw)
	if err != nil {
		return online.Result{}, err
	}
	if exp.on && ts.Before(exp.oldest) {
		return online.Result{Found: true, Expired: true, TS: ts, Created: created}, nil
	}
	_, _, values, err := online.DecodeValue(raw)
	if err != nil {
		return online.Result{}, err
	}
	return online.Result{Found: true, TS: ts, Created: created, Values: values}, nil
}
