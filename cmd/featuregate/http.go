package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/featuregate/featuregate/httpapi"
	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/plan"
)

// httpMaxHeaderBytes bounds a request's header (net/http's default is 1 MiB).
const httpMaxHeaderBytes = 64 << 10

// httpServer is the HTTP API's server with the timeouts of limits: a
// client slow to send its header or body, or idle between requests, is
// disconnected.
func httpServer(h http.Handler, l config.Limits, log *slog.Logger) *http.Server {
	d := config.DefaultLimits()
	or := func(v, def config.Duration) time.Duration {
		if v == 0 {
			return time.Duration(def)
		}
		return time.Duration(v)
	}
	return &http.Server{Handler: h, MaxHeaderBytes: httpMaxHeaderBytes,
		ReadHeaderTimeout: or(l.HTTPReadHeaderTimeout, d.HTTPReadHeaderTimeout),
		ReadTimeout:       or(l.HTTPReadTimeout, d.HTTPReadTimeout),
		WriteTimeout:      or(l.HTTPWriteTimeout, d.HTTPWriteTimeout),
		IdleTimeout:       or(l.HTTPIdleTimeout, d.HTTPIdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// healthChecks are the checks of /health (live: the online store answers)
// and /ready (ready: the offline store answers too), and the registry of
// the gateway's metrics.
type healthChecks struct {
	live, ready func(context.Context) error
	registry    *prometheus.Registry
}

// httpShutdownTimeout bounds how long stopping the HTTP API waits for the
// requests in flight.
const httpShutdownTimeout = 5 * time.Second

// serveHTTP starts the HTTP API (package httpapi) on cfg.HTTPListen, over
// the same planner as the wire protocol, unless it is "" or "off". checks
// are what /health and /ready look at. stop shuts it down, waiting for the
// requests in flight.
func serveHTTP(cfg config.Config, log *slog.Logger, f httpapi.Features, checks healthChecks) (stop func(), err error) {
	if cfg.HTTPListen == "" || cfg.HTTPListen == "off" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.HTTPListen)
	if err != nil {
		return nil, fmt.Errorf("http_listen: %w (choose another address with --http ADDR, or --http off)", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && len(cfg.Auth.Users) == 0 && !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("http_listen: refusing to serve %s without accounts: configure auth.users with tokens in featuregate.yaml, or listen on 127.0.0.1", ln.Addr())
	}
	hc := httpapi.Config{Project: cfg.Project, Health: checks.live, Ready: checks.ready,
		Logger: log, MaxKeysPerLookup: cfg.Limits.MaxKeysPerLookup, Registry: checks.registry}
	hc.Auth, hc.Anonymous = httpAuth(cfg)
	h := httpapi.New(f, hc)
	srv := httpServer(h, cfg.Limits, log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http api stopped", "err", err)
		}
	}()
	log.Info("featuregate http api listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
	}, nil
}

// httpAuth is how HTTP requests authenticate under cfg: with accounts
// configured, by the bearer tokens of auth.users; without (a developer's
// gateway on a loopback address), every request acts as an administrator,
// as wire sessions do.
func httpAuth(cfg config.Config) (auth func(string) (plan.Identity, bool), anonymous plan.Identity) {
	if len(cfg.Auth.Users) == 0 {
		return nil, plan.Identity{User: "anonymous", Admin: true}
	}
	tokens := map[string]plan.Identity{}
	for _, u := range cfg.Auth.Users {
		if u.Token != "" {
			tokens[u.Token] = plan.Identity{User: u.Name, Roles: u.Roles, Admin: u.Access == "admin", Projects: u.Projects,
				ReadOnly: u.Access != "admin" && u.Access != "read-write"}
		}
	}
	return httpapi.Tokens(tokens), plan.Identity{}
}
