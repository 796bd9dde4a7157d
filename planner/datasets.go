package planner

import (
	"context"
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/asof"
	"github.com/featuregate/featuregate/planner/catalogview"
	"github.com/featuregate/featuregate/planner/exec"
	"github.com/featuregate/featuregate/planner/internal/pgtree"
)

// Saved datasets are tables of the offline store that sessions read by
// name like any table (their schema is on each session's search_path);
// the planner checks the permission to read each dataset a statement
// names, and plans CREATE DATASET and VALIDATE, whose queries are
// rewritten as a SELECT would be.

// datasetStatement plans CREATE DATASET and VALIDATE of session s; ok is
// false for any other statement.
func (p *Planner) datasetStatement(ctx context.Context, s plan.Session, cv *catalogview.View, text string, d ddl.Statement, offset int) (plan.Statement, bool) {
	st := plan.Statement{SQL: text, TopLevel: true}
	switch d := d.(type) {
	case *ddl.CreateDatasetStmt:
		st.Command = "CREATE DATASET"
		q, err := p.datasetQuery(ctx, s, cv, d.Query, offset+pgtree.CharOffset(text, strings.LastIndex(text, d.Query)))
		if err == nil {
			err = access.CheckObject(cv.Snapshot(), s.Who(), catalog.ActionCreate, &catalog.Dataset{Name: d.Name})
		}
		st.Refusal = err
		st.Local = exec.CreateDataset(p.env, s, text, d, q, cv.Snapshot())
	case *ddl.ValidateStmt:
		st.Command, st.TopLevel = "SELECT", false
		var q exec.Query
		var err error
		if d.Query != "" {
			q, err = p.datasetQuery(ctx, s, cv, d.Query, offset+pgtree.CharOffset(text, strings.Index(text, "("+d.Query)+1))
		} else {
			err = access.Check(cv.Snapshot(), s.Who(), catalog.ActionReadOffline, catalog.KindDataset, d.Dataset)
		}
		if err == nil {
			err = access.Check(cv.Snapshot(), s.Who(), catalog.ActionReadOffline, catalog.KindDataset, d.Against)
		}
		st.Refusal = err
		st.Local = exec.Validate(p.env, s, d, q, cv.Snapshot())
	default:
		return plan.Statement{}, false
	}
	if p.reg == nil || cv == nil {
		st.Refusal = featuregate.Errorf(featuregate.KindUnsupported, "this gateway has no registry").
			WithHint("start featuregate serve with an offline store")
	}
	return st, true
}

// datasetQuery rewrites the query of a dataset statement as a SELECT is
// (AS OF clauses), and checks the permission to read what it reads;
// offset is the query's character position in the query string.
func (p *Planner) datasetQuery(ctx context.Context, s plan.Session, cv *catalogview.View, text string, offset int) (exec.Query, error) {
	q := exec.Query{Text: text, SQL: text}
	if cv == nil {
		return q, nil
	}
	res, found, err := asof.Rewrite(cv, text, p.columnsFunc(ctx))
	if err != nil {
		var fe *featuregate.Error
		if errors.As(err, &fe) && fe.Position > 0 {
			fe.Position += offset
		}
		return q, err
	}
	if found {
		q.SQL, q.Views = res.SQL, res.Views
		if err := access.Check(cv.Snapshot(), s.Who(), catalog.ActionReadOffline, catalog.KindFeatureView, res.Views...); err != nil {
			return q, err
		}
	}
	tree, err := pg_query.Parse(q.SQL)
	if err != nil {
		return q, nil // PostgreSQL reports the syntax error
	}
	if len(tree.Stmts) != 1 || tree.Stmts[0].Stmt.GetSelectStmt() == nil {
		return q, featuregate.Errorf(featuregate.KindInvalid, "a dataset is made of one query (SELECT, VALUES or TABLE)").
			WithHint("write the training set's SELECT after AS")
	}
	return q, checkDatasetReads(cv, s, tree.Stmts[0].Stmt)
}

// checkDatasetReads checks the permission to read each dataset stmt
// names (by its plain name, or in its schema), outside CTEs of that name.
func checkDatasetReads(cv *catalogview.View, s plan.Session, stmt *pg_query.Node) error {
	sn := cv.Snapshot()
	if sn == nil || len(sn.Datasets) == 0 {
		return nil
	}
	schema := catalog.DatasetSchema(sn.Project)
	ctes := map[string]bool{}
	pgtree.Walk(stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		if c, ok := m.Interface().(*pg_query.CommonTableExpr); ok {
			ctes[c.Ctename] = true
		}
		return true
	})
	var names []string
	pgtree.Walk(stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		if n, ok := m.Interface().(*pg_query.RangeVar); ok {
			if (n.Schemaname == "" && !ctes[n.Relname] || n.Schemaname == schema) && sn.Find(catalog.KindDataset, n.Relname) != nil {
				names = append(names, n.Relname)
			}
		}
		return true
	})
	return access.Check(sn, s.Who(), catalog.ActionReadOffline, catalog.KindDataset, names...)
}
