package wire_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestExtendedCopyFromStdin runs COPY FROM STDIN through the extended
// protocol, with the Sync sent before the data as some clients do.
func TestExtendedCopyFromStdin(t *testing.T) {
	r, _ := session(t, "extcopy")
	r.send(&pgproto3.Query{String: "CREATE TEMP TABLE t (a int)"})
	r.ready()
	r.send(
		&pgproto3.Parse{Query: "COPY t FROM STDIN"},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
		&pgproto3.CopyData{Data: []byte("7\n")},
		&pgproto3.CopyDone{},
		&pgproto3.Sync{},
	)
	expect(t, "copy", r.ready(), "1 2 n *pgproto3.CopyInResponse C(COPY 1) Z(I)")
	r.send(&pgproto3.Query{String: "SELECT * FROM t"})
	expect(t, "rows", r.ready(), `T D["7"] C(SELECT 1) Z(I)`)
}
