// Package pittest checks point-in-time (AS OF) retrieval through a real
// gateway over a real PostgreSQL against a reference computed in Go,
// written independently of the planner: random sources with equal
// timestamps, created-timestamp ties, TTL boundaries, NULL keys and
// duplicate spine rows, read through every form of AS OF (docs/sql.md). It
// also runs the StreamFlow training-set flow with pandas.
package pittest

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
