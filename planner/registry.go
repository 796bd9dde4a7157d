package planner

import (
	"context"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
)

// Registry stores the definitions; *catalog.Store implements it.
type Registry interface {
	Apply(ctx context.Context, project, who, statement string, changes []catalog.Change) (int64, error)
	Snapshot(ctx context.Context, project string) (*catalog.Snapshot, error)
	Projects(ctx context.Context) ([]string, error)
	// Version is the project's registry version, cheap to ask often.
	Version(ctx context.Context, project string) (int64, error)
	// IndexedViews tells which views' sources have a (keys, ts) index.
	IndexedViews(ctx context.Context, sn *catalog.Snapshot) (map[string]bool, error)
}

// ddlStatement turns a parsed featuregate statement into a local statement
// of session s.
func (p *Planner) ddlStatement(s plan.Session, sql string, stmt ddl.Statement) plan.Statement {
	st := plan.Statement{SQL: sql}
	if p.reg == nil {
		st.Refusal = featuregate.Errorf(featuregate.KindUnsupported, "this gateway has no registry").
			WithHint("start featuregate serve with an offline store")
		return st
	}
	switch d := stmt.(type) {
	case *ddl.CreateStmt:
		op := catalog.OpCreate
		if d.OrReplace {
			op = catalog.OpCreateOrReplace
		}
		st.Command = "CREATE " + string(d.Object.Kind())
		st.Local = p.change(s, sql, st.Command, catalog.Change{Op: op, Object: d.Object})
	case *ddl.DropStmt:
		st.Command = "DROP " + string(d.Kind)
		op := catalog.OpDrop
		if d.IfExists {
			op = catalog.OpDropIfExists
		}
		var changes []catalog.Change
		for _, name := range d.Names {
			changes = append(changes, catalog.Change{Op: op, Kind: d.Kind, Name: name})
		}
		st.Local = p.change(s, sql, st.Command, changes...)
	case *ddl.CommentStmt:
		st.Command = "COMMENT"
		st.Local = p.change(s, sql, st.Command, catalog.Change{Op: catalog.OpComment, Kind: d.Kind, Name: d.Name, Comment: d.Comment})
	case *ddl.ShowStmt:
		st.Command = "SHOW"
		st.Local = p.show(s, d)
		return st
	case *ddl.MaterializeStmt:
		st.Command = "MATERIALIZE"
		st.Local = &materializeExec{p: p, s: s, stmt: d}
	case *ddl.DropProjectStmt:
		st.Command = "DROP PROJECT"
		st.Local = &dropProjectExec{p: p, s: s, sql: strings.TrimSpace(sql), stmt: d}
	}
	st.TopLevel = true
	return st
}

// changeExec applies registry changes: one statement, one transaction.
type changeExec struct {
	reg        Registry
	online     OnlineStore          // nil without an online store
	log        *slog.Logger         // nil: no logging
	invalidate func(project string) // forgets the cached catalog
	s          plan.Session
	sql        string
	tag        string
	changes    []catalog.Change
}

func (p *Planner) change(s plan.Session, sql, tag string, changes ...catalog.Change) plan.Local {
	return &changeExec{reg: p.reg, online: p.opts.online, log: p.opts.log, invalidate: p.catalogs.Invalidate,
		s: s, sql: strings.TrimSpace(sql), tag: tag, changes: changes}
}

func (e *changeExec) Params() []uint32       { return nil }
func (e *changeExec) Columns() []plan.Column { return nil }
func (e *changeExec) Run(ctx context.Context, _ []any, _ plan.RowWriter) (string, error) {
	before := e.onlineNames(ctx)
	_, err := e.reg.Apply(ctx, e.s.Database, e.s.User, e.sql, e.changes)
	e.invalidate(e.s.Database)
	if err != nil {
		return "", err
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

// rowsExec answers a SHOW from a snapshot of the registry.
type rowsExec struct {
	cols []plan.Column
	rows func(ctx context.Context) ([][]any, error)
	tag  string // the command tag; SHOW when empty
}

func (e *rowsExec) Params() []uint32       { return nil }
func (e *rowsExec) Columns() []plan.Column { return e.cols }
func (e *rowsExec) Run(ctx context.Context, _ []any, w plan.RowWriter) (string, error) {
	rows, err := e.rows(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			return "", err
		}
	}
	if e.tag != "" {
		return e.tag, nil
	}
	return "SHOW", nil
}

func textCols(names ...string) []plan.Column {
	cols := make([]plan.Column, len(names))
	for i, n := range names {
		cols[i] = plan.Column{Name: n, OID: pgtype.TextOID}
	}
	return cols
}

func (p *Planner) show(s plan.Session, d *ddl.ShowStmt) plan.Local {
	snap := func(ctx context.Context) (*catalog.Snapshot, error) { return p.reg.Snapshot(ctx, s.Database) }
	switch d.What {
	case "projects":
		return &rowsExec{cols: textCols("project"), rows: func(ctx context.Context) ([][]any, error) {
			names, err := p.reg.Projects(ctx)
			rows := make([][]any, len(names))
			for i, n := range names {
				rows[i] = []any{n}
			}
			return rows, err
		}}
	case "create":
		return &rowsExec{cols: textCols("name", "statement"), rows: func(ctx context.Context) ([][]any, error) {
			sn, err := snap(ctx)
			if err != nil {
				return nil, err
			}
			obj := sn.Find(d.Kind, d.Name)
			if obj == nil {
				return nil, featuregate.Errorf(featuregate.KindUndefined, "%s %q does not exist", strings.ToLower(string(d.Kind)), d.Name)
			}
			return [][]any{{d.Name, obj.SQL() + ";"}}, nil
		}}
	}
	cols, render := showTable(d)
	return &rowsExec{cols: cols, rows: func(ctx context.Context) ([][]any, error) {
		sn, err := snap(ctx)
		if err != nil {
			return nil, err
		}
		return render(sn)
	}}
}

// showTable gives the columns and rows of SHOW ENTITIES, SOURCES, FEATURE
// VIEWS, FEATURE SERVICES and FEATURES.
func showTable(d *ddl.ShowStmt) ([]plan.Column, func(*catalog.Snapshot) ([][]any, error)) {
	switch d.What {
	case "entities":
		return textCols("name", "join_keys", "comment"), func(sn *catalog.Snapshot) ([][]any, error) {
			var rows [][]any
			for _, e := range sn.Entities {
				var keys []string
				for _, k := range e.Keys {
					keys = append(keys, k.Name+" "+k.Type)
				}
				rows = append(rows, []any{e.Name, strings.Join(keys, ", "), e.Comment})
			}
			return rows, nil
		}
	case "sources":
		return textCols("name", "timestamp_column", "created_column", "definition", "comment"), func(sn *catalog.Snapshot) ([][]any, error) {
			var rows [][]any
			for _, src := range sn.Sources {
				def := src.Query
				if src.Table != "" {
					def = "TABLE " + src.Table
				}
				rows = append(rows, []any{src.Name, src.TimestampColumn, nullIfEmpty(src.CreatedColumn), def, src.Comment})
			}
			return rows, nil
		}
	case "feature views":
		cols := textCols("name", "entity", "source", "features", "ttl", "online", "tags", "comment")
		cols[3].OID, cols[5].OID = pgtype.Int8OID, pgtype.BoolOID
		return cols, func(sn *catalog.Snapshot) ([][]any, error) {
			var rows [][]any
			for _, v := range sn.Views {
				var tags []string
				for _, t := range v.Tags {
					tags = append(tags, t.Key+"="+t.Value)
				}
				rows = append(rows, []any{v.Name, v.Entity, v.Source, int64(len(v.Features)), nullIfEmpty(v.TTL), v.Online, strings.Join(tags, ", "), v.Comment})
			}
			return rows, nil
		}
	case "feature services":
		return textCols("name", "features", "comment"), func(sn *catalog.Snapshot) ([][]any, error) {
			var rows [][]any
			for _, fs := range sn.Services {
				var refs []string
				for _, r := range fs.Features {
					refs = append(refs, r.View+"."+r.Feature)
				}
				rows = append(rows, []any{fs.Name, strings.Join(refs, ", "), fs.Comment})
			}
			return rows, nil
		}
	default: // features
		return textCols("feature_view", "feature", "type", "full_name", "check"), func(sn *catalog.Snapshot) ([][]any, error) {
			var rows [][]any
			found := d.In == ""
			for _, v := range sn.Views {
				if d.In != "" && v.Name != d.In {
					continue
				}
				found = true
				for _, f := range v.Features {
					rows = append(rows, []any{v.Name, f.Name, f.Type, v.Name + "__" + f.Name, nullIfEmpty(f.Check)})
				}
			}
			if !found {
				return nil, featuregate.Errorf(featuregate.KindUndefined, "feature view %q does not exist", d.In)
			}
			return rows, nil
		}
	}
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// UpstreamParams returns the startup parameters of a session's connection
// to the offline store: the client's own, with the project's schema of
// feature relations (catalog.RelationSchema) at the end of search_path, so
// that catalog queries (\d, JDBC metadata) see feature views and services.
func (p *Planner) UpstreamParams(s plan.Session, client map[string]string) map[string]string {
	params := make(map[string]string, len(client)+1)
	for k, v := range client {
		params[k] = v
	}
	if p.reg == nil || s.Database == "" || strings.Contains(params["options"], "search_path") {
		return params // a client that sets search_path in its options gets exactly that
	}
	path := params["search_path"]
	if strings.TrimSpace(path) == "" {
		path = `"$user", public`
	}
	params["search_path"] = path + ", " + pgx.Identifier{catalog.RelationSchema(s.Database)}.Sanitize()
	return params
}
