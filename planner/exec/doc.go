// Package exec runs the featuregate statements the gateway answers itself
// rather than forwarding: CREATE, DROP and COMMENT ON of catalog objects
// (Change: one registry transaction, then the online values the change
// made obsolete are dropped), the SHOW statements of the catalog (Show),
// MATERIALIZE (Materialize: the newest row per entity in a window, from
// the offline PostgreSQL into the online store, in durable batches, with
// watermarks that only move forward), pushes (Env.Push, CheckPush and
// WritePush: rows given by INSERT, COPY or HTTP into a feature view,
// read and checked by PostgreSQL as materialization reads its rows,
// written newer-wins in one write) and DROP PROJECT (DropProject).
//
// Each executor is a plan.Local made for one statement of one session. It
// works only with what an Env gives it: the registry, the online store,
// a querier of the offline store, a logger, the clock, a way to forget a
// project's cached catalog, and the locks that serialize the
// materializations of a view.
package exec
