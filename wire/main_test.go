package wire_test

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

// pg is the throwaway PostgreSQL that the package's tests run gateways over.
var pg *localpg.Server

// TestMain runs the package's tests over one throwaway PostgreSQL.
func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
