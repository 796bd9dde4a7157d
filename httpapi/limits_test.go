package httpapi_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// keysBody is a lookup of the driver view for n copies of one key.
func keysBody(n int) string {
	return `{"features": ["driver_fv:trips_today", "driver_fv:rating"], "entities": {"driver_id": [` +
		strings.TrimSuffix(strings.Repeat("1001,", n), ",") + `]}}`
}

// TestKeysPerLookup: a lookup of up to MaxKeysPerLookup keys is answered
// whole; one key more is 400 naming the limit; a 10 MiB body of five
// million keys is refused at once, without decoding them all.
func TestKeysPerLookup(t *testing.T) {
	f := newFixture(t, gatewaytest.Pebble)
	url := f.srv.URL + "/get-online-features"

	code, _, body := do(t, http.MethodPost, url, keysBody(10000))
	var res struct {
		Results []struct {
			Values   []any    `json:"values"`
			Statuses []string `json:"statuses"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &res); code != 200 || err != nil || len(res.Results) != 3 {
		t.Fatalf("10000 keys: %d %v %.200s", code, err, body)
	}
	for i, col := range res.Results {
		if len(col.Values) != 10000 || len(col.Statuses) != 10000 || col.Statuses[9999] != "PRESENT" {
			t.Fatalf("column %d: %d values, %d statuses", i, len(col.Values), len(col.Statuses))
		}
	}
	if v := res.Results[1].Values[9999]; v != float64(5) {
		t.Fatalf("trips_today of key 10000: %v", v)
	}

	code, _, body = do(t, http.MethodPost, url, keysBody(10001))
	if code != 400 || !strings.Contains(string(body), "entities.driver_id has more than 10000 values") ||
		!strings.Contains(string(body), "limits.max_keys_per_lookup") {
		t.Fatalf("10001 keys: %d %s", code, body)
	}

	huge := `{"features": ["driver_fv:rating"], "entities": {"driver_id": [` +
		strings.TrimSuffix(strings.Repeat("1,", 5_242_000), ",") + `]}}`
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	code, _, body = do(t, http.MethodPost, url, huge)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if code != 400 || !strings.Contains(string(body), "more than 10000 values") {
		t.Fatalf("5 million keys: %d %.300s", code, body)
	}
	t.Logf("refusing 5 million keys took %s", took) // bounded by memory, below; time depends on the machine's load
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("refusing 5 million keys allocated %d MiB", alloc>>20)
	}
}
