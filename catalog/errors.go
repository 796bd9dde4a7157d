package catalog

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// dbError wraps an error from the registry's own queries: a refused
// privilege is KindPermission, any other PostgreSQL error KindInternal, and
// a failure to talk to PostgreSQL at all KindUnavailable.
func dbError(err error, format string, args ...any) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return err
	}
	kind := featuregate.KindUnavailable
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		kind = featuregate.KindInternal
		if pe.Code == "42501" {
			kind = featuregate.KindPermission
		}
	}
	return &featuregate.Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}
