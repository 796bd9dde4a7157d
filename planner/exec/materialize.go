package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Materialization: for each online view, PostgreSQL computes the newest
// row per entity in the window (package pit) and streams it; rows are
// written to the online store in batches, each one durable before the
// next is read, newer-wins. A view's watermark moves to
// the window's end only after all its rows are durable, so a crash
// loses nothing a watermark vouches for, and a re-run redoes the rest.
// Rows that break a CHECK rule are counted as rejected and not written:
// the entity keeps the value it had.

// materializeBatch is how many rows go into one durable write, at most;
// batchValues bounds the values of a batch, so that wide views write
// smaller batches and the batches in flight (one read, one queued, one
// written) hold a bounded amount of memory.
const (
	materializeBatch = 8192
	batchValues      = 128 << 10
)

// batchRows is the number of rows of a batch of a view of nf features.
func batchRows(nf int) int {
	return min(materializeBatch, max(256, batchValues/max(nf, 1)))
}

// materializeExec runs MATERIALIZE.
type materializeExec struct {
	env  *Env
	s    plan.Session
	stmt *ddl.MaterializeStmt
}

// Materialize returns the MATERIALIZE statement stmt of session s.
func Materialize(env *Env, s plan.Session, stmt *ddl.MaterializeStmt) plan.Local {
	return &materializeExec{env: env, s: s, stmt: stmt}
}

func (e *materializeExec) Params() []uint32 { return nil }

func (e *materializeExec) Columns() []plan.Column {
	return []plan.Column{
		{Name: "feature_view", OID: pgtype.TextOID},
		{Name: "start", OID: pgtype.TimestamptzOID}, {Name: "end", OID: pgtype.TimestamptzOID},
		{Name: "rows_read", OID: pgtype.Int8OID}, {Name: "rows_written", OID: pgtype.Int8OID},
		{Name: "rows_rejected", OID: pgtype.Int8OID}, {Name: "seconds", OID: pgtype.Float8OID},
	}
}

// Run materializes each view in turn and writes one row per view.
func (e *materializeExec) Run(ctx context.Context, _ []any, w plan.RowWriter) (string, error) {
	if e.env.Online == nil || e.env.Offline == nil {
		return "", featuregate.Errorf(featuregate.KindUnavailable, "this gateway has no online store").
			WithHint("start featuregate serve with a data directory, or online.type: postgres")
	}
	snap, err := e.env.Registry.Snapshot(ctx, e.s.Database)
	if err != nil {
		return "", err
	}
	views, err := e.views(snap)
	if err != nil {
		return "", err
	}
	to, err := e.env.timeOf(e.stmt.To)
	if err != nil {
		return "", err
	}
	if err := e.checkWindow(to); err != nil {
		return "", err
	}
	for _, v := range views {
		row, err := e.view(ctx, snap, v, to, w)
		if err != nil {
			return "", fmt.Errorf("materialize %s: %w", v.Name, err)
		}
		if err := w.WriteRow(row); err != nil {
			return "", err
		}
	}
	return "MATERIALIZE " + fmt.Sprint(len(views)), nil
}

// views returns the views to materialize: those named, or every online one.
func (e *materializeExec) views(snap *catalog.Snapshot) ([]*catalog.FeatureView, error) {
	if len(e.stmt.Views) == 0 {
		var out []*catalog.FeatureView
		for _, v := range snap.Views {
			if v.Online {
				out = append(out, v)
			}
		}
		return out, nil
	}
	var out []*catalog.FeatureView
	for _, name := range e.stmt.Views {
		v, _ := snap.Find(catalog.KindFeatureView, name).(*catalog.FeatureView)
		switch {
		case v == nil:
			return nil, featuregate.Errorf(featuregate.KindUndefined, "feature view %q does not exist", name)
		case !v.Online:
			return nil, featuregate.Errorf(featuregate.KindInvalid, "feature view %s is OFFLINE", name).
				WithHint("CREATE OR REPLACE it with ONLINE to serve it")
		}
		out = append(out, v)
	}
	return out, nil
}

// view materializes one view and returns its result row.
func (e *materializeExec) view(ctx context.Context, snap *catalog.Snapshot, v *catalog.FeatureView, to time.Time, w plan.RowWriter) ([]any, error) {
	started := time.Now()
	name := catalogview.OnlineName(snap, v)
	unlock := e.env.Locks.Lock(e.s.Database, name)
	defer unlock()
	from, err := e.from(ctx, name)
	if err != nil {
		return nil, err
	}
	var st materializeStats
	if from.Before(to) {
		times, err := e.env.Registry.SourceTimeTypes(ctx, snap)
		if err != nil {
			return nil, err
		}
		pv := materializeView(snap, times, v)
		if pv == nil {
			return nil, featuregate.Errorf(featuregate.KindUndefined, "feature view %s has no source or entity", v.Name)
		}
		if st, err = e.env.copyLatest(ctx, e.s.Database, name, pv, from, to, w); err != nil {
			return nil, err
		}
		if err := e.advance(ctx, name, to); err != nil {
			return nil, err
		}
	}
	var start any = from
	if from.Equal(beginning) {
		start = nil
	}
	return []any{v.Name, start, to, st.read, st.written, st.rejected, time.Since(started).Seconds()}, nil
}

// checkWindow refuses a window whose start is after its end (the two
// times swapped), which would materialize nothing.
func (e *materializeExec) checkWindow(to time.Time) error {
	if e.stmt.Incremental {
		return nil
	}
	from, err := e.env.timeOf(e.stmt.From)
	if err != nil || !from.After(to) {
		return err
	}
	return featuregate.Errorf(featuregate.KindInvalid, "MATERIALIZE FROM %s TO %s: the start is after the end",
		from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)).
		WithHint("swap the two times: MATERIALIZE FROM <earlier> TO <later>")
}

// beginning is the start of an incremental run of a view never
// materialized: all its history.
var beginning = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// from is the window's start: the statement's, or the view's watermark.
func (e *materializeExec) from(ctx context.Context, name string) (time.Time, error) {
	if !e.stmt.Incremental {
		return e.env.timeOf(e.stmt.From)
	}
	wm, ok, err := e.env.Online.Watermark(ctx, e.s.Database, name)
	if err != nil || !ok {
		return beginning, err
	}
	return wm, nil
}

// advance moves the view's watermark to to, never back.
func (e *materializeExec) advance(ctx context.Context, name string, to time.Time) error {
	wm, ok, err := e.env.Online.Watermark(ctx, e.s.Database, name)
	if err != nil {
		return err
	}
	if ok && !wm.Before(to) {
		return nil
	}
	return e.env.Online.SetWatermark(ctx, e.s.Database, name, to)
}

// timeOf reads a time of a MATERIALIZE statement.
func (env *Env) timeOf(s string) (time.Time, error) {
	if s == "now" {
		if env.Now != nil {
			return env.Now().UTC(), nil
		}
		return time.Now().UTC(), nil
	}
	t, err := ddl.ParseTime(s)
	if err != nil {
		return t, featuregate.Errorf(featuregate.KindInvalid, "%v", err)
	}
	return t, nil
}

// materializeView describes v for pit with all its features, in order,
// and its source's time columns with their types.
func materializeView(snap *catalog.Snapshot, times map[string]catalog.TimeTypes, v *catalog.FeatureView) *pit.View {
	pv := catalogview.New(snap, nil, 0).WithTimes(times).PitView(v.Name)
	if pv == nil {
		return nil
	}
	for _, f := range v.Features {
		typ := f.Type
		if typ == "jsonb" { // kept as its JSON text
			typ = "text"
		}
		pv.Features = append(pv.Features, pit.Feature{Name: f.Name, Type: typ, As: f.Name})
	}
	return pv
}

// materializeStats counts the rows of one view.
type materializeStats struct{ read, written, rejected int64 }

// copyLatest streams the newest row per entity of pv in [from, to] into
// the online store under name; args follow from and to as the query's
// parameters. Reading PostgreSQL and writing batches overlap: one
// goroutine decodes rows while another commits the previous batch, so the
// synced writes do not stall the stream.
func (env *Env) copyLatest(ctx context.Context, project, name string, pv *pit.View, from, to time.Time, w plan.RowWriter, args ...any) (materializeStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var st materializeStats
	rows, err := env.Offline.Query(ctx, pv.Latest(), append([]any{from, to}, args...)...)
	if err != nil {
		return st, featuregate.Errorf(featuregate.KindUnavailable, "read the source of %s: %v", pv.Name, err)
	}
	defer rows.Close()
	batches := make(chan readBatch, 1)
	done := make(chan writeOutcome, 1)
	go func() { done <- env.writeBatches(ctx, cancel, pv.Name, batches, w) }()
	st.read, st.rejected, err = readLatest(rows, project, name, pv, batches)
	close(batches)
	out := <-done
	st.written = out.written
	switch {
	case out.err != nil:
		return st, out.err
	case err != nil:
		return st, featuregate.Errorf(featuregate.KindUnavailable, "read the source of %s: %v", pv.Name, err)
	}
	return st, nil
}

// readBatch is a batch of rows to write and how many rows were read by
// the end of it.
type readBatch struct {
	rows []online.Row
	read int64
}

// writeOutcome is what the writer of a materialization did.
type writeOutcome struct {
	written int64
	err     error
}

// readLatest decodes the rows of pit's Latest query into batches; rows
// that break a CHECK rule are counted and left out.
func readLatest(rows pgx.Rows, project, name string, pv *pit.View, out chan<- readBatch) (read, rejected int64, err error) {
	nk, nf := len(pv.Keys), len(pv.Features)
	size := batchRows(nf)
	batch := make([]online.Row, 0, size)
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return read, rejected, err
		}
		read++
		if valid, _ := vals[nk+2+nf].(bool); !valid {
			rejected++
			continue
		}
		// The row's key and values are slices of the decoded values
		// themselves (made storable in place): no second copy per row.
		values := vals[nk+2 : nk+2+nf : nk+2+nf]
		for i, v := range values {
			values[i] = storable(v)
		}
		r := online.Row{Project: project, View: name, Key: vals[:nk:nk], Values: values}
		r.TS, _ = vals[nk].(time.Time)
		r.Created, _ = vals[nk+1].(time.Time)
		batch = append(batch, r)
		if len(batch) == size {
			out <- readBatch{rows: batch, read: read}
			batch = make([]online.Row, 0, size)
		}
	}
	if len(batch) > 0 {
		out <- readBatch{rows: batch, read: read}
	}
	return read, rejected, rows.Err()
}

// writeBatches writes each batch durably, in order, and reports progress.
// On the first error it stops the read (cancel) and drains the rest.
func (env *Env) writeBatches(ctx context.Context, cancel func(), view string, in <-chan readBatch, w plan.RowWriter) writeOutcome {
	var out writeOutcome
	for b := range in {
		if out.err != nil {
			continue
		}
		n, err := env.Online.Write(ctx, b.rows)
		out.written += int64(n)
		if err != nil {
			out.err = err
			cancel()
			continue
		}
		if pw, ok := w.(plan.ProgressWriter); ok {
			pw.Progress(fmt.Sprintf("materialize %s: %d rows read", view, b.read))
		}
	}
	return out
}

// storable converts a value read from PostgreSQL into one the online
// store encodes: numeric as its text, jsonb as its JSON text.
func storable(v any) any {
	switch x := v.(type) {
	case nil, bool, int16, int32, int64, float32, float64, string, []byte, time.Time:
		return v
	case pgtype.Numeric:
		t, err := x.Value()
		if err != nil || t == nil {
			return nil
		}
		return t
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = storable(e)
		}
		return out
	case map[string]any:
		b, _ := json.Marshal(x)
		return b
	}
	return fmt.Sprint(v)
}
