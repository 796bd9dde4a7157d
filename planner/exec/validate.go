package exec

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
)

// validateExec runs VALIDATE: one row per check of each column.
type validateExec struct {
	env   *Env
	s     plan.Session
	stmt  *ddl.ValidateStmt
	query Query // the query validated, when the statement names none
	snap  *catalog.Snapshot
}

// Validate returns the VALIDATE statement stmt of session s, planned
// against snap; q is its query as it runs, when it validates one.
func Validate(env *Env, s plan.Session, stmt *ddl.ValidateStmt, q Query, snap *catalog.Snapshot) plan.Local {
	return &validateExec{env: env, s: s, stmt: stmt, query: q, snap: snap}
}

// ValidateColumns are the columns of VALIDATE's rows.
var ValidateColumns = []plan.Column{
	{Name: "column", OID: pgtype.TextOID}, {Name: "check", OID: pgtype.TextOID},
	{Name: "reference", OID: pgtype.TextOID}, {Name: "current", OID: pgtype.TextOID},
	{Name: "threshold", OID: pgtype.Float8OID}, {Name: "status", OID: pgtype.TextOID},
}

func (e *validateExec) Params() []uint32       { return nil }
func (e *validateExec) Columns() []plan.Column { return ValidateColumns }

func (e *validateExec) Run(ctx context.Context, _ []any, w plan.RowWriter) (string, error) {
	ref, err := e.dataset(e.stmt.Against)
	if err != nil {
		return "", err
	}
	cur, err := e.current(ctx)
	if err != nil {
		return "", err
	}
	th := catalog.DefaultThresholds
	for _, t := range e.stmt.Thresholds {
		th.Set(t.Name, t.Value)
	}
	checks := catalog.Compare(&ref.Profile, cur, th)
	for _, c := range checks {
		status := "ok"
		if c.Drifted {
			status = "drifted"
		}
		var threshold any
		if c.Threshold != nil {
			threshold = *c.Threshold
		}
		if err := w.WriteRow([]any{c.Column, c.Check, c.Reference, c.Current, threshold, status}); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("SELECT %d", len(checks)), nil
}

// dataset is the snapshot's dataset called name.
func (e *validateExec) dataset(name string) (*catalog.Dataset, error) {
	if d, ok := e.snap.Find(catalog.KindDataset, name).(*catalog.Dataset); ok {
		return d, nil
	}
	return nil, undefinedDataset(name)
}

func undefinedDataset(name string) error {
	return featuregate.Errorf(featuregate.KindUndefined, "dataset %q does not exist", name).
		WithHint("SHOW DATASETS lists the project's datasets")
}

// current is the profile validated: the dataset's, or the query's,
// computed on the offline store as the session's role.
func (e *validateExec) current(ctx context.Context) (*catalog.Profile, error) {
	if e.stmt.Dataset != "" {
		d, err := e.dataset(e.stmt.Dataset)
		if err != nil {
			return nil, err
		}
		return &d.Profile, nil
	}
	if e.env.Connect == nil {
		return nil, featuregate.Errorf(featuregate.KindUnsupported, "this gateway cannot profile queries").
			WithHint("start featuregate serve with an offline store")
	}
	conn, err := e.env.Connect(ctx, e.s)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	cols, err := QueryColumns(ctx, tx, e.query.SQL)
	if err != nil {
		return nil, err
	}
	return catalog.ProfileRelation(ctx, tx, e.query.SQL, cols)
}

// dropDatasetExec runs DROP DATASET.
type dropDatasetExec struct {
	env  *Env
	s    plan.Session
	sql  string
	stmt *ddl.DropStmt
}

// DropDataset returns the DROP DATASET statement stmt (one name) of
// session s, whose text is sql: the dataset's table and registry row go
// in one transaction.
func DropDataset(env *Env, s plan.Session, sql string, stmt *ddl.DropStmt) plan.Local {
	return &dropDatasetExec{env: env, s: s, sql: sql, stmt: stmt}
}

func (e *dropDatasetExec) Params() []uint32       { return nil }
func (e *dropDatasetExec) Columns() []plan.Column { return nil }

func (e *dropDatasetExec) Run(ctx context.Context, _ []any, _ plan.RowWriter) (string, error) {
	if e.env.Datasets == nil {
		return "", featuregate.Errorf(featuregate.KindUnsupported, "this gateway has no saved datasets")
	}
	_, err := e.env.Datasets.DropDataset(ctx, e.s.Database, e.s.User, e.sql, e.stmt.Names[0], e.stmt.IfExists)
	e.env.Invalidate(e.s.Database)
	if err != nil {
		return "", err
	}
	return "DROP DATASET", nil
}
