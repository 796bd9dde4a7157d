// Package onlineit checks materialization and online lookups
// (docs/online.md) end to end: a real gateway over a real
// PostgreSQL, the catalog defined through the gateway with SQL, source
// tables written directly on PostgreSQL, and every behaviour run against
// both online stores (Pebble and PostgreSQL). It also restarts gateways,
// kills a `featuregate serve` process with SIGKILL in the middle of a
// MATERIALIZE and checks the store afterwards, runs two gateways over one
// offline store (scale-out), and replays the materialize-then-lookup flow
// of seed 004 from psql, pgx and the planner's Lookup API.
package onlineit

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
