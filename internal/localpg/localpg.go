// Package localpg starts throwaway PostgreSQL servers from the machine's own
// binaries: initdb and pg_ctl in a directory made with os.MkdirTemp, on a
// free loopback port, run as the postgres user when running as root. Tests
// use it through internal/pgtest; `featuregate demo` uses it directly.
package localpg

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir is where the PostgreSQL binaries are looked up; PG_BINDIR overrides it.
var BinDir = "/usr/lib/postgresql/15/bin"

// Server is a running throwaway PostgreSQL.
type Server struct {
	Dir  string // the server's root directory (data, socket, log)
	Port int    // TCP port on 127.0.0.1
	cred *syscall.Credential
	wal  string // wal_level
}

// DSN returns a URL for database db as the superuser postgres.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// Options change how Start sets a server up.
type Options struct {
	// Passwords makes every role but postgres log in over TCP with a
	// SCRAM-SHA-256 password (postgres stays trusted, as do Unix sockets);
	// without it every login is trusted.
	Passwords bool
	// WALLevel is the server's wal_level; "" means logical, so that every
	// server can stream (logical replication, 20 slots and WAL senders).
	WALLevel string
}

// Start runs initdb and starts the server. The caller must Stop it.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(o Options) (*Server, error) {
	closeInheritedOnExec()
	if d := os.Getenv("PG_BINDIR"); d != "" {
		BinDir = d
	}
	dir, err := os.MkdirTemp("", "localpg-")
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	s := &Server{Dir: dir, wal: o.WALLevel}
	if s.wal == "" {
		s.wal = "logical"
	}
	if err := s.setOwner(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := s.initdb(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if o.Passwords {
		if err := s.writeHBA(passwordHBA); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := s.start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// setOwner makes the directory belong to the postgres user when running as
// root, because initdb refuses to run as root.
func (s *Server) setOwner() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("localpg: running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if err := os.Chown(s.Dir, uid, gid); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	return nil
}

// Own gives path to the user the server runs as (when the tests run as
// root), e.g. the directory of a tablespace.
func (s *Server) Own(path string) error {
	if s.cred == nil {
		return nil
	}
	return os.Chown(path, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	cmd.Dir = s.Dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: %s: %w\n%s", name, err, out)
	}
	return nil
}

func (s *Server) initdb() error {
	return s.run("initdb", "-D", s.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// passwordHBA trusts postgres and Unix sockets, and asks every other role
// for its password.
const passwordHBA = `local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
`

func (s *Server) writeHBA(body string) error {
	p := filepath.Join(s.data(), "pg_hba.conf")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if s.cred != nil {
		if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
	}
	return nil
}

func (s *Server) start() error {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.Port = port
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "+
			"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "+
			"-c shared_buffers=128MB %s", port, s.Dir, s.walOptions())
		lastErr = s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.Dir, "log"),
			"-o", opts, "-w", "-t", "60", "start")
		if lastErr == nil {
			return s.waitReady()
		}
	}
	return lastErr
}

// walOptions are the server's settings of logical replication.
func (s *Server) walOptions() string {
	return "-c wal_level=" + s.wal + " -c max_replication_slots=20 -c max_wal_senders=20"
}

func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.DSN("postgres"))
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localpg: server not ready: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the server immediately and removes its directory.
func (s *Server) Stop() error {
	err := s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(s.Dir); err == nil {
		err = rmErr
	}
	return err
}

// Restart stops the server (fast mode) and starts it again on the same port.
// Tests use it to check that clients survive the offline store going away.
func (s *Server) Restart() error {
	if err := s.StopKeep(); err != nil {
		return err
	}
	return s.StartAgain()
}

// StopKeep stops the server but keeps its data, so StartAgain can bring it back.
func (s *Server) StopKeep() error {
	return s.run("pg_ctl", "-D", s.data(), "-m", "fast", "-w", "stop")
}

// StartAgain starts a server stopped with StopKeep on its old port.
func (s *Server) StartAgain() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "+
		"-c max_connections=200 %s", s.Port, s.Dir, s.walOptions())
	if err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.Dir, "log"),
		"-o", opts, "-w", "-t", "60", "start"); err != nil {
		return err
	}
	return s.waitReady()
}

// CreateDB creates a database and returns its DSN.
func (s *Server) CreateDB(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return "", fmt.Errorf("localpg: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return "", fmt.Errorf("localpg: create database %s: %w", name, err)
	}
	return s.DSN(name), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localpg: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// closeInheritedOnExec marks the file descriptors this process inherited
// beyond stdin, stdout and stderr close-on-exec, so that the PostgreSQL
// server does not hold them. Under go test -fuzz a worker talks to the
// coordinator over inherited pipes: a server keeping them open would make
// the coordinator wait forever on a worker that crashed, instead of
// reporting the crash.
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return // not Linux: nothing portable to do
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
