package offline

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Rotate gives the managed roles new secrets: stored and set as their
// passwords in one transaction. Running gateways read the new secret when
// the offline store refuses the old one; open sessions are not affected.
// The roles must belong to the gateways of dsn's database.
func Rotate(ctx context.Context, dsn string, roles Roles) error {
	roles = Options{Roles: roles}.withDefaults().Roles
	u := &Upstream{dsn: dsn}
	conn, err := u.connectOwner(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	w, err := whoAmI(ctx, conn)
	if err != nil {
		return err
	}
	if err := w.check(roles); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := execAll(ctx, tx, lockSQL); err != nil {
			return err
		}
		for _, role := range []string{roles.Reader, roles.Writer} {
			if _, ours, err := readSecret(ctx, tx, w.db, role); err != nil || !ours {
				return fmt.Errorf("offline store: cannot rotate the secret of %s: %v", role, notOurs(err, role, w.db))
			}
			secret := newSecret()
			if _, err := tx.Exec(ctx, `UPDATE `+credentialsTable+` SET secret = $2, rotated_at = now() WHERE role = $1`, role, secret); err != nil {
				return err
			}
			if err := setPassword(ctx, tx, role, secret); err != nil {
				return err
			}
		}
		return nil
	})
}

func notOurs(err error, role, db string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("role %s is not managed by the gateways of database %s", role, db)
}
