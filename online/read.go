package online

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Result is the stored value of one requested key. Found is false when the
// store holds nothing for the key. Expired is true when the value is older
// than the TTL; TS and Created are then set but Values is nil.
type Result struct {
	Found       bool
	Expired     bool
	TS, Created time.Time
	Values      []any
}

// Get returns one Result per key of view, in request order. With ttl > 0 a
// value is valid when TS >= now-ttl (the boundary is valid, as in the
// offline rule of SURFACE.md §2.2) and Expired otherwise; ttl 0 means none.
func (s *Store) Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]Result, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	exp := expiry{on: ttl > 0, oldest: now.Add(-ttl)}
	out := make([]Result, len(keys))
	buf := make([]byte, 0, 64)
	for i, key := range keys {
		if i%256 == 255 && ctx.Err() != nil {
			return nil, fmt.Errorf("online: get: %w", ctx.Err())
		}
		k, err := appendDataKey(buf[:0], project, view, key)
		if err != nil {
			return nil, fmt.Errorf("online: get key %d: %w", i+1, err)
		}
		buf = k
		if out[i], err = s.get(k, exp); err != nil {
			return nil, fmt.Errorf("online: get key %d: %w", i+1, err)
		}
	}
	return out, nil
}

// expiry tells which values are expired: with on, those with TS < oldest.
type expiry struct {
	on     bool
	oldest time.Time
}

// get reads one key.
func (s *Store) get(key []byte, exp expiry) (Result, error) {
	raw, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	defer closer.Close()
	ts, created, err := decodeHeader(raw)
	if err != nil {
		return Result{}, err
	}
	if exp.on && ts.Before(exp.oldest) {
		return Result{Found: true, Expired: true, TS: ts, Created: created}, nil
	}
	_, _, values, err := decodeValue(raw)
	if err != nil {
		return Result{}, err
	}
	return Result{Found: true, TS: ts, Created: created, Values: values}, nil
}
