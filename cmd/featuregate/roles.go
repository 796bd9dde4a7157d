package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/offline"
)

const rolesLong = `The roles client sessions log in as on the offline PostgreSQL: %s
for read-only users (and materialization), %s for read-write users, or
offline.roles in featuregate.yaml. The gateway creates and keeps them on every
start; their secrets live in featuregate_registry.upstream_credentials, which
only the gateway's own role (offline.dsn) may read. See docs/gateway.md.`

func newRolesCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "Set up or rotate the roles client sessions log in as on the offline store",
		Long:  fmt.Sprintf(rolesLong, offline.DefaultRoles.Reader, offline.DefaultRoles.Writer),
	}
	var dsn string
	cmd.PersistentFlags().StringVar(&dsn, "offline", "", "offline PostgreSQL URL of the gateway's own role (default: offline.dsn of featuregate.yaml)")
	cfg := func() (config.Config, error) {
		cfg, err := loadConfig(configPath(g, "."))
		if dsn != "" {
			cfg.Offline.DSN = dsn
		}
		if err == nil && cfg.Offline.DSN == "" {
			err = errors.New("no offline store: pass --offline postgres://… or set offline.dsn in featuregate.yaml")
		}
		return cfg, err
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "setup",
		Short: "Create or repair the roles, their grants and secrets, as serve does on start",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cfg()
			if err != nil {
				return err
			}
			up, err := prepareRoles(cmd.Context(), c, g.logger())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Roles %s (read-only) and %s (read-write) are ready.\n",
				up.Roles().Reader, up.Roles().Writer)
			return err
		},
	}, &cobra.Command{
		Use:   "rotate",
		Short: "Give the roles new secrets",
		Long: `Give the roles new random secrets, stored and set as their passwords in one
transaction. Running gateways read the new secret when the offline store first
refuses the old one; open sessions go on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cfg()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			r := offline.Roles{Reader: c.Offline.ReaderName(), Writer: c.Offline.WriterName()}
			if err := offline.Rotate(ctx, c.Offline.DSN, r); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Rotated the secrets of %s and %s.\n", r.Reader, r.Writer)
			return err
		},
	})
	return cmd
}
