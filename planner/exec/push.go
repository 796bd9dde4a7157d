package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Push: rows written straight to the online store of a feature view
// (INSERT or COPY into the view, Feast's push and write_to_online_store)
// take the path of materialization from the query on: PostgreSQL reads
// each pushed value as its column's type and evaluates the view's CHECK
// rules (pit.View.Push), readLatest makes the online rows and leaves out
// the rejected ones, and the online store writes them newer-wins. A view
// without CHECK rules has its values read in the gateway instead when
// they are in a strict form (pushnative.go). Every
// row is read and checked before the first write, and the rows of one
// push are one write (one synced Pebble batch, one PostgreSQL
// transaction), so a push that fails writes nothing.

// The names pushed times take besides the source's own columns.
const (
	EventTimestamp   = "event_timestamp"
	CreatedTimestamp = "created_timestamp"
)

// pushChunk is how many rows go to PostgreSQL in one query; up to
// pushParallel queries of one push run at once, on connections of the
// gateway's pool.
const (
	pushChunk    = 8192
	pushParallel = 2
)

// PushTarget is a feature view as a push writes it: the columns a push
// names, in the order pit.View.Push reads them, and their types.
type PushTarget struct {
	View   *catalog.FeatureView
	Online string // the view's name in the online store
	pv     *pit.View
	keys   []string // the entity's key types
	// Columns are the view's columns as a push names them: keys,
	// event_timestamp, created_timestamp, features; Types their types.
	Columns, Types []string
	aliases        map[string]int // the source's time column names
}

// Target describes feature view name of snap for a push.
func Target(snap *catalog.Snapshot, name string) (*PushTarget, error) {
	obj := snap.Find(catalog.KindFeatureView, name)
	v, _ := obj.(*catalog.FeatureView)
	switch {
	case v == nil && snap.Find(catalog.KindFeatureService, name) != nil:
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "cannot push into feature service %s", name).
			WithHint("push into each of its feature views")
	case v == nil:
		return nil, featuregate.Errorf(featuregate.KindUndefined, "feature view %q does not exist", name)
	case !v.Online:
		return nil, featuregate.Errorf(featuregate.KindInvalid, "feature view %s is OFFLINE", name).
			WithHint("CREATE OR REPLACE it with ONLINE to serve it")
	}
	pv := catalogview.New(snap, nil, 0).PitView(v.Name)
	ent, _ := snap.Find(catalog.KindEntity, v.Entity).(*catalog.Entity)
	if pv == nil || ent == nil {
		return nil, featuregate.Errorf(featuregate.KindUndefined, "feature view %s has no source or entity", v.Name)
	}
	t := &PushTarget{View: v, Online: catalogview.OnlineName(snap, v), pv: pv, aliases: map[string]int{}}
	for _, k := range ent.Keys {
		t.keys = append(t.keys, k.Type)
		t.Columns, t.Types = append(t.Columns, k.Name), append(t.Types, k.Type)
	}
	nk := len(t.keys)
	t.Columns = append(t.Columns, EventTimestamp, CreatedTimestamp)
	t.Types = append(t.Types, "timestamp with time zone", "timestamp with time zone")
	for _, f := range v.Features {
		pv.Features = append(pv.Features, pit.Feature{Name: f.Name, Type: f.Type, As: f.Name})
		t.Columns, t.Types = append(t.Columns, f.Name), append(t.Types, f.Type)
	}
	t.aliases[pv.Source.TS] = nk
	if pv.Source.Created != "" {
		t.aliases[pv.Source.Created] = nk + 1
	}
	return t, nil
}

// slot is where column name goes, or -1.
func (t *PushTarget) slot(name string) int {
	if i := slices.Index(t.Columns, name); i >= 0 {
		return i
	}
	if i, ok := t.aliases[name]; ok {
		return i
	}
	return -1
}

// Alias reports whether name is the source's event or created timestamp
// column, which a push may name instead of event_timestamp and
// created_timestamp.
func (t *PushTarget) Alias(name string) bool {
	_, ok := t.aliases[name]
	return ok
}

// Slots maps the named columns to their slots, and refuses unknown or
// repeated columns and a list without every key and event_timestamp.
func (t *PushTarget) Slots(cols []string) ([]int, error) {
	slots := make([]int, len(cols))
	seen := make([]bool, len(t.Columns))
	for i, c := range cols {
		s := t.slot(c)
		switch {
		case s < 0:
			return nil, featuregate.Errorf(featuregate.KindUndefinedColumn,
				"column %q of feature view %s does not exist", c, t.View.Name).
				WithHint("the columns are %s", strings.Join(t.Columns, ", "))
		case seen[s]:
			return nil, featuregate.Errorf(featuregate.KindDuplicateColumn, "column %q specified more than once", c)
		}
		seen[s], slots[i] = true, s
	}
	for s := range len(t.keys) + 1 {
		if !seen[s] {
			return nil, featuregate.Errorf(featuregate.KindNotNull,
				"a push into feature view %s must give column %q", t.View.Name, t.Columns[s]).
				WithHint("name every join key and event_timestamp: (%s, %s, …)", strings.Join(t.Columns[:len(t.keys)], ", "), EventTimestamp)
		}
	}
	return slots, nil
}

// PushStats counts what a push did to one view.
type PushStats struct{ Read, Written, Rejected int64 }

// Push checks and writes rows to the online store of target t in
// project: values holds one text array per slot of t.Columns (as Slots
// maps them), all of one length; a nil array is NULL in every row.
func (env *Env) Push(ctx context.Context, project string, t *PushTarget, values [][]*string) (PushStats, error) {
	c, err := env.CheckPush(ctx, project, t, values)
	if err != nil {
		return PushStats{}, err
	}
	return env.WritePush(ctx, c)
}

// CheckedPush holds the rows of a push, read and checked, to write.
type CheckedPush struct {
	rows  []online.Row
	Stats PushStats // Written is 0 until written
}

// CheckPush reads and checks the rows of a push (as Push) without
// writing them: WritePush writes them, at once or at the COMMIT of the
// transaction block the push ran in.
func (env *Env) CheckPush(ctx context.Context, project string, t *PushTarget, values [][]*string) (*CheckedPush, error) {
	c := &CheckedPush{}
	if env.Online == nil || env.Offline == nil {
		return nil, featuregate.Errorf(featuregate.KindUnavailable, "this gateway has no online store").
			WithHint("start featuregate serve with a data directory, or online.type: postgres")
	}
	n, err := t.checkValues(values)
	if err != nil {
		return nil, err
	}
	chunks := make([][]online.Row, chunkCount(n))
	stats := make([]PushStats, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, pushParallel)
	types := t.nativeTypes()
	var wg sync.WaitGroup
	for i := range chunks {
		lo, hi := i*n/len(chunks), (i+1)*n/len(chunks)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if rows, ok := t.readNative(project, types, values, lo, hi); ok {
				chunks[i], stats[i].Read = rows, int64(hi-lo)
				return
			}
			stats[i].Read, stats[i].Rejected, errs[i] = env.pushRead(ctx, project, t, values, lo, hi, &chunks[i])
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	c.rows = make([]online.Row, 0, n)
	for i, rows := range chunks {
		c.rows = append(c.rows, rows...)
		c.Stats.Read, c.Stats.Rejected = c.Stats.Read+stats[i].Read, c.Stats.Rejected+stats[i].Rejected
	}
	return c, nil
}

// chunkCount is how many chunks of about equal size the n rows of a push
// are read in: at most pushChunk rows each, and at least one per parallel
// reader when there are rows enough.
func chunkCount(n int) int {
	return max(1, (n+pushChunk-1)/pushChunk, min(pushParallel, n/1024))
}

// firstError is the first error of errs that is not nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// WritePush writes checked rows in one write, newer wins.
func (env *Env) WritePush(ctx context.Context, c *CheckedPush) (PushStats, error) {
	st := c.Stats
	if len(c.rows) == 0 {
		return st, nil
	}
	w, err := env.Online.Write(ctx, c.rows)
	st.Written = int64(w)
	return st, err
}

// checkValues checks that values has one array per column, all of one
// length, and no NULL key or event time; it fills absent columns with
// NULLs and returns the number of rows.
func (t *PushTarget) checkValues(values [][]*string) (int, error) {
	if len(values) != len(t.Columns) {
		return 0, fmt.Errorf("exec: push of %d columns into %d", len(values), len(t.Columns))
	}
	n := len(values[0])
	for i, col := range values {
		if col != nil && len(col) != n {
			return 0, featuregate.Errorf(featuregate.KindInvalid,
				"column %q has %d values, column %q has %d", t.Columns[i], len(col), t.Columns[0], n).
				WithHint("give every column one value per row")
		}
		if col == nil {
			values[i] = make([]*string, n)
			continue
		}
		if i > len(t.keys) { // created and features may be NULL
			continue
		}
		if r := slices.Index(col, nil); r >= 0 {
			return 0, featuregate.Errorf(featuregate.KindNotNull,
				"null value in column %q of feature view %s (row %d)", t.Columns[i], t.View.Name, r+1).
				WithHint("every pushed row needs its join keys and event_timestamp")
		}
	}
	return n, nil
}

// pushRead reads rows [lo, hi) through PostgreSQL and appends the valid
// ones to rows.
func (env *Env) pushRead(ctx context.Context, project string, t *PushTarget, values [][]*string, lo, hi int, rows *[]online.Row) (read, rejected int64, err error) {
	args := make([]any, len(values))
	for i, col := range values {
		args[i] = col[lo:hi]
	}
	res, err := env.Offline.Query(ctx, t.pv.Push(t.keys), args...)
	if err != nil {
		return 0, 0, pushError(t, err)
	}
	defer res.Close()
	batches := make(chan readBatch)
	done := make(chan struct{})
	go func() {
		for b := range batches {
			*rows = append(*rows, b.rows...)
		}
		close(done)
	}()
	read, rejected, err = readLatest(res, project, t.Online, t.pv, batches)
	close(batches)
	<-done
	if err != nil {
		return read, rejected, pushError(t, err)
	}
	return read, rejected, nil
}

// pushError is the error of PostgreSQL reading pushed values: a value
// that is not of its column's type keeps PostgreSQL's SQLSTATE (22P02 and
// the like) and message; a lost connection is the offline store's outage.
func pushError(t *PushTarget, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &featuregate.Error{Kind: featuregate.KindDatatypeMismatch,
			Message: "push into feature view " + t.View.Name, Err: err,
			Hint: "the columns' types are " + t.typeList()}
	}
	return featuregate.Errorf(featuregate.KindUnavailable, "push into %s: read the values: %v", t.View.Name, err)
}

// typeList lists the columns with their types.
func (t *PushTarget) typeList() string {
	parts := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		parts[i] = c + " " + t.Types[i]
	}
	return strings.Join(parts, ", ")
}

// Pushed is a PushStats as plan reports it.
func (st PushStats) Pushed(view string) plan.PushedView {
	return plan.PushedView{Name: view, Written: st.Written, Rejected: st.Rejected,
		Older: st.Read - st.Rejected - st.Written}
}
