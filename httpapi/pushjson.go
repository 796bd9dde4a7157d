package httpapi

import (
	"bytes"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/valyala/fastjson"

	"github.com/featuregate/featuregate/plan"
)

// A push body is Feast's PushFeaturesRequest or WriteToFeatureStoreRequest
// plus "project":
//
//	{"push_source_name" | "feature_view_name": "…", "df": {column: [values…], …},
//	 "to": "online", "project": "…", "allow_registry_cache": true, "transform_on_write": true}
//
// allow_registry_cache and transform_on_write are accepted as Feast's
// (the catalog cache is always used; featuregate has no on-demand
// transformations). Pushes carry many values, so the body is parsed with
// fastjson, which reads a value without an allocation per value, into
// the text arrays a push takes.

// pushParsers keeps parsers between requests (a parser reuses the tree
// it built last time), in a list that the garbage collector does not
// empty as it empties a sync.Pool. A parser that read a body over
// keepParserBody bytes is not kept, which bounds what the list holds to
// a few MiB.
var pushParsers = make(chan *fastjson.Parser, 2)

const keepParserBody = 1 << 20

// getParser takes a kept parser or makes one.
func getParser() *fastjson.Parser {
	select {
	case p := <-pushParsers:
		return p
	default:
		return new(fastjson.Parser)
	}
}

// putParser keeps p, which parsed a body of n bytes, if there is room.
func putParser(p *fastjson.Parser, n int) {
	if n > keepParserBody {
		return
	}
	select {
	case pushParsers <- p:
	default:
	}
}

// readPush decodes and checks a push body.
func readPush(w http.ResponseWriter, r *http.Request, view bool) (*plan.PushRequest, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, decodeError(err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, badRequest(examplePush, "the request body is empty")
	}
	p := getParser()
	defer putParser(p, len(body))
	v, err := p.ParseBytes(body)
	if err != nil {
		if strings.Contains(err.Error(), "unexpected tail") {
			return nil, badRequest(examplePush, "the request body holds more than one JSON value")
		}
		return nil, badRequest(examplePush, "the request body is not valid JSON: %v", err)
	}
	obj, err := v.Object()
	if err != nil {
		return nil, badRequest(examplePush, "the request body must be a JSON object")
	}
	req := &plan.PushRequest{}
	var source, viewName string
	var df *fastjson.Object
	obj.Visit(func(k []byte, f *fastjson.Value) {
		if err != nil {
			return
		}
		switch key := string(k); key {
		case "push_source_name":
			source, err = stringField(key, f)
		case "feature_view_name":
			viewName, err = stringField(key, f)
		case "to":
			req.To, err = stringField(key, f)
		case "project":
			req.Project, err = stringField(key, f)
		case "allow_registry_cache", "transform_on_write":
			if t := f.Type(); t != fastjson.TypeTrue && t != fastjson.TypeFalse && t != fastjson.TypeNull {
				err = badRequest(examplePush, "field %q must be true or false", key)
			}
		case "df":
			if df, err = f.Object(); err != nil {
				err = badRequest(examplePush, "field \"df\" must be an object of columns: {\"column\": [values, …], …}")
			}
		default:
			err = badRequest("the fields are push_source_name (or feature_view_name), df, to and project",
				"unknown field %q in the request", key)
		}
	})
	if err != nil {
		return nil, err
	}
	switch {
	case view && viewName == "":
		return nil, badRequest(`send {"feature_view_name": "view", "df": {…}}`, "the request names no feature_view_name")
	case view:
		req.View = viewName
	case source == "":
		return nil, badRequest(examplePush, "the request names no push_source_name")
	default:
		req.Source = source
	}
	if df == nil || df.Len() == 0 {
		return nil, badRequest(examplePush, "the request has no \"df\" columns")
	}
	if req.Columns, req.Values, err = dfColumns(df); err != nil {
		return nil, err
	}
	return req, nil
}

// readBody reads a request body of at most maxBody bytes, into a buffer
// of the size the request announces.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= maxBody {
		buf.Grow(int(n) + 1) // +1: ReadFrom then sees EOF without growing
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody))
	return buf.Bytes(), err
}

// stringField is the string of field key, or a request error.
func stringField(key string, v *fastjson.Value) (string, error) {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes()), nil
	case fastjson.TypeNull:
		return "", nil
	}
	return "", badRequest(examplePush, "field %q must be a string", key)
}

// dfColumns reads "df", sorted by column name, as text arrays. Large
// bodies have their columns read in parallel: each column's values are
// its own part of the parsed tree.
func dfColumns(df *fastjson.Object) ([]string, [][]*string, error) {
	var names []string
	var vals []*fastjson.Value
	seen := map[string]bool{}
	var err error
	cells := 0
	df.Visit(func(k []byte, v *fastjson.Value) {
		name := string(k)
		switch {
		case err != nil:
		case seen[name]:
			err = badRequest(examplePush, "df column %q is given twice", name)
		default:
			seen[name] = true
			names, vals = append(names, name), append(vals, v)
			if a, e := v.Array(); e == nil {
				cells += len(a)
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	cols, errs := make([][]*string, len(names)), make([]error, len(names))
	read := func(i int) { cols[i], errs[i] = dfColumn(names[i], vals[i]) }
	if cells < parallelCells {
		for i := range names {
			read(i)
		}
	} else { // a few readers, however many columns
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(runtime.GOMAXPROCS(0), len(names)) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(names); i = int(next.Add(1) - 1) {
					read(i)
				}
			})
		}
		wg.Wait()
	}
	if err := firstError(errs); err != nil {
		return nil, nil, err
	}
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	sorted, values := make([]string, len(names)), make([][]*string, len(names))
	for i, j := range order {
		sorted[i], values[i] = names[j], cols[j]
	}
	return sorted, values, nil
}

// parallelCells is the least number of df values read in parallel.
const parallelCells = 1 << 14

// firstError is the first error of errs that is not nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// dfColumn reads the values of one df column. Their texts are slices of
// one string: one allocation per column, not per value.
func dfColumn(name string, v *fastjson.Value) ([]*string, error) {
	elems, err := v.Array()
	if err != nil {
		return nil, badRequest(examplePush, "df column %q must be a list of values", name)
	}
	size := 0
	for _, e := range elems {
		if e.Type() == fastjson.TypeString {
			size += len(e.GetStringBytes())
		}
	}
	all := make([]byte, 0, size)
	ends := make([]int, len(elems)) // the end of each value in all; -1: NULL
	for i, e := range elems {
		var null bool
		if all, null = appendJSONText(all, e); null {
			ends[i] = -1
		} else {
			ends[i] = len(all)
		}
	}
	joined := string(all)
	texts := make([]string, len(elems))
	col := make([]*string, len(elems))
	start := 0
	for i, end := range ends {
		if end >= 0 {
			texts[i], start = joined[start:end], end
			col[i] = &texts[i]
		}
	}
	return col, nil
}

// appendJSONText appends the text of a JSON value (jsonText); null
// appends nothing.
func appendJSONText(dst []byte, v *fastjson.Value) ([]byte, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		return append(dst, v.GetStringBytes()...), false
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse: // as written
		return v.MarshalTo(dst), false
	}
	t, null := jsonText(v)
	return append(dst, t...), null
}

// jsonText is PostgreSQL's text input of a JSON value: a string as it
// is, a number or boolean as written, a list as an array literal, an
// object as its JSON text (for jsonb); null is NULL.
func jsonText(v *fastjson.Value) (text string, null bool) {
	switch v.Type() {
	case fastjson.TypeNull:
		return "", true
	case fastjson.TypeString:
		return string(v.GetStringBytes()), false
	case fastjson.TypeArray:
		return arrayLiteral(v.GetArray()), false
	}
	return string(v.MarshalTo(nil)), false
}

// arrayLiteral is the array literal of a JSON list: {"a","b",NULL}.
func arrayLiteral(elems []*fastjson.Value) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		t, null := jsonText(e)
		if null {
			b.WriteString("NULL")
			continue
		}
		b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t) + `"`)
	}
	b.WriteByte('}')
	return b.String()
}
