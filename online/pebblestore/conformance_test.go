package pebblestore_test

import (
	"fmt"
	"testing"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
	"github.com/featuregate/featuregate/online/pebblestore"
)

// TestConformance runs the online store suite on the Pebble store, a fresh
// directory per subtest: without a row cache, with one too small to keep
// more than a few keys (every read also evicts), and with one that keeps
// everything the suite reads.
func TestConformance(t *testing.T) {
	for _, size := range []int64{0, 8 << 10, 8 << 20} {
		t.Run(fmt.Sprintf("rowcache=%d", size), func(t *testing.T) {
			onlinetest.Run(t, func(t *testing.T) online.Store {
				s, err := pebblestore.Open(t.TempDir(), pebblestore.WithRowCacheSize(size))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				return s
			})
		})
	}
}
