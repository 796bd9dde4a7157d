package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
)

func newTeardownCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var yes bool
	cmd := &cobra.Command{
		Use:   "teardown",
		Short: "Drop the project: its definitions from the registry and its values from the online store",
		Long: `Drop the project, as the SQL statement DROP PROJECT does: every definition of
the project leaves the registry in one change (recorded in its history), and its
values leave the online store. The offline store's tables are not touched.

On a terminal, teardown asks you to type the project name to confirm; elsewhere
(a script, a pipe) it refuses unless --yes is given.

` + gatewayHelp,
		Example: `  featuregate teardown
  featuregate teardown --project streamflow --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(g)
			if err != nil {
				return err
			}
			project, err := needProject(cfg)
			if err != nil {
				return err
			}
			if !yes {
				if err := confirmTeardown(cmd, project); err != nil {
					return err
				}
			}
			return f.session(cmd, g, func(conn *pgx.Conn) error {
				if _, err := runStatement(cmd.Context(), conn, "DROP PROJECT "+catalog.QuoteIdent(project)); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "Project %s torn down: its definitions and online values are dropped.\n", project)
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	f.add(cmd)
	return cmd
}

// errNotConfirmed is returned when teardown is not confirmed.
var errNotConfirmed = errors.New("teardown cancelled: the project name was not typed; nothing was dropped")

// confirmTeardown asks to type the project name on a terminal, and refuses
// elsewhere.
func confirmTeardown(cmd *cobra.Command, project string) error {
	if !isTerminal(cmd.InOrStdin()) {
		return fmt.Errorf("teardown drops project %q and its online values: pass --yes to confirm "+
			"(stdin is not a terminal, so it cannot ask)", project)
	}
	return confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), project)
}

// confirm asks on w to type project and reads the answer from r.
func confirm(r io.Reader, w io.Writer, project string) error {
	fmt.Fprintf(w, "This drops every definition of project %q from the registry and its values from the online store.\n"+
		"Type the project name to confirm: ", project)
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return errNotConfirmed
	}
	if strings.TrimSpace(line) != project {
		return errNotConfirmed
	}
	return nil
}
