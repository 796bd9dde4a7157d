package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/jackc/pgx/v5"
)

// hashSeed seeds the row hashes; results are compared within one process.
var hashSeed = maphash.MakeSeed()

// received is what a client received from one query: enough to tell two
// results apart without keeping their rows.
type received struct {
	rows    int64
	sum     uint64   // sum of the rows' hashes: independent of row order
	nulls   int64    // NULL values received
	types   []uint32 // the result columns' type OIDs
	names   []string // and names
	elapsed time.Duration
}

// drain runs sql on conn, receives every row (pgx's default extended
// protocol, binary results) and hashes each row's raw values, so that
// the client does the same small amount of work whatever the query.
func drain(ctx context.Context, conn *pgx.Conn, sql string) (received, error) {
	var r received
	start := time.Now()
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for _, fd := range rows.FieldDescriptions() {
		r.types = append(r.types, fd.DataTypeOID)
		r.names = append(r.names, fd.Name)
	}
	var h maphash.Hash
	h.SetSeed(hashSeed)
	var n [4]byte
	for rows.Next() {
		h.Reset()
		for _, v := range rows.RawValues() {
			size := uint32(len(v))
			if v == nil {
				size = ^uint32(0)
				r.nulls++
			}
			binary.LittleEndian.PutUint32(n[:], size)
			_, _ = h.Write(n[:])
			_, _ = h.Write(v)
		}
		r.sum += h.Sum64()
		r.rows++
	}
	rows.Close()
	r.elapsed = time.Since(start)
	return r, rows.Err()
}

// sameAs returns an error saying how r differs from want, or nil when
// both hold the same multiset of rows with the same column types.
func (r received) sameAs(want received) error {
	if len(r.types) != len(want.types) {
		return fmt.Errorf("%d columns %v, want %d %v", len(r.types), r.names, len(want.types), want.names)
	}
	for i := range r.types {
		if r.types[i] != want.types[i] {
			return fmt.Errorf("column %d (%s) has type OID %d, want %d (%s)", i+1, r.names[i], r.types[i], want.types[i], want.names[i])
		}
	}
	if r.rows != want.rows {
		return fmt.Errorf("%d rows, want %d", r.rows, want.rows)
	}
	if r.nulls != want.nulls {
		return fmt.Errorf("%d NULL values, want %d", r.nulls, want.nulls)
	}
	if r.sum != want.sum {
		return fmt.Errorf("rows checksum %016x, want %016x (same count, different values)", r.sum, want.sum)
	}
	return nil
}
