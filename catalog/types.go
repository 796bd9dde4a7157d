package catalog

import (
	"fmt"
	"time"
)

// Op is what a Change does.
type Op int

// The operations of a Change. The zero Op is invalid.
const (
	OpCreate          Op = iota + 1 // CREATE: the name must be free
	OpCreateOrReplace               // CREATE OR REPLACE
	OpDrop                          // DROP: the object must exist
	OpDropIfExists                  // DROP … IF EXISTS
	OpComment                       // COMMENT ON
	OpSetStreaming                  // ALTER SOURCE … SET (streaming = …)
)

// String returns the statement form of the operation, such as "DROP IF EXISTS".
func (o Op) String() string {
	switch o {
	case OpCreate:
		return "CREATE"
	case OpCreateOrReplace:
		return "CREATE OR REPLACE"
	case OpDrop:
		return "DROP"
	case OpDropIfExists:
		return "DROP IF EXISTS"
	case OpComment:
		return "COMMENT ON"
	case OpSetStreaming:
		return "ALTER"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Change is one step of an Apply.
type Change struct {
	Op Op
	// Object is the definition that OpCreate and OpCreateOrReplace store.
	Object Object
	// Kind and Name name the object of OpDrop, OpDropIfExists, OpComment
	// and OpSetStreaming.
	Kind Kind
	Name string
	// Comment is OpComment's new comment; nil removes the comment.
	Comment *string
	// Data is the content of the file of a file source that OpCreate and
	// OpCreateOrReplace store; its rows are loaded into the source's table
	// when they differ from those loaded, or when Reload is set (REFRESH
	// SOURCE).
	Data   FileData
	Reload bool
	// Streaming is what OpSetStreaming sets on the table source Name.
	Streaming bool
}

// Snapshot is a project's registry at one version, each list sorted by name.
type Snapshot struct {
	Project  string
	Version  int64
	Entities []*Entity
	Sources  []*Source
	Views    []*FeatureView
	Services []*FeatureService
	// Permissions say who may do what to the project's objects.
	Permissions []*Permission
	// Datasets are the project's saved datasets (not definitions: a repo
	// applied never lists or drops them).
	Datasets []*Dataset
}

// HistoryEntry is one applied change set.
type HistoryEntry struct {
	Version   int64
	Who       string
	At        time.Time
	Statement string
}
