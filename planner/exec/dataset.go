package exec

import (
	"bufio"
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/plan"
)

// Datasets stores saved datasets; *catalog.Store implements it.
type Datasets interface {
	CreateDataset(ctx context.Context, project, statement string, ds *catalog.Dataset, fill catalog.DatasetFill) (*catalog.Dataset, error)
	DropDataset(ctx context.Context, project, who, statement, name string, ifExists bool) (bool, error)
	DropAllDatasets(ctx context.Context, project string) error
}

// Connector opens a connection to the offline store as session s's own
// role (the role its client statements run as), with the session's
// search_path, in UTC.
type Connector func(ctx context.Context, s plan.Session) (*pgx.Conn, error)

// Query is a query of a featuregate statement as the offline store runs
// it: SQL with its AS OF clauses rewritten, and the feature views it reads.
type Query struct {
	Text  string // as written
	SQL   string // as it runs
	Views []string
}

// createDatasetExec runs CREATE DATASET.
type createDatasetExec struct {
	env   *Env
	s     plan.Session
	sql   string
	stmt  *ddl.CreateDatasetStmt
	query Query
	snap  *catalog.Snapshot // the catalog the query was planned with
}

// CreateDataset returns the CREATE DATASET statement stmt of session s,
// whose text is sql and whose query runs as q, planned against snap.
func CreateDataset(env *Env, s plan.Session, sql string, stmt *ddl.CreateDatasetStmt, q Query, snap *catalog.Snapshot) plan.Local {
	return &createDatasetExec{env: env, s: s, sql: strings.TrimSpace(sql), stmt: stmt, query: q, snap: snap}
}

func (e *createDatasetExec) Params() []uint32       { return nil }
func (e *createDatasetExec) Columns() []plan.Column { return nil }

// Run reads the query's rows as the session's role, in a read-only
// transaction, and streams them (COPY, binary) into the new table that
// the registry's transaction creates: both commit, or neither.
func (e *createDatasetExec) Run(ctx context.Context, _ []any, _ plan.RowWriter) (string, error) {
	if err := e.ready(); err != nil {
		return "", err
	}
	conn, err := e.env.Connect(ctx, e.s)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	cols, err := QueryColumns(ctx, tx, e.query.SQL)
	if err != nil {
		return "", err
	}
	ds := &catalog.Dataset{Name: e.stmt.Name, Comment: e.stmt.Comment, Query: e.stmt.Query, Views: e.query.Views,
		Version: e.snap.Version, JoinKeys: joinKeys(e.snap, e.query.Views, cols), CreatedBy: e.s.User}
	if ds.Views == nil {
		ds.Views = []string{}
	}
	if e.query.SQL != e.stmt.Query {
		ds.Rewritten = e.query.SQL
	}
	fill := func(ctx context.Context, owner pgx.Tx, table string) error {
		return copyRows(ctx, tx.Conn(), owner.Conn(), e.query.SQL, table, cols)
	}
	_, err = e.env.Datasets.CreateDataset(ctx, e.s.Database, e.sql, ds, fill)
	e.env.Invalidate(e.s.Database)
	if err != nil {
		return "", err
	}
	return "CREATE DATASET", nil
}

// ready refuses a statement this gateway cannot run, or a name the offline
// store would cut.
func (e *createDatasetExec) ready() error {
	if e.env.Datasets == nil || e.env.Connect == nil {
		return featuregate.Errorf(featuregate.KindUnsupported, "this gateway cannot save datasets").
			WithHint("start featuregate serve with an offline store")
	}
	if len(e.stmt.Name) > 63 {
		return featuregate.Errorf(featuregate.KindInvalid, "dataset name %q is longer than 63 bytes", e.stmt.Name).
			WithHint("PostgreSQL cuts longer identifiers; choose a shorter name")
	}
	return nil
}

// QueryColumns describes the columns of query's rows, with their types
// as format_type spells them, without running it.
func QueryColumns(ctx context.Context, tx pgx.Tx, query string) ([]catalog.ColumnType, error) {
	sd, err := tx.Conn().Prepare(ctx, "", query)
	if err != nil {
		return nil, err
	}
	if len(sd.Fields) == 0 {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "the query returns no columns").
			WithHint("a dataset is the rows of a SELECT, such as a training set with AS OF")
	}
	oids, mods := make([]uint32, len(sd.Fields)), make([]int32, len(sd.Fields))
	cols := make([]catalog.ColumnType, len(sd.Fields))
	for i, f := range sd.Fields {
		oids[i], mods[i], cols[i].Name = f.DataTypeOID, f.TypeModifier, f.Name
	}
	rows, err := tx.Query(ctx, `SELECT format_type(o, m) FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS t(o, m, i) ORDER BY i`, oids, mods)
	if err != nil {
		return nil, err
	}
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range cols {
		if seen[cols[i].Name] {
			return nil, featuregate.Errorf(featuregate.KindDuplicate, "the query returns two columns called %q", cols[i].Name).
				WithHint("give each column its own name (AS …), or select the key once (JOIN … USING)")
		}
		seen[cols[i].Name] = true
		cols[i].Type = types[i]
	}
	return cols, nil
}

// joinKeys are the entity keys of the views read that are columns of the
// rows.
func joinKeys(sn *catalog.Snapshot, views []string, cols []catalog.ColumnType) []string {
	keys := []string{}
	for _, name := range views {
		v, _ := sn.Find(catalog.KindFeatureView, name).(*catalog.FeatureView)
		if v == nil {
			continue
		}
		ent, _ := sn.Find(catalog.KindEntity, v.Entity).(*catalog.Entity)
		if ent == nil {
			continue
		}
		for _, k := range ent.Keys {
			has := slices.ContainsFunc(cols, func(c catalog.ColumnType) bool { return c.Name == k.Name })
			if has && !slices.Contains(keys, k.Name) {
				keys = append(keys, k.Name)
			}
		}
	}
	return keys
}

// copyRows creates table with cols on owner and streams query's rows from
// reader into it, in PostgreSQL's binary COPY format.
func copyRows(ctx context.Context, reader, owner *pgx.Conn, query, table string, cols []catalog.ColumnType) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = pgx.Identifier{c.Name}.Sanitize() + " " + c.Type
	}
	if _, err := owner.Exec(ctx, "CREATE TABLE "+table+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		buf := bufio.NewWriterSize(pw, 256<<10) // a row per message: batch them across the pipe
		_, err := reader.PgConn().CopyTo(ctx, buf, "COPY ("+query+") TO STDOUT (FORMAT binary)")
		if err == nil {
			err = buf.Flush()
		}
		pw.CloseWithError(err)
		done <- err
	}()
	_, err := owner.PgConn().CopyFrom(ctx, pr, "COPY "+table+" FROM STDIN (FORMAT binary)")
	pr.CloseWithError(errRefused)
	readErr := <-done
	if readErr != nil && !errors.Is(readErr, errRefused) {
		return readErr // the query's own error comes first
	}
	return err
}

// errRefused stops the reading side of a copy whose writing side failed.
var errRefused = errors.New("the dataset's table refused the rows")

// DatasetColumns are the columns of SHOW DATASETS.
var DatasetColumns = []plan.Column{
	{Name: "name", OID: pgtype.TextOID}, {Name: "rows", OID: pgtype.Int8OID},
	{Name: "min_event_time", OID: pgtype.TimestamptzOID}, {Name: "max_event_time", OID: pgtype.TimestamptzOID},
	{Name: "feature_views", OID: pgtype.TextOID}, {Name: "created_by", OID: pgtype.TextOID},
	{Name: "created_at", OID: pgtype.TimestamptzOID}, {Name: "comment", OID: pgtype.TextOID},
}

// datasetRows are the rows of SHOW DATASETS.
func datasetRows(ds []*catalog.Dataset) [][]any {
	var rows [][]any
	for _, d := range ds {
		var lo, hi any
		if d.MinTime != nil {
			lo, hi = *d.MinTime, *d.MaxTime
		}
		rows = append(rows, []any{d.Name, d.Rows, lo, hi, strings.Join(d.Views, ", "), d.CreatedBy, d.CreatedAt, d.Comment})
	}
	return rows
}
