package catalogview

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/pit"
)

// OnlineName is the name a feature view's values have in the online
// store: its name and a fingerprint of what its values mean (its features
// and their types, its entity's keys, its source), so that values written
// for one definition are never read as another's after CREATE OR REPLACE.
func OnlineName(sn *catalog.Snapshot, v *catalog.FeatureView) string {
	h := fnv.New32a()
	for _, f := range v.Features {
		fmt.Fprintf(h, "f\x00%s\x00%s\x00", f.Name, f.Type)
	}
	if e, ok := sn.Find(catalog.KindEntity, v.Entity).(*catalog.Entity); ok {
		for _, k := range e.Keys {
			fmt.Fprintf(h, "k\x00%s\x00%s\x00", k.Name, k.Type)
		}
	}
	if src, ok := sn.Find(catalog.KindSource, v.Source).(*catalog.Source); ok {
		fmt.Fprintf(h, "s\x00%s\x00%s\x00%s\x00%s\x00", src.Table, src.Query, src.TimestampColumn, src.CreatedColumn)
	}
	return fmt.Sprintf("%s@%08x", v.Name, h.Sum32())
}

// TTL is a view's TTL as a duration (pit.ParseTTL: every interval
// spelling PostgreSQL accepts, as extract(epoch) counts it); 0 means none.
func TTL(v *catalog.FeatureView) (time.Duration, error) {
	if v.TTL == "" {
		return 0, nil
	}
	return pit.ParseTTL(v.TTL)
}
