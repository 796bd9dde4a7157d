package main

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/localpg"
)

func newDemoCmd(g *globalFlags) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a throwaway local PostgreSQL and a gateway over it",
		Long: `Start a throwaway PostgreSQL from the machine's binaries (/usr/lib/postgresql/15/bin,
or $PG_BINDIR) and a gateway over it, for trying featuregate with psql. Everything
is removed on exit (Ctrl-C).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demo(cmd.Context(), g, listen)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:5433", "address for PostgreSQL clients")
	return cmd
}

func demo(ctx context.Context, g *globalFlags, listen string) error {
	log := g.logger()
	pg, err := localpg.Start()
	if err != nil {
		return err
	}
	defer pg.Stop()
	dsn, err := pg.CreateDB(ctx, "demo")
	if err != nil {
		return err
	}
	cfg := config.Default()
	cfg.Listen = listen
	cfg.Offline.DSN = dsn
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		select {
		case <-ready:
		case <-ctx.Done():
			return
		}
		fmt.Printf("featuregate is up. Connect with:\n\n  psql postgres://demo@%s/demo\n\nCtrl-C stops it and removes the data.\n", ln.Addr())
	}()
	return serveOn(ctx, cfg, log, ln, ready)
}
