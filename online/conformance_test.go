package online_test

import (
	"testing"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
)

// TestConformance runs the online store suite on the Pebble store, a fresh
// directory per subtest.
func TestConformance(t *testing.T) {
	onlinetest.Run(t, func(t *testing.T) onlinetest.Store {
		s, err := online.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
