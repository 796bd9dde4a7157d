package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/featuregate/featuregate/internal/localpg"
)

// onlineCPU is the CPU time (user and system) used so far by the
// benchmark's process (the clients, and the gateway when it runs in
// process), by the PostgreSQL server's processes, by a gateway process,
// by redis-server and by pgfloor. Differences over a leg, per lookup,
// tell where the work goes whatever else the machine runs.
type onlineCPU struct{ self, pg, gw, rd, fl time.Duration }

// onlineCPUSnap is a sample of the CPU times, PostgreSQL's by process.
type onlineCPUSnap struct {
	self, gw, rd, fl time.Duration
	pg               map[int]time.Duration
}

// since is the CPU time used from t0 to s. A PostgreSQL process that
// ended meanwhile (a backend of connections closed just before t0) is
// left out rather than counted negative; one that started counts whole.
func (s onlineCPUSnap) since(t0 onlineCPUSnap) onlineCPU {
	c := onlineCPU{self: s.self - t0.self, gw: s.gw - t0.gw, rd: s.rd - t0.rd, fl: s.fl - t0.fl}
	for pid, cpu := range s.pg {
		c.pg += cpu - t0.pg[pid]
	}
	return c
}

// onlineCPUSampler reads the CPU times of a run.
type onlineCPUSampler func() (onlineCPUSnap, error)

// onlineSampler samples this process, the server srv and, when not 0,
// the gateway process gwPID, the redis-server redisPID and the pgfloor
// process floorPID.
func onlineSampler(srv *localpg.Server, gwPID, redisPID, floorPID int) onlineCPUSampler {
	return func() (onlineCPUSnap, error) {
		var c onlineCPUSnap
		var err error
		if _, c.self, err = onlineProcCPU("self"); err != nil {
			return c, err
		}
		if c.pg, err = onlinePGCPU(srv); err != nil {
			return c, err
		}
		if c.gw, err = onlinePIDCPU(gwPID); err != nil {
			return c, err
		}
		if c.rd, err = onlinePIDCPU(redisPID); err != nil {
			return c, err
		}
		c.fl, err = onlinePIDCPU(floorPID)
		return c, err
	}
}

// onlinePIDCPU reads the CPU time of process pid, 0 for pid 0.
func onlinePIDCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	_, cpu, err := onlineProcCPU(strconv.Itoa(pid))
	return cpu, err
}

// onlinePGCPU reads the CPU time of the postmaster and of each of its
// children, by process id.
func onlinePGCPU(srv *localpg.Server) (map[int]time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(srv.Dir, "data", "postmaster.pid"))
	if err != nil {
		return nil, fmt.Errorf("postgres cpu: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("postgres cpu: postmaster.pid: %w", err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("postgres cpu: %w", err)
	}
	byPID := map[int]time.Duration{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, cpu, err := onlineProcCPU(e.Name())
		if err != nil {
			continue // the process ended meanwhile
		}
		if pid == postmaster || ppid == postmaster {
			byPID[pid] = cpu
		}
	}
	return byPID, nil
}

// onlineProcCPU reads a process's parent and its user plus system CPU
// time from /proc/<pid>/stat, at the usual 100 clock ticks a second.
func onlineProcCPU(pid string) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%s/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%s/stat: %d fields", pid, len(f))
	}
	if ppid, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("/proc/%s/stat: %w", pid, err)
	}
	for _, s := range f[11:13] { // utime and stime, fields 14 and 15
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%s/stat: %w", pid, err)
		}
		cpu += time.Duration(n) * 10 * time.Millisecond
	}
	return ppid, cpu, nil
}
