// Package featuregate holds the domain types shared by every layer of the
// feature store: the error kinds that the planner, catalog, point-in-time and
// online packages return and that the wire package turns into SQLSTATE codes.
package featuregate

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the user must do about it. Only the wire
// package maps kinds to SQLSTATE codes.
type Kind int

// The kinds of error a statement can meet.
const (
	KindInternal           Kind = iota // a bug or an unexpected condition
	KindSyntax                         // the statement does not parse
	KindUndefined                      // a named object does not exist
	KindDuplicate                      // an object of that name exists already
	KindInvalid                        // the definition or value is not acceptable
	KindAmbiguous                      // a name matches several objects
	KindPermission                     // the user may not do this
	KindReadOnly                       // the statement would write where writing is not allowed
	KindUnsupported                    // featuregate does not support this
	KindUnavailable                    // a dependency (the offline PostgreSQL) cannot be reached
	KindTxnAborted                     // the transaction failed earlier; only ROLLBACK is accepted
	KindDatatypeMismatch               // a value or column has the wrong type
	KindCheckViolation                 // a value breaks a CHECK rule
	KindActiveTransaction              // the statement cannot run inside a transaction block
	KindUndefinedProject               // the project a session or request names does not exist
	KindProtocolViolation              // a message breaks the wire protocol's rules
	KindDiskFull                       // a store has no room left to write: free space, then retry
	KindLimitExceeded                  // the request is over a configured limit (limits.* in featuregate.yaml)
	KindNoTransaction                  // the statement needs a transaction block and none is open
	KindUndefinedCursor                // a named cursor does not exist
	KindUndefinedStatement             // a named prepared statement does not exist
	KindUndefinedColumn                // a named column does not exist
	KindDuplicateColumn                // a column is named twice
	KindNotNull                        // a value that must be given is missing or NULL
	KindBadCopyFormat                  // the data of a COPY does not read in its format
)

// Error is an error a user can act on: what went wrong, a hint on what to do,
// and where in the statement (a 1-based character position, 0 when unknown).
type Error struct {
	Kind     Kind
	Message  string
	Detail   string
	Hint     string
	Position int
	Err      error // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithHint sets the hint and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// At sets the 1-based character position and returns e.
func (e *Error) At(pos int) *Error {
	e.Position = pos
	return e
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return KindInternal
}
