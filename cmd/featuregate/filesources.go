package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/catalog/filesource"
	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/planner"
)

// readFiles opens the files of the repo's file sources, relative to the
// repo's directory on this machine, and sets each source's fingerprint,
// so that Diff sees a changed file. Apply then sends the rows through the
// registry's connection.
func (r *repo) readFiles(ctx context.Context) error {
	r.data = map[string]catalog.FileData{}
	var errs []error
	for _, obj := range r.objects {
		src, ok := obj.(*catalog.Source)
		if !ok || src.File == nil {
			continue
		}
		data, err := filesource.Open(ctx, localPath(r.dir, src.File.Path), src.File.Path)
		if err != nil {
			k := keyOf(catalog.KindSource, src.Name)
			st := r.at[k]
			errs = append(errs, &ddl.ScriptError{File: r.file[k], Line: st.Line, Col: st.Col,
				Err: fmt.Errorf("source %q: %w", src.Name, err)})
			continue
		}
		fp := data.Fingerprint()
		src.File = &fp
		r.data[src.Name] = data
	}
	return errors.Join(errs...)
}

// localPath is a file source's path on this machine: as written when
// absolute, otherwise relative to dir.
func localPath(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, filepath.FromSlash(path))
}

// withFiles gives each change that creates or replaces a file source the
// content of its file.
func withFiles(changes []catalog.Change, data map[string]catalog.FileData) []catalog.Change {
	for i, c := range changes {
		if src, ok := c.Object.(*catalog.Source); ok && src.File != nil {
			changes[i].Data = data[src.Name]
		}
	}
	return changes
}

func newRefreshCmd(g *globalFlags) *cobra.Command {
	f := &registryFlags{}
	var dir string
	cmd := &cobra.Command{
		Use:   "refresh SOURCE",
		Short: "Load a file source's file again (REFRESH SOURCE)",
		Long: "Read the file of a file source again, relative to the feature repo on this machine\n" +
			"(--repo, default the current directory), and replace the source's rows with its\n" +
			"rows in one transaction: readers see the old rows or the new, never a mix.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRefresh(cmd, g, f, dir, args[0])
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&dir, "repo", ".", "the feature repo the file's path is relative to")
	return cmd
}

// runRefresh reloads the file of source name.
func runRefresh(cmd *cobra.Command, g *globalFlags, f *registryFlags, dir, name string) error {
	cfg, err := f.config(g, dir)
	if err != nil {
		return err
	}
	project, err := needProject(cfg)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	reg, err := openRegistry(ctx, cfg)
	if err != nil {
		return err
	}
	defer reg.Close()
	sn, err := reg.Snapshot(ctx, project)
	if err != nil {
		return err
	}
	src, ok := sn.Find(catalog.KindSource, name).(*catalog.Source)
	if !ok || src == nil {
		return featuregate.Errorf(featuregate.KindUndefined, "source %q does not exist in project %q", name, project)
	}
	change, err := refreshChange(src, func(path string) (catalog.FileData, error) {
		return filesource.Open(ctx, localPath(dir, path), path)
	})
	if err != nil {
		return err
	}
	v, err := reg.Apply(ctx, project, currentUser(), "REFRESH SOURCE "+catalog.QuoteIdent(name), []catalog.Change{change})
	if err != nil {
		return err
	}
	after, err := reg.Snapshot(ctx, project)
	if err != nil {
		return err
	}
	now := after.Find(catalog.KindSource, name).(*catalog.Source)
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Refreshed source %s: %d rows from %s (%d bytes). Applied version %d.\n",
		name, now.File.Rows, now.File.Path, now.File.Size, v)
	return err
}

// refreshChange is the change that loads src's file again, read by open.
func refreshChange(src *catalog.Source, open func(path string) (catalog.FileData, error)) (catalog.Change, error) {
	if src.File == nil {
		return catalog.Change{}, catalog.NotAFileSource(src.Name)
	}
	data, err := open(src.File.Path)
	if err != nil {
		return catalog.Change{}, fmt.Errorf("source %q: %w", src.Name, err)
	}
	return catalog.RefreshChange(src, data), nil
}

// filesOption lets the gateway's sessions read files under files.root; none
// when it is not set.
func filesOption(cfg config.Config) planner.Option {
	root := cfg.Files.Root
	if root == "" {
		return planner.WithFiles(nil)
	}
	return planner.WithFiles(func(ctx context.Context, path string) (catalog.FileData, error) {
		return filesource.OpenUnder(ctx, root, path)
	})
}
