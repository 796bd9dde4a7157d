package lookup

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Store is the online store as lookups read it.
type Store interface {
	Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]online.Result, error)
}

// Reader plans and answers online lookups. It is safe for concurrent use.
type Reader struct {
	Catalogs *catalogview.Cache // the projects' catalogs
	Online   Store              // nil without an online store: lookups are refused
	Now      func() time.Time   // the time TTLs are measured at; nil: the wall clock
	MaxKeys  int                // the most keys one lookup may ask for; 0: no limit
}

// Lookup reads the latest values of features for entity keys from the
// online store, one result row per requested key, in request order.
func (rd *Reader) Lookup(ctx context.Context, req plan.LookupRequest) (*plan.LookupResult, error) {
	if rd.Online == nil {
		return nil, featuregate.Errorf(featuregate.KindUnavailable, "this gateway has no online store").
			WithHint("start featuregate serve with a data directory or online.type: postgres")
	}
	cv, err := rd.Catalogs.View(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	if cv == nil {
		return nil, featuregate.Errorf(featuregate.KindUndefined, "no project given")
	}
	cols, err := lookupColumns(cv, req)
	if err != nil {
		return nil, err
	}
	lp, err := planLookup(cv, req.Keys, cols)
	if err != nil {
		return nil, err
	}
	if err := lp.allowed(cv, req.Who); err != nil {
		return nil, err
	}
	return rd.runLookup(ctx, cv.Snapshot().Project, lp, req.Rows)
}

// lookupColumns resolves the request's features into relation columns.
func lookupColumns(cv *catalogview.View, req plan.LookupRequest) ([]catalog.RelationFeature, error) {
	var feats []catalog.RelationFeature
	if req.Relation != "" {
		rel := cv.Relation(req.Relation)
		if rel == nil {
			return nil, featuregate.Errorf(featuregate.KindUndefined, "feature relation %q does not exist in project %q", req.Relation, cv.Snapshot().Project).
				WithHint("SHOW FEATURE VIEWS and SHOW FEATURE SERVICES list them")
		}
		feats = rel.Features
		if req.Relation == catalog.AllFeatures && cv.Snapshot().Find(catalog.KindFeatureView, catalog.AllFeatures) == nil {
			feats = onlineOnly(cv, feats) // every online feature
		}
	} else {
		for _, ref := range req.Features {
			f, err := featureRef(cv, ref)
			if err != nil {
				return nil, err
			}
			feats = append(feats, f)
		}
	}
	if len(feats) == 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "no feature requested")
	}
	for i := range feats {
		if req.FullNames {
			feats[i].Column = feats[i].FullName()
		} else if req.Relation == "" {
			feats[i].Column = feats[i].Feature
		}
	}
	return feats, nil
}

// onlineOnly drops the features of OFFLINE views.
func onlineOnly(cv *catalogview.View, feats []catalog.RelationFeature) []catalog.RelationFeature {
	var out []catalog.RelationFeature
	for _, f := range feats {
		if v, _ := cv.Snapshot().Find(catalog.KindFeatureView, f.View).(*catalog.FeatureView); v != nil && v.Online {
			out = append(out, f)
		}
	}
	return out
}

// featureRef resolves Feast's "view:feature".
func featureRef(cv *catalogview.View, ref string) (catalog.RelationFeature, error) {
	view, feature, ok := strings.Cut(ref, ":")
	if !ok {
		return catalog.RelationFeature{}, featuregate.Errorf(featuregate.KindInvalid, "feature reference %q is not view:feature", ref)
	}
	rel := cv.Relation(view)
	if rel == nil || rel.Kind != catalog.KindFeatureView {
		return catalog.RelationFeature{}, featuregate.Errorf(featuregate.KindUndefined, "feature view %q does not exist", view)
	}
	for _, f := range rel.Features {
		if f.Feature == feature {
			return f, nil
		}
	}
	return catalog.RelationFeature{}, featuregate.Errorf(featuregate.KindUndefined, "feature view %q has no feature %q", view, feature)
}

// lookupView is one feature view a lookup reads.
type lookupView struct {
	view   *catalog.FeatureView
	name   string        // its name in the online store
	ttl    time.Duration // 0 for none
	keyIdx []int         // positions of its entity's keys among the request's keys
	// allKeys is set when keyIdx is 0, 1, …: the view's keys are the
	// request's, in order.
	allKeys bool
}

// lookupPlan is a resolved lookup: which views, which columns.
type lookupPlan struct {
	keys     []catalog.Column // the request's keys, typed
	views    []lookupView
	features []catalog.RelationFeature
	viewOf   []int // per feature, its view's index in views
	valueIdx []int // per feature, its position in the view's stored values
}

// allowed checks that who may read every view of the plan online.
func (lp *lookupPlan) allowed(cv *catalogview.View, who plan.Identity) error {
	for _, v := range lp.views {
		if err := access.Check(cv.Snapshot(), who, catalog.ActionReadOnline, catalog.KindFeatureView, v.view.Name); err != nil {
			return err
		}
	}
	return nil
}

// planLookup resolves views, keys and value positions once; a prepared
// statement keeps the plan for all its executions.
func planLookup(cv *catalogview.View, keyNames []string, feats []catalog.RelationFeature) (*lookupPlan, error) {
	lp := &lookupPlan{features: feats}
	views := map[string]int{}
	for _, f := range feats {
		i, ok := views[f.View]
		if !ok {
			v, err := lookupViewOf(cv, f.View, keyNames, lp)
			if err != nil {
				return nil, err
			}
			i = len(lp.views)
			views[f.View] = i
			lp.views = append(lp.views, v)
		}
		lp.viewOf = append(lp.viewOf, i)
		lp.valueIdx = append(lp.valueIdx, slices.IndexFunc(lp.views[i].view.Features, func(x catalog.Feature) bool { return x.Name == f.Feature }))
	}
	for i, k := range lp.keys {
		if k.Name == "" {
			return nil, featuregate.Errorf(featuregate.KindInvalid, "%s is not a join key of any requested feature view", keyNames[i]).
				WithHint("give only the join keys of the views requested")
		}
	}
	return lp, nil
}

// lookupViewOf resolves one view and checks the request gives its keys.
func lookupViewOf(cv *catalogview.View, name string, keyNames []string, lp *lookupPlan) (lookupView, error) {
	fv, _ := cv.Snapshot().Find(catalog.KindFeatureView, name).(*catalog.FeatureView)
	var ent *catalog.Entity
	if fv != nil {
		ent, _ = cv.Snapshot().Find(catalog.KindEntity, fv.Entity).(*catalog.Entity)
	}
	if fv == nil || ent == nil {
		return lookupView{}, featuregate.Errorf(featuregate.KindUndefined, "feature view %q is not defined", name)
	}
	if !fv.Online {
		return lookupView{}, featuregate.Errorf(featuregate.KindInvalid, "feature view %s is OFFLINE: it has no online values", fv.Name).
			WithHint("read it AS OF a time, or make it ONLINE and MATERIALIZE it")
	}
	ttl, err := catalogview.TTL(fv)
	if err != nil {
		return lookupView{}, featuregate.Errorf(featuregate.KindInvalid, "feature view %s: %v", fv.Name, err)
	}
	lv := lookupView{view: fv, name: catalogview.OnlineName(cv.Snapshot(), fv), ttl: ttl}
	for _, k := range ent.Keys {
		i := slices.Index(keyNames, k.Name)
		if i < 0 {
			return lookupView{}, featuregate.Errorf(featuregate.KindInvalid, "feature view %s needs the entity key %s", fv.Name, k.Name).
				WithHint("give a value of every join key of %s: %s", ent.Name, entityKeys(ent))
		}
		lv.keyIdx = append(lv.keyIdx, i)
		if lp.keys == nil {
			lp.keys = make([]catalog.Column, len(keyNames))
		}
		lp.keys[i] = k
	}
	lv.allKeys = len(lv.keyIdx) == len(keyNames)
	for j, i := range lv.keyIdx {
		lv.allKeys = lv.allKeys && i == j
	}
	return lv, nil
}

func entityKeys(e *catalog.Entity) string {
	var names []string
	for _, k := range e.Keys {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// runLookup reads every view for rows and assembles the columns.
func (rd *Reader) runLookup(ctx context.Context, project string, lp *lookupPlan, rows [][]any) (*plan.LookupResult, error) {
	if rd.MaxKeys > 0 && len(rows) > rd.MaxKeys {
		return nil, featuregate.Errorf(featuregate.KindLimitExceeded, "the lookup asks for %d keys, more than the %d one lookup may ask for", len(rows), rd.MaxKeys).
			WithHint("split it into lookups of at most %d keys, or raise limits.max_keys_per_lookup in featuregate.yaml", rd.MaxKeys)
	}
	res := &plan.LookupResult{KeyRows: make([][]any, len(rows)), Keys: make([]string, 0, len(lp.keys)),
		Features: make([]plan.LookupFeature, 0, len(lp.features))}
	for _, k := range lp.keys {
		res.Keys = append(res.Keys, k.Name)
	}
	for i, r := range rows {
		typed, err := typedKey(lp.keys, r)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		res.KeyRows[i] = typed
	}
	now := time.Now()
	if rd.Now != nil {
		now = rd.Now()
	}
	// One backing array per kind of column for all features: three
	// allocations per lookup rather than three per feature.
	n := len(rows)
	values := make([]any, n*len(lp.features))
	status := make([]plan.Status, n*len(lp.features))
	eventTS := make([]time.Time, n*len(lp.features))
	for i, f := range lp.features {
		lo, hi := i*n, (i+1)*n
		res.Features = append(res.Features, plan.LookupFeature{Name: f.Column, View: f.View, Feature: f.Feature, Type: f.Type,
			Values: values[lo:hi:hi], Status: status[lo:hi:hi], EventTS: eventTS[lo:hi:hi]})
	}
	for vi, v := range lp.views {
		got, err := rd.getView(ctx, project, v, res.KeyRows, now)
		if err != nil {
			return nil, err
		}
		for fi := range lp.features {
			if lp.viewOf[fi] == vi {
				fillFeature(&res.Features[fi], got, lp.valueIdx[fi])
			}
		}
	}
	return res, nil
}

// fillFeature copies one feature's values out of a view's results.
// getView reads view v for every key row, in order. A row with a NULL in
// one of v's keys names no entity: it is not found, and not asked for.
// The store's errors keep their kind (a full disk, a closed store); others
// say the store cannot be reached.
func (rd *Reader) getView(ctx context.Context, project string, v lookupView, rows [][]any, now time.Time) ([]online.Result, error) {
	if v.allKeys && noNullKey(rows) { // the rows are the view's keys, as they are
		return rd.get(ctx, project, v, rows, now)
	}
	keys := make([][]any, 0, len(rows))
	at := make([]int, 0, len(rows)) // keys[j] is row at[j]
	for i, r := range rows {
		key := make([]any, len(v.keyIdx))
		null := false
		for j, k := range v.keyIdx {
			key[j] = r[k]
			null = null || r[k] == nil
		}
		if !null {
			keys, at = append(keys, key), append(at, i)
		}
	}
	got, err := rd.get(ctx, project, v, keys, now)
	if err != nil {
		return nil, err
	}
	if len(keys) == len(rows) {
		return got, nil
	}
	out := make([]online.Result, len(rows))
	for j, i := range at {
		out[i] = got[j]
	}
	return out, nil
}

// get reads keys of view v from the online store, keeping the kind of its
// errors (a full disk, a closed store); others say it cannot be reached.
func (rd *Reader) get(ctx context.Context, project string, v lookupView, keys [][]any, now time.Time) ([]online.Result, error) {
	got, err := rd.Online.Get(ctx, project, v.name, keys, now, v.ttl)
	if err != nil {
		if featuregate.KindOf(err) != featuregate.KindInternal {
			return nil, fmt.Errorf("online store: %w", err)
		}
		return nil, &featuregate.Error{Kind: featuregate.KindUnavailable, Message: "online store", Err: err}
	}
	return got, nil
}

// noNullKey reports whether every key row is free of NULLs.
func noNullKey(rows [][]any) bool {
	for _, r := range rows {
		for _, v := range r {
			if v == nil {
				return false
			}
		}
	}
	return true
}

func fillFeature(f *plan.LookupFeature, got []online.Result, idx int) {
	for i, r := range got {
		switch {
		case !r.Found:
			f.Status[i] = plan.StatusNotFound
		case r.Expired:
			f.Status[i], f.EventTS[i] = plan.StatusOutsideMaxAge, r.TS
		default:
			f.Status[i], f.EventTS[i] = plan.StatusPresent, r.TS
			if idx >= 0 && idx < len(r.Values) {
				f.Values[i] = r.Values[idx]
			}
		}
	}
}

// typedKey converts one requested key to the keys' types.
func typedKey(keys []catalog.Column, r []any) ([]any, error) {
	if len(r) != len(keys) {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "%d key values for %d join keys", len(r), len(keys))
	}
	out := make([]any, len(r))
	for i, v := range r {
		c, err := convertKey(v, keys[i].Type)
		if err != nil {
			kind := featuregate.KindDatatypeMismatch
			if errors.Is(err, errSyntax) {
				kind = featuregate.KindInvalid
			}
			return nil, featuregate.Errorf(kind, "join key %s: %v", keys[i].Name, err)
		}
		out[i] = c
	}
	return out, nil
}

// convertKey converts v to the Go type the online store keys a column of
// type typ with.
func convertKey(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil // names no entity: a row of NULLs
	}
	switch typ {
	case "text":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "bigint", "integer", "smallint":
		n, err := toInt(v)
		if _, text := v.(string); err != nil && text {
			return nil, fmt.Errorf("%w for type %s: %q", errSyntax, typ, v)
		}
		if err != nil {
			return nil, fmt.Errorf("%s value %v does not match the key's type, %s", sqlKind(v), v, typ)
		}
		return n, inRange(n.(int64), typ)
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "bytea":
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	case "date", "timestamp without time zone", "timestamp with time zone":
		return toTime(v)
	}
	return nil, fmt.Errorf("%s value %v does not match the key's type, %s", sqlKind(v), v, typ)
}

// errSyntax is a text key value its key's type cannot read.
var errSyntax = errors.New("invalid input syntax")

// sqlKind names the kind of a key value as SQL would.
func sqlKind(v any) string {
	switch v.(type) {
	case int64, int32, int16, int:
		return "an integer"
	case float64, float32:
		return "a number"
	case string:
		return "a text"
	case bool:
		return "a boolean"
	case []byte:
		return "a bytea"
	case time.Time:
		return "a timestamp"
	}
	return "a"
}

// inRange refuses an integer key that its column's type cannot hold: no
// entity can have it.
func inRange(n int64, typ string) error {
	lim := map[string]int64{"integer": math.MaxInt32, "smallint": math.MaxInt16}[typ]
	if lim != 0 && (n > lim || n < -lim-1) {
		return fmt.Errorf("%d is out of range for type %s", n, typ)
	}
	return nil
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	}
	return nil, fmt.Errorf("%v is not an integer", v)
}

func toTime(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		return ddl.ParseTime(x)
	}
	return nil, fmt.Errorf("%v is not a time", v)
}
