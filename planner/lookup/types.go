package lookup

import (
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// typeOIDs maps the canonical type names of the catalog to PostgreSQL type
// OIDs, for the columns and parameters of statements the gateway answers.
var typeOIDs = map[string][2]uint32{ // name -> {scalar, array}
	"text":                        {pgtype.TextOID, pgtype.TextArrayOID},
	"bigint":                      {pgtype.Int8OID, pgtype.Int8ArrayOID},
	"integer":                     {pgtype.Int4OID, pgtype.Int4ArrayOID},
	"smallint":                    {pgtype.Int2OID, pgtype.Int2ArrayOID},
	"real":                        {pgtype.Float4OID, pgtype.Float4ArrayOID},
	"double precision":            {pgtype.Float8OID, pgtype.Float8ArrayOID},
	"numeric":                     {pgtype.NumericOID, pgtype.NumericArrayOID},
	"boolean":                     {pgtype.BoolOID, pgtype.BoolArrayOID},
	"bytea":                       {pgtype.ByteaOID, pgtype.ByteaArrayOID},
	"date":                        {pgtype.DateOID, pgtype.DateArrayOID},
	"timestamp without time zone": {pgtype.TimestampOID, pgtype.TimestampArrayOID},
	"timestamp with time zone":    {pgtype.TimestamptzOID, pgtype.TimestamptzArrayOID},
	"jsonb":                       {pgtype.JSONBOID, pgtype.JSONBArrayOID},
}

// typeOID returns the OID of a catalog type name, "name[]" for arrays;
// text when the name is unknown.
func typeOID(name string) uint32 {
	if elem, ok := strings.CutSuffix(name, "[]"); ok {
		if o, ok := typeOIDs[elem]; ok {
			return o[1]
		}
		return pgtype.TextArrayOID
	}
	if o, ok := typeOIDs[name]; ok {
		return o[0]
	}
	return pgtype.TextOID
}

// TypeOID returns the OID of a catalog type name, "name[]" for arrays;
// text when the name is unknown.
func TypeOID(name string) uint32 { return typeOID(name) }

// arrayOID returns the OID of an array of the catalog type name.
func arrayOID(name string) uint32 { return typeOID(name + "[]") }
