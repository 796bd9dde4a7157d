package wire_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

// pg is the throwaway PostgreSQL that the package's tests run gateways over.
var pg *localpg.Server

// fuzzPGPortEnv hands the port of the PostgreSQL of `go test -fuzz`'s
// coordinator process to its worker processes (FuzzSession sets it before
// the workers start, and they inherit the environment), so that they share
// that server rather than each running initdb and starting one of its own.
const fuzzPGPortEnv = "FEATUREGATE_FUZZ_PG_PORT"

// TestMain runs the package's tests over one throwaway PostgreSQL, or
// over the coordinator's in a fuzzing worker; the coordinator stops it.
func TestMain(m *testing.M) {
	if port, err := strconv.Atoi(os.Getenv(fuzzPGPortEnv)); err == nil {
		pg = &localpg.Server{Port: port}
		os.Exit(m.Run())
	}
	pgtest.Main(m, &pg)
}
