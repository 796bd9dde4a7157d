// Package asof plans the reads of feature relations AS OF a time.
// PostgreSQL's grammar has no AS OF, so a query holding one does not
// parse: Rewrite finds each `<relation> AS OF <time> [[AS] alias]` with
// PostgreSQL's scanner, works out which feature columns the query reads,
// and replaces the clause with a LATERAL subquery written by package pit —
// every entity at one time (FROM rel AS OF t), or a probe per spine row
// (JOIN rel AS OF s.ts … USING | ON) — then lets the grammar check the
// result. When the spine is a plain table whose columns TableColumns can
// read, it is read in (keys, time) order, so that consecutive probes read
// neighbouring index pages. The notices Rewrite returns explain the plan,
// for EXPLAIN.
package asof
