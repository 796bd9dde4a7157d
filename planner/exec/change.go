package exec

import (
	"context"
	"log/slog"
	"strings"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// changeExec applies registry changes: one statement, one transaction.
type changeExec struct {
	reg        Registry
	online     Online               // nil without an online store
	log        *slog.Logger         // nil: no logging
	invalidate func(project string) // forgets the cached catalog
	files      func(ctx context.Context, path string) (catalog.FileData, error)
	streams    Streams // nil: none
	s          plan.Session
	sql        string
	tag        string
	changes    []catalog.Change
}

// Change returns the statement sql of session s, whose command tag is
// tag: it applies changes to the registry in one transaction, then drops
// the online values the changes made obsolete.
func Change(env *Env, s plan.Session, sql, tag string, changes ...catalog.Change) plan.Local {
	return &changeExec{reg: env.Registry, online: env.Online, log: env.Log, invalidate: env.Invalidate, streams: env.Streams,
		files: env.Files, s: s, sql: strings.TrimSpace(sql), tag: tag, changes: changes}
}

func (e *changeExec) Params() []uint32       { return nil }
func (e *changeExec) Columns() []plan.Column { return nil }
func (e *changeExec) Run(ctx context.Context, _ []any, _ plan.RowWriter) (string, error) {
	changes, err := readFiles(ctx, e.files, e.changes)
	if err != nil {
		return "", err
	}
	before := e.onlineNames(ctx)
	_, err = e.reg.Apply(ctx, e.s.Database, e.s.User, e.sql, changes)
	e.invalidate(e.s.Database)
	if err != nil {
		return "", err
	}
	if e.streams != nil {
		e.streams.Changed(e.s.Database)
	}
	if before != nil {
		after := e.onlineNames(ctx)
		var stale []string
		for n := range before {
			if !after[n] {
				stale = append(stale, n)
			}
		}
		e.dropOnline(ctx, stale)
	}
	return e.tag, nil
}

// onlineNames are the online names of the project's views: a change that
// drops a view, or changes what its values mean (its features, entity or
// source), leaves its old name out of the set, and its values obsolete.
// It is nil without an online store or when the registry cannot be read.
func (e *changeExec) onlineNames(ctx context.Context) map[string]bool {
	if e.online == nil {
		return nil
	}
	snap, err := e.reg.Snapshot(ctx, e.s.Database)
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(snap.Views))
	for _, v := range snap.Views {
		names[catalogview.OnlineName(snap, v)] = true
	}
	return names
}

// dropOnline removes the values of views the change made obsolete. The
// registry change stands if it fails: the values are unreachable anyway,
// since they are stored under a fingerprint of the old features.
func (e *changeExec) dropOnline(ctx context.Context, names []string) {
	for _, n := range names {
		if err := e.online.DropView(ctx, e.s.Database, n); err != nil && e.log != nil {
			e.log.Warn("drop the online values of a dropped feature view", "view", n, "err", err)
		}
	}
}
