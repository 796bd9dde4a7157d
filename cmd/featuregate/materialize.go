package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
)

// gatewayCommands returns the commands that are clients of the gateway.
func gatewayCommands(g *globalFlags) []*cobra.Command {
	return []*cobra.Command{
		newMaterializeCmd(g), newMaterializeIncrementalCmd(g), newTeardownCmd(g),
		newGetOnlineFeaturesCmd(g), newGetHistoricalFeaturesCmd(g), newPushCmd(g),
	}
}

// timeHelp is what the materialize commands accept as a time.
const timeHelp = `Times are written as Feast takes them: 2024-01-31T00:00:00, with or without a
fraction, a Z or an offset (+02:00), a space instead of the T, or a date
(2024-01-31). A time without an offset is UTC.`

const materializeLong = `Load the latest value of each entity, from the offline store into the online
store, as the SQL statement
  %s
does. Each view's rows are read in one streaming query and written in durable
batches; a newer value already online is never replaced by an older one. The
result is one row per view: its window, rows read, written and rejected by CHECK
rules, and seconds.

On a terminal, a progress bar shows the rows read of each view as they come.

%s

%s`

func newMaterializeCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var views []string
	var format string
	cmd := &cobra.Command{
		Use:   "materialize START END",
		Short: "Load the feature values of [START, END) into the online store",
		Long:  fmt.Sprintf(materializeLong, "MATERIALIZE [views] FROM START TO END", timeHelp, gatewayHelp),
		Example: `  featuregate materialize 2024-01-01T00:00:00 2024-02-01T00:00:00
  featuregate materialize 2024-01-01 2024-02-01 --views subs_profile_fv,usage_agg_30d_fv`,
		Args: cobra.ExactArgs(2),
		PreRunE: func(*cobra.Command, []string) error {
			return checkFormat(format, "table", "json", "yaml")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			start, err := parseCLITime("START", args[0])
			if err != nil {
				return err
			}
			end, err := parseCLITime("END", args[1])
			if err != nil {
				return err
			}
			if !start.now && !end.now && !start.t.Before(end.t) {
				return usagef("START %s is not before END %s", args[0], args[1])
			}
			sql := "MATERIALIZE " + viewList(views) + "FROM " + start.sql() + " TO " + end.sql()
			return runMaterialize(cmd, g, f, sql, format)
		},
	}
	addMaterializeFlags(cmd, f, &views, &format)
	return cmd
}

func newMaterializeIncrementalCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var views []string
	var format string
	cmd := &cobra.Command{
		Use:   "materialize-incremental END",
		Short: "Load the feature values since each view's last materialization, up to END",
		Long: fmt.Sprintf(materializeLong, "MATERIALIZE INCREMENTAL [views] TO END", timeHelp+`

Each view starts at its watermark, the END of its last materialization (all its
history the first time); END may be now.`, gatewayHelp),
		Example: `  featuregate materialize-incremental 2024-02-01T00:00:00
  featuregate materialize-incremental now --views subs_profile_fv`,
		Args: cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			return checkFormat(format, "table", "json", "yaml")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			end, err := parseCLITime("END", args[0])
			if err != nil {
				return err
			}
			sql := "MATERIALIZE INCREMENTAL " + viewList(views) + "TO " + end.sql()
			return runMaterialize(cmd, g, f, sql, format)
		},
	}
	addMaterializeFlags(cmd, f, &views, &format)
	return cmd
}

func addMaterializeFlags(cmd *cobra.Command, f *gatewayFlags, views *[]string, format *string) {
	cmd.Flags().StringSliceVarP(views, "views", "v", nil, "feature views to materialize, comma-separated or repeated (default: every online view)")
	cmd.Flags().StringVarP(format, "output", "o", "table", "output format: table, json or yaml")
	f.add(cmd)
}

// viewList is the views of a MATERIALIZE statement, quoted, with a
// trailing space; "" for every view.
func viewList(views []string) string {
	if len(views) == 0 {
		return ""
	}
	quoted := make([]string, len(views))
	for i, v := range views {
		quoted[i] = catalog.QuoteIdent(strings.TrimSpace(v))
	}
	return strings.Join(quoted, ", ") + " "
}

// cliTimeLayouts are the layouts of Python's datetime.fromisoformat that
// Feast's CLI accepts, and PostgreSQL's text form.
var cliTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// cliTime is a time argument: a time, or now (the gateway's clock).
type cliTime struct {
	t   time.Time
	now bool
}

// parseCLITime reads a time argument; a time without an offset is UTC.
func parseCLITime(name, s string) (cliTime, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "now") {
		return cliTime{now: true}, nil
	}
	for _, layout := range cliTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return cliTime{t: t.UTC()}, nil
		}
	}
	return cliTime{}, usagef("%s %q is not a time: write 2024-01-31T00:00:00 (UTC), 2024-01-31T00:00:00+02:00 or 2024-01-31", name, s)
}

// sql is the time as SQL: now() or '2024-01-31T00:00:00Z'.
func (c cliTime) sql() string {
	if c.now {
		return "now()"
	}
	return "'" + c.t.Format(time.RFC3339Nano) + "'"
}

// runMaterialize runs a MATERIALIZE statement through the gateway, with a
// progress bar when stderr is a terminal, and prints its result.
func runMaterialize(cmd *cobra.Command, g *globalFlags, f *gatewayFlags, sql, format string) error {
	p := &progress{w: cmd.ErrOrStderr(), bar: isTerminal(cmd.ErrOrStderr())}
	var res *resultSet
	err := f.session(cmd, g, func(conn *pgx.Conn) error {
		var err error
		res, err = querySimple(cmd.Context(), conn, sql)
		return err
	}, withNotices(p.notice))
	p.finish()
	if err != nil {
		return err
	}
	if len(res.rows) == 0 && format == "table" {
		_, err := fmt.Fprintln(cmd.OutOrStdout(), "No online feature views to materialize.")
		return err
	}
	return res.write(cmd.OutOrStdout(), format)
}

// progress shows MATERIALIZE's progress notices ("materialize <view>: <n>
// rows read"): a spinner per view on a terminal, nothing otherwise. Other
// notices are printed as they come.
type progress struct {
	w       io.Writer
	bar     bool // draw bars
	view    string
	current *progressbar.ProgressBar
}

// notice handles one notice of the session.
func (p *progress) notice(n *pgconn.Notice) {
	view, rows, ok := parseProgress(n.Message)
	if !ok {
		p.finish()
		fmt.Fprintf(p.w, "%s: %s\n", n.Severity, n.Message)
		return
	}
	if !p.bar {
		return
	}
	if p.current == nil || view != p.view {
		p.finish()
		p.view = view
		p.current = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetElapsedTime(true),
		)
	}
	p.current.Describe(fmt.Sprintf("materialize %s: %d rows read", view, rows))
	_ = p.current.Set64(rows)
}

// finish ends the current bar.
func (p *progress) finish() {
	if p.current == nil {
		return
	}
	_ = p.current.Finish()
	fmt.Fprintln(p.w)
	p.current = nil
}

// parseProgress reads "materialize <view>: <n> rows read".
func parseProgress(msg string) (view string, rows int64, ok bool) {
	rest, found := strings.CutPrefix(msg, "materialize ")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndex(rest, ": ")
	if i < 0 {
		return "", 0, false
	}
	num, found := strings.CutSuffix(rest[i+2:], " rows read")
	if !found {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return rest[:i], n, true
}

// runStatement runs one statement without rows (DROP PROJECT) through the
// gateway and returns its command tag.
func runStatement(ctx context.Context, conn *pgx.Conn, sql string) (string, error) {
	tag, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	return tag.String(), err
}
