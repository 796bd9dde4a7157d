package exec

import (
	"context"
	"fmt"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
)

// openFile opens a file source's file through the gateway's files.root.
type openFile func(ctx context.Context, path string) (catalog.FileData, error)

// readFiles returns changes with the content of each file source's file
// they create or replace, read through open. The changes are copied: a
// statement prepared once reads its file anew each time it runs.
func readFiles(ctx context.Context, open openFile, changes []catalog.Change) ([]catalog.Change, error) {
	out := make([]catalog.Change, len(changes))
	for i, c := range changes {
		out[i] = c
		src, ok := c.Object.(*catalog.Source)
		if !ok || src.File == nil || c.Data != nil {
			continue
		}
		data, err := readFile(ctx, open, src)
		if err != nil {
			return nil, err
		}
		re := *src
		fp := data.Fingerprint()
		fp.Path = src.File.Path
		re.File = &fp
		out[i].Object, out[i].Data = &re, data
	}
	return out, nil
}

// readFile opens src's file, or says why it cannot.
func readFile(ctx context.Context, open openFile, src *catalog.Source) (catalog.FileData, error) {
	if open == nil {
		return nil, featuregate.Errorf(featuregate.KindPermission, "this gateway reads no files: file sources over the wire are off").
			WithHint("Run featuregate apply on the repo that holds the file, or have an administrator set files.root in the gateway's featuregate.yaml.")
	}
	data, err := open(ctx, src.File.Path)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", src.Name, err)
	}
	return data, nil
}

// refreshExec runs REFRESH SOURCE: the file source's file is read again
// and its rows replaced, in one registry change.
type refreshExec struct {
	env  *Env
	s    plan.Session
	sql  string
	name string
}

// Refresh returns REFRESH SOURCE name of session s.
func Refresh(env *Env, s plan.Session, sql, name string) plan.Local {
	return &refreshExec{env: env, s: s, sql: sql, name: name}
}

func (e *refreshExec) Params() []uint32       { return nil }
func (e *refreshExec) Columns() []plan.Column { return nil }
func (e *refreshExec) Run(ctx context.Context, args []any, w plan.RowWriter) (string, error) {
	sn, err := e.env.Registry.Snapshot(ctx, e.s.Database)
	if err != nil {
		return "", err
	}
	src, _ := sn.Find(catalog.KindSource, e.name).(*catalog.Source)
	if src == nil {
		return "", featuregate.Errorf(featuregate.KindUndefined, "source %q does not exist", e.name)
	}
	if src.File == nil {
		return "", catalog.NotAFileSource(e.name)
	}
	data, err := readFile(ctx, e.env.Files, src)
	if err != nil {
		return "", err
	}
	change := Change(e.env, e.s, e.sql, "REFRESH SOURCE", catalog.RefreshChange(src, data))
	return change.Run(ctx, args, w)
}
