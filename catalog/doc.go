// Package catalog holds the feature store's definitions and the registry
// that stores them.
//
// The definitions are entities, sources, feature views and feature
// services (object.go), written back as the CREATE statements that define
// them (sql.go). A feature view or service is also a relation: its entity
// keys, event_timestamp and features (relation.go).
//
// The registry (Store) keeps every project's definitions and their history
// in the schema featuregate_registry of the offline PostgreSQL, shared by
// every gateway using that database:
//
//   - schema.go creates that schema and its tables (schema.sql) when they
//     are missing;
//   - store.go is the Store's API: Open, Apply, Check, Version, Snapshot,
//     Projects, History;
//   - types.go holds the values it takes and returns (Op, Change,
//     Snapshot, HistoryEntry), snapshot.go the queries on a Snapshot;
//   - lock.go serialises the changes to one project, with a row lock that
//     only roles granted access to the registry can take;
//   - state.go applies a list of changes to a project's definitions inside
//     one transaction, checking names, kinds and dependents;
//   - validate.go checks each definition against the offline database;
//   - objectjson.go is the stored JSON form of a definition;
//   - relations_sql.go keeps each project's schema of PostgreSQL views in
//     step with its definitions; relschema.go names that schema
//     (RelationSchema), one per project whatever the name's length;
//   - diff.go computes the changes from one set of definitions to another,
//     indexes.go which feature views have an index for point-in-time reads.
//
// Saved datasets (dataset.go) are not definitions: a repo never lists or
// drops them. Their rows are a table of the schema DatasetSchema, their
// record a row of featuregate_registry.datasets (datasetstore.go:
// CreateDataset, DropDataset, DropAllDatasets, each one transaction of
// table and record); Snapshot reads them with the definitions. profile.go
// profiles the rows of a table or query with one SQL query (ProfileSQL),
// drift.go compares two profiles against thresholds (VALIDATE).
package catalog
