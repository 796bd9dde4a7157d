package wire

import (
	"context"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

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
// once the client finished (PostgreSQL's 57014 for CopyFail).
func (s *session) readCopyData() ([]byte, error) {
	var data []byte
	var failure error
	for {
		msg, err := s.nextCopyMessage()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if failure == nil && len(data)+len(m.Data) > maxCopyIn {
				failure = featuregate.Errorf(featuregate.KindLimitExceeded, "COPY into a feature view takes at most %d MiB", maxCopyIn>>20).
					WithHint("send the rows in several COPY statements")
			}
			if failure == nil {
				data = append(data, m.Data...)
			}
		case *pgproto3.CopyDone:
			return data, failure
		case *pgproto3.CopyFail:
			return nil, &pgconn.PgError{Severity: "ERROR", Code: "57014", Message: "COPY from stdin failed: " + m.Message}
		case *pgproto3.Flush, *pgproto3.Sync:
			// ignored during COPY, as PostgreSQL does
		default:
			return nil, featuregate.Errorf(featuregate.KindProtocolViolation, "unexpected message type %T during COPY from stdin", m)
		}
	}
}
