package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// connectionLost reports whether a PostgreSQL error code says the
// connection, not the statement, failed: connection exceptions (class 08)
// and the server shutting down or starting (57P01 to 57P03).
func connectionLost(code string) bool {
	return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
}

// dbError wraps an error from the registry's own queries: a refused
// privilege is KindPermission, a lost connection or a server shutting down
// KindUnavailable, any other PostgreSQL error KindInternal, a value that
// does not scan into its Go type or does not decode (a registry row or a
// dataset's column not as expected) KindInternal, and a failure to talk to
// PostgreSQL at all KindUnavailable. A nil err gives nil.
func dbError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return err
	}
	kind := featuregate.KindUnavailable
	var pe *pgconn.PgError
	var scan pgx.ScanArgError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &pe) && !connectionLost(pe.Code):
		kind = featuregate.KindInternal
		if pe.Code == "42501" {
			kind = featuregate.KindPermission
		}
	case errors.As(err, &scan), errors.As(err, &syntax), errors.As(err, &typ):
		kind = featuregate.KindInternal
	}
	return &featuregate.Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}
