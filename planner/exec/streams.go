package exec

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
)

// Streams is what the gateway's stream follower (package stream) tells
// and is told: the state of each followed source, and that a project's
// definitions changed.
type Streams interface {
	// Status returns the streams of project's sources this gateway
	// follows or means to follow.
	Status(project string) []StreamStatus
	// Changed tells the follower that project's definitions changed, so
	// that it starts or stops following sources now.
	Changed(project string)
}

// StreamStatus is one followed source as SHOW STREAMS lists it.
type StreamStatus struct {
	Source      string
	Table       string
	Publication string
	Slot        string
	// State is starting, streaming, standby (another gateway follows for
	// a shared online store), reconnecting, gap (a lost slot was
	// recreated; MATERIALIZE catches up) or error.
	State      string
	LagBytes   int64
	LagSeconds float64
	Written    int64  // values the stream replaced online since the gateway started
	Rejected   int64  // rows that broke a CHECK rule, since the gateway started
	Error      string // "" when none
}

// ShowStreams returns SHOW STREAMS of session s: each streaming source of
// its project the user may describe, with its publication, slot, state
// and lag as this gateway's follower reports them.
func ShowStreams(env *Env, s plan.Session) plan.Local {
	cols := textCols("source", "table", "publication", "slot", "state", "lag_bytes", "lag_seconds",
		"rows_written", "rows_rejected", "error")
	cols[5].OID, cols[6].OID, cols[7].OID, cols[8].OID = pgtype.Int8OID, pgtype.Float8OID, pgtype.Int8OID, pgtype.Int8OID
	return &rowsExec{cols: cols, rows: func(ctx context.Context) ([][]any, error) {
		sn, err := env.Registry.Snapshot(ctx, s.Database)
		if err != nil {
			return nil, err
		}
		reported := map[string]StreamStatus{}
		if env.Streams != nil {
			for _, st := range env.Streams.Status(s.Database) {
				reported[st.Source] = st
			}
		}
		var rows [][]any
		for _, src := range sn.Sources {
			if !src.Streaming || !access.Describable(sn, s.Who(), src) {
				continue
			}
			st, ok := reported[src.Name]
			if !ok {
				st = StreamStatus{State: "not followed", Error: "this gateway follows no stream: it has no online store"}
				if env.Streams != nil {
					st.State, st.Error = "starting", ""
				}
			}
			rows = append(rows, []any{src.Name, src.Table, nullIfEmpty(st.Publication), nullIfEmpty(st.Slot), st.State,
				st.LagBytes, st.LagSeconds, st.Written, st.Rejected, nullIfEmpty(st.Error)})
		}
		return rows, nil
	}}
}

// StreamView describes feature view v for the stream follower as
// materialization reads it (all its features, its CHECK rules), with
// from as its source: a FROM item whose rows have the source table's
// columns.
func StreamView(snap *catalog.Snapshot, times map[string]catalog.TimeTypes, v *catalog.FeatureView, from string) *pit.View {
	pv := materializeView(snap, times, v)
	if pv != nil {
		pv.Source.From = from
	}
	return pv
}

// streamEnd is the end of the window of streamed rows: every row is
// applied, whatever its event time.
var streamEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// WriteStreamed writes the newest row per entity of pv (a StreamView)
// into the online store under the online name name, as materialization
// writes, newer-wins, rows that break a CHECK rule counted as rejected;
// args are the parameters of pv's FROM item after the window's $1 and $2.
// It returns once the rows are durable.
func (env *Env) WriteStreamed(ctx context.Context, project, name string, pv *pit.View, args ...any) (read, written, rejected int64, err error) {
	st, err := env.copyLatest(ctx, project, name, pv, beginning, streamEnd, nil, args...)
	return st.read, st.written, st.rejected, err
}
