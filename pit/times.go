package pit

import (
	"fmt"
	"regexp"
	"strings"
)

// Times. Every comparison is between instants: a timestamptz is one; a
// timestamp without time zone, or a date (its midnight), is read as UTC,
// in every session, as materialization and Feast read them. A source's
// timestamps are compared in the column's own type, so that the plain
// index on (keys, ts) serves the probe whatever the type: for a timestamp
// or date column the spine's instant is turned into UTC wall time
// (timezone('UTC', t)), which orders as the column does.

// TimeType is the type of a timestamp column of a source.
type TimeType int

// The types a source's timestamp and created columns may have.
const (
	Timestamptz TimeType = iota // timestamp with time zone; the zero value
	Timestamp                   // timestamp without time zone, read as UTC
	Date                        // date, read as its midnight UTC
)

var precisionRe = regexp.MustCompile(`\s*\(\d+\)`)

// ParseTimeType reads a PostgreSQL type name, as format_type writes it
// ("timestamp(3) with time zone") or in short ("timestamptz").
func ParseTimeType(name string) (TimeType, error) {
	n := strings.ToLower(strings.Join(strings.Fields(name), " "))
	n = precisionRe.ReplaceAllString(n, "")
	switch n {
	case "timestamp with time zone", "timestamptz":
		return Timestamptz, nil
	case "timestamp without time zone", "timestamp":
		return Timestamp, nil
	case "date":
		return Date, nil
	}
	return 0, fmt.Errorf("pit: %q is not a timestamp type (date, timestamp or timestamptz)", name)
}

// TimeTypeOf returns the TimeType of a PostgreSQL type OID (1184
// timestamptz, 1114 timestamp, 1082 date).
func TimeTypeOf(oid uint32) (TimeType, error) {
	switch oid {
	case 1184:
		return Timestamptz, nil
	case 1114:
		return Timestamp, nil
	case 1082:
		return Date, nil
	}
	return 0, fmt.Errorf("pit: type OID %d is not a timestamp type (date, timestamp or timestamptz)", oid)
}

// probeTime is the spine's instant t (a timestamptz expression) in the
// column's type, for comparisons with the column.
func (tt TimeType) probeTime(t string) string {
	if tt == Timestamptz {
		return t
	}
	return "timezone('UTC', " + t + ")"
}

// instant is the column expression c as a timestamptz.
func (tt TimeType) instant(c string) string {
	switch tt {
	case Timestamp:
		return "timezone('UTC', " + c + ")"
	case Date:
		return "timezone('UTC', " + c + "::timestamp)"
	}
	return c + "::timestamptz"
}

// spineTime is the FROM item that holds the spine's time expression,
// evaluated once, as column "fg_time" of "fg_t"; a bare parameter or
// string constant, which has no type of its own, is read as timestamptz
// (PostgreSQL's preferred type), a parameter the client declares as
// timestamp as UTC.
func spineTime(expr string) string {
	raw := "(" + expr + ")"
	if untyped(expr) {
		raw = "timezone('UTC', " + expr + ")" // timestamptz -> UTC wall time; timestamp -> instant
	}
	return "(SELECT " + raw + ` AS "fg_time") AS "fg_t"`
}

// spineInstant is the spine's time, from spineTime, as an instant: a
// timestamptz as it is, a timestamp or date as UTC. The arithmetic
// (the value's distance from the epoch, in its own type, added to the
// naive epoch) is exact and the same for the three types; infinities,
// which have no distance, are cast.
const spineInstant = `CASE WHEN isfinite("fg_t"."fg_time") ` +
	`THEN timezone('UTC', (DATE 'epoch' + ("fg_t"."fg_time" - 'epoch'))::timestamp) ` +
	`ELSE "fg_t"."fg_time"::timestamptz END`

// untypedRe matches a parameter or a string constant, possibly
// parenthesized.
var untypedRe = regexp.MustCompile(`^\(*\s*(\$[0-9]+|[eE]?'(?:[^']|'')*'|\$([A-Za-z_][A-Za-z_0-9]*)?\$(?s:.*)\$([A-Za-z_][A-Za-z_0-9]*)?\$)\s*\)*$`)

// untyped reports whether expr is a parameter or a string constant,
// whose type PostgreSQL infers from where it is used.
func untyped(expr string) bool {
	m := untypedRe.FindStringSubmatch(strings.TrimSpace(expr))
	return m != nil && m[2] == m[3]
}
