package stream

import (
	"encoding/json"
	"time"

	"github.com/jackc/pglogrepl"
)

// The OIDs of json and jsonb, whose text is embedded as JSON, not as a
// JSON string.
const (
	jsonOID  = 114
	jsonbOID = 3802
)

// decoder keeps what pgoutput's messages say across a stream: the
// relations it described and the transaction being received.
type decoder struct {
	rels map[uint32]*pglogrepl.RelationMessage
	txn  *txn // nil between transactions
}

// txn is one transaction's rows, each a JSON object of the table's
// columns as text.
type txn struct {
	commitTime time.Time
	rows       []jsonRow
	unchanged  int // rows left out: an unchanged TOASTed value was not sent
}

// committed is a transaction received whole: its rows, and where the
// slot may confirm to once they are durable.
type committed struct {
	txn
	end pglogrepl.LSN
}

// message handles one pgoutput message; it returns the transaction it
// commits, if any.
func (d *decoder) message(data []byte) (*committed, error) {
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return nil, err
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		d.rels[m.RelationID] = m
	case *pglogrepl.BeginMessage:
		d.txn = &txn{commitTime: m.CommitTime}
	case *pglogrepl.InsertMessage:
		d.row(m.RelationID, m.Tuple)
	case *pglogrepl.UpdateMessage:
		d.row(m.RelationID, m.NewTuple)
	case *pglogrepl.CommitMessage:
		t := d.txn
		d.txn = nil
		if t == nil {
			return nil, nil
		}
		return &committed{txn: *t, end: m.TransactionEndLSN}, nil
	}
	return nil, nil
}

// row adds a new or updated row to the transaction.
func (d *decoder) row(rel uint32, tup *pglogrepl.TupleData) {
	r, ok := d.rels[rel]
	if d.txn == nil || !ok || tup == nil {
		return
	}
	obj, ok := tupleJSON(r, tup)
	if !ok {
		d.txn.unchanged++
		return
	}
	d.txn.rows = append(d.txn.rows, obj)
}

// tupleJSON writes a tuple as a JSON object of its columns' text; ok is
// false when a column's value was not sent (an unchanged TOASTed value).
func tupleJSON(r *pglogrepl.RelationMessage, tup *pglogrepl.TupleData) (json.RawMessage, bool) {
	b := []byte{'{'}
	for i, c := range tup.Columns {
		if i >= len(r.Columns) {
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(r.Columns[i].Name)
		b = append(b, name...)
		b = append(b, ':')
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
			b = append(b, "null"...)
		case pglogrepl.TupleDataTypeToast:
			return nil, false
		default:
			if oid := r.Columns[i].DataType; (oid == jsonOID || oid == jsonbOID) && json.Valid(c.Data) {
				b = append(b, c.Data...)
				continue
			}
			s, _ := json.Marshal(string(c.Data))
			b = append(b, s...)
		}
	}
	return append(b, '}'), true
}

// jsonRow is one row as a JSON object of its columns' text.
type jsonRow = json.RawMessage
