package pebblestore

import (
	"context"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// t0 is a fixed base time for tests.
var t0 = time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func newStore(t testing.TB) *Store {
	t.Helper()
	s := openStore(t, t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustWrite(t testing.TB, s *Store, rows ...online.Row) int {
	t.Helper()
	n, err := s.Write(context.Background(), rows)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return n
}

func mustGet(t testing.TB, s *Store, project, view string, keys ...[]any) []online.Result {
	t.Helper()
	res, err := s.Get(context.Background(), project, view, keys, t0, 0)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return res
}

func key(parts ...any) []any { return parts }
