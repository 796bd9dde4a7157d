package filesource

import (
	"math"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/featuregate/featuregate"
)

// A parquet column's values become values pgx encodes for its PostgreSQL
// type. The map, by logical type first and physical type otherwise:
//
//	BOOLEAN                                 boolean
//	INT(8|16, signed), UINT8                smallint
//	INT32, INT(32, signed), UINT16          integer
//	INT64, INT(64, signed), UINT32          bigint
//	UINT64                                  numeric
//	FLOAT, FLOAT16                          real
//	DOUBLE                                  double precision
//	DECIMAL(p, s) on any physical type      numeric (exact)
//	STRING, ENUM (dictionary-encoded too)   text
//	JSON                                    jsonb
//	BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, BSON  bytea
//	UUID                                    uuid
//	DATE                                    date
//	TIME (millis, micros, nanos)            time without time zone
//	TIMESTAMP(isAdjustedToUTC=true, unit)   timestamp with time zone
//	TIMESTAMP(isAdjustedToUTC=false, unit)  timestamp without time zone
//	INT96 (legacy Spark/Impala timestamps)  timestamp with time zone
//	NULL (a column of nulls only)           text
//	LIST of one of the above                its array
//
// Nanosecond times are cut to microseconds, PostgreSQL's precision. A
// null value (an optional column's undefined value) is NULL. Maps, structs,
// lists of lists, variants and geospatial types are refused (0A000).

// converter turns a non-null parquet value into a Go value pgx encodes.
type converter func(parquet.Value) any

// parquetType returns the PostgreSQL type of a leaf node and the
// conversion of its values.
func parquetType(column string, node parquet.Node) (string, converter, error) {
	t := node.Type()
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		return logicalType(column, t, lt.Value)
	}
	switch t.Kind() {
	case parquet.Boolean:
		return "boolean", func(v parquet.Value) any { return v.Boolean() }, nil
	case parquet.Int32:
		return "integer", func(v parquet.Value) any { return v.Int32() }, nil
	case parquet.Int64:
		return "bigint", func(v parquet.Value) any { return v.Int64() }, nil
	case parquet.Int96:
		return "timestamp with time zone", int96Time, nil
	case parquet.Float:
		return "real", func(v parquet.Value) any { return v.Float() }, nil
	case parquet.Double:
		return "double precision", func(v parquet.Value) any { return v.Double() }, nil
	}
	return "bytea", func(v parquet.Value) any { return v.ByteArray() }, nil
}

// logicalType maps an annotated leaf.
func logicalType(column string, t parquet.Type, lt format.LogicalTypeValue) (string, converter, error) {
	switch l := lt.(type) {
	case *format.StringType, *format.EnumType:
		return "text", func(v parquet.Value) any { return string(v.ByteArray()) }, nil
	case *format.JsonType:
		return "jsonb", func(v parquet.Value) any { return string(v.ByteArray()) }, nil
	case *format.BsonType:
		return "bytea", func(v parquet.Value) any { return v.ByteArray() }, nil
	case *format.UUIDType:
		return "uuid", func(v parquet.Value) any { return [16]byte(v.ByteArray()) }, nil
	case *format.DateType:
		return "date", func(v parquet.Value) any { return time.Unix(int64(v.Int32())*86400, 0).UTC() }, nil
	case *format.TimestampType:
		return timestampType(l)
	case *format.TimeType:
		unit := l.Unit.Value.Duration()
		return "time without time zone", func(v parquet.Value) any {
			n := v.Int64()
			if t.Kind() == parquet.Int32 {
				n = int64(v.Int32())
			}
			return pgtype.Time{Microseconds: int64(time.Duration(n) * unit / time.Microsecond), Valid: true}
		}, nil
	case *format.IntType:
		return intType(l)
	case *format.DecimalType:
		return "numeric", decimal(t.Kind(), l.Scale), nil
	case *format.NullType:
		return "text", func(parquet.Value) any { return nil }, nil
	case *format.Float16Type:
		return "real", func(v parquet.Value) any { return float16(v.ByteArray()) }, nil
	}
	return "", nil, unsupported(column, lt.String())
}

func unsupported(column, what string) error {
	return featuregate.Errorf(featuregate.KindUnsupported, "column %q is of parquet type %s, which a file source cannot load", column, what).
		WithHint("Write the column as a scalar type or a list of one (see the type map in the SQL reference), or leave it out of the file.")
}

// timestampType maps TIMESTAMP: with or without zone, in its unit.
func timestampType(l *format.TimestampType) (string, converter, error) {
	typ := "timestamp without time zone"
	if l.IsAdjustedToUTC {
		typ = "timestamp with time zone"
	}
	var conv converter
	switch l.Unit.Value.(type) {
	case *format.MilliSeconds:
		conv = func(v parquet.Value) any { return time.UnixMilli(v.Int64()).UTC() }
	case *format.NanoSeconds:
		conv = func(v parquet.Value) any {
			n := v.Int64()
			return time.Unix(floorDiv(n, 1e9), n-floorDiv(n, 1e9)*1e9).UTC().Truncate(time.Microsecond)
		}
	default:
		conv = func(v parquet.Value) any { return time.UnixMicro(v.Int64()).UTC() }
	}
	return typ, conv, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// intType maps INT(bits, signed): to the smallest type that holds every
// value.
func intType(l *format.IntType) (string, converter, error) {
	switch {
	case l.IsSigned && l.BitWidth <= 16:
		return "smallint", func(v parquet.Value) any { return int16(v.Int32()) }, nil
	case l.IsSigned && l.BitWidth == 32:
		return "integer", func(v parquet.Value) any { return v.Int32() }, nil
	case l.IsSigned:
		return "bigint", func(v parquet.Value) any { return v.Int64() }, nil
	case l.BitWidth == 8:
		return "smallint", func(v parquet.Value) any { return int16(uint8(v.Int32())) }, nil
	case l.BitWidth == 16:
		return "integer", func(v parquet.Value) any { return int32(uint16(v.Int32())) }, nil
	case l.BitWidth == 32:
		return "bigint", func(v parquet.Value) any { return int64(uint32(v.Int32())) }, nil
	}
	return "numeric", func(v parquet.Value) any {
		return pgtype.Numeric{Int: new(big.Int).SetUint64(uint64(v.Int64())), Valid: true}
	}, nil
}

// decimal converts DECIMAL values of physical kind k and the given scale.
func decimal(k parquet.Kind, scale int32) converter {
	return func(v parquet.Value) any {
		var n *big.Int
		switch k {
		case parquet.Int32:
			n = big.NewInt(int64(v.Int32()))
		case parquet.Int64:
			n = big.NewInt(v.Int64())
		default:
			n = twosComplement(v.ByteArray())
		}
		return pgtype.Numeric{Int: n, Exp: -scale, Valid: true}
	}
}

// twosComplement reads a big-endian two's complement integer.
func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return n
}

// int96Time reads a legacy INT96 timestamp: nanoseconds of the day, then
// the Julian day.
func int96Time(v parquet.Value) any {
	i := v.Int96()
	nanos := int64(i[1])<<32 | int64(i[0])
	const julianUnixEpoch = 2440588
	days := int64(i[2]) - julianUnixEpoch
	return time.Unix(days*86400, nanos).UTC().Truncate(time.Microsecond)
}

// float16 decodes an IEEE 754 half-precision number, little-endian.
func float16(b []byte) float32 {
	if len(b) < 2 {
		return 0
	}
	h := uint16(b[0]) | uint16(b[1])<<8
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		return math.Float32frombits(sign) + float32(math.Ldexp(float64(frac), -24))*sign1(sign)
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

func sign1(sign uint32) float32 {
	if sign != 0 {
		return -1
	}
	return 1
}
