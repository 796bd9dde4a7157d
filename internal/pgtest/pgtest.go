// Package pgtest gives each test package one throwaway PostgreSQL, started
// from the machine's binaries by localpg. No test uses a mock of PostgreSQL.
//
//	var pg *localpg.Server
//
//	func TestMain(m *testing.M) { pgtest.Main(m, &pg) }
package pgtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
)

// Main starts a server, stores it in *srv, runs the package's tests and stops
// the server. Call it from TestMain.
func Main(m *testing.M, srv **localpg.Server) { MainWith(m, srv, localpg.Options{}) }

// MainWith is Main with a server set up with o.
func MainWith(m *testing.M, srv **localpg.Server, o localpg.Options) {
	s, err := localpg.StartWith(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
