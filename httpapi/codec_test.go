package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
)

// TestJSONValue checks the JSON each PostgreSQL type's Go value becomes.
func TestJSONValue(t *testing.T) {
	ts := time.Date(2024, 1, 31, 12, 30, 5, 250_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		v    any
		typ  string
		want string
	}{
		{"null", nil, "bigint", `null`},
		{"bigint", int64(-9007199254740993), "bigint", `-9007199254740993`},
		{"smallint", int16(7), "smallint", `7`},
		{"real shortest", float32(29.85), "real", `29.85`},
		{"double", math.Nextafter(0.3, 1), "double precision", `0.30000000000000004`},
		{"real NaN", float32(math.NaN()), "real", `"NaN"`},
		{"double +Inf", math.Inf(1), "double precision", `"Infinity"`},
		{"double -Inf", math.Inf(-1), "double precision", `"-Infinity"`},
		{"numeric", "123456789012345678901234567890.0001", "numeric", `123456789012345678901234567890.0001`},
		{"numeric negative", "-0.5", "numeric", `-0.5`},
		{"numeric NaN", "NaN", "numeric", `"NaN"`},
		{"numeric Infinity", "-Infinity", "numeric", `"-Infinity"`},
		{"text", `a "quoted" <b>`, "text", `"a \"quoted\" <b>"`},
		{"text looks numeric", "12", "text", `"12"`},
		{"boolean", true, "boolean", `true`},
		{"bytea", []byte{0, 0xff, 'a'}, "bytea", `"AP9h"`},
		{"jsonb", []byte(`{"a": [1, 2]}`), "jsonb", `{"a":[1,2]}`},
		{"jsonb text", `{"a": [1, 2]}`, "jsonb", `{"a":[1,2]}`},
		{"jsonb string", `"s"`, "jsonb", `"s"`},
		{"jsonb not JSON", `s`, "jsonb", `"s"`},
		{"date", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), "date", `"2024-01-31"`},
		{"timestamp", time.Date(2024, 1, 31, 12, 0, 0, 500, time.UTC), "timestamp without time zone", `"2024-01-31T12:00:00.0000005"`},
		{"timestamp whole", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), "timestamp without time zone", `"2024-01-31T12:00:00"`},
		{"timestamptz in UTC", ts, "timestamp with time zone", `"2024-01-31T11:30:05.250Z"`},
		{"key time", ts, "", `"2024-01-31T11:30:05.250Z"`},
		{"bigint[]", []int64{1, -2}, "bigint[]", `[1,-2]`},
		{"real[] with NaN", []float32{1.5, float32(math.NaN())}, "real[]", `[1.5,"NaN"]`},
		{"double[] with NULL", []any{2.5, nil, math.Inf(1)}, "double precision[]", `[2.5,null,"Infinity"]`},
		{"text[]", []string{"a", "b"}, "text[]", `["a","b"]`},
		{"numeric[]", []string{"1.50", "NaN"}, "numeric[]", `[1.50,"NaN"]`},
		{"jsonb[]", [][]byte{[]byte(`1`), []byte(`{"x":true}`)}, "jsonb[]", `[1,{"x":true}]`},
		{"bytea[]", [][]byte{{1}}, "bytea[]", `["AQ=="]`},
		{"date[]", []time.Time{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}, "date[]", `["2024-02-29"]`},
		{"nested", []any{[]any{int64(1), nil}, []any{}}, "bigint[]", `[[1,null],[]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // as writeJSON
			if err := enc.Encode(jsonValue(tt.v, tt.typ)); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(buf.String()); got != tt.want {
				t.Errorf("jsonValue(%#v, %q) = %s, want %s", tt.v, tt.typ, got, tt.want)
			}
		})
	}
}

// TestProtoTime checks event timestamps against protobuf's JSON format:
// UTC, Z, and 0, 3, 6 or 9 fractional digits.
func TestProtoTime(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "1970-01-01T00:00:00Z"},
		{time.Unix(0, 0), "1970-01-01T00:00:00Z"},
		{time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), "2024-01-31T00:00:00Z"},
		{time.Date(2024, 1, 31, 1, 0, 0, 0, time.FixedZone("", -2*3600)), "2024-01-31T03:00:00Z"},
		{time.Date(2024, 1, 31, 0, 0, 0, 10_000_000, time.UTC), "2024-01-31T00:00:00.010Z"},
		{time.Date(2024, 1, 31, 0, 0, 0, 123_456_000, time.UTC), "2024-01-31T00:00:00.123456Z"},
		{time.Date(2024, 1, 31, 0, 0, 0, 1, time.UTC), "2024-01-31T00:00:00.000000001Z"},
	}
	for _, tt := range tests {
		if got := protoTime(tt.t); got != tt.want {
			t.Errorf("protoTime(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

// TestReadRequest checks decoding and validation of request bodies, and
// the planner request they become.
func TestReadRequest(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		code      int    // 0: valid
		message   string // a part of the error message
		keys      []string
		rows      [][]any
		relation  string
		features  []string
		fullNames bool
	}{
		{name: "features", body: `{"features": ["fv:a", "fv:b"], "entities": {"user_id": ["u1", "u2"]}}`,
			keys: []string{"user_id"}, rows: [][]any{{"u1"}, {"u2"}}, features: []string{"fv:a", "fv:b"}},
		{name: "service and full names", body: `{"feature_service": "churn_v1", "entities": {"user_id": ["u1"]}, "full_feature_names": true}`,
			keys: []string{"user_id"}, rows: [][]any{{"u1"}}, relation: "churn_v1", fullNames: true},
		{name: "numbers and key order", body: `{"features": ["t:x"], "entities": {"trip_id": [1, 2.5, 1e2, 9223372036854775807], "driver_id": [7, -8, true, 1.0]}}`,
			keys: []string{"trip_id", "driver_id"},
			rows: [][]any{{int64(1), int64(7)}, {2.5, int64(-8)}, {100.0, true}, {int64(math.MaxInt64), 1.0}}, features: []string{"t:x"}},
		{name: "no rows", body: `{"features": ["fv:a"], "entities": {"user_id": []}}`,
			keys: []string{"user_id"}, rows: [][]any{}, features: []string{"fv:a"}},
		{name: "empty body", body: ``, code: 400, message: "the request body is empty"},
		{name: "bad JSON", body: `{"features": ["fv:a"],}`, code: 400, message: "not valid JSON at byte"},
		{name: "truncated", body: `{"features": ["fv:a"]`, code: 400, message: "ends too early"},
		{name: "two values", body: `{"features": ["fv:a"], "entities": {"u": [1]}} {}`, code: 400, message: "more than one JSON value"},
		{name: "unknown field", body: `{"feature": ["fv:a"], "entities": {"u": [1]}}`, code: 400, message: `unknown field "feature"`},
		{name: "features not a list", body: `{"features": "fv:a", "entities": {"u": [1]}}`, code: 400, message: `field "features" must be a list`},
		{name: "full names not bool", body: `{"features": ["fv:a"], "entities": {"u": [1]}, "full_feature_names": "yes"}`, code: 400, message: "must be true or false"},
		{name: "both", body: `{"features": ["fv:a"], "feature_service": "s", "entities": {"u": [1]}}`, code: 400, message: "both"},
		{name: "neither", body: `{"entities": {"u": [1]}}`, code: 400, message: "names no features"},
		{name: "no entities", body: `{"features": ["fv:a"]}`, code: 400, message: `no "entities"`},
		{name: "empty entities", body: `{"features": ["fv:a"], "entities": {}}`, code: 400, message: `no "entities"`},
		{name: "null entities", body: `{"features": ["fv:a"], "entities": null}`, code: 400, message: "must be an object"},
		{name: "entities list", body: `{"features": ["fv:a"], "entities": [1]}`, code: 400, message: "must be an object"},
		{name: "entity not a list", body: `{"features": ["fv:a"], "entities": {"u": "x"}}`, code: 400, message: "entities.u must be a list"},
		{name: "entity null list", body: `{"features": ["fv:a"], "entities": {"u": null}}`, code: 400, message: "entities.u must be a list"},
		{name: "null key", body: `{"features": ["fv:a"], "entities": {"u": ["a", null]}}`, code: 400, message: "entities.u[1] is null"},
		{name: "object key", body: `{"features": ["fv:a"], "entities": {"u": [{}]}}`, code: 400, message: "entities.u[0] is an object"},
		{name: "duplicate key", body: `{"features": ["fv:a"], "entities": {"u": [1], "u": [2]}}`, code: 400, message: `"u" appears twice`},
		{name: "lengths", body: `{"features": ["fv:a"], "entities": {"a": [1, 2], "b": [1]}}`, code: 400, message: "a has 2 values, b has 1"},
		{name: "too many keys", body: `{"features": ["fv:a"], "entities": {"u": [1, 2, 3, 4, 5]}}`, code: 400, message: "entities.u has more than 4 values"},
		{name: "too many keys, second list", body: `{"features": ["fv:a"], "entities": {"a": [1], "b": [1, 2, 3, 4, 5, 6]}}`, code: 400, message: "entities.b has more than 4 values"},
		{name: "list key", body: `{"features": ["fv:a"], "entities": {"u": [[1]]}}`, code: 400, message: "entities.u[0] is a list"},
		{name: "too many features", body: `{"features": [` + strings.Repeat(`"fv:a",`, 1000) + `"fv:b"], "entities": {"u": [1]}}`,
			code: 400, message: "the request names 1001 features; at most 1000"},
		{name: "too large", body: `{"features": ["fv:a"], "entities": {"u": ["` + strings.Repeat("x", maxBody) + `"]}}`,
			code: 413, message: "larger than 10 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/get-online-features", strings.NewReader(tt.body))
			q, err := readRequest(httptest.NewRecorder(), r, 4) // 4 keys at most
			if tt.code != 0 {
				re, ok := err.(*requestError)
				if !ok || re.code != tt.code || !strings.Contains(re.message, tt.message) || re.hint == "" {
					t.Fatalf("error = %#v, want %d with %q and a hint", err, tt.code, tt.message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lr := q.lookup("proj")
			if lr.Project != "proj" || !reflect.DeepEqual(lr.Keys, tt.keys) || !reflect.DeepEqual(lr.Rows, tt.rows) ||
				lr.Relation != tt.relation || !reflect.DeepEqual(lr.Features, tt.features) || lr.FullNames != tt.fullNames {
				t.Errorf("lookup = %#v", lr)
			}
		})
	}
}

// TestStatusOf checks the HTTP status of each error kind.
func TestStatusOf(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{featuregate.Errorf(featuregate.KindUndefined, "x"), 404},
		{featuregate.Errorf(featuregate.KindInvalid, "x"), 400},
		{featuregate.Errorf(featuregate.KindSyntax, "x"), 400},
		{featuregate.Errorf(featuregate.KindAmbiguous, "x"), 400},
		{fmt.Errorf("key 1: %w", featuregate.Errorf(featuregate.KindDatatypeMismatch, "x")), 400},
		{featuregate.Errorf(featuregate.KindUnsupported, "x"), 400},
		{featuregate.Errorf(featuregate.KindLimitExceeded, "x"), 400},
		{featuregate.Errorf(featuregate.KindPermission, "x"), 403},
		{featuregate.Errorf(featuregate.KindUnavailable, "x"), 503},
		{fmt.Errorf("write: %w", featuregate.Errorf(featuregate.KindDiskFull, "x")), 507},
		{featuregate.Errorf(featuregate.KindInternal, "x"), 500},
		{featuregate.Errorf(featuregate.KindDuplicate, "x"), 500},
		{errors.New("plain"), 500},
	}
	for _, tt := range tests {
		if got := statusOf(tt.err); got != tt.code {
			t.Errorf("statusOf(%v, kind %d) = %d, want %d", tt.err, featuregate.KindOf(tt.err), got, tt.code)
		}
	}
}

// TestInternalError checks that an internal error is answered 500 without
// its text, which goes to the log instead.
func TestInternalError(t *testing.T) {
	var logged bytes.Buffer
	s := New(nil, Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))}).(*server)
	rec := httptest.NewRecorder()
	s.writeLookupError(rec, fmt.Errorf("read: %w", errors.New("disk on fire")))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") || !strings.Contains(rec.Body.String(), `"message":"internal error"`) {
		t.Errorf("response %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logged.String(), "disk on fire") {
		t.Errorf("log %q lacks the error", logged.String())
	}
}
