package catalogview

import (
	"strings"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// ResolveColumn marks the feature column of rel called name (its column
// name or its full name) as wanted. A name that is no feature's column but
// the feature of several views is an error that lists their full names;
// any other name is left for the caller to refuse.
func ResolveColumn(rel *catalog.Relation, name string, wanted map[string]bool) *featuregate.Error {
	var candidates []string
	for _, f := range rel.Features {
		switch {
		case f.Column == name || f.FullName() == name:
			wanted[name] = true
			return nil
		case f.Feature == name:
			candidates = append(candidates, f.FullName())
		}
	}
	if len(candidates) > 1 {
		return featuregate.Errorf(featuregate.KindAmbiguous, "column reference %q is ambiguous in %s: it may be %s",
			name, rel.Name, strings.Join(candidates, " or ")).
			WithHint("name the feature by its full name, %s", candidates[0])
	}
	return nil
}
