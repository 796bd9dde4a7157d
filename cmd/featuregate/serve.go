package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/planner"
	"github.com/featuregate/featuregate/wire"
)

func newServeCmd(g *globalFlags) *cobra.Command {
	var listen, dsn, dataDir, httpListen, project string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway: PostgreSQL wire protocol over the offline store, and the HTTP API",
		Long: `Run the gateway. Clients connect with any PostgreSQL client; the database
name they ask for is the project. The HTTP API (Feast's POST /get-online-features,
GET /health, GET /metrics) listens on --http (http_listen of the config, default
127.0.0.1:6566; off disables it); its requests default to --project.

The config is --config FILE, or ./featuregate.yaml when present; flags override it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(configPath(g, "."))
			if err != nil {
				return err
			}
			flags := cmd.Flags()
			if flags.Changed("listen") || cfg.Listen == "" {
				cfg.Listen = listen
			}
			if flags.Changed("offline") {
				cfg.Offline.DSN = dsn
			}
			if flags.Changed("data") {
				cfg.DataDir = dataDir
			}
			if flags.Changed("http") || cfg.HTTPListen == "" {
				cfg.HTTPListen = httpListen
			}
			if flags.Changed("project") {
				cfg.Project = project
			}
			return serve(cmd.Context(), cfg, g.logger())
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:5433", "address for PostgreSQL clients")
	cmd.Flags().StringVar(&dsn, "offline", "", "offline PostgreSQL URL (postgres://user:pass@host:port/db)")
	cmd.Flags().StringVar(&dataDir, "data", ".featuregate", "directory for local state (online store)")
	cmd.Flags().StringVar(&httpListen, "http", "127.0.0.1:6566", "address of the HTTP API, or off")
	cmd.Flags().StringVar(&project, "project", "", "the project of HTTP requests that name none (default: project of the config)")
	return cmd
}

// configPath is the config file of a command: --config, or else
// featuregate.yaml in dir when it exists ("" for the defaults).
func configPath(g *globalFlags, dir string) string {
	if g.config != "" {
		return g.config
	}
	if p := filepath.Join(dir, "featuregate.yaml"); fileExists(p) {
		return p
	}
	return ""
}

func loadConfig(path string) (config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// serve runs the gateway until ctx is done.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serveOn(ctx, cfg, log, ln, nil)
}

// serveOn runs the gateway on ln, and the HTTP API on cfg.HTTPListen
// unless it is "" or "off"; ready, when not nil, is called once the
// gateway is set up, just before it accepts connections.
func serveOn(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener, ready func()) error {
	wcfg, err := wireConfig(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	reg, err := catalog.Open(ctx, cfg.Offline.DSN)
	if err != nil {
		ln.Close()
		return fmt.Errorf("registry: %w", err)
	}
	defer reg.Close()
	eng, err := openEngine(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer eng.Close()
	pl := planner.New(reg, planner.WithOnline(eng.online), planner.WithOffline(eng.pool), planner.WithLogger(log))
	metrics := newGatewayMetrics(eng.online)
	wcfg.Events = metrics.wire
	srv, err := wire.NewServer(wcfg, pl)
	if err != nil {
		ln.Close()
		return err
	}
	stopHTTP, err := serveHTTP(cfg, log, pl, eng.checks(metrics))
	if err != nil {
		ln.Close()
		return err
	}
	defer stopHTTP()
	checkDescriptors(log, cfg.Limits.MaxConnections, cfg.Limits.MaxPendingLogins)
	log.Info("featuregate listening", "addr", ln.Addr().String(), "version", version)
	if ready != nil {
		ready()
	}
	return srv.Serve(ctx, ln)
}

func wireConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (wire.Config, error) {
	if cfg.Offline.DSN == "" {
		return wire.Config{}, errors.New("no offline store: pass --offline postgres://… or set offline.dsn in featuregate.yaml")
	}
	up, err := pgconn.ParseConfig(cfg.Offline.DSN)
	if err != nil {
		return wire.Config{}, fmt.Errorf("offline.dsn: %w", err)
	}
	w := wire.Config{
		Upstream:                 up,
		AuthMethod:               cfg.Auth.Method,
		MaxConnections:           cfg.Limits.MaxConnections,
		IdleSessionTimeout:       time.Duration(cfg.Limits.IdleSessionTimeout),
		IdleInTransactionTimeout: time.Duration(cfg.Limits.IdleInTransactionTimeout),
		Logger:                   log,
	}
	setWireLimits(&w, cfg)
	anyReadOnly := len(cfg.Auth.Users) == 0
	for _, u := range cfg.Auth.Users {
		rw := u.Access == "read-write"
		anyReadOnly = anyReadOnly || !rw
		w.Users = append(w.Users, wire.User{Name: u.Name, Password: u.Password, ReadWrite: rw})
	}
	if cfg.TLS.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return wire.Config{}, fmt.Errorf("tls: %w", err)
		}
		w.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if anyReadOnly {
		w.ReaderRole = cfg.Offline.ReaderRole
		if w.ReaderRole == "" {
			w.ReaderRole = offline.DefaultReaderRole
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := offline.EnsureReaderRole(ctx, cfg.Offline.DSN, w.ReaderRole); err != nil {
			return wire.Config{}, err
		}
	}
	return w, nil
}
