package onlineit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/plan"
)

// postJSON posts body to url and returns the status and decoded body.
func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v: %s", url, err, raw)
	}
	return resp.StatusCode, out
}

// TestPushHTTP: Feast's POST /push writes every online view over the push
// source, POST /write-to-online-store one view; errors are Feast-shaped
// and write nothing.
func TestPushHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pushhttp", st, eventsTable)
		e.define(t, pushCatalog...)
		srv := httptest.NewServer(httpapi.New(e.gw.Planner, httpapi.Config{Project: e.db, Anonymous: adminIdentity}))
		defer srv.Close()

		code, body := postJSON(t, srv.URL+"/push", `{"push_source_name": "events_source", "to": "online",
			"df": {"user_id": ["h1", "h2"], "ts": ["2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"], "amount": [7, -7], "note": ["seven", null], "extra": [1, 2]}}`)
		if code != http.StatusOK || body["rows"] != float64(2) {
			t.Fatalf("/push: %d %v", code, body)
		}
		lookupEquals(t, e.conn, [][]any{{"h1", int64(7), "seven"}, {"h2", int64(-7), nil}},
			`SELECT user_id, amount, note FROM events_fv WHERE user_id IN ('h1', 'h2')`)
		lookupEquals(t, e.conn, [][]any{{"h1", int64(7)}, {"h2", nil}}, // CHECK (amount >= 0) rejects h2
			`SELECT user_id, amount FROM checked_fv WHERE user_id IN ('h1', 'h2')`)

		code, body = postJSON(t, srv.URL+"/write-to-online-store", `{"feature_view_name": "events_fv",
			"df": {"user_id": ["h1"], "event_timestamp": ["2024-03-02T00:00:00Z"], "amount": [8]}}`)
		if code != http.StatusOK {
			t.Fatalf("/write-to-online-store: %d %v", code, body)
		}
		lookupEquals(t, e.conn, [][]any{{"h1", int64(8)}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 'h1'`)

		for _, c := range []struct {
			path, body string
			code       int
			msg        string
		}{
			{"/push", `{"push_source_name": "nope", "df": {"user_id": ["h9"]}}`, 404, `push source "nope" does not exist`},
			{"/push", `{"push_source_name": "events_source", "to": "sideways", "df": {"user_id": ["h9"]}}`, 400, `"to" is "sideways"`},
			{"/write-to-online-store", `{"feature_view_name": "events_fv", "df": {"user_id": ["h9"], "event_timestamp": ["2024-03-03T00:00:00Z"], "amount": ["x"]}}`, 400, "invalid input syntax for type bigint"},
			{"/write-to-online-store", `{"feature_view_name": "events_fv", "df": {"user_id": ["h9"], "amount": [1]}}`, 400, `must give column "event_timestamp"`},
			{"/write-to-online-store", `{"feature_view_name": "events_fv", "df": {"user_id": ["h9"], "event_timestamp": ["2024-03-03T00:00:00Z"], "bogus": [1]}}`, 400, `column "bogus" of feature view events_fv does not exist`},
			{"/write-to-online-store", `{"feature_view_name": "events_fv", "df": {"user_id": ["h9", "h8"], "event_timestamp": ["2024-03-03T00:00:00Z"]}}`, 400, "has 1 values"},
			{"/push", `{"push_source_name": "events_source", "to": "offline", "df": {"user_id": ["h9"], "ts": ["2024-03-03T00:00:00Z"]}}`, 400, "cannot write the offline store"},
		} {
			code, body := postJSON(t, srv.URL+c.path, c.body)
			msg, _ := body["error"].(map[string]any)["message"].(string)
			if code != c.code || !strings.Contains(msg, c.msg) {
				t.Errorf("%s %s: %d %v, want %d %q", c.path, c.body, code, body, c.code, c.msg)
			}
		}
		lookupEquals(t, e.conn, [][]any{{"h8", nil}, {"h9", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id IN ('h8', 'h9')`)
	})
}

// adminIdentity is the identity of HTTP requests in a gateway without
// authentication.
var adminIdentity = plan.Identity{User: "anonymous", Admin: true}
