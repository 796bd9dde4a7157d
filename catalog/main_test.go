package catalog

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
