package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// Pusher writes pushed rows; *planner.Planner implements it. Without one
// (Features does not implement it) POST /push and /write-to-online-store
// answer 501.
type Pusher interface {
	Push(ctx context.Context, req plan.PushRequest) (*plan.PushResult, error)
}

// pushRequest is Feast's PushFeaturesRequest and WriteToFeatureStoreRequest
// plus "project".
type pushRequest struct {
	PushSourceName     string                       `json:"push_source_name"`
	FeatureViewName    string                       `json:"feature_view_name"`
	DF                 map[string][]json.RawMessage `json:"df"`
	To                 string                       `json:"to"`
	Project            string                       `json:"project"`
	AllowRegistryCache *bool                        `json:"allow_registry_cache"` // accepted, as Feast's; the catalog cache is always used
	TransformOnWrite   *bool                        `json:"transform_on_write"`   // accepted; featuregate has no on-demand transformations
}

const examplePush = `send {"push_source_name": "source", "df": {"user_id": ["u1"], "event_timestamp": ["2024-01-01T00:00:00Z"], "feature": [1]}, "to": "online"}`

// push answers POST /push (push source) and POST /write-to-online-store
// (one feature view).
func (s *server) push(view bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.features.(Pusher)
		if !ok {
			writeError(w, http.StatusNotImplemented, "this gateway does not take pushes", "")
			return
		}
		req, err := readPush(w, r, view)
		if err != nil {
			re := err.(*requestError)
			writeError(w, re.code, re.message, re.hint)
			return
		}
		req.Who = identityOf(r.Context())
		if req.Project == "" {
			req.Project = s.cfg.Project
		}
		res, err := p.Push(r.Context(), *req)
		if err != nil {
			s.writePushError(w, req, res, err)
			return
		}
		writeJSON(w, http.StatusOK, pushResponse(res))
	}
}

// pushResponse is the body of a successful push: Feast's server answers
// null; featuregate says what it wrote.
func pushResponse(res *plan.PushResult) map[string]any {
	views := make([]map[string]any, len(res.Views))
	for i, v := range res.Views {
		views[i] = map[string]any{"feature_view": v.Name, "written": v.Written, "rejected": v.Rejected, "not_newer": v.Older}
	}
	return map[string]any{"status": "ok", "rows": res.Rows, "offline_rows": res.OfflineRows, "feature_views": views}
}

// writePushError answers a failed push; a push to online_and_offline whose
// online part failed says that the rows are offline.
func (s *server) writePushError(w http.ResponseWriter, req *plan.PushRequest, res *plan.PushResult, err error) {
	if res != nil && res.OfflineRows > 0 {
		var fe *featuregate.Error
		hint := ""
		if errors.As(err, &fe) {
			hint = fe.Hint + " "
		}
		hint += fmt.Sprintf("the %d rows were inserted offline; push them again with \"to\": \"online\", or MATERIALIZE the window", res.OfflineRows)
		s.log.Warn("push: written offline, not online", "err", err)
		writeError(w, statusOf(err), "the rows were written offline but not online: "+err.Error(), hint)
		return
	}
	s.writeLookupError(w, err)
}

// readPush decodes and checks a push body.
func readPush(w http.ResponseWriter, r *http.Request, view bool) (*plan.PushRequest, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	var body pushRequest
	if err := dec.Decode(&body); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badRequest(examplePush, "the request body holds more than one JSON value")
	}
	req := &plan.PushRequest{Project: body.Project, To: body.To}
	switch {
	case view && body.FeatureViewName == "":
		return nil, badRequest(`send {"feature_view_name": "view", "df": {…}}`, "the request names no feature_view_name")
	case view:
		req.View = body.FeatureViewName
	case body.PushSourceName == "":
		return nil, badRequest(examplePush, "the request names no push_source_name")
	default:
		req.Source = body.PushSourceName
	}
	if len(body.DF) == 0 {
		return nil, badRequest(examplePush, "the request has no \"df\" columns")
	}
	names := make([]string, 0, len(body.DF))
	for name := range body.DF {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		col := make([]*string, len(body.DF[name]))
		for i, raw := range body.DF[name] {
			v, err := jsonText(raw)
			if err != nil {
				return nil, badRequest("write values as JSON strings, numbers, booleans, null, lists or objects", "df column %q, value %d: %v", name, i+1, err)
			}
			col[i] = v
		}
		req.Columns, req.Values = append(req.Columns, name), append(req.Values, col)
	}
	return req, nil
}

// jsonText is PostgreSQL's text input of a JSON value: a string as it
// is, a number or boolean as written, a list as an array literal, an
// object as its JSON text (for jsonb); null is NULL.
func jsonText(raw json.RawMessage) (*string, error) {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "null":
		return nil, nil
	case strings.HasPrefix(t, `"`):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return &s, nil
	case strings.HasPrefix(t, "["):
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, e := range elems {
			if i > 0 {
				b.WriteByte(',')
			}
			v, err := jsonText(e)
			if err != nil {
				return nil, err
			}
			if v == nil {
				b.WriteString("NULL")
				continue
			}
			b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(*v) + `"`)
		}
		b.WriteByte('}')
		s := b.String()
		return &s, nil
	}
	return &t, nil
}
