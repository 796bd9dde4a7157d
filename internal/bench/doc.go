// Package bench holds featuregate's benchmarks against real PostgreSQL
// tooling. The package has no tests, so a plain go test starts nothing.
//
// BenchmarkPgbench (in pgbench_test.go) runs pgbench's read-only
// workloads against a throwaway PostgreSQL directly and through the
// gateway, and reports both throughputs and their ratio:
//
//	go test -run '^$' -bench Pgbench -benchtime 1x ./internal/bench/
//
// FEATUREGATE_PGBENCH_SECONDS sets the length of each pgbench run (default
// 10).
//
// BenchmarkAsOf (in asof_test.go) builds one point-in-time training set,
// a spine LEFT JOINed AS OF its time to 4 feature views of 4 features
// each, five ways, every row received by a pgx client: directly on
// PostgreSQL, hand-written LEFT JOIN LATERAL queries (the best found, and
// the textbook one) and Feast's ROW_NUMBER range-join query; through a
// `featuregate serve` process built from cmd/featuregate, the AS OF query
// over the spine table and over the spine sorted by key and time. Every
// leg must return the same rows. It reports the seconds of each leg, the
// ratios featuregate/lateral and Feast/featuregate, and the gateway's
// peak RSS:
//
//	go test -run '^$' -bench AsOf -benchtime 1x -timeout 60m ./internal/bench/
//
// The data are generated in a tuned throwaway PostgreSQL (3 GB shared
// buffers) with these sizes:
//
//	FEATUREGATE_ASOF_SPINE  spine rows (default 1000000)
//	FEATUREGATE_ASOF_ROWS   rows of each view's source table (default 5000000)
//	FEATUREGATE_ASOF_USERS  users (default ROWS/25: 200000)
//	FEATUREGATE_ASOF_RUNS   runs of every leg on the same data (default 1;
//	                        the fastest is reported)
//	FEATUREGATE_ASOF_LEGS   legs to run, comma-separated (default
//	                        lateral,lateral_plain,featuregate,
//	                        featuregate_sorted_spine,feast)
//
// At the default sizes a run takes about 10 minutes on 2 cores, most of it
// Feast's query. Prefer FEATUREGATE_ASOF_RUNS to -benchtime Nx: for N > 1
// the testing package first calls the benchmark with b.N = 1, which
// generates the data twice.
//
// BenchmarkStream10M (in stream_test.go) streams 10 million generated
// rows (FEATUREGATE_STREAM_ROWS) with COPY … TO STDOUT and with a plain
// SELECT, directly and through a `featuregate serve` process, checks that
// both deliver the same data, reports the throughput ratios, and fails if
// the gateway's peak RSS reaches 150 MB:
//
//	go test -run '^$' -bench Stream10M -benchtime 4x ./internal/bench/
//
// Its iterations alternate which of direct and gateway streams first.
//
// BenchmarkOnline (in online_test.go) measures issue 5's online store in
// one run against the same work done directly on PostgreSQL. It generates
// two sources server-side (every entity in the first of 3 weekly
// snapshots, 60% of them in each later one), one of 6 features of mixed
// types and one of 50, and baseline tables holding their newest values
// under a primary key; defines the entity, sources and views through the
// gateway; times MATERIALIZE of each view against COPY (SELECT * FROM
// source) TO STDOUT read to io.Discard (and, for reference, COPY of the
// newest row per entity, the DISTINCT ON that materialization asks
// PostgreSQL for); and checks featuregate's answers for a sample of keys
// against the baseline, so that a wrong answer cannot pass for a fast
// one. The sub-benchmark materialize reports rows/s and the ratio
// MATERIALIZE/COPY (source rows read per second). Then single/c1,
// single/c16, batch/c1 and batch/c16 each run a leg on the baseline table
// and one through featuregate, every client a pgx connection with a
// prepared statement and random keys: single-key lookups of 6 features
// (WHERE user_id = $1) and 100-key batches of 50 features (= ANY($1)).
// They report ops/s, p50 and p99 of every lookup's latency, the ratio
// featuregate/PostgreSQL, and the CPU time per lookup of the benchmark's
// process, of PostgreSQL's processes and of a gateway process (from
// /proc; on a shared machine it varies much less than throughput). Each
// sub-benchmark logs its rows of the table, with issue 5's targets:
//
//	go test -run '^$' -bench Online -benchtime 1x -timeout 30m ./internal/bench/
//
//	FEATUREGATE_ONLINE_ENTITIES  entities in each source (default 100000)
//	FEATUREGATE_ONLINE_SECONDS   seconds of each lookup leg (default 10)
//	FEATUREGATE_ONLINE_GATEWAY   inprocess (default): the gateway runs in
//	                             the benchmark's process over Pebble, so
//	                             -cpuprofile sees it; process: a
//	                             `featuregate serve --http off` process
//	                             built from cmd/featuregate, whose peak RSS
//	                             is reported too
//
// In process the gateway shares the Go scheduler with the clients and a
// lookup crosses no process boundary, which favours it against
// PostgreSQL (on 2 cores, single-key lookups with 1 client ran 2 to 4
// times as fast as in the process mode); the process mode is the
// deployment's shape. The run takes about 95 seconds at the defaults.
package bench
