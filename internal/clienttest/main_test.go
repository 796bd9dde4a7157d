// Package clienttest checks featuregate with the real clients users have:
// psql, pgx, lib/pq, psycopg2, psycopg 3, SQLAlchemy + pandas, asyncpg,
// psqlODBC (through unixODBC and pyodbc), pgcli, R's RPostgreSQL, pgjdbc and
// node-postgres. Each test runs the same client code against the gateway
// and against PostgreSQL directly and compares what the client saw.
package clienttest

import (
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
