// The examples' tests run each example as its README says, on a real
// PostgreSQL (one per package, from the machine's binaries) and a real
// gateway: data.sql loaded with psql, the repo's definitions applied
// through the gateway, then the example's psql scripts and Python scripts,
// whose outputs are checked against PostgreSQL queried directly.
package examples_test

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
