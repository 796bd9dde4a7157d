package wire

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// TestErrorResponseCodes checks the SQLSTATE of the kinds that stand for
// resources and limits, and that PostgreSQL's own codes pass through.
func TestErrorResponseCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{fmt.Errorf("materialize: %w", featuregate.Errorf(featuregate.KindDiskFull, "no space")), "53100"},
		{featuregate.Errorf(featuregate.KindLimitExceeded, "too many keys"), "54000"},
		{featuregate.Errorf(featuregate.KindUnavailable, "down"), "08001"},
		{fmt.Errorf("pgstore: %w", &pgconn.PgError{Code: "53100", Message: "could not extend file"}), "53100"},
		{fmt.Errorf("plain"), "XX000"},
	} {
		if got := errorResponse(c.err).Code; got != c.code {
			t.Errorf("%v: %s, want %s", c.err, got, c.code)
		}
	}
	for k := featuregate.KindInternal; k <= featuregate.KindLimitExceeded; k++ {
		if _, ok := sqlstates[k]; !ok {
			t.Errorf("kind %d has no SQLSTATE", k)
		}
	}
}
