// Package exec runs the featuregate statements the gateway answers itself
// rather than forwarding: CREATE, DROP and COMMENT ON of catalog objects
// (Change: one registry transaction, then the online values the change
// made obsolete are dropped), the SHOW statements of the catalog (Show),
// MATERIALIZE (Materialize: the newest row per entity in a window, from
// the offline PostgreSQL into the online store, in durable batches, with
// watermarks that only move forward), pushes (Env.Push, CheckPush and
// WritePush: rows given by INSERT, COPY or HTTP into a feature view,
// read and checked by PostgreSQL as materialization reads its rows,
// written newer-wins in one write), DROP PROJECT (DropProject), and the
// statements of saved datasets: CREATE DATASET (CreateDataset: the query's
// rows, read as the session's role through a Connector, streamed with
// binary COPY into the table the dataset store creates in one transaction
// with its record), DROP DATASET (DropDataset), SHOW DATASETS and VALIDATE
// (Validate: the drift checks of a dataset or a query's profile against a
// reference dataset's).
//
// Each executor is a plan.Local made for one statement of one session. It
// works only with what an Env gives it: the registry, the online store,
// a querier of the offline store, a logger, the clock, a way to forget a
// project's cached catalog, the locks that serialize the
// materializations of a view, the dataset store, and a connector to the
// offline store as a session's own role.
package exec
