package catalog

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// grantSessionRoles grants what (a privilege ON an object) to the roles
// that may use FileSchema: the gateway's session roles, which featuregate
// serve and roles setup grant that schema to. Nothing is granted when
// there are none.
func grantSessionRoles(ctx context.Context, tx pgx.Tx, what string) error {
	var roles []string
	rows, err := tx.Query(ctx, `SELECT DISTINCT a.grantee::regrole::text
		FROM pg_namespace n, aclexplode(n.nspacl) a
		WHERE n.nspname = $1 AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner AND a.grantee <> 0`, FileSchema)
	if err == nil {
		roles, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return dbError(err, "registry: read who may use schema %s", FileSchema)
	}
	if len(roles) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "GRANT "+what+" TO "+strings.Join(roles, ", ")); err != nil {
		return dbError(err, "registry: grant %s to the session roles", what)
	}
	return nil
}
