package catalog

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// lockProject serialises changes to project: it locks the project's row of
// featuregate_registry.project_locks until tx ends, inserting the row on the
// project's first change. A concurrent first change waits on the row's
// insertion, then finds it. Only roles granted access to the registry can
// take this lock (schema.sql grants PUBLIC nothing), unlike an advisory
// lock, which any session may take.
func lockProject(ctx context.Context, tx pgx.Tx, project string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.project_locks (project) VALUES ($1)
		ON CONFLICT (project) DO NOTHING`, project); err != nil {
		return dbError(err, "registry: lock project %q", project)
	}
	if _, err := tx.Exec(ctx, `SELECT FROM featuregate_registry.project_locks
		WHERE project = $1 FOR UPDATE`, project); err != nil {
		return dbError(err, "registry: lock project %q", project)
	}
	return nil
}
