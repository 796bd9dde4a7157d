package catalog

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// TestDBErrorKinds: only a failure to talk to PostgreSQL is an outage; a
// refused privilege, a statement's error and a value that does not scan
// or decode keep kinds of their own through dbError.
func TestDBErrorKinds(t *testing.T) {
	_, atoi := strconv.Atoi("x")
	var syntax error = json.Unmarshal([]byte("{"), new(any))
	var typ error = json.Unmarshal([]byte(`"x"`), new(int))
	tests := []struct {
		name string
		err  error
		want featuregate.Kind
	}{
		{"permission", &pgconn.PgError{Code: "42501"}, featuregate.KindPermission},
		{"statement", &pgconn.PgError{Code: "23505"}, featuregate.KindInternal},
		{"connection failure", &pgconn.PgError{Code: "08006"}, featuregate.KindUnavailable},
		{"shutdown", &pgconn.PgError{Code: "57P01"}, featuregate.KindUnavailable},
		{"lost connection", io.ErrUnexpectedEOF, featuregate.KindUnavailable},
		{"scan", pgx.ScanArgError{ColumnIndex: 1, Err: atoi}, featuregate.KindInternal},
		{"json syntax", syntax, featuregate.KindInternal},
		{"json type", typ, featuregate.KindInternal},
		{"featuregate error", featuregate.Errorf(featuregate.KindDuplicate, "x"), featuregate.KindDuplicate},
	}
	for _, tc := range tests {
		var fe *featuregate.Error
		if err := dbError(tc.err, "reading"); !errors.As(err, &fe) || fe.Kind != tc.want {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
}
