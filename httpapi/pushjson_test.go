package httpapi

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadPush: push bodies decode into sorted text columns, JSON values
// read as PostgreSQL's text input; bad bodies are 400s that say why.
func TestReadPush(t *testing.T) {
	for _, c := range []struct {
		name, body string
		view       bool
		want       string // the request as fmt prints it, or the error
	}{
		{name: "columns sorted, values as text",
			body: `{"push_source_name": "s", "to": "online", "project": "p", "allow_registry_cache": true,
				"df": {"z": [1, 2.50, -3e2], "a": ["x", null, "é\"\n"], "m": [true, false, null], "l": [[1, "a b", null], [], {"k": [1]}]}}`,
			want: `s p online [a l m z] [["x" <nil> "é\"\n"] ["{\"1\",\"a b\",NULL}" "{}" "{\"k\":[1]}"] ["true" "false" <nil>] ["1" "2.50" "-3e2"]]`},
		{name: "feature view", view: true, body: `{"feature_view_name": "v", "df": {"k": ["1"]}}`, want: `v   [k] [["1"]]`},
		{name: "empty", body: " ", want: "the request body is empty"},
		{name: "two values", body: `{"push_source_name": "s", "df": {"k": [1]}} {}`, want: "more than one JSON value"},
		{name: "not JSON", body: `{"push_source_name": "s",`, want: "not valid JSON"},
		{name: "not an object", body: `[1]`, want: "must be a JSON object"},
		{name: "unknown field", body: `{"push_source_name": "s", "dataframe": {}}`, want: `unknown field "dataframe"`},
		{name: "wrong type", body: `{"push_source_name": 7, "df": {"k": [1]}}`, want: `field "push_source_name" must be a string`},
		{name: "flag type", body: `{"push_source_name": "s", "transform_on_write": "yes", "df": {"k": [1]}}`, want: `must be true or false`},
		{name: "no source", body: `{"df": {"k": [1]}}`, want: "names no push_source_name"},
		{name: "no view", view: true, body: `{"push_source_name": "s", "df": {"k": [1]}}`, want: "names no feature_view_name"},
		{name: "no df", body: `{"push_source_name": "s"}`, want: `no "df" columns`},
		{name: "df not object", body: `{"push_source_name": "s", "df": [1]}`, want: `"df" must be an object`},
		{name: "column not list", body: `{"push_source_name": "s", "df": {"k": 1}}`, want: `df column "k" must be a list`},
		{name: "column twice", body: `{"push_source_name": "s", "df": {"k": [1], "k": [2]}}`, want: `df column "k" is given twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/push", strings.NewReader(c.body))
			req, err := readPush(httptest.NewRecorder(), r, c.view)
			got := ""
			if err != nil {
				got = err.(*requestError).message
			} else {
				src := req.Source + req.View
				var vals []string
				for _, col := range req.Values {
					var texts []string
					for _, v := range col {
						if v == nil {
							texts = append(texts, "<nil>")
						} else {
							texts = append(texts, fmt.Sprintf("%q", *v))
						}
					}
					vals = append(vals, "["+strings.Join(texts, " ")+"]")
				}
				got = fmt.Sprintf("%s %s %s %v [%s]", src, req.Project, req.To, req.Columns, strings.Join(vals, " "))
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestReadPushTooLarge: a body over the limit is a 413.
func TestReadPushTooLarge(t *testing.T) {
	body := `{"push_source_name": "s", "df": {"k": ["` + strings.Repeat("x", maxBody) + `"]}}`
	r := httptest.NewRequest("POST", "/push", strings.NewReader(body))
	_, err := readPush(httptest.NewRecorder(), r, false)
	if re, ok := err.(*requestError); !ok || re.code != 413 {
		t.Fatalf("got %v, want a 413", err)
	}
}
