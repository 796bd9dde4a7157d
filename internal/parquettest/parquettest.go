// Package parquettest writes and reads parquet files in tests through
// DuckDB (the npm package @duckdb/node-api, pinned in
// testdata/duckdb/package.json and installed by `npm ci --prefix
// internal/parquettest/testdata/duckdb`), an implementation of parquet
// independent of the one featuregate reads with. Each call runs its
// statements in a fresh in-memory DuckDB, in a node process.
package parquettest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// dir is this package's directory, where the DuckDB script and its node
// modules are.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "duckdb")
}

// timeout bounds one DuckDB run.
const timeout = 2 * time.Minute

// Run runs the statements in order in a fresh DuckDB and returns the rows
// of the last one, each a map from column name to value as DuckDB gives it
// in JSON (numbers, strings, booleans, arrays, nil; timestamps and
// decimals as strings). COPY (SELECT …) TO 'f.parquet' (FORMAT parquet)
// writes a file; SELECT … FROM read_parquet('f.parquet') reads one. Name
// files by absolute paths: DuckDB runs in this package's directory.
func Run(t testing.TB, statements ...string) []map[string]any {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir(), "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		t.Fatalf("DuckDB is not installed (%v): run npm ci --prefix internal/parquettest/testdata/duckdb", err)
	}
	in, err := json.Marshal(statements)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir(), "duck.mjs"))
	cmd.Dir = dir()
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("DuckDB ran for more than %v: %s", timeout, errOut.String())
	}
	if err != nil {
		t.Fatalf("DuckDB: %v\n%s\nstatements: %q", err, errOut.String(), statements)
	}
	var rows []map[string]any
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("DuckDB's output: %v: %s", err, out.String())
	}
	return rows
}

// Write writes the result of query (DuckDB SQL) to the parquet file path,
// with DuckDB's defaults (snappy, dictionary-encoded strings), or the
// COPY options given, such as "ROW_GROUP_SIZE 1000". It creates the file's
// directory if missing.
func Write(t testing.TB, path, query string, options ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := "FORMAT parquet"
	for _, o := range options {
		opts += ", " + o
	}
	Run(t, "COPY ("+query+") TO "+quote(path)+" ("+opts+")")
}

// Read returns the rows of the parquet file (or glob) at path, in order,
// as Run returns them.
func Read(t testing.TB, path string) []map[string]any {
	t.Helper()
	return Run(t, "SELECT * FROM read_parquet("+quote(path)+")")
}

// quote is a DuckDB string literal.
func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
