package bench

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// onlineFloor is the target of the floor legs: pgfloor, a Go server that
// answers every lookup with a constant row (see pgfloor's doc).
const onlineFloor = "floor"

// onlineFloorServer is a running pgfloor process.
type onlineFloorServer struct {
	cmd *exec.Cmd
	dsn string
}

// pid is the process's id.
func (f *onlineFloorServer) pid() int { return f.cmd.Process.Pid }

// onlineStartFloor builds internal/bench/pgfloor and runs it on a free
// loopback port until the benchmark ends.
func onlineStartFloor(b *testing.B) *onlineFloorServer {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "pgfloor")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin,
		"github.com/featuregate/featuregate/internal/bench/pgfloor").CombinedOutput(); err != nil {
		b.Fatalf("go build ./internal/bench/pgfloor: %v\n%s", err, out)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("pgfloor: %v", err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		b.Fatalf("pgfloor did not start: %q, %v", line, err)
	}
	return &onlineFloorServer{cmd: cmd, dsn: "postgres://floor@" + addr + "/floor?sslmode=disable"}
}
