package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// onlineRedisServer is the redis-server of BenchmarkOnline's Redis leg: a
// throwaway server on a free loopback port, its directory temporary, with
// no persistence (no RDB snapshots, no AOF).
type onlineRedisServer struct {
	cmd  *exec.Cmd
	addr string // host:port
	log  string // its log file
	done chan error
}

// onlineStartRedis starts redis-server, stopped when the benchmark ends. A
// machine without it fails the benchmark: the Redis leg is part of it.
func onlineStartRedis(b *testing.B) *onlineRedisServer {
	b.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		b.Fatalf("redis-server, which BenchmarkOnline's Redis leg runs, is missing (%v): apt-get install redis-server", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		b.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	dir := b.TempDir()
	r := &onlineRedisServer{addr: addr, log: filepath.Join(dir, "redis.log"), done: make(chan error, 1)}
	r.cmd = exec.Command(bin, "--bind", host, "--port", port, "--dir", dir, "--logfile", r.log,
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	if err := r.cmd.Start(); err != nil {
		b.Fatalf("redis-server: %v", err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	b.Cleanup(func() { r.stop(b) })
	if err := r.waitUp(10 * time.Second); err != nil {
		b.Fatalf("redis-server: %v\n%s", err, r.logTail())
	}
	return r
}

// pid is the server's process id.
func (r *onlineRedisServer) pid() int { return r.cmd.Process.Pid }

// client returns a client with a single connection.
func (r *onlineRedisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: r.addr, PoolSize: 1, PipelinePoolSize: -1, DisableIdentity: true})
}

// waitUp pings until the server answers, exits, or timeout passes.
func (r *onlineRedisServer) waitUp(timeout time.Duration) error {
	c := r.client()
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case exitErr := <-r.done:
			r.done <- exitErr // for stop
			return fmt.Errorf("exited before answering: %v", exitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %s: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM (SIGKILL after 10 seconds).
func (r *onlineRedisServer) stop(tb testing.TB) {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
		tb.Logf("redis-server did not stop on SIGTERM within 10s; killed\n%s", r.logTail())
	}
}

// logTail returns the end of the server's log.
func (r *onlineRedisServer) logTail() string {
	b, err := os.ReadFile(r.log)
	if err != nil {
		return err.Error()
	}
	return string(b[max(0, len(b)-4000):])
}

// redisField is the hash field of feature i (1-based) of v: the view and
// the feature, as Feast names a field before hashing the name.
func (v onlineView) redisField(i int) string { return fmt.Sprintf("%s:f%d", v.view(), i) }

// redisFields are the hash fields of every feature of v, in order.
func (v onlineView) redisFields() []string {
	out := make([]string, v.features)
	for i := range out {
		out[i] = v.redisField(i + 1)
	}
	return out
}

// onlineRedisValue is the string a value of the baseline is stored as in
// Redis (NULL is a missing field): decimal integers, floats in their
// shortest form of their width, true/false, text as is, timestamps in
// RFC 3339 UTC.
func onlineRedisValue(x any) (string, error) {
	switch v := x.(type) {
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), nil
	case bool:
		return strconv.FormatBool(v), nil
	case string:
		return v, nil
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("no Redis form for %#v (%T)", x, x)
}
