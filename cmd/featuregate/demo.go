package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/examples"
	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/localpg"
)

// demoProjects are the examples the demo sets up, each a project of its
// own in one offline database; the first is the one the tour uses.
var demoProjects = []string{"quickstart", "streamflow", "biometrics"}

// demoDatabase is the offline database of the demo.
const demoDatabase = "featuregate"

func newDemoCmd(g *globalFlags) *cobra.Command {
	var listen, httpListen string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a throwaway PostgreSQL with the example projects and a gateway over it",
		Long: `Start a throwaway PostgreSQL from the machine's binaries (/usr/lib/postgresql/15/bin,
or $PG_BINDIR), fill it with the example projects — quickstart (Feast's driver
stats), streamflow (the churn project of the course lab) and biometrics — apply
their feature repos, and serve them: the database name a client connects to is
the project. The server runs with wal_level=logical, so that a source can stream
(ALTER SOURCE … SET (streaming = on)). Everything is removed on exit (Ctrl-C).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demo(cmd.Context(), g, listen, httpListen, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:5433", "address for PostgreSQL clients")
	cmd.Flags().StringVar(&httpListen, "http", "127.0.0.1:6566", "address of the HTTP API, or off")
	return cmd
}

func demo(ctx context.Context, g *globalFlags, listen, httpListen string, out io.Writer) error {
	stopWithParent() // `go run … demo` killed: end too, and remove the data
	// wal_level=logical: the demo's sources can stream (issue 15).
	pg, err := localpg.StartWith(localpg.Options{WALLevel: "logical"})
	if err != nil {
		return err
	}
	defer pg.Stop()
	dsn, err := pg.CreateDB(ctx, demoDatabase)
	if err != nil {
		return err
	}
	for _, project := range demoProjects {
		if err := loadExample(ctx, dsn, project, out); err != nil {
			return fmt.Errorf("example %s: %w", project, err)
		}
	}
	cfg := config.Default()
	cfg.Listen, cfg.HTTPListen, cfg.Project = listen, httpListen, demoProjects[0]
	cfg.Offline.DSN = dsn
	if cfg.DataDir, err = os.MkdirTemp("", "featuregate-demo-"); err != nil {
		return err
	}
	defer os.RemoveAll(cfg.DataDir)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready := func() {
		fmt.Fprintf(out, "\nfeaturegate is up with the example projects. Connect with:\n\n")
		for _, p := range demoProjects {
			fmt.Fprintf(out, "  psql postgres://demo@%s/%s\n", ln.Addr(), p)
		}
		fmt.Fprintf(out, "\nthen try: SHOW FEATURE VIEWS;  \\d driver_hourly_stats  (the README's tour)\n")
		if httpListen != "off" {
			fmt.Fprintf(out, "The HTTP API (Feast's POST /get-online-features) is at http://%s/ (name the project in the body: \"project\": \"streamflow\"; the default is %s)\n", httpListen, demoProjects[0])
		}
		fmt.Fprintf(out, "The registry's commands read the offline PostgreSQL directly, e.g.:\n  featuregate feature-views list --offline '%s' --project streamflow\n", dsn)
		fmt.Fprintln(out, "Ctrl-C (or ending the process that started it) stops it and removes the data.")
	}
	return serveOn(ctx, cfg, g.logger(), ln, ready)
}

// loadExample creates an example's tables and applies its feature repo
// as project name.
func loadExample(ctx context.Context, dsn, name string, out io.Writer) error {
	data, err := examples.FS.ReadFile(name + "/data.sql")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, string(data))
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("example data: %w", err)
	}
	dir, err := os.MkdirTemp("", "featuregate-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	repoFS, err := fs.Sub(examples.FS, name+"/repo")
	if err != nil {
		return err
	}
	if err := os.CopyFS(filepath.Join(dir, "repo"), repoFS); err != nil {
		return err
	}
	if err := examples.WriteData(name, filepath.Join(dir, "repo", "data"), time.Now()); err != nil {
		return err
	}
	r, err := loadRepo(filepath.Join(dir, "repo"))
	if err != nil {
		return err
	}
	if err := r.readFiles(ctx); err != nil {
		return err
	}
	reg, err := catalog.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer reg.Close()
	return r.apply(ctx, out, reg, name)
}
