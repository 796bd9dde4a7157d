package bench

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
)

// The gateway modes of BenchmarkOnline, FEATUREGATE_ONLINE_GATEWAY.
const (
	onlineModeProcess   = "process"   // the default: a `featuregate serve` process
	onlineModeInprocess = "inprocess" // in the benchmark's process, for profiling
)

// onlineGW is the gateway BenchmarkOnline measures, with its PostgreSQL
// wire and its HTTP API.
type onlineGW struct {
	dsn  string       // user alice in the benchmark's project
	url  string       // the HTTP API, http://host:port
	proc *gatewayProc // the process; nil in mode inprocess
	bin  string       // the featuregate binary; "" in mode inprocess
}

// label states the mode in every line the benchmark prints.
func (g *onlineGW) label() string {
	if g.proc != nil {
		return onlineProcessLabel
	}
	return onlineInprocessLabel
}

// pid is the gateway process's id, 0 when it runs in the benchmark's.
func (g *onlineGW) pid() int {
	if g.proc == nil {
		return 0
	}
	return g.proc.cmd.Process.Pid
}

// onlineGateway starts the gateway FEATUREGATE_ONLINE_GATEWAY asks for
// over the offline database dsn of srv: a `featuregate serve` process
// built from cmd/featuregate with its HTTP API on a free port (process,
// the default: the gateway as deployed), or a gateway and an HTTP API in
// the benchmark's process over the same planner (inprocess: -cpuprofile
// sees it; it shares the cores' scheduler with the clients and a lookup
// crosses no process boundary, so its figures are for profiling only).
func onlineGateway(b *testing.B, srv *localpg.Server, dsn string) *onlineGW {
	b.Helper()
	switch mode := os.Getenv(onlineGatewayEnv); mode {
	case "", onlineModeProcess:
		bin := buildGateway(b)
		httpAddr, err := freeLoopbackAddr()
		if err != nil {
			b.Fatal(err)
		}
		p := startGatewayProc(b, onlineWithHTTP(b, bin, httpAddr), dsn, onlineDB)
		g := &onlineGW{dsn: p.DSN("alice", onlineDB), url: "http://" + httpAddr, proc: p, bin: bin}
		if err := onlineWaitHTTP(g.url, 30*time.Second); err != nil {
			b.Fatalf("featuregate serve: %v\n%s", err, p.logTail())
		}
		return g
	case onlineModeInprocess:
		gw := gatewaytest.Start(b, srv, onlineDB)
		api := httptest.NewServer(httpapi.New(gw.Planner, httpapi.Config{Project: onlineDB}))
		b.Cleanup(api.Close)
		return &onlineGW{dsn: gw.DSN("alice", onlineDB), url: api.URL}
	default:
		b.Fatalf("%s=%q: want %s (the default) or %s", onlineGatewayEnv, mode, onlineModeProcess, onlineModeInprocess)
		return nil
	}
}

// onlineWithHTTP wraps the binary bin in a script that runs it (same
// process, by exec) with its HTTP API on addr: the flag comes after the
// `--http off` startGatewayProc gives, and the last one counts. With
// FEATUREGATE_ONLINE_ROW_CACHE_MIB it also gives the gateway a config file
// that sizes its row cache, and with FEATUREGATE_ONLINE_GOMAXPROCS it
// sets the process's GOMAXPROCS.
func onlineWithHTTP(b *testing.B, bin, addr string) string {
	b.Helper()
	script := filepath.Join(b.TempDir(), "featuregate-http")
	env, flags := "", ""
	if n := os.Getenv(onlineGOMAXPROCSEnv); n != "" {
		env = "GOMAXPROCS=" + n + " "
	}
	if n := os.Getenv(onlineRowCacheEnv); n != "" {
		cfg := filepath.Join(b.TempDir(), "featuregate.yaml")
		if err := os.WriteFile(cfg, []byte("online:\n  row_cache_mib: "+n+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		flags = fmt.Sprintf(" --config %q", cfg)
	}
	body := fmt.Sprintf("#!/bin/sh\n%sexec %q \"$@\" --http %q%s\n", env, bin, addr, flags)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		b.Fatal(err)
	}
	return script
}
