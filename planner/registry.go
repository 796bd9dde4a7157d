package planner

import (
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
)

// Registry stores the definitions; *catalog.Store implements it. The
// catalog cache reads it (catalogview.Registry), the executors read and
// change it (exec.Registry).
type Registry interface {
	catalogview.Registry
	exec.Registry
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
		st.Local = exec.Change(p.env, s, sql, st.Command, catalog.Change{Op: op, Object: d.Object})
	case *ddl.DropStmt:
		st.Command = "DROP " + string(d.Kind)
		if d.Kind == catalog.KindDataset {
			st.Local, st.TopLevel = exec.DropDataset(p.env, s, strings.TrimSpace(sql), d), true
			if len(d.Names) > 1 {
				st.Refusal = featuregate.Errorf(featuregate.KindUnsupported, "DROP DATASET drops one dataset at a time").
					WithHint("run one DROP DATASET per dataset")
			}
			return st
		}
		op := catalog.OpDrop
		if d.IfExists {
			op = catalog.OpDropIfExists
		}
		var changes []catalog.Change
		for _, name := range d.Names {
			changes = append(changes, catalog.Change{Op: op, Kind: d.Kind, Name: name})
		}
		st.Local = exec.Change(p.env, s, sql, st.Command, changes...)
	case *ddl.CommentStmt:
		st.Command = "COMMENT"
		st.Local = exec.Change(p.env, s, sql, st.Command, catalog.Change{Op: catalog.OpComment, Kind: d.Kind, Name: d.Name, Comment: d.Comment})
	case *ddl.AlterSourceStmt:
		st.Command = "ALTER SOURCE"
		st.Local = exec.Change(p.env, s, sql, st.Command, catalog.Change{Op: catalog.OpSetStreaming, Kind: catalog.KindSource, Name: d.Name, Streaming: d.Streaming})
	case *ddl.ShowStmt:
		st.Command = "SHOW"
		if d.What == "streams" {
			st.Local = exec.ShowStreams(p.env, s)
			return st
		}
		st.Local = exec.Show(p.env.Registry, s, d)
		return st
	case *ddl.MaterializeStmt:
		st.Command = "MATERIALIZE"
		st.Local = exec.Materialize(p.env, s, d)
	case *ddl.RefreshStmt:
		st.Command = "REFRESH SOURCE"
		st.Local = exec.Refresh(p.env, s, strings.TrimSpace(sql), d.Name)
	case *ddl.DropProjectStmt:
		st.Command = "DROP PROJECT"
		st.Local = exec.DropProject(p.env, s, strings.TrimSpace(sql), d)
	}
	st.TopLevel = true
	return st
}

// UpstreamParams returns the startup parameters of a session's connection
// to the offline store: the client's own, with the project's schema of
// feature relations (catalog.RelationSchema) and then that of its saved
// datasets (catalog.DatasetSchema) at the end of search_path, so that
// catalog queries (\d, JDBC metadata) see feature views and services, and
// datasets are read by their plain names.
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
	params["search_path"] = path + ", " + pgx.Identifier{catalog.RelationSchema(s.Database)}.Sanitize() +
		", " + pgx.Identifier{catalog.DatasetSchema(s.Database)}.Sanitize()
	return params
}
