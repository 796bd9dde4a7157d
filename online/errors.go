package online

import (
	"errors"

	"github.com/featuregate/featuregate"
)

// ErrClosed is returned by every method of a Store after Close.
var ErrClosed = errors.New("online: store is closed")

// ErrCorrupt is wrapped by the errors of bytes that do not decode: a stored
// value (DecodeValue, DecodeHeader), or a store's own records.
var ErrCorrupt = errors.New("online: corrupt stored value")

// invalid returns a user-facing error of kind KindInvalid.
func invalid(format string, args ...any) error {
	return featuregate.Errorf(featuregate.KindInvalid, "online: "+format, args...)
}

// mismatch returns a user-facing error of kind KindDatatypeMismatch.
func mismatch(format string, args ...any) error {
	return featuregate.Errorf(featuregate.KindDatatypeMismatch, "online: "+format, args...)
}
