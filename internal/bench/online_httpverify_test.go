package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptrace"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// onlineHTTPResponse is the part of a /get-online-features response the
// verification reads.
type onlineHTTPResponse struct {
	Metadata struct {
		FeatureNames []string `json:"feature_names"`
	} `json:"metadata"`
	Results []struct {
		Values   []any    `json:"values"`
		Statuses []string `json:"statuses"`
	} `json:"results"`
}

// onlineMissingKey is a key no source holds.
const onlineMissingKey = "no such user"

// onlineVerifyHTTP checks, before anything is timed, that the HTTP API
// answers the requests of the HTTP legs with the baseline's values: a
// sample of keys one request each, and batches of onlineBatch keys plus
// an unknown one (NOT_FOUND), all of the 50-feature view; and that the
// requests of one client keep their connection alive.
func onlineVerifyHTTP(ctx context.Context, baseURL, pgDSN string, keys []string) error {
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	v := onlineViews[1]
	leg := onlineHTTPLeg(onlineHTTPNKind, baseURL, v, onlineBatch, 1)
	conn, err := leg.open(ctx)
	if err != nil {
		return err
	}
	defer conn.close(ctx)
	c := conn.(*onlineHTTPConn)
	dials := 0
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{ConnectStart: func(string, string) { dials++ }})
	sample := keys[:min(onlineSample, len(keys))]
	for _, k := range sample[:min(100, len(sample))] {
		if err := onlineVerifyHTTPKeys(ctx, c, pg, v, []string{k}); err != nil {
			return err
		}
	}
	for o := 0; o+onlineBatch <= len(sample); o += onlineBatch {
		batch := append(slices.Clone(sample[o:o+onlineBatch]), onlineMissingKey)
		if err := onlineVerifyHTTPKeys(ctx, c, pg, v, batch); err != nil {
			return err
		}
	}
	if dials != 1 {
		return fmt.Errorf("HTTP: %d connections opened by one client, want 1 (keep-alive)", dials)
	}
	return nil
}

// onlineVerifyHTTPKeys posts one request and compares its columns with
// the baseline's rows of its keys.
func onlineVerifyHTTPKeys(ctx context.Context, c *onlineHTTPConn, pg *pgx.Conn, v onlineView, keys []string) error {
	if err := c.post(ctx, keys); err != nil {
		return err
	}
	var got onlineHTTPResponse
	dec := json.NewDecoder(bytes.NewReader(c.resp.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return fmt.Errorf("HTTP response: %w", err)
	}
	rows, err := onlineRows(ctx, pg, onlineLookupSQL(v, onlinePG, onlineBatch), keys)
	if err != nil {
		return err
	}
	want := map[string][]any{}
	for _, r := range rows {
		want[r[0].(string)] = r[1:]
	}
	if err := onlineHTTPShape(got, v, len(keys)); err != nil {
		return err
	}
	for j, k := range keys {
		if err := onlineHTTPRow(got, j, k, want[k]); err != nil {
			return fmt.Errorf("HTTP, %s, key %s: %w", v.view(), k, err)
		}
	}
	return nil
}

// onlineHTTPShape checks the names and the size of every column.
func onlineHTTPShape(got onlineHTTPResponse, v onlineView, keys int) error {
	names := []string{"user_id"}
	for i := range v.features {
		names = append(names, fmt.Sprintf("f%d", i+1))
	}
	if !slices.Equal(got.Metadata.FeatureNames, names) {
		return fmt.Errorf("HTTP: feature_names %v, want %v", got.Metadata.FeatureNames, names)
	}
	if len(got.Results) != len(names) {
		return fmt.Errorf("HTTP: %d results, want %d", len(got.Results), len(names))
	}
	for i, r := range got.Results {
		if len(r.Values) != keys || len(r.Statuses) != keys {
			return fmt.Errorf("HTTP: column %s has %d values and %d statuses, want %d", names[i], len(r.Values), len(r.Statuses), keys)
		}
	}
	return nil
}

// onlineHTTPRow checks row j of a response: the key, then every value
// against want (nil for a key the baseline lacks: NOT_FOUND and null).
func onlineHTTPRow(got onlineHTTPResponse, j int, key string, want []any) error {
	if k := got.Results[0].Values[j]; k != key {
		return fmt.Errorf("key column is %v (request order)", k)
	}
	for i, col := range got.Results[1:] {
		status := "PRESENT"
		var w any
		if want == nil {
			status = "NOT_FOUND"
		} else {
			w = want[i]
		}
		if col.Statuses[j] != status {
			return fmt.Errorf("f%d status %s, want %s", i+1, col.Statuses[j], status)
		}
		if !onlineSameJSON(col.Values[j], w) {
			return fmt.Errorf("f%d is %#v, want %#v (%T)", i+1, col.Values[j], w, w)
		}
	}
	return nil
}

// onlineSameJSON reports whether a decoded JSON value (numbers as
// json.Number) is the baseline's value want; floats must be the same
// number at their width, times the same instant.
func onlineSameJSON(got, want any) bool {
	num, isNum := got.(json.Number)
	switch w := want.(type) {
	case nil:
		return got == nil
	case int64:
		return isNum && num.String() == strconv.FormatInt(w, 10)
	case int32:
		return isNum && num.String() == strconv.FormatInt(int64(w), 10)
	case float64:
		f, err := strconv.ParseFloat(num.String(), 64)
		return isNum && err == nil && f == w
	case float32:
		f, err := strconv.ParseFloat(num.String(), 32)
		return isNum && err == nil && float32(f) == w
	case bool, string:
		return got == want
	case time.Time:
		s, _ := got.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && t.Equal(w)
	}
	return false
}
