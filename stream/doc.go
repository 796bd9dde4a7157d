// Package stream follows the offline tables of streaming sources (CREATE
// SOURCE … AS TABLE t WITH (streaming = on)) into the online store through
// PostgreSQL's logical replication, so that a row committed offline is
// served online within a second, without MATERIALIZE.
//
// A Follower runs in `featuregate serve`. It reads the registry of every
// project (every poll interval, and at once when a session changes a
// project's definitions), and runs one runner per streaming source:
//
//   - names.go names what the follower creates on the offline store: the
//     publication fg_pub_<h> (one per source, shared by all gateways) and
//     the replication slot fg_<gateway>_<h> (one per source and gateway),
//     h a hash of the project, source and table; the gateway's identity
//     is kept in its data directory, or is "pg" for a shared PostgreSQL
//     online store, which one follower writes for all;
//   - admin.go is the SQL of the owner's administrative connection:
//     publications, slots, replica identity, lag, the advisory lock of a
//     shared online store;
//   - runner.go follows one source: connects, replicates, reconnects with
//     backoff, reports its state;
//   - decode.go turns pgoutput's messages into rows;
//   - apply.go writes a batch of committed rows into the online store
//     through the write path of MATERIALIZE (planner/exec), so that
//     newer-wins and the CHECK rules apply exactly as there;
//   - follower.go starts and stops runners as the registry says, drops
//     what a stopped stream leaves, and answers SHOW STREAMS and /metrics.
//
// Exactly-once effect: the slot's confirmed position moves only past
// transactions whose rows are durable in the online store; after a crash
// the slot sends them again, and newer-wins makes the replay harmless.
// Deletes and truncates are not published and not applied.
package stream
