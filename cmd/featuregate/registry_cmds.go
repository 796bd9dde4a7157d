package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner"
)

// registryFlags are the flags of the commands that read or write the
// registry; they override featuregate.yaml.
type registryFlags struct {
	offline string
	project string
}

func (f *registryFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.offline, "offline", "", "offline PostgreSQL URL holding the registry (default: offline.dsn of featuregate.yaml)")
	cmd.Flags().StringVar(&f.project, "project", "", "project name (default: project of featuregate.yaml)")
}

// config reads --config, or else featuregate.yaml in dir when it exists,
// and applies the flags over it.
func (f *registryFlags) config(g *globalFlags, dir string) (config.Config, error) {
	cfg, err := loadConfig(configPath(g, dir))
	if err != nil {
		return cfg, err
	}
	if f.offline != "" {
		cfg.Offline.DSN = f.offline
	}
	if f.project != "" {
		cfg.Project = f.project
	}
	return cfg, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// open connects to the registry that cfg names.
func openRegistry(ctx context.Context, cfg config.Config) (*catalog.Store, error) {
	if cfg.Offline.DSN == "" {
		return nil, errors.New("no registry: pass --offline postgres://user:pass@host:5432/db " +
			"or set offline.dsn in featuregate.yaml (--config FILE)")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return catalog.Open(ctx, cfg.Offline.DSN)
}

// needProject returns cfg's project, or an error saying how to set it.
func needProject(cfg config.Config) (string, error) {
	if cfg.Project == "" {
		return "", errors.New("no project: pass --project NAME or set project in featuregate.yaml (--config FILE)")
	}
	return cfg.Project, nil
}

// withRegistry opens the registry of the current directory's config and
// flags and runs fn with it and the project (which fn may not need).
func (f *registryFlags) withRegistry(cmd *cobra.Command, g *globalFlags, needsProject bool,
	fn func(reg *catalog.Store, project string) error) error {
	cfg, err := f.config(g, ".")
	if err != nil {
		return err
	}
	project := cfg.Project
	if needsProject {
		if project, err = needProject(cfg); err != nil {
			return err
		}
	}
	reg, err := openRegistry(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer reg.Close()
	return withHint(fn(reg, project))
}

// catalogNoun describes one of the list/describe command groups.
type catalogNoun struct {
	use    string       // the command: "feature-views"
	noun   string       // in messages: "feature view"
	plural string       // in help: "feature views"
	show   string       // the SHOW statement that lists them
	kind   catalog.Kind // "" when there is no describe
}

var catalogNouns = []catalogNoun{
	{"entities", "entity", "entities", "SHOW ENTITIES", catalog.KindEntity},
	{"sources", "source", "sources", "SHOW SOURCES", catalog.KindSource},
	{"feature-views", "feature view", "feature views", "SHOW FEATURE VIEWS", catalog.KindFeatureView},
	{"feature-services", "feature service", "feature services", "SHOW FEATURE SERVICES", catalog.KindFeatureService},
	{"features", "feature", "features", "SHOW FEATURES", ""},
	{"permissions", "permission", "permissions", "SHOW PERMISSIONS", catalog.KindPermission},
	{"projects", "project", "projects", "SHOW PROJECTS", ""},
}

// newCatalogCmds returns the entities, sources, feature-views,
// feature-services, features, permissions and projects commands.
func newCatalogCmds(g *globalFlags) []*cobra.Command {
	var cmds []*cobra.Command
	for _, n := range catalogNouns {
		cmd := &cobra.Command{
			Use:   n.use,
			Short: "List or describe the " + n.plural + " of the registry",
			Args:  cobra.NoArgs,
		}
		if n.use == "sources" {
			cmd.Aliases = []string{"data-sources"} // Feast's name
		}
		cmd.AddCommand(newListCmd(g, n))
		if n.kind != "" {
			cmd.AddCommand(newDescribeCmd(g, n))
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

func newListCmd(g *globalFlags, n catalogNoun) *cobra.Command {
	f := &registryFlags{}
	var format, view string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the " + n.plural + " (the rows of " + n.show + ")",
		Long: "List the " + n.plural + ": the rows of the SQL statement " + n.show + `, with its columns.
The registry is the offline PostgreSQL's (--offline, or offline.dsn of the config file:
--config FILE, or featuregate.yaml of the current directory when present).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sql := n.show
			if view != "" {
				sql += " IN " + catalog.QuoteIdent(view)
			}
			return f.withRegistry(cmd, g, n.use != "projects", func(reg *catalog.Store, project string) error {
				res, err := runShow(cmd.Context(), reg, project, sql)
				if err != nil {
					return err
				}
				return writeRecords(cmd.OutOrStdout(), format, res.cols, res.records(), false)
			})
		},
	}
	if n.use == "features" {
		cmd.Flags().StringVar(&view, "view", "", "list only the features of this feature view")
	}
	addFormatFlag(cmd, &format)
	if n.use == "projects" {
		cmd.Flags().StringVar(&f.offline, "offline", "", "offline PostgreSQL URL holding the registry (default: offline.dsn of featuregate.yaml)")
	} else {
		f.add(cmd)
	}
	return cmd
}

func newDescribeCmd(g *globalFlags, n catalogNoun) *cobra.Command {
	f := &registryFlags{}
	var format string
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Describe one " + n.noun + ": its row of " + n.show + " and its CREATE statement",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.withRegistry(cmd, g, true, func(reg *catalog.Store, project string) error {
				rec, err := describeObject(cmd.Context(), reg, project, n, args[0])
				if err != nil {
					return err
				}
				return writeRecords(cmd.OutOrStdout(), format, rec.cols, []record{rec}, true)
			})
		},
	}
	addFormatFlag(cmd, &format)
	f.add(cmd)
	return cmd
}

// addFormatFlag adds -o table|json|yaml, checked before the command runs.
func addFormatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVarP(format, "output", "o", "table", "output format: table, json or yaml")
	cmd.PreRunE = func(*cobra.Command, []string) error { return checkFormat(*format, "table", "json", "yaml") }
}

// describeObject returns the row of the object called name and, as
// "statement", its CREATE statement.
func describeObject(ctx context.Context, reg *catalog.Store, project string, n catalogNoun, name string) (record, error) {
	res, err := runShow(ctx, reg, project, n.show)
	if err != nil {
		return record{}, err
	}
	for _, rec := range res.records() {
		if rec.vals[0] == name {
			create, err := runShow(ctx, reg, project, "SHOW CREATE "+string(n.kind)+" "+catalog.QuoteIdent(name))
			if err != nil {
				return record{}, err
			}
			rec.cols = append(rec.cols, "statement")
			rec.vals = append(rec.vals, create.rows[0][1])
			return rec, nil
		}
	}
	return record{}, featuregate.Errorf(featuregate.KindUndefined, "%s %q does not exist in project %q", n.noun, name, project).
		WithHint("featuregate %s list shows them.", n.use)
}

// showResult is the result of a SHOW statement.
type showResult struct {
	cols []string
	rows [][]any
}

// runShow answers a SHOW statement of project as a session would, through
// the planner.
func runShow(ctx context.Context, reg planner.Registry, project, sql string) (*showResult, error) {
	// The command reads the registry with the offline store's own
	// credentials: it sees everything, as an administrator does.
	plan, err := planner.New(reg).Plan(ctx, plan.Session{User: currentUser(), Database: project, Admin: true}, sql)
	if err != nil {
		return nil, err
	}
	if err := plan.Refusal(); err != nil {
		return nil, err
	}
	if len(plan.Statements) != 1 || plan.Statements[0].Local == nil {
		return nil, fmt.Errorf("internal error: %q is not a featuregate statement", sql)
	}
	local := plan.Statements[0].Local
	res := &showResult{}
	for _, c := range local.Columns() {
		res.cols = append(res.cols, c.Name)
	}
	if _, err := local.Run(ctx, nil, res); err != nil {
		return nil, err
	}
	return res, nil
}

// WriteRow implements plan.RowWriter.
func (r *showResult) WriteRow(values []any) error {
	r.rows = append(r.rows, values)
	return nil
}

func (r *showResult) records() []record {
	out := make([]record, len(r.rows))
	for i, row := range r.rows {
		out[i] = record{cols: r.cols, vals: row}
	}
	return out
}

// withHint adds the hint of a *featuregate.Error to its message, unless
// the message has one already.
func withHint(err error) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) && fe.Hint != "" && !strings.Contains(err.Error(), "\n  hint: ") {
		return fmt.Errorf("%w\n  hint: %s", err, fe.Hint)
	}
	return err
}

// record is a row with its column names, which keeps their order in JSON
// and YAML.
type record struct {
	cols []string
	vals []any
}

// MarshalJSON renders the record as an object, keys in column order.
func (r record) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range r.cols {
		k, _ := json.Marshal(c)
		v, err := json.Marshal(r.vals[i])
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// node renders the record as a YAML mapping, keys in column order.
func (r record) node() (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i, c := range r.cols {
		v := &yaml.Node{}
		if n, ok := r.vals[i].(json.Number); ok {
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: string(n)}
		} else if err := v.Encode(r.vals[i]); err != nil {
			return nil, err
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: c}, v)
	}
	return m, nil
}

// writeRecords prints recs as a table (one record vertically when single
// is set), a JSON array or YAML sequence (one object when single is set).
func writeRecords(w io.Writer, format string, cols []string, recs []record, single bool) error {
	switch format {
	case "table", "":
		if single {
			return writeVertical(w, recs[0])
		}
		return writeTable(w, cols, recs)
	case "json":
		var v any = recs
		if single {
			v = recs[0]
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "yaml":
		return writeYAML(w, recs, single)
	}
	return fmt.Errorf("unknown output format %q: use -o table, json or yaml", format)
}

func writeYAML(w io.Writer, recs []record, single bool) error {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range recs {
		n, err := r.node()
		if err != nil {
			return err
		}
		seq.Content = append(seq.Content, n)
	}
	doc := seq
	if single {
		doc = seq.Content[0]
	} else if len(recs) == 0 {
		seq.Style = yaml.FlowStyle
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// cell renders a value for a table: NULL is empty, and whitespace runs
// (the lines of a query) become one space.
func cell(v any) string {
	if v == nil {
		return ""
	}
	return strings.Join(strings.Fields(fmt.Sprint(v)), " ")
}

// writeTable prints recs as aligned columns under their names.
func writeTable(w io.Writer, cols []string, recs []record) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range recs {
		cells := make([]string, len(r.vals))
		for i, v := range r.vals {
			cells[i] = cell(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \n")
	}
	_, err := io.WriteString(w, strings.Join(lines[:len(lines)-1], "\n")+"\n")
	return err
}

// writeVertical prints one record as name/value lines; the lines of a
// multi-line value are indented under its first.
func writeVertical(w io.Writer, r record) error {
	width := 0
	for _, c := range r.cols {
		width = max(width, len(c))
	}
	var b strings.Builder
	for i, c := range r.cols {
		val := ""
		if r.vals[i] != nil {
			val = fmt.Sprint(r.vals[i])
		}
		val = strings.ReplaceAll(strings.TrimRight(val, "\n"), "\n", "\n"+strings.Repeat(" ", width+2))
		fmt.Fprintf(&b, "%-*s  %s\n", width, c, val)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "featuregate"
}

func newRegistryDumpCmd(g *globalFlags) *cobra.Command {
	f := &registryFlags{}
	var all bool
	cmd := &cobra.Command{
		Use:   "registry-dump",
		Short: "Print the registry as JSON: definitions, versions and history",
		Long: `Print the registry as JSON: for each project, its version, its objects (kind, name,
CREATE statement and fields, entities then sources, feature views and feature
services) and its history (version, who, at, statement). The project is --project,
or project of the config file; with neither, or with --all-projects, every project.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.withRegistry(cmd, g, false, func(reg *catalog.Store, project string) error {
				if all {
					project = ""
				}
				dump, err := dumpRegistry(cmd.Context(), reg, project)
				if err != nil {
					return err
				}
				b, err := json.MarshalIndent(dump, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
				return err
			})
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&all, "all-projects", false, "dump every project, whatever the config file says")
	return cmd
}

// The JSON form of registry-dump.
type (
	registryJSON struct {
		Projects []projectJSON `json:"projects"`
	}
	projectJSON struct {
		Project string        `json:"project"`
		Version int64         `json:"version"`
		Objects []objectJSON  `json:"objects"`
		History []historyJSON `json:"history"`
	}
	objectJSON struct {
		Kind   catalog.Kind `json:"kind"`
		Name   string       `json:"name"`
		SQL    string       `json:"sql"`
		Fields any          `json:"fields"`
	}
	historyJSON struct {
		Version   int64     `json:"version"`
		Who       string    `json:"who"`
		At        time.Time `json:"at"`
		Statement string    `json:"statement"`
	}
)

// dumpRegistry reads project, or every project when it is "".
func dumpRegistry(ctx context.Context, reg *catalog.Store, project string) (*registryJSON, error) {
	projects := []string{project}
	if project == "" {
		var err error
		if projects, err = reg.Projects(ctx); err != nil {
			return nil, err
		}
	}
	dump := &registryJSON{Projects: []projectJSON{}}
	for _, p := range projects {
		pj, err := dumpProject(ctx, reg, p)
		if err != nil {
			return nil, err
		}
		dump.Projects = append(dump.Projects, pj)
	}
	return dump, nil
}

func dumpProject(ctx context.Context, reg *catalog.Store, project string) (projectJSON, error) {
	pj := projectJSON{Project: project, Objects: []objectJSON{}, History: []historyJSON{}}
	sn, err := reg.Snapshot(ctx, project)
	if err != nil {
		return pj, err
	}
	pj.Version = sn.Version
	for _, o := range sn.Objects() {
		fields, err := snakeFields(o)
		if err != nil {
			return pj, err
		}
		pj.Objects = append(pj.Objects, objectJSON{Kind: o.Kind(), Name: o.ObjectName(), SQL: o.SQL() + ";", Fields: fields})
	}
	history, err := reg.History(ctx, project)
	if err != nil {
		return pj, err
	}
	for _, h := range history {
		pj.History = append(pj.History, historyJSON{h.Version, h.Who, h.At.UTC(), h.Statement})
	}
	return pj, nil
}

// snakeFields returns the fields of a catalog object as JSON values, their
// names in snake_case: TimestampColumn is timestamp_column.
func snakeFields(o catalog.Object) (any, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return snakeKeys(v), nil
}

func snakeKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[snakeCase(k)] = snakeKeys(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = snakeKeys(x)
		}
	}
	return v
}

// snakeCase turns a Go field name into snake_case: TTL is ttl,
// CreatedColumn is created_column.
func snakeCase(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 && (!isUpper(r[i-1]) || i+1 < len(r) && !isUpper(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToLower(string(c)))
	}
	return b.String()
}

func isUpper(c rune) bool { return c >= 'A' && c <= 'Z' }

// registryCommands returns the commands that read and write the registry:
// plan, apply, registry-dump and the list/describe groups.
func registryCommands(g *globalFlags) []*cobra.Command {
	cmds := []*cobra.Command{newPlanCmd(g), newApplyCmd(g), newRegistryDumpCmd(g)}
	return append(cmds, newCatalogCmds(g)...)
}
