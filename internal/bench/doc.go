// Package bench holds featuregate's benchmarks against real PostgreSQL
// tooling. BenchmarkPgbench (in pgbench_test.go) runs pgbench's read-only
// workloads against a throwaway PostgreSQL directly and through the
// gateway, and reports both throughputs and their ratio:
//
//	go test -run XXX -bench Pgbench -benchtime 1x ./internal/bench/
//
// FEATUREGATE_PGBENCH_SECONDS sets the length of each pgbench run (default
// 10). The package has no tests, so a plain go test starts nothing.
package bench
