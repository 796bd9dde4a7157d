package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
)

// Unavailable is the error a health or readiness check returns to say
// which part of the gateway failed. Part ("the offline store") is answered
// to the client; Err, which may name hosts, users and databases, is only
// logged.
type Unavailable struct {
	Part string
	Err  error
}

func (e *Unavailable) Error() string { return e.Part + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Unavailable) Unwrap() error { return e.Err }

// health answers GET /health: 200 while Config.Health passes, 503 otherwise.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	s.answerCheck(w, &s.live, s.cfg.Health(r.Context()))
}

// ready answers GET /ready: 200 while Config.Health and Config.Ready pass,
// 503 otherwise.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	err := s.cfg.Health(r.Context())
	if err == nil {
		err = s.cfg.Ready(r.Context())
	}
	s.answerCheck(w, &s.readiness, err)
}

// answerCheck answers a check's outcome without its details, which it
// logs when the outcome changed.
func (s *server) answerCheck(w http.ResponseWriter, p *probe, err error) {
	p.logChange(s.log, err)
	if err == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	msg := "the gateway is unavailable"
	var u *Unavailable
	if errors.As(err, &u) {
		msg = u.Part + " is unavailable"
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable",
		"error": errorBody{Message: msg, Hint: "the gateway's log has the details"}})
}

// probe remembers whether a check failed last time.
type probe struct {
	name   string
	mu     sync.Mutex
	failed bool
}

// logChange logs a check that starts failing (with its error) or passes
// again; a check failing on and on is logged at debug level only.
func (p *probe) logChange(log *slog.Logger, err error) {
	p.mu.Lock()
	was := p.failed
	p.failed = err != nil
	p.mu.Unlock()
	switch {
	case err != nil && !was:
		log.Warn(p.name+" check failed", "err", err)
	case err != nil:
		log.Debug(p.name+" check failed", "err", err)
	case was:
		log.Info(p.name + " check passes again")
	}
}

// alwaysOK is the check of a Config that gives none.
func alwaysOK(context.Context) error { return nil }
