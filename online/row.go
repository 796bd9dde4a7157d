package online

import "time"

// Row is one entity's latest feature values in a view, as materialization
// writes it. Created may be zero (the view's source has no created column).
type Row struct {
	Project, View string
	Key           []any // entity key values, in the entity's key order
	TS, Created   time.Time
	Values        []any // one per feature, in the view's feature order; nil is NULL
	// EncodedKey and EncodedValue, when EncodedValue is not nil, are the
	// key and the value already encoded (AppendKey of Key, AppendValue of
	// TS, Created and Values), by a caller that wrote them part by part;
	// Key and Values are then not read. TS and Created are set all the
	// same: stores compare rows by them.
	EncodedKey, EncodedValue []byte
}

// AppendKey appends the row's encoded key to dst.
func (r *Row) AppendKey(dst []byte) ([]byte, error) {
	if r.EncodedValue != nil {
		if len(r.EncodedKey) == 0 {
			return nil, invalid("empty entity key")
		}
		return append(dst, r.EncodedKey...), nil
	}
	return AppendKey(dst, r.Key)
}

// AppendValue appends the row's encoded value to dst.
func (r *Row) AppendValue(dst []byte) ([]byte, error) {
	if r.EncodedValue != nil {
		return append(dst, r.EncodedValue...), nil
	}
	return AppendValue(dst, r.TS, r.Created, r.Values)
}

// Result is the stored value of one requested key. Found is false when the
// store holds nothing for the key. Expired is true when the value is older
// than the TTL; TS and Created are then set but Values is nil. Values come
// back as the Go types they were written with, except int (int64) and
// times (UTC, without a monotonic clock reading).
type Result struct {
	Found       bool
	Expired     bool
	TS, Created time.Time
	Values      []any
}
