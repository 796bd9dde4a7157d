package plan

import "time"

// LookupRequest asks for the latest online values of features for entity
// keys.
type LookupRequest struct {
	// Who asks: the lookup reads only what this identity may read online.
	Who     Identity
	Project string
	// Relation is a feature view, a feature service or "features"; "" when
	// Features is set.
	Relation string
	// Features are Feast feature references "view:feature", when Relation
	// is "".
	Features []string
	// Keys are the entity join key names, e.g. ["user_id"].
	Keys []string
	// Rows hold one slice of key values per requested entity, in Keys
	// order. Values are converted to the keys' types: strings, integers
	// and integral floats (as JSON gives them) are accepted.
	Rows [][]any
	// FullNames names every feature column view__feature.
	FullNames bool
}

// LookupResult is column-oriented, like Feast's response.
type LookupResult struct {
	Keys     []string        // key column names
	KeyRows  [][]any         // the requested keys, typed, one per row
	Features []LookupFeature // in relation order
}

// LookupFeature is one feature column of a result.
type LookupFeature struct {
	Name                string // the output name: bare, or view__feature
	View, Feature, Type string // Type is the PostgreSQL type name
	Values              []any  // one per row; nil unless PRESENT
	Status              []Status
	EventTS             []time.Time // zero when not found
}

// Status is a value's state, as in Feast.
type Status uint8

// The states of a looked-up value.
const (
	StatusPresent       Status = iota // the value is there and fresh
	StatusNotFound                    // the store has no value for the key
	StatusOutsideMaxAge               // the value is older than the view's TTL
)

// String returns Feast's name of the status.
func (s Status) String() string {
	return [...]string{"PRESENT", "NOT_FOUND", "OUTSIDE_MAX_AGE"}[s]
}
