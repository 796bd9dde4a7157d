package catalog

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/featuregate/featuregate"
)

// Store is the registry, in a schema of its own (featuregate_registry) on
// the offline PostgreSQL, so that every gateway using that database shares
// one truth. Its tables (schema.sql) are:
//
//   - objects(project, kind, name, namespace, definition jsonb, created_at,
//     updated_at): one row per definition, primary key (project, kind, name).
//     namespace is "entity", "source" or "relation" (feature views and
//     feature services), unique per project and name: a view and a service
//     may not share a name.
//   - versions(project, version, who, at, statement): one row per applied
//     change set; a project's version is its greatest version (0 if none).
//   - project_locks(project): one row per project that has been changed.
//   - meta(key, value): the layout version.
//
// Apply locks the project's row of project_locks for its transaction, so
// that gateways applying to one project at once serialise and versions
// strictly increase. PUBLIC holds no privilege on the schema or its tables,
// so a session of a role not granted access can neither read the registry
// nor hold its locks. A Store is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the offline PostgreSQL at dsn and creates the registry's
// schema and tables if they are missing (or, for a registry of an earlier
// release, adds project_locks and revokes PUBLIC's privileges). Several
// gateways may Open the same database at once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &featuregate.Error{Kind: featuregate.KindInvalid,
			Message: "registry: invalid offline store DSN", Err: err}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, dbError(err, "registry: connect to the offline store")
	}
	if err := ensureSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Close closes the Store's connections.
func (s *Store) Close() { s.pool.Close() }

// Apply validates and applies changes to project, in order, in one
// transaction: all of them or none. who is the user and statement the SQL
// text that the history records. It returns the project's new version; when
// no change has any effect (DROP IF EXISTS of missing objects, or no changes)
// it records nothing and returns the current version.
func (s *Store) Apply(ctx context.Context, project, who, statement string, changes []Change) (int64, error) {
	if err := checkProject(project); err != nil {
		return 0, err
	}
	if len(changes) == 0 {
		return s.Version(ctx, project)
	}
	// Read committed: after waiting for the project's lock, each statement
	// sees what the transaction that held it committed.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := lockProject(ctx, tx, project); err != nil {
		return 0, err
	}
	st, err := loadState(ctx, tx, project)
	if err != nil {
		return 0, err
	}
	st.load = true
	for _, c := range changes {
		if err := relationNameFree(ctx, tx, project, c); err != nil {
			return 0, err
		}
		if err := st.apply(ctx, c); err != nil {
			return 0, err
		}
	}
	if len(st.touched) == 0 {
		return st.version, nil
	}
	if err := st.write(ctx, tx); err != nil {
		return 0, err
	}
	if err := st.dropFileTables(ctx, tx); err != nil {
		return 0, err
	}
	if err := syncRelations(ctx, tx, st); err != nil {
		return 0, err
	}
	version := st.version + 1
	if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.versions (project, version, who, at, statement)
		VALUES ($1, $2, $3, clock_timestamp(), $4)`, project, version, who, statement); err != nil {
		return 0, dbError(err, "registry: record version %d of project %q", version, project)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError(err, "registry: commit version %d of project %q", version, project)
	}
	return version, nil
}

// Check validates changes as Apply would, against project's registry and
// the offline store, and changes nothing.
func (s *Store) Check(ctx context.Context, project string, changes []Change) error {
	if err := checkProject(project); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	st, err := loadState(ctx, tx, project)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := st.apply(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// Version returns project's registry version: 0 for a project with no
// history. It is one index lookup, so a gateway may call it often to notice
// another gateway's changes.
func (s *Store) Version(ctx context.Context, project string) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM featuregate_registry.versions
		WHERE project = $1`, project).Scan(&v)
	if err != nil {
		return 0, dbError(err, "registry: read the version of project %q", project)
	}
	return v, nil
}

// Snapshot returns project's definitions and the version they belong to,
// read at one instant. An unknown project gives an empty Snapshot at
// version 0.
func (s *Store) Snapshot(ctx context.Context, project string) (*Snapshot, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.version, o.kind, o.definition
		FROM (SELECT coalesce(max(version), 0) AS version FROM featuregate_registry.versions
		      WHERE project = $1) AS v
		LEFT JOIN (SELECT project, kind, definition FROM featuregate_registry.objects
		           UNION ALL SELECT project, 'DATASET', definition FROM featuregate_registry.datasets) AS o
		ON o.project = $1`, project)
	if err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	defer rows.Close()
	snap := &Snapshot{Project: project}
	for rows.Next() {
		var kind *string
		var def []byte
		if err := rows.Scan(&snap.Version, &kind, &def); err != nil {
			return nil, dbError(err, "registry: read project %q", project)
		}
		if kind == nil {
			continue
		}
		if Kind(*kind) == KindDataset {
			d, err := decodeDataset(def)
			if err != nil {
				return nil, err
			}
			snap.Datasets = append(snap.Datasets, d)
			continue
		}
		obj, err := decodeObject(Kind(*kind), def)
		if err != nil {
			return nil, err
		}
		switch o := obj.(type) {
		case *Entity:
			snap.Entities = append(snap.Entities, o)
		case *Source:
			snap.Sources = append(snap.Sources, o)
		case *FeatureView:
			snap.Views = append(snap.Views, o)
		case *FeatureService:
			snap.Services = append(snap.Services, o)
		case *Permission:
			snap.Permissions = append(snap.Permissions, o)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	sortByName(snap.Entities)
	sortByName(snap.Sources)
	sortByName(snap.Views)
	sortByName(snap.Services)
	sortByName(snap.Permissions)
	sortByName(snap.Datasets)
	return snap, nil
}

// Projects returns the names of the projects that hold definitions,
// sorted. A project torn down (DROP PROJECT) keeps its history but is no
// longer listed, and no longer exists for sessions.
func (s *Store) Projects(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT project FROM featuregate_registry.objects ORDER BY project`)
	if err != nil {
		return nil, dbError(err, "registry: list projects")
	}
	projects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, dbError(err, "registry: list projects")
	}
	slices.Sort(projects) // byte order, whatever the database's collation
	return projects, nil
}

// History returns project's applied change sets, oldest first.
func (s *Store) History(ctx context.Context, project string) ([]HistoryEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, who, at, statement FROM featuregate_registry.versions
		WHERE project = $1 ORDER BY version`, project)
	if err != nil {
		return nil, dbError(err, "registry: read the history of project %q", project)
	}
	h, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var e HistoryEntry
		err := r.Scan(&e.Version, &e.Who, &e.At, &e.Statement)
		return e, err
	})
	if err != nil {
		return nil, dbError(err, "registry: read the history of project %q", project)
	}
	return h, nil
}

func checkProject(project string) error {
	if project == "" {
		return featuregate.Errorf(featuregate.KindInvalid, "registry: the project name is empty")
	}
	return nil
}
