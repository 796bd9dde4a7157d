package wire

import (
	"context"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"strings"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/plan"
)

// maxCopyIn bounds the data of one COPY FROM STDIN the gateway reads
// itself (into a feature view): it holds the whole of it, since every row
// is checked before the first is written.
const maxCopyIn = 256 << 20

// copyInLocal runs a COPY FROM STDIN the gateway answers itself: it
// collects the client's data, then hands it to ci, or stages it inside a
// transaction block.
func (s *session) copyInLocal(ctx context.Context, ci plan.CopyIn, w plan.RowWriter) (string, error) {
	s.c.send(&pgproto3.CopyInResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, ci.CopyColumns())})
	if err := s.c.flush(); err != nil {
		return "", err
	}
	data, err := s.readCopyData()
	if err != nil {
		return "", err
	}
	stage := s.txStatus == 'T'
	tag, apply, err := ci.CopyFrom(ctx, data, w, stage)
	if err == nil && stage && apply != nil {
		s.staged = append(s.staged, apply)
	}
	return tag, err
}

// readCopyData reads the client's COPY data until CopyDone; CopyFail, a
// message of another kind or data over maxCopyIn end it with an error
// once the client finished (PostgreSQL's 57014 for CopyFail). The data
// is kept in chunks and joined once, into a string of its exact size: a
// buffer grown by appending would copy it several times over.
func (s *session) readCopyData() (string, error) {
	var data copyChunks
	var failure error
	for {
		msg, err := s.nextCopyMessage()
		if err != nil {
			return "", err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if failure == nil && data.size+len(m.Data) > maxCopyIn {
				failure = featuregate.Errorf(featuregate.KindLimitExceeded, "COPY into a feature view takes at most %d MiB", maxCopyIn>>20).
					WithHint("send the rows in several COPY statements")
			}
			if failure == nil {
				data.add(m.Data)
			}
		case *pgproto3.CopyDone:
			return data.String(), failure
		case *pgproto3.CopyFail:
			return "", &pgconn.PgError{Severity: "ERROR", Code: "57014", Message: "COPY from stdin failed: " + m.Message}
		case *pgproto3.Flush, *pgproto3.Sync:
			// ignored during COPY, as PostgreSQL does
		default:
			return "", featuregate.Errorf(featuregate.KindProtocolViolation, "unexpected message type %T during COPY from stdin", m)
		}
	}
}

// copyChunks collects COPY data in chunks, of 64 KiB at first and
// growing with the data up to copyChunk bytes.
type copyChunks struct {
	chunks [][]byte
	size   int
}

const copyChunk = 1 << 20

// add appends a copy of b (a message's data, which the next read
// overwrites).
func (c *copyChunks) add(b []byte) {
	c.size += len(b)
	for len(b) > 0 {
		if n := len(c.chunks); n == 0 || len(c.chunks[n-1]) == cap(c.chunks[n-1]) {
			c.chunks = append(c.chunks, make([]byte, 0, min(copyChunk, max(64<<10, c.size))))
		}
		last := &c.chunks[len(c.chunks)-1]
		k := min(len(b), cap(*last)-len(*last))
		*last, b = append(*last, b[:k]...), b[k:]
	}
}

// String joins the chunks.
func (c *copyChunks) String() string {
	var b strings.Builder
	b.Grow(c.size)
	for _, chunk := range c.chunks {
		b.Write(chunk)
	}
	return b.String()
}
