package wire

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/featuregate/featuregate"
)

// sqlstates maps featuregate's error kinds to PostgreSQL SQLSTATE codes.
// This is the only place where they meet.
var sqlstates = map[featuregate.Kind]string{
	featuregate.KindInternal:           "XX000", // internal_error
	featuregate.KindSyntax:             "42601", // syntax_error
	featuregate.KindUndefined:          "42704", // undefined_object
	featuregate.KindDuplicate:          "42710", // duplicate_object
	featuregate.KindInvalid:            "22023", // invalid_parameter_value
	featuregate.KindAmbiguous:          "42702", // ambiguous_column
	featuregate.KindPermission:         "42501", // insufficient_privilege
	featuregate.KindReadOnly:           "25006", // read_only_sql_transaction
	featuregate.KindUnsupported:        "0A000", // feature_not_supported
	featuregate.KindUnavailable:        "08001", // sqlclient_unable_to_establish_sqlconnection
	featuregate.KindTxnAborted:         "25P02", // in_failed_sql_transaction
	featuregate.KindDatatypeMismatch:   "42804", // datatype_mismatch
	featuregate.KindCheckViolation:     "23514", // check_violation
	featuregate.KindActiveTransaction:  "25001", // active_sql_transaction
	featuregate.KindUndefinedProject:   "3D000", // invalid_catalog_name
	featuregate.KindProtocolViolation:  "08P01", // protocol_violation
	featuregate.KindDiskFull:           "53100", // disk_full
	featuregate.KindLimitExceeded:      "54000", // program_limit_exceeded
	featuregate.KindNoTransaction:      "25P01", // no_active_sql_transaction
	featuregate.KindUndefinedCursor:    "34000", // invalid_cursor_name
	featuregate.KindUndefinedStatement: "26000", // invalid_sql_statement_name
	featuregate.KindUndefinedColumn:    "42703", // undefined_column
	featuregate.KindDuplicateColumn:    "42701", // duplicate_column
	featuregate.KindNotNull:            "23502", // not_null_violation
	featuregate.KindBadCopyFormat:      "22P04", // bad_copy_file_format
}

// errorResponse turns any error into the ErrorResponse a client sees.
func errorResponse(err error) *pgproto3.ErrorResponse {
	var fe *featuregate.Error
	unavailable := errors.As(err, &fe) && fe.Kind == featuregate.KindUnavailable
	var pe *pgconn.PgError
	if !unavailable && errors.As(err, &pe) { // the offline store's own error, as it is
		return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR",
			Code: pe.Code, Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
	}
	if errors.As(err, &fe) {
		code, ok := sqlstates[fe.Kind]
		if !ok {
			code = "XX000"
		}
		msg := fe.Message
		if fe.Err != nil && fe.Kind != featuregate.KindInternal {
			msg = fe.Error()
		}
		return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR",
			Code: code, Message: msg, Detail: fe.Detail, Hint: fe.Hint, Position: int32(fe.Position)}
	}
	return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR",
		Code: "XX000", Message: "internal error: " + err.Error()}
}
