// Command featuregate is the feature store: a PostgreSQL wire-protocol
// gateway over an offline PostgreSQL, and the commands to manage it.
// This is the only package that wires the others together.
//
// Exit codes are for scripts: 0 on success, 1 when the command failed (the
// message says what to do), 2 when it was called wrongly (an unknown
// command or flag, a missing argument, a bad flag value).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes of the command.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	if runsGateway(os.Args[1:]) {
		if err := lazyFree(); err != nil {
			fmt.Fprintln(os.Stderr, "featuregate: could not restart with lazily freed memory (GODEBUG=madvdontneed=0), going on without:", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runsGateway reports whether args run a gateway: serve, or demo.
func runsGateway(args []string) bool {
	cmd, _, err := newRootCmd().Find(args)
	return err == nil && (cmd.Name() == "serve" || cmd.Name() == "demo")
}

// run executes the command line args with the given streams and returns
// the exit code, having printed the error, if any, to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "featuregate:", err)
	if code := exitCode(err); code != exitUsage {
		return code
	}
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return exitUsage
}

// exitCode is the exit code for an error of a command.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), strings.HasPrefix(err.Error(), "unknown command "):
		return exitUsage
	}
	return exitError
}

// usageError is an error in how a command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// usageArgs wraps a cobra argument check so that its errors are usage
// errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

type globalFlags struct {
	config   string
	logLevel string
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "featuregate",
		Short: "A feature store that speaks the PostgreSQL wire protocol",
		Long: `featuregate is a feature store that speaks the PostgreSQL wire protocol.
Its commands follow Feast's: init, plan, apply, materialize, serve, the catalog's
list and describe, get-online-features and get-historical-features.

Every command reads featuregate.yaml (--config FILE, or ./featuregate.yaml when
present); its flags override the file. Exit codes: 0 success, 1 failure, 2 usage.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.config, "config", "", "configuration file (default: ./featuregate.yaml when present)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newServeCmd(g), newDemoCmd(g), newVersionCmd(), newInitCmd(g), newConfigurationCmd(g), newRolesCmd(g))
	root.AddCommand(newRefreshCmd(g))
	root.AddCommand(registryCommands(g)...)
	root.AddCommand(gatewayCommands(g)...)
	root.AddCommand(newSavedDatasetsCmd(g))
	setUsageArgs(root)
	return root
}

// setUsageArgs makes the argument errors of cmd and its subcommands usage
// errors.
func setUsageArgs(cmd *cobra.Command) {
	if cmd.Args != nil {
		cmd.Args = usageArgs(cmd.Args)
	}
	for _, c := range cmd.Commands() {
		setUsageArgs(c)
	}
}

func (g *globalFlags) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}
