package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/featuregate/featuregate"
)

// A pqColumn is how one result column becomes a parquet column: its node
// (every column optional: NULL is a missing value), the wire format its
// values are asked in, and the function that turns one non-NULL value of
// that format into a parquet value. A function whose values are byte
// arrays appends the bytes to the arena it is given, since the wire
// buffer is reused for the next row.
type pqColumn struct {
	name   string
	node   parquet.Node
	format int16
	value  func(raw []byte, arena *[]byte) (parquet.Value, error)
}

// Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch of binary
// timestamps and dates.
const (
	pgEpochMicros = 946_684_800_000_000
	pgEpochDays   = 10_957
)

// pqColumnFor maps a result column to a parquet column by its type OID:
// integers to INT32/INT64 with their INT logical type, floats to
// FLOAT/DOUBLE, text to STRING, timestamps to TIMESTAMP(MICROS) adjusted
// to UTC for timestamptz, date to DATE, numeric with a precision of at
// most 38 to DECIMAL (else STRING, its text), json and jsonb to JSON, uuid
// to UUID and bytea to BYTE_ARRAY. Other types (arrays among them) are
// refused: KindUnsupported.
func pqColumnFor(f pgconn.FieldDescription, types *pgtype.Map) (pqColumn, error) {
	c := pqColumn{name: f.Name, format: pgtype.BinaryFormatCode}
	switch f.DataTypeOID {
	case pgtype.Int2OID:
		c.node, c.value = parquet.Int(16), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.Int32Value(int32(int16(binary.BigEndian.Uint16(raw)))), nil
		}
	case pgtype.Int4OID:
		c.node, c.value = parquet.Int(32), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.Int32Value(int32(binary.BigEndian.Uint32(raw))), nil
		}
	case pgtype.Int8OID:
		c.node, c.value = parquet.Int(64), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.Int64Value(int64(binary.BigEndian.Uint64(raw))), nil
		}
	case pgtype.Float4OID:
		c.node, c.value = parquet.Leaf(parquet.FloatType), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.FloatValue(math.Float32frombits(binary.BigEndian.Uint32(raw))), nil
		}
	case pgtype.Float8OID:
		c.node, c.value = parquet.Leaf(parquet.DoubleType), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.DoubleValue(math.Float64frombits(binary.BigEndian.Uint64(raw))), nil
		}
	case pgtype.BoolOID:
		c.node, c.value = parquet.Leaf(parquet.BooleanType), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			return parquet.BooleanValue(raw[0] != 0), nil
		}
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		c.node, c.value = parquet.String(), bytesValue(0)
	case pgtype.JSONOID:
		c.node, c.value = parquet.JSON(), bytesValue(0)
	case pgtype.JSONBOID:
		c.node, c.value = parquet.JSON(), bytesValue(1) // binary jsonb: a version byte, then the text
	case pgtype.ByteaOID:
		c.node, c.value = parquet.Leaf(parquet.ByteArrayType), bytesValue(0)
	case pgtype.UUIDOID:
		c.node, c.value = parquet.UUID(), func(raw []byte, arena *[]byte) (parquet.Value, error) {
			return parquet.FixedLenByteArrayValue(appendArena(arena, raw)), nil
		}
	case pgtype.TimestamptzOID, pgtype.TimestampOID:
		c.node = parquet.TimestampAdjusted(parquet.Microsecond, f.DataTypeOID == pgtype.TimestamptzOID)
		c.value = func(raw []byte, _ *[]byte) (parquet.Value, error) {
			us := int64(binary.BigEndian.Uint64(raw))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return parquet.Value{}, featuregate.Errorf(featuregate.KindInvalid, "column %q holds an infinite timestamp, which parquet cannot represent", f.Name)
			}
			return parquet.Int64Value(us + pgEpochMicros), nil
		}
	case pgtype.DateOID:
		c.node, c.value = parquet.Date(), func(raw []byte, _ *[]byte) (parquet.Value, error) {
			d := int32(binary.BigEndian.Uint32(raw))
			if d == math.MaxInt32 || d == math.MinInt32 {
				return parquet.Value{}, featuregate.Errorf(featuregate.KindInvalid, "column %q holds an infinite date, which parquet cannot represent", f.Name)
			}
			return parquet.Int32Value(d + pgEpochDays), nil
		}
	case pgtype.NumericOID:
		c.format = pgtype.TextFormatCode
		c.node, c.value = numericColumn(f)
	default:
		return c, featuregate.Errorf(featuregate.KindUnsupported, "column %q has type %s, which parquet export does not support: cast it in the query (to text, or to a supported type), or export to .csv",
			f.Name, typeName(f.DataTypeOID, types))
	}
	return c, nil
}

// typeName is the name of the type oid, as pgx knows it, or its OID.
func typeName(oid uint32, types *pgtype.Map) string {
	if t, ok := types.TypeForOID(oid); ok {
		return t.Name
	}
	return fmt.Sprintf("OID %d", oid)
}

// bytesValue returns the value function of a byte array column whose
// binary value has skip bytes before its content.
func bytesValue(skip int) func(raw []byte, arena *[]byte) (parquet.Value, error) {
	return func(raw []byte, arena *[]byte) (parquet.Value, error) {
		return parquet.ByteArrayValue(appendArena(arena, raw[min(skip, len(raw)):])), nil
	}
}

// appendArena copies b to the end of the arena and returns the copy.
func appendArena(arena *[]byte, b []byte) []byte {
	n := len(*arena)
	*arena = append(*arena, b...)
	return (*arena)[n:len(*arena):len(*arena)]
}

// numericColumn maps numeric: a typmod giving precision p ≤ 38 and scale s
// makes DECIMAL(p, s), on INT32 (p ≤ 9), INT64 (p ≤ 18) or a fixed length
// byte array (the minimal two's complement width for p digits); a numeric
// without typmod, or wider, is its text as STRING. Values come as text.
func numericColumn(f pgconn.FieldDescription) (parquet.Node, func([]byte, *[]byte) (parquet.Value, error)) {
	if f.TypeModifier < 4 {
		return parquet.String(), bytesValue(0)
	}
	prec, scale := int((f.TypeModifier-4)>>16)&0xffff, int(f.TypeModifier-4)&0xffff
	if prec < 1 || prec > 38 || scale > prec {
		return parquet.String(), bytesValue(0)
	}
	width := decimalWidth(prec)
	node := parquet.Decimal(scale, prec, parquet.FixedLenByteArrayType(width))
	switch {
	case prec <= 9:
		node = parquet.Decimal(scale, prec, parquet.Int32Type)
	case prec <= 18:
		node = parquet.Decimal(scale, prec, parquet.Int64Type)
	}
	return node, func(raw []byte, arena *[]byte) (parquet.Value, error) {
		n, err := scaledDecimal(string(raw), scale)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("column %q: %w", f.Name, err)
		}
		switch {
		case prec <= 9:
			return parquet.Int32Value(int32(n.Int64())), nil
		case prec <= 18:
			return parquet.Int64Value(n.Int64()), nil
		}
		return parquet.FixedLenByteArrayValue(appendArena(arena, twosComplement(n, width))), nil
	}
}

// decimalWidth is the bytes of a two's complement integer that holds any
// number of prec decimal digits.
func decimalWidth(prec int) int {
	bits := int(math.Ceil(float64(prec)*math.Log2(10))) + 1
	return (bits + 7) / 8
}

// scaledDecimal reads numeric text output (-12.30) as an integer of scale
// fractional digits (-1230); NaN and infinities are refused.
func scaledDecimal(s string, scale int) (*big.Int, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > scale {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "numeric %s has more than %d fractional digits", s, scale)
	}
	n, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", scale-len(frac)), 10)
	if !ok {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "numeric %s has no parquet DECIMAL value", s)
	}
	return n, nil
}

// twosComplement is n as a big-endian two's complement integer of width
// bytes.
func twosComplement(n *big.Int, width int) []byte {
	if n.Sign() >= 0 {
		return n.FillBytes(make([]byte, width))
	}
	// -n = 2^(8·width) - |n|
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*width))
	return m.Add(m, n).FillBytes(make([]byte, width))
}

// pqRoot is the schema's root group: its fields in the result's column
// order (parquet.Group orders them by name).
type pqRoot []pqField

// pqField is a named column of pqRoot.
type pqField struct {
	parquet.Node
	name string
}

func (f pqField) Name() string { return f.name }
func (f pqField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

func (r pqRoot) ID() int { return 0 }
func (r pqRoot) String() string {
	var b strings.Builder
	_ = parquet.PrintSchema(&b, "featuregate_export", r)
	return b.String()
}
func (r pqRoot) Type() parquet.Type          { return parquet.Group{}.Type() }
func (r pqRoot) Optional() bool              { return false }
func (r pqRoot) Repeated() bool              { return false }
func (r pqRoot) Required() bool              { return true }
func (r pqRoot) Leaf() bool                  { return false }
func (r pqRoot) Encoding() encoding.Encoding { return nil }
func (r pqRoot) Compression() compress.Codec { return nil }
func (r pqRoot) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }
func (r pqRoot) Fields() []parquet.Field {
	out := make([]parquet.Field, len(r))
	for i := range r {
		out[i] = r[i]
	}
	return out
}

// pqSchema is the parquet schema of the columns, in their order, each
// optional.
func pqSchema(cols []pqColumn) *parquet.Schema {
	root := make(pqRoot, len(cols))
	for i, c := range cols {
		root[i] = pqField{parquet.Optional(c.node), c.name}
	}
	return parquet.NewSchema("featuregate_export", root)
}
