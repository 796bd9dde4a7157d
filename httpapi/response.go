package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/featuregate/featuregate/plan"
)

// featureVector is one column: an entry per requested row.
type featureVector struct {
	Values          []any    `json:"values"`
	Statuses        []string `json:"statuses"`
	EventTimestamps []string `json:"event_timestamps"`
}

// epoch is the event timestamp of keys and of values not found, as Feast
// prints a zero protobuf Timestamp.
const epoch = "1970-01-01T00:00:00Z"

// getOnlineFeatures serves POST /get-online-features.
func (s *server) getOnlineFeatures(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(w, r, s.cfg.MaxKeysPerLookup)
	if err != nil {
		re := err.(*requestError)
		writeError(w, re.code, re.message, re.hint)
		return
	}
	lr := req.lookup(s.cfg.Project)
	lr.Who = identityOf(r.Context())
	if lr.Project == "" {
		writeError(w, http.StatusBadRequest, "the request names no project",
			`add "project": "name" to the request, or configure the gateway's project`)
		return
	}
	res, err := s.features.Lookup(r.Context(), lr)
	if err != nil {
		s.writeLookupError(w, err)
		return
	}
	if err := writeResponse(w, res); err != nil {
		s.log.Debug("get-online-features: response not sent whole", "err", err)
		panic(http.ErrAbortHandler) // the client must not take a cut body for a whole one
	}
}

// writeResponse streams Feast's response for res: one column at a time
// is encoded, so the response costs no more memory than the result.
func writeResponse(w http.ResponseWriter, res *plan.LookupResult) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	names := append(append([]string{}, res.Keys...), featureNames(res)...)
	bw.WriteString(`{"metadata":{"feature_names":`)
	if err := enc.Encode(names); err != nil {
		return err
	}
	bw.WriteString(`},"results":[`)
	for i := range names {
		if i > 0 {
			bw.WriteByte(',')
		}
		if err := enc.Encode(column(res, i)); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// featureNames are the names of res's feature columns.
func featureNames(res *plan.LookupResult) []string {
	out := make([]string, len(res.Features))
	for i, f := range res.Features {
		out[i] = f.Name
	}
	return out
}

// column is the i-th column of the response: the keys' first, then the
// features'.
func column(res *plan.LookupResult, i int) featureVector {
	n := len(res.KeyRows)
	col := newVector(n)
	if i < len(res.Keys) {
		for r, row := range res.KeyRows {
			col.Values[r] = jsonValue(row[i], "")
			col.Statuses[r] = plan.StatusPresent.String()
			col.EventTimestamps[r] = epoch
		}
		return col
	}
	f := res.Features[i-len(res.Keys)]
	for r := range n {
		col.Values[r] = jsonValue(f.Values[r], f.Type)
		col.Statuses[r] = f.Status[r].String()
		col.EventTimestamps[r] = protoTime(f.EventTS[r])
	}
	return col
}

func newVector(n int) featureVector {
	return featureVector{Values: make([]any, n), Statuses: make([]string, n), EventTimestamps: make([]string, n)}
}

// protoTime formats t as protobuf's JSON writes a Timestamp: RFC 3339 in
// UTC with 0, 3, 6 or 9 fractional digits; the zero time is the epoch.
func protoTime(t time.Time) string {
	if t.IsZero() {
		return epoch
	}
	return instant(t)
}

// instant formats t in UTC with 0, 3, 6 or 9 fractional digits.
func instant(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	switch ns := t.Nanosecond(); {
	case ns == 0:
	case ns%1e6 == 0:
		s += fmt.Sprintf(".%03d", ns/1e6)
	case ns%1e3 == 0:
		s += fmt.Sprintf(".%06d", ns/1e3)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s + "Z"
}

// jsonValue converts a value of PostgreSQL type typ ("elem[]" for arrays,
// "" when unknown) into what encoding/json writes as featuregate's JSON.
func jsonValue(v any, typ string) any {
	elem := strings.TrimSuffix(typ, "[]")
	switch x := v.(type) {
	case float32:
		return jsonFloat(float64(x), x)
	case float64:
		return jsonFloat(x, x)
	case time.Time:
		return timeValue(x, elem)
	case []byte:
		if elem == "jsonb" && json.Valid(x) {
			return json.RawMessage(x)
		}
	case string:
		switch {
		case elem == "numeric":
			return numericValue(x)
		case elem == "jsonb" && json.Valid([]byte(x)):
			return json.RawMessage(x)
		}
	case []any:
		return mapSlice(x, elem)
	case []float32:
		return mapSlice(x, elem)
	case []float64:
		return mapSlice(x, elem)
	case []time.Time:
		return mapSlice(x, elem)
	case [][]byte:
		return mapSlice(x, elem)
	case []string:
		if elem == "numeric" {
			return mapSlice(x, elem)
		}
	}
	return v
}

// mapSlice converts each element of an array.
func mapSlice[T any](xs []T, elem string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = jsonValue(x, elem)
	}
	return out
}

// jsonFloat returns v (of its own width, so that a real prints in its
// shortest 32-bit form), or protobuf's JSON string for NaN and infinities,
// which JSON numbers cannot hold.
func jsonFloat(f float64, v any) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return v
}

// timeValue formats a date, a timestamp without time zone, or (for any
// other type) an instant in UTC.
func timeValue(t time.Time, typ string) string {
	switch typ {
	case "date":
		return t.Format("2006-01-02")
	case "timestamp without time zone":
		return t.Format("2006-01-02T15:04:05.999999999")
	}
	return instant(t)
}

// numericValue writes a numeric as a JSON number; NaN and the infinities,
// which JSON numbers cannot hold, stay strings.
func numericValue(s string) any {
	if !isJSONNumber(s) {
		return s
	}
	return json.Number(s)
}

// isJSONNumber reports whether s has JSON's number syntax, which
// PostgreSQL's numeric output has except for NaN and ±Infinity.
func isJSONNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && s[0] >= '0' && s[0] <= '9' && json.Valid([]byte(s))
}
