package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/examples"
)

// defaultRepoDir is where init creates the repo when no DIR is given.
const defaultRepoDir = "feature_repo"

// preferredTemplate is init's template when none is given.
const preferredTemplate = "quickstart"

// templates lists the examples init can copy: the directories of
// examples.FS with a data.sql and a repo/.
func templates() []string {
	matches, _ := fs.Glob(examples.FS, "*/data.sql") // the pattern is valid
	var names []string
	for _, m := range matches {
		dir := path.Dir(m)
		if repo, _ := fs.Glob(examples.FS, dir+"/repo/*.sql"); len(repo) > 0 {
			names = append(names, dir)
		}
	}
	return names
}

// defaultTemplate is quickstart when it is there, else the first template.
func defaultTemplate() string {
	names := templates()
	if slices.Contains(names, preferredTemplate) || len(names) == 0 {
		return preferredTemplate
	}
	return names[0]
}

func newInitCmd(g *globalFlags) *cobra.Command {
	var template, offline string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a feature repo with sample data and definitions",
		Long: fmt.Sprintf(`Create a feature repo in DIR (default %s), which must not exist or be empty:
  featuregate.yaml   the configuration: project (DIR's name as an identifier), listen,
                     http_listen, data_dir, offline.dsn (--offline, or ${FEATUREGATE_OFFLINE_DSN})
  *.sql              the template's definitions, which featuregate apply takes
  data/data.sql      the template's sample tables, for the offline PostgreSQL
  README.md          the next steps

With --offline DSN, data/data.sql is also loaded into that database.
Templates: %s.`, defaultRepoDir, strings.Join(templates(), ", ")),
		Example: `  featuregate init
  featuregate init my_repo --template streamflow --offline postgres://me:secret@127.0.0.1:5432/features`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := defaultRepoDir
			if len(args) == 1 {
				dir = args[0]
			}
			if !slices.Contains(templates(), template) {
				return usagef("no template %q: choose one of %s", template, strings.Join(templates(), ", "))
			}
			return initRepo(cmd.Context(), cmd.OutOrStdout(), dir, template, offline)
		},
	}
	cmd.Flags().StringVarP(&template, "template", "t", defaultTemplate(), "the example to start from: "+strings.Join(templates(), ", "))
	cmd.Flags().StringVar(&offline, "offline", "", "offline PostgreSQL URL: written to featuregate.yaml, and the sample data is loaded into it")
	return cmd
}

// initRepo creates the repo in dir from template.
func initRepo(ctx context.Context, out io.Writer, dir, template, offline string) error {
	if err := checkEmptyDir(dir); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	project := projectName(filepath.Base(abs))
	if offline != "" {
		if err := reachable(ctx, offline); err != nil {
			return fmt.Errorf("cannot reach the offline PostgreSQL of --offline (nothing was created): %w", err)
		}
	}
	if err := writeRepo(dir, template, project, offline); err != nil {
		return err
	}
	fmt.Fprintf(out, "Created feature repo %s: project %s, template %s.\n", dir, project, template)
	if offline != "" {
		err := loadData(ctx, offline, filepath.Join(dir, "data", "data.sql"))
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && pe.Code == "42P07": // the whole script is one transaction: nothing changed
			fmt.Fprintln(out, "The sample tables exist already in the offline store: left as they are.")
		case err != nil:
			return fmt.Errorf("the repo is created, but loading its sample data failed (nothing of it was loaded): %w\n  hint: fix the database, then run psql \"$DSN\" -f %s",
				err, filepath.Join(dir, "data", "data.sql"))
		default:
			fmt.Fprintln(out, "Loaded the sample data (data/data.sql) into the offline store.")
		}
	}
	_, err = fmt.Fprintf(out, "Next: cd %s, then see README.md (featuregate plan, apply, serve).\n", dir)
	return err
}

// checkEmptyDir refuses a dir that exists with something in it.
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: init creates a new repo; give it a new or empty directory (featuregate init DIR)", dir)
	}
	return nil
}

// projectName turns a directory name into a project name: an identifier
// of lower-case letters, digits and underscores.
func projectName(base string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" {
		return defaultRepoDir
	}
	if name[0] >= '0' && name[0] <= '9' {
		name = "p_" + name
	}
	return name
}

// writeRepo writes the files of the repo.
func writeRepo(dir, template, project, offline string) error {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	repo, err := fs.Sub(examples.FS, template+"/repo")
	if err != nil {
		return err
	}
	defs, err := fs.Glob(repo, "*.sql")
	if err != nil {
		return err
	}
	for _, name := range defs {
		if err := copyFile(repo, name, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	if err := copyFile(examples.FS, template+"/data.sql", filepath.Join(dir, "data", "data.sql")); err != nil {
		return err
	}
	if err := examples.WriteData(template, filepath.Join(dir, "data"), time.Now()); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "featuregate.yaml"), []byte(repoConfig(project, template, offline)), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(repoReadme(dir, project, template, offline != "")), 0o644)
}

func copyFile(fsys fs.FS, name, to string) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// repoConfig is the featuregate.yaml of a new repo.
func repoConfig(project, template, offline string) string {
	dsn := "${FEATUREGATE_OFFLINE_DSN}"
	if offline != "" {
		q, _ := json.Marshal(offline) // a JSON string is a YAML double-quoted scalar
		dsn = string(q)
	}
	return fmt.Sprintf(`# featuregate configuration of project %[1]s (featuregate init --template %[2]s).
# Every command reads it when run in this directory; flags override it, and
# a value may read the environment as ${…}. featuregate configuration prints it.
project: %[1]s
listen: 127.0.0.1:5433        # PostgreSQL clients: psql postgres://127.0.0.1:5433/%[1]s
http_listen: 127.0.0.1:6566   # HTTP API (Feast's /get-online-features, /health, /metrics); off disables it
data_dir: .featuregate        # the Pebble online store
offline:
  type: postgres
  dsn: %[3]s
online:
  type: pebble
`, project, template, dsn)
}

// repoReadme is the README.md of a new repo: what is in it and the next
// steps.
func repoReadme(dir, project, template string, loaded bool) string {
	example := exampleLookup(dir)
	load := "2. Load the sample tables into it:\n\n   ```sh\n   psql \"$FEATUREGATE_OFFLINE_DSN\" -f data/data.sql\n   ```\n"
	if loaded {
		load = "2. The sample tables of `data/data.sql` are loaded already (`featuregate init --offline`).\n"
	}
	return fmt.Sprintf("# %[1]s\n\n"+
		"A featuregate feature repo, created by `featuregate init --template %[2]s` on %[3]s.\n\n"+
		"- `*.sql`: the definitions (entities, sources, feature views, feature services), applied by `featuregate apply`\n"+
		"- `data/data.sql`: the sample tables, for the offline PostgreSQL\n"+
		"- `featuregate.yaml`: the configuration (`featuregate configuration` prints it)\n\n"+
		"## Next steps\n\n"+
		"Run them in this directory.\n\n"+
		"1. Name the offline PostgreSQL (or set `offline.dsn` in `featuregate.yaml`):\n\n"+
		"   ```sh\n   export FEATUREGATE_OFFLINE_DSN=postgres://user:password@127.0.0.1:5432/features\n   ```\n"+
		"%[4]s"+
		"3. Check and apply the definitions:\n\n   ```sh\n   featuregate plan\n   featuregate apply\n   featuregate feature-views list\n   ```\n"+
		"4. Load the latest values into the online store, and read them:\n\n"+
		"   ```sh\n   featuregate materialize-incremental now\n   %[5]s\n   ```\n"+
		"5. Serve them to any PostgreSQL client and over HTTP:\n\n"+
		"   ```sh\n   featuregate serve\n   psql postgres://127.0.0.1:5433/%[1]s -c 'SHOW FEATURE VIEWS'\n   ```\n",
		project, template, time.Now().UTC().Format("2006-01-02"), load, example)
}

// exampleLookup is a get-online-features command for the repo in dir: its
// first feature service (else its first view) and the join keys of the
// entity of that service's first view.
func exampleLookup(dir string) string {
	const generic = "featuregate get-online-features --service NAME --entity KEY=VALUE"
	r, err := loadRepo(dir)
	if err != nil {
		return generic
	}
	var name, view string
	views := map[string]*catalog.FeatureView{}
	entities := map[string]*catalog.Entity{}
	for _, o := range r.objects {
		switch o := o.(type) {
		case *catalog.Entity:
			entities[o.Name] = o
		case *catalog.FeatureView:
			views[o.Name] = o
			if name == "" {
				name, view = o.Name, o.Name
			}
		case *catalog.FeatureService:
			if len(o.Features) > 0 && (name == "" || views[name] != nil) {
				name, view = o.Name, o.Features[0].View
			}
		}
	}
	v := views[view]
	if v == nil || entities[v.Entity] == nil {
		return generic
	}
	var keys []string
	for _, k := range entities[v.Entity].Keys {
		keys = append(keys, k.Name+"=VALUE")
	}
	return fmt.Sprintf("featuregate get-online-features --service %s --entity %s", name, strings.Join(keys, ","))
}

// reachable checks that the database dsn takes a connection.
func reachable(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// loadData runs the SQL file at path on the database dsn, as one
// transaction (a query string of several statements is one).
func loadData(ctx context.Context, dsn, path string) error {
	sql, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, string(sql))
	return err
}
