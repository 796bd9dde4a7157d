// The examples' tests run each example as its README says, on a real
// PostgreSQL (one per package, from the machine's binaries) and a real
// gateway: data.sql loaded with psql, the repo's definitions applied
// through the gateway, then the example's psql scripts and Python scripts,
// whose outputs are checked against PostgreSQL queried directly. The
// READMEs' own commands are run as written too: the psql tour and the
// pandas snippet of the top-level README (readme_test.go), and every shell
// block of it and of each example's README (readme_shell_test.go).
package examples_test

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
