package wire_test

import (
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

// pg is the throwaway PostgreSQL that the package's tests run gateways over.
var pg *localpg.Server

// TestMain runs the package's tests over one throwaway PostgreSQL.
func TestMain(m *testing.M) {
	closeInheritedOnExec()
	pgtest.Main(m, &pg)
}

// closeInheritedOnExec marks the file descriptors this process inherited
// beyond stdin, stdout and stderr close-on-exec, so that the PostgreSQL
// server started for the tests does not hold them. Under go test -fuzz a
// worker talks to the coordinator over inherited pipes: a server keeping
// them open would make the coordinator wait forever on a worker that
// crashed, instead of reporting the crash.
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return // not Linux: nothing to do that is portable
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
