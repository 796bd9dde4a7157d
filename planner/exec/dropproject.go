package exec

import (
	"context"
	"slices"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
)

// dropProjectExec runs DROP PROJECT: it drops every definition of the
// session's project in one registry change, then its online values.
type dropProjectExec struct {
	env  *Env
	s    plan.Session
	sql  string
	stmt *ddl.DropProjectStmt
}

// DropProject returns the DROP PROJECT statement stmt of session s, whose
// text is sql.
func DropProject(env *Env, s plan.Session, sql string, stmt *ddl.DropProjectStmt) plan.Local {
	return &dropProjectExec{env: env, s: s, sql: sql, stmt: stmt}
}

func (e *dropProjectExec) Params() []uint32       { return nil }
func (e *dropProjectExec) Columns() []plan.Column { return nil }

func (e *dropProjectExec) Run(ctx context.Context, _ []any, _ plan.RowWriter) (string, error) {
	if e.stmt.Name != e.s.Database {
		return "", featuregate.Errorf(featuregate.KindInvalid, "DROP PROJECT drops the project of the session, %q, not %q", e.s.Database, e.stmt.Name).
			WithHint("connect to database %s to drop it", e.stmt.Name)
	}
	snap, err := e.env.Registry.Snapshot(ctx, e.stmt.Name)
	if err != nil {
		return "", err
	}
	objs := snap.Objects()
	if len(objs) == 0 && !e.stmt.IfExists {
		return "", featuregate.Errorf(featuregate.KindUndefined, "project %q has no definitions", e.stmt.Name)
	}
	slices.Reverse(objs) // services, views, sources, entities
	var changes []catalog.Change
	for _, o := range objs {
		changes = append(changes, catalog.Change{Op: catalog.OpDrop, Kind: o.Kind(), Name: o.ObjectName()})
	}
	if len(changes) > 0 {
		_, err = e.env.Registry.Apply(ctx, e.stmt.Name, e.s.User, e.sql, changes)
		e.env.Invalidate(e.stmt.Name)
		if err != nil {
			return "", err
		}
		if e.env.Streams != nil {
			e.env.Streams.Changed(e.stmt.Name)
		}
	}
	if e.env.Datasets != nil {
		if err := e.env.Datasets.DropAllDatasets(ctx, e.stmt.Name); err != nil {
			return "", err
		}
		e.env.Invalidate(e.stmt.Name)
	}
	if e.env.Online != nil {
		if err := e.env.Online.DropProject(ctx, e.stmt.Name); err != nil {
			return "", featuregate.Errorf(featuregate.KindUnavailable, "drop the online values of %s: %v", e.stmt.Name, err)
		}
	}
	return "DROP PROJECT", nil
}
