package httpapi_test

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

// pg is the package's throwaway PostgreSQL: the offline store (and the
// PostgreSQL online store) of the test gateways.
var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
