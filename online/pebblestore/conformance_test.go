package pebblestore_test

import (
	"testing"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
	"github.com/featuregate/featuregate/online/pebblestore"
)

// TestConformance runs the online store suite on the Pebble store, a fresh
// directory per subtest.
func TestConformance(t *testing.T) {
	onlinetest.Run(t, func(t *testing.T) online.Store {
		s, err := pebblestore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
