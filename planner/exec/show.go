package exec

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
)

// rowsExec answers a SHOW from a snapshot of the registry.
type rowsExec struct {
	cols []plan.Column
	rows func(ctx context.Context) ([][]any, error)
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
	return "SHOW", nil
}

func textCols(names ...string) []plan.Column {
	cols := make([]plan.Column, len(names))
	for i, n := range names {
		cols[i] = plan.Column{Name: n, OID: pgtype.TextOID}
	}
	return cols
}

// Show returns the SHOW statement d of session s, answered from the
// registry when it runs. Lists hold only what the session's user may
// describe (every permission is listed, so that users can see what they
// are allowed), and SHOW PROJECTS only the projects the user may open.
func Show(reg Registry, s plan.Session, d *ddl.ShowStmt) plan.Local {
	who := s.Who()
	snap := func(ctx context.Context) (*catalog.Snapshot, error) { return reg.Snapshot(ctx, s.Database) }
	switch d.What {
	case "projects":
		return &rowsExec{cols: textCols("project"), rows: func(ctx context.Context) ([][]any, error) {
			names, err := reg.Projects(ctx)
			var rows [][]any
			for _, n := range names {
				if who.Projects == nil || slices.Contains(who.Projects, n) {
					rows = append(rows, []any{n})
				}
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
			if d.Kind != catalog.KindPermission {
				if err := access.CheckObject(sn, who, catalog.ActionDescribe, obj); err != nil {
					return nil, err
				}
			}
			return [][]any{{d.Name, obj.SQL() + ";"}}, nil
		}}
	}
	if d.What == "datasets" {
		return &rowsExec{cols: DatasetColumns, rows: func(ctx context.Context) ([][]any, error) {
			sn, err := snap(ctx)
			if err != nil {
				return nil, err
			}
			return datasetRows(keep(sn, who, sn.Datasets)), nil
		}}
	}
	cols, render := showTable(d)
	return &rowsExec{cols: cols, rows: func(ctx context.Context) ([][]any, error) {
		sn, err := snap(ctx)
		if err != nil {
			return nil, err
		}
		return render(describable(sn, who))
	}}
}

// describable is sn without the entities, sources, views and services who
// may not describe.
func describable(sn *catalog.Snapshot, who plan.Identity) *catalog.Snapshot {
	if who.Admin {
		return sn
	}
	out := *sn
	out.Entities = keep(sn, who, sn.Entities)
	out.Sources = keep(sn, who, sn.Sources)
	out.Views = keep(sn, who, sn.Views)
	out.Services = keep(sn, who, sn.Services)
	return &out
}

func keep[T catalog.Object](sn *catalog.Snapshot, who plan.Identity, objs []T) []T {
	var out []T
	for _, o := range objs {
		if access.Describable(sn, who, o) {
			out = append(out, o)
		}
	}
	return out
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
				switch {
				case src.File != nil:
					def = fmt.Sprintf("FILE %s (%d rows, loaded into %s)", catalog.QuoteLiteral(src.File.Path), src.File.Rows, src.Table)
				case src.Table != "":
					def = "TABLE " + src.Table
				}
				if src.Streaming {
					def += " WITH (streaming = on)"
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
				rows = append(rows, []any{v.Name, v.Entity, v.Source, int64(len(v.Features)), ttlText(v.TTL), v.Online, strings.Join(tags, ", "), v.Comment})
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
	case "permissions":
		return textCols("name", "kinds", "pattern", "tags", "actions", "roles", "comment"), showPermissions
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

// showPermissions renders SHOW PERMISSIONS.
func showPermissions(sn *catalog.Snapshot) ([][]any, error) {
	var rows [][]any
	for _, p := range sn.Permissions {
		kinds := make([]string, len(p.Kinds))
		for i, k := range p.Kinds {
			kinds[i] = string(k)
		}
		var tags []string
		for _, t := range p.Tags {
			tags = append(tags, t.Key+"="+t.Value)
		}
		rows = append(rows, []any{p.Name, strings.Join(kinds, ", "), nullIfEmpty(p.Pattern), strings.Join(tags, ", "),
			strings.Join(p.Actions, ", "), strings.Join(p.Roles, ", "), p.Comment})
	}
	return rows, nil
}

// ttlText shows a view's TTL as its definition writes it: NONE for none.
func ttlText(ttl string) string {
	if ttl == "" {
		return "NONE"
	}
	return ttl
}
