package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/featuregate/featuregate"
)

// errorBody is the content of every error response's "error" member.
type errorBody struct {
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// writeError writes {"error": {"message": …, "hint": …}} with code.
func writeError(w http.ResponseWriter, code int, message, hint string) {
	writeJSON(w, code, map[string]errorBody{"error": {Message: message, Hint: hint}})
}

// writeJSON writes v as JSON with code, without HTML escaping.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"message":"cannot encode the response as JSON"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// statusOf maps an error's kind to an HTTP status code.
func statusOf(err error) int {
	switch featuregate.KindOf(err) {
	case featuregate.KindUndefined, featuregate.KindUndefinedProject:
		return http.StatusNotFound
	case featuregate.KindInvalid, featuregate.KindSyntax, featuregate.KindAmbiguous,
		featuregate.KindDatatypeMismatch, featuregate.KindUnsupported, featuregate.KindLimitExceeded,
		featuregate.KindUndefinedColumn, featuregate.KindDuplicateColumn, featuregate.KindNotNull,
		featuregate.KindBadCopyFormat, featuregate.KindCheckViolation:
		return http.StatusBadRequest
	case featuregate.KindPermission:
		return http.StatusForbidden
	case featuregate.KindUnavailable:
		return http.StatusServiceUnavailable
	case featuregate.KindDiskFull:
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// writeLookupError answers a failed lookup. Internal errors are logged and
// answered without their text.
func (s *server) writeLookupError(w http.ResponseWriter, err error) {
	code := statusOf(err)
	var fe *featuregate.Error
	hint := ""
	if errors.As(err, &fe) {
		hint = fe.Hint
	}
	if hint == "" && fe != nil && fe.Kind == featuregate.KindDatatypeMismatch {
		hint = "write the values of text keys as JSON strings and of integer keys as JSON numbers"
	}
	if code == http.StatusInternalServerError {
		s.log.Error("get-online-features", "err", err)
		writeError(w, code, "internal error", "the gateway's log has the details")
		return
	}
	if code == http.StatusServiceUnavailable || code == http.StatusInsufficientStorage {
		// The cause may name hosts, users and databases: log it, answer
		// only what failed.
		s.log.Warn("get-online-features", "err", err)
		msg := "a store the gateway reads is unavailable"
		if fe != nil {
			msg = fe.Message
		}
		writeError(w, code, msg, hint)
		return
	}
	writeError(w, code, err.Error(), hint)
}
