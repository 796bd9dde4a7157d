package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// onlineStores are the online stores every lookup test runs against.
var onlineStores = []struct {
	name string
	kind gatewaytest.OnlineKind
}{{"pebble", gatewaytest.Pebble}, {"postgres", gatewaytest.Postgres}}

// keyColumn is a key column of a response: PRESENT, epoch timestamps.
func keyColumn(values ...string) string {
	n := len(values)
	return fmt.Sprintf(`{"values": [%s], "statuses": [%s], "event_timestamps": [%s]}`,
		strings.Join(values, ", "), repeat(`"PRESENT"`, n), repeat(`"1970-01-01T00:00:00Z"`, n))
}

func repeat(s string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+", ", n), ", ")
}

// TestGetOnlineFeatures runs Feast requests against a real planner over a
// materialized online store, both kinds, and compares the whole JSON.
func TestGetOnlineFeatures(t *testing.T) {
	for _, st := range onlineStores {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t, st.kind)
			for _, tt := range lookupCases(f) {
				t.Run(tt.name, func(t *testing.T) {
					code, h, body := do(t, http.MethodPost, f.srv.URL+"/get-online-features", tt.body)
					if code != tt.code || h.Get("Content-Type") != "application/json" {
						t.Fatalf("status %d (%s), want %d: %s", code, h.Get("Content-Type"), tt.code, body)
					}
					sameJSON(t, body, tt.want)
				})
			}
		})
	}
}

type lookupCase struct {
	name string
	body string
	code int
	want string
}

// lookupCases are the requests of TestGetOnlineFeatures and their answers.
func lookupCases(f *fixture) []lookupCase {
	recent := f.recent.Format("2006-01-02T15:04:05.000Z")
	return []lookupCase{
		{"seed 004: present, missing, outside the window",
			`{"features": ["subs_profile_fv:months_active", "subs_profile_fv:monthly_fee", "subs_profile_fv:paperless_billing"],
			  "entities": {"user_id": ["7590-VHVEG", "5575-GNVDE", "0000-NOPE", "9999-EARLY"]}}`, 200,
			`{"metadata": {"feature_names": ["user_id", "months_active", "monthly_fee", "paperless_billing"]},
			  "results": [` + keyColumn(`"7590-VHVEG"`, `"5575-GNVDE"`, `"0000-NOPE"`, `"9999-EARLY"`) + `,
			  {"values": [1, 34, null, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND", "NOT_FOUND"],
			   "event_timestamps": ["2024-01-31T00:00:00Z", "2024-01-31T06:30:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]},
			  {"values": [29.85, 56.95, null, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND", "NOT_FOUND"],
			   "event_timestamps": ["2024-01-31T00:00:00Z", "2024-01-31T06:30:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]},
			  {"values": [true, false, null, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND", "NOT_FOUND"],
			   "event_timestamps": ["2024-01-31T00:00:00Z", "2024-01-31T06:30:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]}]}`},
		{"every type, NULLs present, request order",
			`{"features": ["subs_profile_fv:ratio", "subs_profile_fv:score", "subs_profile_fv:prefs", "subs_profile_fv:tags",
			               "subs_profile_fv:signup", "subs_profile_fv:last_seen", "subs_profile_fv:net_service"],
			  "entities": {"user_id": ["5575-GNVDE", "7590-VHVEG"]}, "project": "` + f.db + `"}`, 200,
			`{"metadata": {"feature_names": ["user_id", "ratio", "score", "prefs", "tags", "signup", "last_seen", "net_service"]},
			  "results": [` + keyColumn(`"5575-GNVDE"`, `"7590-VHVEG"`) + `,
			  {"values": [0.5, "NaN"], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": [null, 12.50], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": [null, {"plan": "basic", "devices": [1, 2]}], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": [null, ["tv", "movies"]], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": [null, "2023-12-01"], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": [null, "2024-01-30T10:00:00.500Z"], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]},
			  {"values": ["Fiber optic", "DSL"], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T06:30:00Z", "2024-01-31T00:00:00Z"]}]}`},
		{"TTL: fresh, OUTSIDE_MAX_AGE, missing",
			`{"features": ["usage_agg_30d_fv:watch_hours_30d"], "entities": {"user_id": ["7590-VHVEG", "5575-GNVDE", "0000-NOPE"]}}`, 200,
			`{"metadata": {"feature_names": ["user_id", "watch_hours_30d"]},
			  "results": [` + keyColumn(`"7590-VHVEG"`, `"5575-GNVDE"`, `"0000-NOPE"`) + `,
			  {"values": [47.5, null, null], "statuses": ["PRESENT", "OUTSIDE_MAX_AGE", "NOT_FOUND"],
			   "event_timestamps": ["` + recent + `", "2024-01-20T00:00:00Z", "1970-01-01T00:00:00Z"]}]}`},
		{"feature service with full feature names",
			`{"feature_service": "churn_v1", "entities": {"user_id": ["7590-VHVEG", "5575-GNVDE"]}, "full_feature_names": true}`, 200,
			`{"metadata": {"feature_names": ["user_id", "subs_profile_fv__months_active", "subs_profile_fv__monthly_fee", "usage_agg_30d_fv__watch_hours_30d"]},
			  "results": [` + keyColumn(`"7590-VHVEG"`, `"5575-GNVDE"`) + `,
			  {"values": [1, 34], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T00:00:00Z", "2024-01-31T06:30:00Z"]},
			  {"values": [29.85, 56.95], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["2024-01-31T00:00:00Z", "2024-01-31T06:30:00Z"]},
			  {"values": [47.5, null], "statuses": ["PRESENT", "OUTSIDE_MAX_AGE"], "event_timestamps": ["` + recent + `", "2024-01-20T00:00:00Z"]}]}`},
		{"feature service, bare names",
			`{"feature_service": "churn_v1", "entities": {"user_id": ["0000-NOPE"]}}`, 200,
			`{"metadata": {"feature_names": ["user_id", "months_active", "monthly_fee", "watch_hours_30d"]},
			  "results": [` + keyColumn(`"0000-NOPE"`) + `,
			  {"values": [null], "statuses": ["NOT_FOUND"], "event_timestamps": ["1970-01-01T00:00:00Z"]},
			  {"values": [null], "statuses": ["NOT_FOUND"], "event_timestamps": ["1970-01-01T00:00:00Z"]},
			  {"values": [null], "statuses": ["NOT_FOUND"], "event_timestamps": ["1970-01-01T00:00:00Z"]}]}`},
		{"features with full feature names",
			`{"features": ["subs_profile_fv:months_active", "usage_agg_30d_fv:watch_hours_30d"], "entities": {"user_id": ["7590-VHVEG"]}, "full_feature_names": true}`, 200,
			`{"metadata": {"feature_names": ["user_id", "subs_profile_fv__months_active", "usage_agg_30d_fv__watch_hours_30d"]},
			  "results": [` + keyColumn(`"7590-VHVEG"`) + `,
			  {"values": [1], "statuses": ["PRESENT"], "event_timestamps": ["2024-01-31T00:00:00Z"]},
			  {"values": [47.5], "statuses": ["PRESENT"], "event_timestamps": ["` + recent + `"]}]}`},
		{"integer keys: integral numbers and digit strings",
			`{"features": ["driver_fv:rating", "driver_fv:trips_today"], "entities": {"driver_id": [1002, 1001.0, "1003"]}}`, 200,
			`{"metadata": {"feature_names": ["driver_id", "rating", "trips_today"]},
			  "results": [` + keyColumn(`1002`, `1001`, `1003`) + `,
			  {"values": [4.75, 4.5, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND"],
			   "event_timestamps": ["2024-01-11T12:00:00.123Z", "2024-01-10T00:00:00Z", "1970-01-01T00:00:00Z"]},
			  {"values": [7, 5, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND"],
			   "event_timestamps": ["2024-01-11T12:00:00.123Z", "2024-01-10T00:00:00Z", "1970-01-01T00:00:00Z"]}]}`},
		{"no rows",
			`{"features": ["driver_fv:rating"], "entities": {"driver_id": []}}`, 200,
			`{"metadata": {"feature_names": ["driver_id", "rating"]},
			  "results": [{"values": [], "statuses": [], "event_timestamps": []}, {"values": [], "statuses": [], "event_timestamps": []}]}`},
		{"unknown feature view: 404",
			`{"features": ["nope_fv:x"], "entities": {"user_id": ["a"]}}`, 404,
			`{"error": {"message": "feature view \"nope_fv\" does not exist"}}`},
		{"unknown feature: 404",
			`{"features": ["subs_profile_fv:nope"], "entities": {"user_id": ["a"]}}`, 404,
			`{"error": {"message": "feature view \"subs_profile_fv\" has no feature \"nope\""}}`},
		{"unknown feature service: 404 with a hint",
			`{"feature_service": "churn_v9", "entities": {"user_id": ["a"]}}`, 404,
			`{"error": {"message": "feature relation \"churn_v9\" does not exist in project \"` + f.db + `\"",
			            "hint": "SHOW FEATURE VIEWS and SHOW FEATURE SERVICES list them"}}`},
		{"unknown project: 404",
			`{"feature_service": "churn_v1", "entities": {"user_id": ["a"]}, "project": "elsewhere"}`, 404,
			`{"error": {"message": "project \"elsewhere\" does not exist",
			            "hint": "the database name of a connection is its project; the projects are ` + f.db + `"}}`},
		{"not a feature reference: 400",
			`{"features": ["months_active"], "entities": {"user_id": ["a"]}}`, 400,
			`{"error": {"message": "feature reference \"months_active\" is not view:feature"}}`},
		{"a number for a text key: 400 with a hint",
			`{"features": ["subs_profile_fv:months_active"], "entities": {"user_id": ["a", 7590]}}`, 400,
			`{"error": {"message": "key 2: join key user_id: an integer value 7590 does not match the key's type, text",
			            "hint": "write the values of text keys as JSON strings and of integer keys as JSON numbers"}}`},
		{"a fraction for an integer key: 400",
			`{"features": ["driver_fv:rating"], "entities": {"driver_id": [1.5]}}`, 400,
			`{"error": {"message": "key 1: join key driver_id: a number value 1.5 does not match the key's type, bigint",
			            "hint": "write the values of text keys as JSON strings and of integer keys as JSON numbers"}}`},
		{"a view's key missing: 400 with a hint",
			`{"features": ["driver_fv:rating"], "entities": {"user_id": ["a"]}}`, 400,
			`{"error": {"message": "feature view driver_fv needs the entity key driver_id",
			            "hint": "give a value of every join key of driver: driver_id"}}`},
		{"an OFFLINE view: 400 with a hint",
			`{"features": ["usage_offline_fv:watch_hours_30d"], "entities": {"user_id": ["a"]}}`, 400,
			`{"error": {"message": "feature view usage_offline_fv is OFFLINE: it has no online values",
			            "hint": "read it AS OF a time, or make it ONLINE and MATERIALIZE it"}}`},
		{"entity lists of different lengths: 400",
			`{"features": ["driver_fv:rating"], "entities": {"driver_id": [1, 2], "user_id": ["a"]}}`, 400,
			`{"error": {"message": "entity lists differ in length: driver_id has 2 values, user_id has 1",
			            "hint": "give one value per requested row in every entity list"}}`},
		{"bad JSON: 400",
			`{"features": ["driver_fv:rating"], "entities": {"driver_id": [1]},}`, 400,
			`{"error": {"message": "the request body is not valid JSON at byte 67: invalid character '}' looking for beginning of object key string",
			            "hint": "send {\"features\": [\"view:feature\"], \"entities\": {\"user_id\": [\"7590-VHVEG\"]}}"}}`},
		{"unknown field: 400",
			`{"features": ["driver_fv:rating"], "entity_rows": [{"driver_id": 1}]}`, 400,
			`{"error": {"message": "unknown field \"entity_rows\" in the request",
			            "hint": "the fields are features, feature_service, entities, full_feature_names and project"}}`},
	}
}

// TestNoProject checks that a request without a project, to a server
// without a default one, is refused with a hint.
func TestNoProject(t *testing.T) {
	f := newFixture(t, gatewaytest.Pebble)
	srv := newServer(t, f, "")
	body := `{"features": ["driver_fv:rating"], "entities": {"driver_id": [1001]}}`
	code, _, b := do(t, http.MethodPost, srv+"/get-online-features", body)
	if code != http.StatusBadRequest {
		t.Fatalf("status %d: %s", code, b)
	}
	sameJSON(t, b, `{"error": {"message": "the request names no project",
		"hint": "add \"project\": \"name\" to the request, or configure the gateway's project"}}`)
	body = `{"features": ["driver_fv:rating"], "entities": {"driver_id": [1001]}, "project": "` + f.db + `"}`
	if code, _, b = do(t, http.MethodPost, srv+"/get-online-features", body); code != http.StatusOK {
		t.Fatalf("with a project: status %d: %s", code, b)
	}
}

// TestRouting checks the index at /, 404 for unknown paths, 405 with
// Allow for wrong methods, and 413 for bodies over 10 MiB.
func TestRouting(t *testing.T) {
	f := newFixture(t, gatewaytest.Pebble)
	tests := []struct {
		method, path, body string
		code               int
		allow, message     string
	}{
		{"GET", "/nope", "", 404, "", "no such endpoint: /nope"},
		{"POST", "/get-online-features/", "", 404, "", "no such endpoint: /get-online-features/"},
		{"GET", "/get-online-features", "", 405, "POST", "GET is not allowed on /get-online-features"},
		{"PUT", "/health", "", 405, "GET, HEAD", "PUT is not allowed on /health"},
		{"DELETE", "/metrics", "", 405, "GET, HEAD", "DELETE is not allowed on /metrics"},
		{"POST", "/get-online-features", `{"features": ["driver_fv:rating"], "entities": {"driver_id": ["` +
			strings.Repeat("1", 10<<20) + `"]}}`, 413, "", "the request body is larger than 10 MiB"},
	}
	// The root says what the server is, without a token.
	if code, _, body := do(t, "GET", f.srv.URL+"/", ""); code != 200 || !strings.Contains(string(body), "POST /get-online-features") {
		t.Errorf("GET /: %d %s", code, body)
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			code, h, body := do(t, tt.method, f.srv.URL+tt.path, tt.body)
			if code != tt.code || h.Get("Allow") != tt.allow {
				t.Fatalf("status %d, Allow %q; want %d, %q: %s", code, h.Get("Allow"), tt.code, tt.allow, body)
			}
			if !strings.Contains(string(body), `"message":"`+tt.message+`"`) || !strings.Contains(string(body), `"hint":`) {
				t.Errorf("body %s lacks the message %q or a hint", body, tt.message)
			}
		})
	}
}
