package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
)

// DatasetFill creates a new dataset's table (table is its schema-qualified,
// quoted name) in tx and writes its rows.
type DatasetFill func(ctx context.Context, tx pgx.Tx, table string) error

// CreateDataset stores a new dataset of project in one transaction of the
// owner: fill creates and fills its table in the project's DatasetSchema,
// the table is profiled there (one query, ProfileSQL) and readable by
// the gateway's session roles only (the roles that may use FileSchema;
// the gateway checks featuregate's permissions before a session reads
// it), and the registry records ds with its row count, time range
// and profile, as the project's next version. A failure anywhere leaves
// no table and no registry row. The project stays locked while fill runs.
// The name must be free among datasets and feature relations
// (KindDuplicate otherwise).
func (s *Store) CreateDataset(ctx context.Context, project, statement string, ds *Dataset, fill DatasetFill) (*Dataset, error) {
	if err := checkProject(project); err != nil {
		return nil, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := lockProject(ctx, tx, project); err != nil {
		return nil, err
	}
	if err := datasetNameFree(ctx, tx, project, ds.Name); err != nil {
		return nil, err
	}
	schema := pgx.Identifier{DatasetSchema(project)}.Sanitize()
	table := schema + "." + pgx.Identifier{ds.Name}.Sanitize()
	for _, q := range []string{"SET LOCAL timezone = 'UTC'", "CREATE SCHEMA IF NOT EXISTS " + schema,
		"REVOKE ALL ON SCHEMA " + schema + " FROM PUBLIC"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, dbError(err, "registry: prepare schema %s", schema)
		}
	}
	if err := grantSessionRoles(ctx, tx, "USAGE ON SCHEMA "+schema); err != nil {
		return nil, err
	}
	if err := fill(ctx, tx, table); err != nil {
		return nil, err
	}
	if err := grantSessionRoles(ctx, tx, "SELECT ON "+table); err != nil {
		return nil, err
	}
	if err := describeDataset(ctx, tx, table, ds); err != nil {
		return nil, err
	}
	if err := recordDataset(ctx, tx, project, statement, ds); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, dbError(err, "registry: commit dataset %q", ds.Name)
	}
	return ds, nil
}

// datasetNameFree refuses a name taken by a dataset or a feature relation
// of project, or the name of the relation of every feature.
func datasetNameFree(ctx context.Context, tx pgx.Tx, project, name string) error {
	if name == AllFeatures {
		return featuregate.Errorf(featuregate.KindDuplicate, "%q names the relation of every feature of the project", name).
			WithHint("choose another name for the dataset")
	}
	var kind string
	err := tx.QueryRow(ctx, `SELECT kind FROM featuregate_registry.objects
		WHERE project = $1 AND namespace = 'relation' AND name = $2
		UNION ALL SELECT 'DATASET' FROM featuregate_registry.datasets WHERE project = $1 AND name = $2
		LIMIT 1`, project, name).Scan(&kind)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return dbError(err, "registry: look up %q", name)
	}
	return featuregate.Errorf(featuregate.KindDuplicate, "%s %q already exists", noun(Kind(kind)), name).
		WithHint("choose another name, or DROP DATASET %s first", QuoteIdent(name))
}

// relationNameFree refuses a change that creates a feature view or
// service with the name of one of project's datasets: they share the
// namespace of relations that sessions read by name.
func relationNameFree(ctx context.Context, tx pgx.Tx, project string, c Change) error {
	if c.Object == nil || (c.Object.Kind() != KindFeatureView && c.Object.Kind() != KindFeatureService) {
		return nil
	}
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM featuregate_registry.datasets WHERE project = $1 AND name = $2)`,
		project, c.Object.ObjectName()).Scan(&taken)
	if err != nil {
		return dbError(err, "registry: look up dataset %q", c.Object.ObjectName())
	}
	if taken {
		return featuregate.Errorf(featuregate.KindDuplicate, "dataset %q already exists", c.Object.ObjectName()).
			WithHint("feature views, feature services and datasets share one namespace; choose another name, or DROP DATASET %s", QuoteIdent(c.Object.ObjectName()))
	}
	return nil
}

// describeDataset profiles the new table and sets ds's row count and time
// range.
func describeDataset(ctx context.Context, tx pgx.Tx, table string, ds *Dataset) error {
	cols, err := TableColumns(ctx, tx, table)
	if err != nil {
		return err
	}
	prof, err := ProfileRelation(ctx, tx, "SELECT * FROM "+table, cols)
	if err != nil {
		return err
	}
	ds.Profile, ds.Rows = *prof, prof.Rows
	ds.TimeColumn = TimeColumn(cols)
	if ds.TimeColumn == "" {
		return nil
	}
	// The range is of the finite times: ±infinity has no Go time, and the
	// profile's min and max keep PostgreSQL's text of them.
	col := pgx.Identifier{ds.TimeColumn}.Sanitize()
	err = tx.QueryRow(ctx, fmt.Sprintf("SELECT min(%[1]s::timestamptz) FILTER (WHERE isfinite(%[1]s)), max(%[1]s::timestamptz) FILTER (WHERE isfinite(%[1]s)) FROM %[2]s", col, table)).
		Scan(&ds.MinTime, &ds.MaxTime)
	return dbError(err, "registry: read the time range of dataset %q", ds.Name)
}

// recordDataset writes ds's registry row and the project's next version.
func recordDataset(ctx context.Context, tx pgx.Tx, project, statement string, ds *Dataset) error {
	var version int64
	err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1, clock_timestamp() FROM featuregate_registry.versions
		WHERE project = $1`, project).Scan(&version, &ds.CreatedAt)
	if err != nil {
		return dbError(err, "registry: read the version of project %q", project)
	}
	def, err := json.Marshal(ds)
	if err != nil {
		return featuregate.Errorf(featuregate.KindInternal, "registry: encode dataset %q: %v", ds.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.datasets (project, name, definition) VALUES ($1, $2, $3)`,
		project, ds.Name, def); err != nil {
		return dbError(err, "registry: record dataset %q", ds.Name)
	}
	return recordVersion(ctx, tx, project, version, ds.CreatedBy, statement)
}

// recordVersion records a change set of project.
func recordVersion(ctx context.Context, tx pgx.Tx, project string, version int64, who, statement string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.versions (project, version, who, at, statement)
		VALUES ($1, $2, $3, clock_timestamp(), $4)`, project, version, who, statement); err != nil {
		return dbError(err, "registry: record version %d of project %q", version, project)
	}
	return nil
}

// DropDataset drops project's dataset name, its table and registry row,
// in one transaction, as the project's next version. A missing dataset is
// KindUndefined unless ifExists, when it changes nothing and reports
// false.
func (s *Store) DropDataset(ctx context.Context, project, who, statement, name string, ifExists bool) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := lockProject(ctx, tx, project); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `DELETE FROM featuregate_registry.datasets WHERE project = $1 AND name = $2`, project, name)
	if err != nil {
		return false, dbError(err, "registry: drop dataset %q", name)
	}
	if tag.RowsAffected() == 0 {
		if ifExists {
			return false, nil
		}
		return false, featuregate.Errorf(featuregate.KindUndefined, "dataset %q does not exist", name).
			WithHint("SHOW DATASETS lists the project's datasets")
	}
	table := pgx.Identifier{DatasetSchema(project), name}.Sanitize()
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return false, dbError(err, "registry: drop table %s", table)
	}
	var version int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM featuregate_registry.versions
		WHERE project = $1`, project).Scan(&version); err != nil {
		return false, dbError(err, "registry: read the version of project %q", project)
	}
	if err := recordVersion(ctx, tx, project, version, who, statement); err != nil {
		return false, err
	}
	return true, dbError(tx.Commit(ctx), "registry: commit the drop of dataset %q", name)
}

// DropAllDatasets drops every dataset of project, tables and registry
// rows, in one transaction (DROP PROJECT).
func (s *Store) DropAllDatasets(ctx context.Context, project string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := lockProject(ctx, tx, project); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM featuregate_registry.datasets WHERE project = $1`, project); err != nil {
		return dbError(err, "registry: drop the datasets of project %q", project)
	}
	schema := pgx.Identifier{DatasetSchema(project)}.Sanitize()
	if _, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
		return dbError(err, "registry: drop schema %s", schema)
	}
	return dbError(tx.Commit(ctx), "registry: commit the drop of the datasets of project %q", project)
}

func decodeDataset(data []byte) (*Dataset, error) {
	var d Dataset
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, &featuregate.Error{Kind: featuregate.KindInternal, Message: "registry: corrupt dataset definition", Err: err}
	}
	return &d, nil
}
