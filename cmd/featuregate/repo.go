package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
)

// repoHelp is what plan and apply say about a repo.
const repoHelp = `A feature repo is a directory of *.sql files (read in name order) holding
CREATE [OR REPLACE] ENTITY | SOURCE | FEATURE VIEW | FEATURE SERVICE and COMMENT ON
statements. The registry is made to hold exactly the repo's objects: new ones are
created, changed ones replaced, and objects no longer in the repo are dropped.

The registry is the offline PostgreSQL's: --offline, or offline.dsn of the config
file (--config FILE, or DIR/featuregate.yaml when present); the project is
--project, or project of the config file.`

func newPlanCmd(g *globalFlags) *cobra.Command {
	f := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show what apply would change in the registry, checking the repo against the offline store",
		Long:  "Show the changes that featuregate apply would make, after checking them against\nthe registry and the offline store. Nothing is changed.\n\n" + repoHelp,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRepo(cmd, g, f, repoDir(args), false)
		},
	}
	f.add(cmd)
	return cmd
}

func newApplyCmd(g *globalFlags) *cobra.Command {
	f := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "apply [DIR]",
		Short: "Make the registry hold exactly the definitions of a feature repo",
		Long: "Apply the repo's definitions to the registry in one transaction: all changes or\n" +
			"none, recorded as one new version. An unchanged repo changes nothing.\n\n" + repoHelp,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRepo(cmd, g, f, repoDir(args), true)
		},
	}
	f.add(cmd)
	return cmd
}

func repoDir(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// runRepo runs plan (apply=false) or apply on the repo in dir.
func runRepo(cmd *cobra.Command, g *globalFlags, f *registryFlags, dir string, apply bool) error {
	r, err := loadRepo(dir)
	if err != nil {
		return err
	}
	if err := r.readFiles(cmd.Context()); err != nil {
		return err
	}
	cfg, err := f.config(g, dir)
	if err != nil {
		return err
	}
	project, err := needProject(cfg)
	if err != nil {
		return err
	}
	reg, err := openRegistry(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer reg.Close()
	if apply {
		return r.apply(cmd.Context(), cmd.OutOrStdout(), reg, project)
	}
	return r.plan(cmd.Context(), cmd.OutOrStdout(), reg, project)
}

// repo is a feature repo's definitions.
type repo struct {
	dir     string
	files   []repoFile
	objects []catalog.Object
	// at is where each object is defined.
	at map[nameKey]ddl.ScriptStatement
	// file names the file of each object.
	file map[nameKey]string
	// data is the content of each file source's file, by source name.
	data map[string]catalog.FileData
}

type repoFile struct {
	name string // as given: DIR/entities.sql
	text string
}

// nameKey identifies an object in its namespace: feature views and
// feature services share one.
type nameKey struct {
	namespace string
	name      string
}

func keyOf(kind catalog.Kind, name string) nameKey {
	ns := string(kind)
	if kind == catalog.KindFeatureService {
		ns = string(catalog.KindFeatureView)
	}
	return nameKey{ns, name}
}

// loadRepo reads and parses dir/*.sql. It reports every error it finds.
func loadRepo(dir string) (*repo, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: pass the feature repo's directory", dir)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no *.sql files: a feature repo holds CREATE ENTITY | SOURCE | FEATURE VIEW | FEATURE SERVICE statements in *.sql files", dir)
	}
	sort.Strings(names)
	r := &repo{dir: dir, at: map[nameKey]ddl.ScriptStatement{}, file: map[nameKey]string{}}
	var comments []located
	var errs []error
	for _, name := range names {
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		r.files = append(r.files, repoFile{name, string(text)})
		stmts, err := ddl.ParseScriptStatements(name, string(text))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, st := range stmts {
			if c, ok := st.Statement.(*ddl.CommentStmt); ok {
				comments = append(comments, located{name, st, c})
			} else if err := r.add(name, st); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, c := range comments {
		if err := r.comment(c); err != nil {
			errs = append(errs, err)
		}
	}
	return r, errors.Join(errs...)
}

// located is a COMMENT ON statement and where it is.
type located struct {
	file string
	st   ddl.ScriptStatement
	c    *ddl.CommentStmt
}

// add adds the object of a CREATE statement, refusing a second definition.
func (r *repo) add(file string, st ddl.ScriptStatement) error {
	obj := st.Statement.(*ddl.CreateStmt).Object
	k := keyOf(obj.Kind(), obj.ObjectName())
	if prev, dup := r.at[k]; dup {
		return &ddl.ScriptError{File: file, Line: st.Line, Col: st.Col, Err: featuregate.Errorf(featuregate.KindDuplicate,
			"%s %q is defined twice: also at %s:%d:%d", noun(obj.Kind()), obj.ObjectName(), r.file[k], prev.Line, prev.Col).
			WithHint("Keep one definition; feature views and feature services share one namespace.")}
	}
	r.at[k], r.file[k] = st, file
	r.objects = append(r.objects, obj)
	return nil
}

// comment applies a COMMENT ON statement to the repo's object.
func (r *repo) comment(l located) error {
	k := keyOf(l.c.Kind, l.c.Name)
	st, ok := r.at[k]
	var obj catalog.Object
	if ok {
		obj = st.Statement.(*ddl.CreateStmt).Object
	}
	if obj == nil || obj.Kind() != l.c.Kind {
		return &ddl.ScriptError{File: l.file, Line: l.st.Line, Col: l.st.Col, Err: featuregate.Errorf(featuregate.KindUndefined,
			"COMMENT ON %s %q: no file of the repo defines it", l.c.Kind, l.c.Name)}
	}
	text := ""
	if l.c.Comment != nil {
		text = *l.c.Comment
	}
	switch o := obj.(type) {
	case *catalog.Entity:
		o.Comment = text
	case *catalog.Source:
		o.Comment = text
	case *catalog.FeatureView:
		o.Comment = text
	case *catalog.FeatureService:
		o.Comment = text
	}
	return nil
}

// noun is how messages name a kind: "feature view".
func noun(k catalog.Kind) string { return strings.ToLower(string(k)) }

// plan prints the changes that apply would make, checked against the
// registry and the offline store.
func (r *repo) plan(ctx context.Context, w io.Writer, reg *catalog.Store, project string) error {
	sn, err := reg.Snapshot(ctx, project)
	if err != nil {
		return err
	}
	changes := withFiles(catalog.Diff(sn, r.objects), r.data)
	if len(changes) == 0 {
		_, err := fmt.Fprintln(w, "No changes.")
		return err
	}
	if err := reg.Check(ctx, project, changes); err != nil {
		return r.explain(ctx, reg, project, changes, err)
	}
	s := summarize(sn, changes)
	_, err = fmt.Fprintf(w, "%sPlan: %d to create, %d to replace, %d to drop.\n", s.text, s.created, s.replaced, s.dropped)
	return err
}

// maxApplyRounds bounds how often apply recomputes its changes when
// another client changes the project at the same time.
const maxApplyRounds = 5

// apply makes the registry hold the repo's objects. The changes are
// computed from a snapshot; if the project changed in between, so that
// Apply fails or lands on top of another change, they are computed again
// from the new state, until the registry holds the repo.
func (r *repo) apply(ctx context.Context, w io.Writer, reg *catalog.Store, project string) error {
	applied := false
	for round := 1; ; round++ {
		sn, err := reg.Snapshot(ctx, project)
		if err != nil {
			return err
		}
		changes := withFiles(catalog.Diff(sn, r.objects), r.data)
		if len(changes) == 0 {
			if !applied {
				_, err = fmt.Fprintln(w, "No changes.")
			}
			return err
		}
		v, err := reg.Apply(ctx, project, currentUser(), r.statement(), changes)
		if err != nil {
			if now, verr := reg.Version(ctx, project); verr == nil && now != sn.Version && round < maxApplyRounds {
				continue // another client changed the project: compute again
			}
			return r.explain(ctx, reg, project, changes, err)
		}
		applied = true
		if _, err := fmt.Fprintf(w, "%sApplied version %d.\n", summarize(sn, changes).text, v); err != nil {
			return err
		}
		if v == sn.Version+1 || round == maxApplyRounds {
			return nil // nothing came in between: the registry holds the repo
		}
	}
}

// statement is what the history records for an apply: the command and
// every file of the repo.
func (r *repo) statement() string {
	dir, err := filepath.Abs(r.dir)
	if err != nil {
		dir = r.dir
	}
	var b strings.Builder
	b.WriteString("featuregate apply " + dir + "\n")
	for _, f := range r.files {
		fmt.Fprintf(&b, "\n-- %s\n%s", filepath.Base(f.name), f.text)
		if !strings.HasSuffix(f.text, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// explain turns an error of Check or Apply into one that says which
// definition of the repo is at fault, file:line:col, found by checking
// ever longer prefixes of the changes.
func (r *repo) explain(ctx context.Context, reg *catalog.Store, project string, changes []catalog.Change, err error) error {
	kind := featuregate.KindOf(err)
	if kind == featuregate.KindUnavailable || kind == featuregate.KindInternal || errors.Is(err, context.Canceled) {
		return err
	}
	// The smallest n for which changes[:n] fails holds the culprit last.
	errs := map[int]error{}
	n := sort.Search(len(changes), func(i int) bool {
		errs[i+1] = reg.Check(ctx, project, changes[:i+1])
		return errs[i+1] != nil
	}) + 1
	if n > len(changes) {
		return withHint(err)
	}
	if errs[n] != nil {
		err = errs[n]
	}
	c := changes[n-1]
	if c.Object == nil {
		return withHint(fmt.Errorf("project %q: %w", project, err))
	}
	k := keyOf(c.Object.Kind(), c.Object.ObjectName())
	st := r.at[k]
	return &ddl.ScriptError{File: r.file[k], Line: st.Line, Col: st.Col, Err: err}
}

// changeSummary is how plan and apply print changes.
type changeSummary struct {
	text                       string // one line per change
	created, replaced, dropped int
}

// summarize prints one line per change: "+ entity user" for a create, "~"
// for a replace, followed by what changed (against the snapshot sn), "-
// source old" for a drop. An object dropped and created again (Diff
// re-creates some) is one replace.
func summarize(sn *catalog.Snapshot, changes []catalog.Change) changeSummary {
	type kindName struct {
		kind catalog.Kind
		name string
	}
	created := map[kindName]bool{}
	for _, c := range changes {
		if c.Op == catalog.OpCreate {
			created[kindName{c.Object.Kind(), c.Object.ObjectName()}] = true
		}
	}
	dropped := map[kindName]bool{}
	var s changeSummary
	var b strings.Builder
	for _, c := range changes {
		if c.Op == catalog.OpDrop {
			if k := (kindName{c.Kind, c.Name}); created[k] {
				dropped[k] = true
				continue
			}
			s.dropped++
			fmt.Fprintf(&b, "- %s %s\n", noun(c.Kind), c.Name)
			continue
		}
		kind, name := c.Object.Kind(), c.Object.ObjectName()
		if c.Op == catalog.OpCreateOrReplace || dropped[kindName{kind, name}] {
			s.replaced++
			var lines []string
			if was := sn.Find(kind, name); was != nil {
				lines = catalog.FieldChanges(was, c.Object)
			}
			if len(lines) == 1 && strings.HasPrefix(lines[0], "file changed") {
				fmt.Fprintf(&b, "~ %s %s: %s\n", noun(kind), name, lines[0])
				continue
			}
			fmt.Fprintf(&b, "~ %s %s\n", noun(kind), name)
			for _, l := range lines {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		} else {
			s.created++
			fmt.Fprintf(&b, "+ %s %s\n", noun(kind), name)
		}
	}
	s.text = b.String()
	return s
}
