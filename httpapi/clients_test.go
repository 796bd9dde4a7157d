package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// TestSameAsWire checks that the HTTP API and a pgx lookup through the
// gateway's PostgreSQL wire serve the same values for the same keys, on
// both online stores.
func TestSameAsWire(t *testing.T) {
	users := []string{"7590-VHVEG", "0000-NOPE", "5575-GNVDE", "9999-EARLY"}
	refs := []string{"subs_profile_fv:months_active", "subs_profile_fv:monthly_fee", "subs_profile_fv:paperless_billing",
		"subs_profile_fv:net_service", "usage_agg_30d_fv:watch_hours_30d"}
	names := []string{"user_id", "months_active", "monthly_fee", "paperless_billing", "net_service", "watch_hours_30d"}
	sql := "SELECT user_id, months_active, monthly_fee, paperless_billing, net_service, usage_agg_30d_fv__watch_hours_30d " +
		"FROM features WHERE user_id = ANY($1)"
	for _, st := range onlineStores {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t, st.kind)
			wire := wireLookup(t, f, sql, users)
			body, _ := json.Marshal(map[string]any{"features": refs, "entities": map[string]any{"user_id": users}})
			code, _, b := do(t, http.MethodPost, f.srv.URL+"/get-online-features", string(body))
			if code != 200 {
				t.Fatalf("status %d: %s", code, b)
			}
			web := httpColumns(t, b, names)
			if len(wire) != len(users) {
				t.Fatalf("the wire gave %d rows for %d keys", len(wire), len(users))
			}
			for i := range users {
				for c := range wire[i] {
					if wire[i][c] != web[c][i] {
						t.Errorf("%s of %s: wire %s, HTTP %s", names[c], users[i], wire[i][c], web[c][i])
					}
				}
			}
		})
	}
}

// wireLookup runs a lookup through the gateway with pgx and returns each
// row's values as fmt prints them.
func wireLookup(t *testing.T, f *fixture, sql string, args ...any) [][]string {
	t.Helper()
	rows, err := f.connect(t).Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// httpColumns picks the named columns of a response, each value as fmt
// prints it (numbers by their JSON text, null as <nil>).
func httpColumns(t *testing.T, body []byte, names []string) [][]string {
	t.Helper()
	v, err := decodeJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	resp := v.(map[string]any)
	all := resp["metadata"].(map[string]any)["feature_names"].([]any)
	results := resp["results"].([]any)
	var out [][]string
	for _, name := range names {
		found := false
		for i, n := range all {
			if n != name {
				continue
			}
			found = true
			var col []string
			for _, x := range results[i].(map[string]any)["values"].([]any) {
				col = append(col, fmt.Sprint(x))
			}
			out = append(out, col)
		}
		if !found {
			t.Fatalf("the response has no column %s: %v", name, all)
		}
	}
	return out
}

// TestSeed004Clients runs the two clients docs/http.md gives for seed
// 004's endpoint, with Debian's Python and psycopg2, and checks they answer
// alike and as the seed's report shows (monthly_fee as real's 29.85).
func TestSeed004Clients(t *testing.T) {
	f := newFixture(t, gatewaytest.Pebble)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-B", filepath.Join("testdata", "seed004_client.py"),
		f.srv.URL, f.gw.DSN("alice", f.db), "7590-VHVEG", "0000-NOPE")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := []string{
		`{"user_id": "7590-VHVEG", "features": {"user_id": "7590-VHVEG", "months_active": 1, "monthly_fee": 29.85, "paperless_billing": true}}`,
		`{"user_id": "0000-NOPE", "features": {"user_id": "0000-NOPE", "months_active": null, "monthly_fee": null, "paperless_billing": null}}`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, line := range lines {
		var got struct{ HTTP, SQL json.RawMessage }
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		sameJSON(t, got.HTTP, want[i])
		sameJSON(t, got.SQL, want[i])
	}
}
