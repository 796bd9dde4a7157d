// Package httpapi is featuregate's HTTP front end: the online store in the
// JSON of Feast's feature server, a health check, and Prometheus metrics.
// `featuregate serve` runs it next to the PostgreSQL wire listener; both
// read the same online store through the same planner.
//
// # Endpoints
//
//	POST /get-online-features   latest feature values by entity key (Feast's request and response)
//	POST /push                  rows of a push source, to online, offline or both (Feast's push; push.go)
//	POST /write-to-online-store rows of one feature view, online (Feast's write_to_online_store)
//	GET  /health                liveness: 200 {"status":"ok"} while lookups work, or 503
//	GET  /ready                 readiness: the same, the offline store included
//	GET  /metrics               Prometheus text exposition
//	GET  /                      what this server is and its endpoints (no token needed)
//
// Any other path is 404; a known path with another method is 405 with an
// Allow header. Every error body is {"error": {"message": …, "hint": …}}.
//
// # Authentication
//
// With Config.Auth set (the gateway sets it when featuregate.yaml
// configures authentication), every request but GET /health and /ready carries
// "Authorization: Bearer <token>", the token of a user of the config; a
// missing or unknown token is 401. A lookup then reads only what that user
// may read online (READ_ONLINE), with the same permissions as SQL, and is
// 403 otherwise.
//
// # Mapping to Feast
//
// The request is Feast's GetOnlineFeaturesRequest: "features" (a list of
// "view:feature" references) or "feature_service" (a name), "entities"
// (join key name to a list of values, one per requested row) and
// "full_feature_names". featuregate adds "project", which defaults to
// Config.Project. A feature service may also be any feature relation
// (docs/sql.md): a feature view, or "features". JSON numbers become int64
// when integral and float64 otherwise; the lookup converts them to the join
// key's type.
//
// The response is Feast's GetOnlineFeaturesResponse as Feast's server
// prints it (MessageToDict): metadata.feature_names lists the join keys
// first, in request order, then the features; results holds one column per
// name, in the same order, each with one entry per requested row in
// request order: values, statuses (PRESENT, NOT_FOUND, OUTSIDE_MAX_AGE)
// and event_timestamps (RFC 3339 in UTC, with 0, 3, 6 or 9 fractional
// digits as protobuf's JSON). Key columns are PRESENT with the timestamp
// 1970-01-01T00:00:00Z, as in Feast; a value that is NOT_FOUND has that
// timestamp too, and an OUTSIDE_MAX_AGE value is null with its own event
// timestamp. Feature values are JSON as PostgreSQL types suggest: numbers
// for integers and floats (real keeps its 32-bit shortest form, 29.85 and
// not 29.850000381469727), "NaN", "Infinity" and "-Infinity" as protobuf's
// JSON writes them, numeric as a JSON number, text as strings, bytea as
// base64, jsonb embedded as JSON, date as "2024-01-31", timestamp without
// time zone without an offset, timestamptz in UTC, arrays as lists.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/plan"
)

// Features answers online lookups; *planner.Planner implements it.
type Features interface {
	Lookup(ctx context.Context, req plan.LookupRequest) (*plan.LookupResult, error)
}

// Config holds the HTTP front end's settings. The zero value works: no
// default project, always healthy, no logging, a registry of its own.
type Config struct {
	// Project is the project of requests that do not name one.
	Project string
	// Health reports whether the gateway can serve lookups (liveness,
	// GET /health): nil means it can. Nil Health is always healthy.
	Health func(ctx context.Context) error
	// Ready reports whether the gateway can serve everything, the offline
	// store included (readiness, GET /ready, after Health). Nil Ready is
	// ready when healthy. The errors of both are logged, never answered:
	// an *Unavailable names the part that failed in the answer.
	Ready func(ctx context.Context) error
	// Logger receives one debug line per request and the server errors.
	Logger *slog.Logger
	// Auth, when not nil, authenticates every request but GET /health and /ready:
	// it maps the token of an "Authorization: Bearer <token>" header to
	// the identity the request acts as, and a request without a token it
	// knows gets 401. Tokens builds one from a map.
	Auth func(token string) (plan.Identity, bool)
	// Anonymous is the identity of every request when Auth is nil.
	Anonymous plan.Identity
	// Registry is where the HTTP metrics, the Go and the process
	// collectors are registered and what /metrics exposes; nil makes one.
	Registry *prometheus.Registry
	// MaxKeysPerLookup caps the entity keys (rows) of one request; more
	// is 400 (0: DefaultMaxKeysPerLookup).
	MaxKeysPerLookup int
}

// DefaultMaxKeysPerLookup is Config.MaxKeysPerLookup when none is set.
const DefaultMaxKeysPerLookup = 10000

// maxBody is the largest request body accepted; larger ones get 413.
const maxBody = 10 << 20

// route is one endpoint: its allowed methods and its handler.
type route struct {
	methods []string
	handle  http.HandlerFunc
}

// server is the handler New returns.
type server struct {
	features Features
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	routes   map[string]route
	// live and readiness remember the last outcome of /health and /ready,
	// to log their changes once.
	live, readiness probe
}

// New returns the HTTP handler serving f's lookups, /health and /metrics.
// It registers its collectors in cfg.Registry (creating one when nil); the
// ones a registry already holds are reused, so New may be called twice with
// one registry.
func New(f Features, cfg Config) http.Handler {
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Health == nil {
		cfg.Health = alwaysOK
	}
	if cfg.Ready == nil {
		cfg.Ready = alwaysOK
	}
	if cfg.MaxKeysPerLookup <= 0 {
		cfg.MaxKeysPerLookup = DefaultMaxKeysPerLookup
	}
	s := &server{features: f, cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Registry),
		live: probe{name: "health"}, readiness: probe{name: "readiness"}}
	s.routes = map[string]route{
		"/get-online-features":   {[]string{http.MethodPost}, s.getOnlineFeatures},
		"/push":                  {[]string{http.MethodPost}, s.push(false)},
		"/write-to-online-store": {[]string{http.MethodPost}, s.push(true)},
		"/health":                {[]string{http.MethodGet, http.MethodHead}, s.health},
		"/ready":                 {[]string{http.MethodGet, http.MethodHead}, s.ready},
		"/metrics":               {[]string{http.MethodGet, http.MethodHead}, s.metrics.handler(cfg.Registry)},
		"/":                      {[]string{http.MethodGet, http.MethodHead}, s.index},
	}
	return s
}

// ServeHTTP routes a request, answers 404 and 405 itself, and records the
// request in the metrics.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	rt, ok := s.routes[r.URL.Path]
	path := r.URL.Path
	switch {
	case !ok:
		path = "other"
		writeError(rec, http.StatusNotFound, "no such endpoint: "+r.URL.Path,
			"the endpoints are POST /get-online-features, POST /push, POST /write-to-online-store, GET /health, GET /ready and GET /metrics")
	case !slices.Contains(rt.methods, r.Method):
		allow := strings.Join(rt.methods, ", ")
		rec.Header().Set("Allow", allow)
		writeError(rec, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path, "use "+allow)
	default:
		id, ok := s.authenticate(r)
		if !ok && path != "/health" && path != "/ready" && path != "/" {
			unauthorized(rec)
			break
		}
		rt.handle(rec, r.WithContext(withIdentity(r.Context(), id)))
	}
	d := time.Since(start)
	s.metrics.observe(path, rec.code, d)
	s.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "code", rec.code, "duration", d)
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code    int
	written bool
}

// WriteHeader records code and passes it on.
func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write marks the status as written (200 when none was set) and writes b.
func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// index answers GET /: what this server is and its endpoints, so that a
// browser pointed at the address the demo prints finds its way.
func (s *server) index(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"service": "featuregate feature server (Feast's HTTP API)",
		"endpoints": []string{"POST /get-online-features", "POST /push", "POST /write-to-online-store", "GET /health", "GET /ready", "GET /metrics"}})
}
