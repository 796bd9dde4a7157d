package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// Pusher writes pushed rows; *planner.Planner implements it. Without one
// (Features does not implement it) POST /push and /write-to-online-store
// answer 501.
type Pusher interface {
	Push(ctx context.Context, req plan.PushRequest) (*plan.PushResult, error)
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
