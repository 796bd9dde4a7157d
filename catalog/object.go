package catalog

// Kind is the kind of a catalog object.
type Kind string

// The kinds of object, spelled as in the statements that name them.
const (
	KindEntity         Kind = "ENTITY"
	KindSource         Kind = "SOURCE"
	KindFeatureView    Kind = "FEATURE VIEW"
	KindFeatureService Kind = "FEATURE SERVICE"
)

// Object is any definition the registry stores.
type Object interface {
	// Kind tells what the object is.
	Kind() Kind
	// ObjectName is the object's name, unquoted.
	ObjectName() string
	// SQL renders the object as the CREATE statement that defines it,
	// without a trailing semicolon; parsing it gives the object back.
	SQL() string
}

// Column is a named, typed column: an entity's join key.
type Column struct {
	Name string
	// Type is a PostgreSQL type name in canonical form: "text", "bigint",
	// "integer", "smallint", "real", "double precision", "numeric",
	// "boolean", "bytea", "date", "timestamp without time zone",
	// "timestamp with time zone", "jsonb", or one of them followed by "[]".
	Type string
}

// Entity is what features describe, identified by one or more join keys.
type Entity struct {
	Name    string
	Keys    []Column
	Comment string
}

// Source is where a feature view's rows come from on the offline store: a
// query, or a table, with an event timestamp column and optionally a
// created (ingestion) timestamp column that breaks ties.
type Source struct {
	Name            string
	TimestampColumn string
	CreatedColumn   string      // "" when none
	Query           string      // the SELECT text, when defined AS <query>
	Table           string      // the table name, possibly schema-qualified and quoted as written, when defined AS TABLE; a loaded file source's table
	File            *SourceFile // the file, when defined AS FILE; nil otherwise
	Comment         string
	// Streaming (WITH (streaming = on), table sources only): the gateways
	// follow the table's committed inserts and updates into the online
	// store through logical replication.
	Streaming bool
}

// Feature is one typed value of a feature view.
type Feature struct {
	Name  string
	Type  string // as Column.Type
	Check string // the CHECK expression's SQL text, "" when none
}

// Tag is a key = 'value' pair.
type Tag struct {
	Key   string
	Value string
}

// FeatureView is a set of features of one entity, read from one source.
type FeatureView struct {
	Name     string
	Features []Feature
	Entity   string
	Source   string
	TTL      string // a PostgreSQL interval literal such as "90 days"; "" means NONE
	Online   bool   // ONLINE (default) or OFFLINE
	Tags     []Tag  // in the order written
	Comment  string
}

// FeatureRef names features of a view in a service: Feature is "*" for all.
type FeatureRef struct {
	View    string
	Feature string
}

// FeatureService is a named selection of features, served together.
type FeatureService struct {
	Name     string
	Features []FeatureRef
	Comment  string
}

// Kind implements Object.
func (*Entity) Kind() Kind { return KindEntity }

// Kind implements Object.
func (*Source) Kind() Kind { return KindSource }

// Kind implements Object.
func (*FeatureView) Kind() Kind { return KindFeatureView }

// Kind implements Object.
func (*FeatureService) Kind() Kind { return KindFeatureService }

// ObjectName implements Object.
func (e *Entity) ObjectName() string { return e.Name }

// ObjectName implements Object.
func (s *Source) ObjectName() string { return s.Name }

// ObjectName implements Object.
func (v *FeatureView) ObjectName() string { return v.Name }

// ObjectName implements Object.
func (s *FeatureService) ObjectName() string { return s.Name }
