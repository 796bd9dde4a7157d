package catalog

import (
	"strings"
	"time"
)

// KindDataset is the kind of a Dataset, a saved training set.
const KindDataset Kind = "DATASET"

// Dataset is a saved dataset: the rows of a query (typically a training
// set with AS OF), stored as a table of the offline store (DatasetSchema),
// and what the registry knows of them. Its JSON form is what the registry
// stores and what `-o json` prints.
type Dataset struct {
	Name    string `json:"name"`
	Comment string `json:"comment,omitempty"`
	// Query is the statement's query as written; Rewritten is what ran on
	// the offline store (AS OF clauses rewritten).
	Query     string `json:"query"`
	Rewritten string `json:"rewritten_query,omitempty"`
	// Views are the feature views the query read, at registry Version.
	Views   []string `json:"feature_views"`
	Version int64    `json:"registry_version"`
	// JoinKeys are the entity keys of those views among its columns.
	JoinKeys []string `json:"join_keys"`
	Rows     int64    `json:"row_count"`
	// TimeColumn is the column whose range MinTime and MaxTime give (""
	// when the rows have no time column); the times are nil when it holds
	// no value.
	TimeColumn string     `json:"event_time_column,omitempty"`
	MinTime    *time.Time `json:"min_event_time,omitempty"`
	MaxTime    *time.Time `json:"max_event_time,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	Profile    Profile    `json:"profile"`
}

// Profile describes the columns of a dataset, in order.
type Profile struct {
	Rows    int64           `json:"rows"`
	Columns []ColumnProfile `json:"columns"`
}

// ColumnProfile summarises one column. Min and Max are set for numbers
// and times (as PostgreSQL prints them), Mean and StdDev for numbers,
// Distinct and Top for text and booleans; each is nil when the column has
// no value.
type ColumnProfile struct {
	Name string `json:"name"`
	// Type is the column's PostgreSQL type, as format_type prints it.
	Type         string     `json:"type"`
	Class        ValueClass `json:"class"`
	NullFraction float64    `json:"null_fraction"`
	Min          *string    `json:"min,omitempty"`
	Max          *string    `json:"max,omitempty"`
	Mean         *float64   `json:"mean,omitempty"`
	StdDev       *float64   `json:"stddev,omitempty"`
	Distinct     *int64     `json:"distinct,omitempty"`
	Top          []TopValue `json:"top_values,omitempty"`
}

// TopValue is one of the most frequent values of a column, and how many
// rows hold it.
type TopValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// ValueClass is how a column is profiled.
type ValueClass string

// The classes of column.
const (
	ClassNumber   ValueClass = "number"   // smallint … numeric: min, max, mean, stddev
	ClassCategory ValueClass = "category" // text, varchar, char, boolean: distinct count, top values
	ClassTime     ValueClass = "time"     // date, timestamp with or without time zone: min, max
	ClassOther    ValueClass = "other"    // null fraction only
)

// ClassOf is the class of a column of PostgreSQL type typ (format_type's
// spelling).
func ClassOf(typ string) ValueClass {
	base, _, _ := strings.Cut(typ, "(")
	switch strings.TrimSpace(base) {
	case "smallint", "integer", "bigint", "real", "double precision", "numeric":
		return ClassNumber
	case "text", "character varying", "character", "boolean", "\"char\"", "name":
		return ClassCategory
	case "date", "timestamp without time zone", "timestamp with time zone":
		return ClassTime
	}
	return ClassOther
}

// Kind implements Object.
func (*Dataset) Kind() Kind { return KindDataset }

// ObjectName implements Object.
func (d *Dataset) ObjectName() string { return d.Name }

// SQL implements Object: CREATE DATASET name [COMMENT '…'] AS query.
func (d *Dataset) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE DATASET " + QuoteIdent(d.Name))
	writeComment(&b, d.Comment)
	b.WriteString(" AS " + d.Query)
	return b.String()
}

// Column returns the profile of the column called name, or nil.
func (p *Profile) Column(name string) *ColumnProfile {
	for i := range p.Columns {
		if p.Columns[i].Name == name {
			return &p.Columns[i]
		}
	}
	return nil
}

// datasetSchemaPrefix starts the schema of a project's datasets.
const datasetSchemaPrefix = "fg_datasets_"

// DatasetSchema is the schema of the offline store holding project's
// saved datasets, one table per dataset under the dataset's own name:
// fg_datasets_<project>, shortened as RelationSchema shortens names too
// long for an identifier. featuregate owns it (the owner creates and
// drops its tables); the gateway's session roles may read it (no other
// role), and each session's search_path ends with it, so a dataset is
// read by its plain name.
func DatasetSchema(project string) string {
	return schemaName(datasetSchemaPrefix, project)
}
