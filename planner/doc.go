// Package planner classifies the statements a client sends and decides how
// each one runs: forwarded unchanged to the offline PostgreSQL, answered
// by the gateway itself, or refused with an error the user can act on.
// Statements are inspected with PostgreSQL's own grammar (pg_query); the
// original text is what is forwarded, never a re-printed tree.
//
// The planner parses a query string once and recognises what each of its
// statements is, then hands it on: featuregate's own statements, parsed
// by package catalog/ddl, run in package planner/exec; reads of a feature
// relation AS OF a time, which PostgreSQL's grammar rejects, are rewritten
// by package planner/asof; other reads of a feature relation are online
// lookups, planned by package planner/lookup; INSERT and COPY FROM STDIN
// into a feature view are pushes to the online store (push.go,
// pushcopy.go, and Push for the HTTP API's requests). The queries of CREATE
// DATASET and VALIDATE are rewritten as a SELECT is (datasets.go), and
// every statement that names a saved dataset is checked for the
// permission to read it. Everything else is
// forwarded, with a guard that keeps a read-only session from leaving its
// role. Plain queries that cannot involve features skip the parse
// (quickForward), and plans are cached per project catalog generation.
package planner
