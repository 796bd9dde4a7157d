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
	if cfg.Offline.DSN == "" {
		ln.Close()
		return errors.New("no offline store: pass --offline postgres://… or set offline.dsn in featuregate.yaml")
	}
	reg, err := catalog.Open(ctx, cfg.Offline.DSN)
	if err != nil {
		ln.Close()
		return fmt.Errorf("registry: %w", err)
	}
	defer reg.Close()
	up, err := prepareRoles(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	wcfg, err := wireConfig(ctx, cfg, up, log)
	if err != nil {
		ln.Close()
		return err
	}
	eng, err := openEngine(ctx, cfg, up, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer eng.Close()
	oreg := &offline.Registry{Store: reg, Reader: eng.pool}
	follower, stopFollower, err := startFollower(ctx, cfg, oreg, eng, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopFollower()
	opts := []planner.Option{planner.WithOnline(eng.online), planner.WithOffline(eng.pool), planner.WithLogger(log),
		planner.WithProject(cfg.Project), planner.WithMaxKeysPerLookup(cfg.Limits.MaxKeysPerLookup),
		planner.WithSessionConnector(offline.SessionConnector(up.Base(),
			func(user string) offline.Login { return offline.Login(wcfg.LoginOf(user)) })),
		filesOption(cfg), planner.WithOfflineWriter(offlineWriter(wcfg, up))}
	if follower != nil {
		opts = append(opts, planner.WithStreams(follower))
	}
	pl := planner.New(oreg, opts...)
	metrics := newGatewayMetrics(eng.online)
	if follower != nil {
		metrics.registry.MustRegister(streamCollector{follower})
	}
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
	err = srv.Serve(ctx, ln)
	log.Info("featuregate stopping: sessions ended, closing the HTTP API, the online store and the pools", "err", err)
	return err
}

// prepareRoles creates or repairs the roles client sessions log in as.
func prepareRoles(ctx context.Context, cfg config.Config, log *slog.Logger) (*offline.Upstream, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return offline.Prepare(ctx, cfg.Offline.DSN, offline.Options{
		Roles:       offline.Roles{Reader: cfg.Offline.ReaderName(), Writer: cfg.Offline.WriterName()},
		ReadSchemas: cfg.Offline.ReadSchemas,
		Logger:      log,
	})
}

// wireConfig is the wire configuration of cfg: each user logs in upstream
// as the managed role of its access level, or as the role it names.
func wireConfig(ctx context.Context, cfg config.Config, up *offline.Upstream, log *slog.Logger) (wire.Config, error) {
	w := wire.Config{
		Upstream:                 up.Base(),
		AuthMethod:               cfg.Auth.Method,
		DefaultLogin:             wire.UpstreamLogin(up.Login(offline.ReadOnly)),
		MaxConnections:           cfg.Limits.MaxConnections,
		IdleSessionTimeout:       time.Duration(cfg.Limits.IdleSessionTimeout),
		IdleInTransactionTimeout: time.Duration(cfg.Limits.IdleInTransactionTimeout),
		Logger:                   log,
		DefaultAdmin:             len(cfg.Auth.Users) == 0,
	}
	setWireLimits(&w, cfg)
	for _, u := range cfg.Auth.Users {
		rw := u.Access == string(offline.ReadWrite) || u.Access == "admin"
		login := wire.UpstreamLogin(up.Login(offline.ReadOnly))
		switch {
		case u.Upstream.Role != "":
			if err := up.CheckRole(ctx, u.Upstream.Role); err != nil {
				return wire.Config{}, fmt.Errorf("auth.users %q: upstream: %w", u.Name, err)
			}
			login = wire.UpstreamLogin{User: u.Upstream.Role, Password: offline.FixedPassword(u.Upstream.Password)}
		case rw:
			login = wire.UpstreamLogin(up.Login(offline.ReadWrite))
		}
		w.Users = append(w.Users, wire.User{Name: u.Name, Password: u.Password, ReadWrite: rw, Upstream: login,
			Roles: u.Roles, Admin: u.Access == "admin", Projects: u.Projects})
	}
	if cfg.TLS.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return wire.Config{}, fmt.Errorf("tls: %w", err)
		}
		w.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return w, nil
}
