package stream

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
)

// defs is a project's definitions as the follower last read them.
type defs struct {
	snap  *catalog.Snapshot
	times map[string]catalog.TimeTypes
}

// views are the online feature views over source.
func (d *defs) views(source string) []*catalog.FeatureView {
	var out []*catalog.FeatureView
	for _, v := range d.snap.Views {
		if v.Online && v.Source == source {
			out = append(out, v)
		}
	}
	return out
}

// applied counts the rows of a batch.
type applied struct{ written, rejected int64 }

// apply writes rows, the committed rows of table (schema-qualified) in
// commit order, into the online store for every online view over
// source, through MATERIALIZE's write path: PostgreSQL reads the rows as
// the table's row type (json_populate_recordset), casts the features,
// checks the CHECK rules and keeps the newest row per entity; the
// store keeps the newer of that and what it holds. It returns once the
// writes are durable.
func apply(ctx context.Context, env *exec.Env, d *defs, source, table string, rows []json.RawMessage) (applied, error) {
	var out applied
	if len(rows) == 0 {
		return out, nil
	}
	arr, err := json.Marshal(rows)
	if err != nil {
		return out, err
	}
	from := "(SELECT * FROM pg_catalog.json_populate_recordset(NULL::" + table + ", $3::json))"
	for _, v := range d.views(source) {
		pv := exec.StreamView(d.snap, d.times, v, from)
		if pv == nil {
			continue
		}
		name := catalogview.OnlineName(d.snap, v)
		_, written, rejected, err := env.WriteStreamed(ctx, d.snap.Project, name, pv, string(arr))
		if err != nil {
			return out, fmt.Errorf("feature view %s: %w", v.Name, err)
		}
		out.written += written
		out.rejected += rejected
	}
	return out, nil
}
