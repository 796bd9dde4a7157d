package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/featuregate/featuregate/plan"
)

// exampleRequest is the request shape shown in hints.
const exampleRequest = `send {"features": ["view:feature"], "entities": {"user_id": ["7590-VHVEG"]}}`

// onlineRequest is Feast's GetOnlineFeaturesRequest plus "project".
type onlineRequest struct {
	Features         []string `json:"features"`
	FeatureService   string   `json:"feature_service"`
	Entities         entities `json:"entities"`
	FullFeatureNames bool     `json:"full_feature_names"`
	Project          string   `json:"project"`
}

// entities are the requested join keys, in the order the request lists
// them, each with its column of values.
type entities struct {
	names  []string
	values [][]any
	set    bool // the member was present
	max    int  // the most values a list may hold
}

// requestError is a client mistake: 400 unless code says otherwise.
type requestError struct {
	code          int
	message, hint string
}

func (e *requestError) Error() string { return e.message }

func badRequest(hint, format string, args ...any) *requestError {
	return &requestError{code: http.StatusBadRequest, message: fmt.Sprintf(format, args...), hint: hint}
}

// maxFeatureRefs caps the feature references of one request; with the
// cap on keys it bounds the values a lookup reads and answers.
const maxFeatureRefs = 1000

// readRequest decodes and checks a get-online-features body of at most
// maxKeys rows of entity keys.
func readRequest(w http.ResponseWriter, r *http.Request, maxKeys int) (*onlineRequest, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	req := onlineRequest{Entities: entities{max: maxKeys}}
	if err := dec.Decode(&req); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, decodeError(err)
		}
		return nil, badRequest(exampleRequest, "the request body holds more than one JSON value")
	}
	return &req, req.check()
}

// decodeError turns a JSON decoding error into a message that says what to do.
func decodeError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		re     *requestError
	)
	switch {
	case errors.As(err, &mbe):
		return &requestError{code: http.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("the request body is larger than %d MiB", maxBody>>20),
			hint:    "split the entities into several requests"}
	case errors.As(err, &re):
		return re
	case errors.Is(err, io.EOF):
		return badRequest(exampleRequest, "the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(exampleRequest, "the request body is not valid JSON: it ends too early")
	case errors.As(err, &syntax):
		return badRequest(exampleRequest, "the request body is not valid JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		return badRequest(exampleRequest, "field %q must be %s", typ.Field, expected(typ.Field))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("the fields are features, feature_service, entities, full_feature_names and project",
			"unknown field %s in the request", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest(exampleRequest, "the request body cannot be read: %v", err)
}

// expected describes what a request field holds.
func expected(field string) string {
	switch {
	case strings.HasPrefix(field, "features"):
		return `a list of "view:feature" strings`
	case field == "full_feature_names":
		return "true or false"
	case field == "entities":
		return "an object of join key names to lists of values"
	}
	return "a string"
}

// check validates a decoded request.
func (q *onlineRequest) check() error {
	switch {
	case len(q.Features) > 0 && q.FeatureService != "":
		return badRequest(`send "features" or "feature_service"`, `the request names both features and a feature_service`)
	case len(q.Features) == 0 && q.FeatureService == "":
		return badRequest(exampleRequest+`, or "feature_service": "name" instead of "features"`, "the request names no features")
	case len(q.Features) > maxFeatureRefs:
		return badRequest("split the features into several requests, or define a feature service",
			"the request names %d features; at most %d are allowed", len(q.Features), maxFeatureRefs)
	case !q.Entities.set || len(q.Entities.names) == 0:
		return badRequest(exampleRequest, `the request has no "entities": give each join key with its list of values`)
	}
	n := len(q.Entities.values[0])
	for i, name := range q.Entities.names {
		if len(q.Entities.values[i]) != n {
			return badRequest("give one value per requested row in every entity list",
				"entity lists differ in length: %s has %d values, %s has %d",
				q.Entities.names[0], n, name, len(q.Entities.values[i]))
		}
	}
	return nil
}

// lookup converts the request into the planner's.
func (q *onlineRequest) lookup(defaultProject string) plan.LookupRequest {
	req := plan.LookupRequest{
		Project:   q.Project,
		Relation:  q.FeatureService,
		Features:  q.Features,
		Keys:      q.Entities.names,
		FullNames: q.FullFeatureNames,
	}
	if req.Project == "" {
		req.Project = defaultProject
	}
	if len(q.Entities.values) > 0 {
		req.Rows = make([][]any, len(q.Entities.values[0]))
		for i := range req.Rows {
			row := make([]any, len(q.Entities.names))
			for k := range q.Entities.names {
				row[k] = q.Entities.values[k][i]
			}
			req.Rows[i] = row
		}
	}
	return req
}

// UnmarshalJSON reads the entities object keeping its keys' order, with
// numbers as int64 when integral and float64 otherwise.
func (e *entities) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return badRequest(exampleRequest, `"entities" must be an object of join key names to lists of values`)
	}
	e.set = true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("entities: %w", err)
		}
		name := tok.(string) // object keys are strings
		for _, n := range e.names {
			if n == name {
				return badRequest("give each join key once", "entities: join key %q appears twice", name)
			}
		}
		col, err := entityColumn(dec, name, e.max)
		if err != nil {
			return err
		}
		e.names = append(e.names, name)
		e.values = append(e.values, col)
	}
	return nil
}

// entityColumn reads one join key's list of values, token by token, so
// that a list of more than max values is refused before it is held.
func entityColumn(dec *json.Decoder, name string, max int) ([]any, error) {
	notList := badRequest(fmt.Sprintf(`write "%s": ["value", …]`, name),
		"entities.%s must be a list of values, one per requested row", name)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, notList
	}
	col := []any{}
	for dec.More() {
		if len(col) == max {
			return nil, badRequest("split the keys into requests of at most "+strconv.Itoa(max)+" (limits.max_keys_per_lookup)",
				"entities.%s has more than %d values", name, max)
		}
		v, err := keyValue(dec, name, len(col))
		if err != nil {
			return nil, err
		}
		col = append(col, v)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, notList
	}
	return col, nil
}

// keyValue reads the i-th value of a join key's list.
func keyValue(dec *json.Decoder, name string, i int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	var kind string
	switch x := tok.(type) {
	case string, bool:
		return x, nil
	case json.Number:
		return number(x), nil
	case nil:
		kind = "null"
	case json.Delim:
		kind = "an object"
		if x == '[' {
			kind = "a list"
		}
	}
	return nil, badRequest("join key values are strings, numbers or booleans",
		"entities.%s[%d] is %s, not a join key value", name, i, kind)
}

// number converts a JSON number: int64 when it is integral and fits,
// float64 otherwise.
func number(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64() // the decoder checked the syntax; overflow gives ±Inf
	return f
}
