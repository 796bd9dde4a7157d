package catalog

import (
	"context"
)

// TimeTypes are the type OIDs of a source's timestamp and created columns
// (0 when the source has no created column).
type TimeTypes struct {
	TS, Created uint32
}

// SourceTimeTypes reports, per feature view of sn, the types of its
// source's timestamp and created columns, read by describing (not
// running) a query of them on the offline store. Views whose source cannot
// be described are left out.
func (s *Store) SourceTimeTypes(ctx context.Context, sn *Snapshot) (map[string]TimeTypes, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, dbError(err, "registry: describe sources")
	}
	defer conn.Release()
	bySource := map[string]TimeTypes{}
	for _, src := range sn.Sources {
		cols := QuoteIdent(src.TimestampColumn)
		if src.CreatedColumn != "" {
			cols += ", " + QuoteIdent(src.CreatedColumn)
		}
		from := src.Table
		if from == "" {
			from = "(" + src.Query + ")"
		}
		sd, err := conn.Conn().PgConn().Prepare(ctx, "", "SELECT "+cols+" FROM "+from+" AS fg_src LIMIT 0", nil)
		if err != nil {
			continue // the source changed under the registry: its view reads as timestamptz until it is fixed
		}
		tt := TimeTypes{TS: sd.Fields[0].DataTypeOID}
		if len(sd.Fields) > 1 {
			tt.Created = sd.Fields[1].DataTypeOID
		}
		bySource[src.Name] = tt
	}
	out := make(map[string]TimeTypes, len(sn.Views))
	for _, v := range sn.Views {
		if tt, ok := bySource[v.Source]; ok {
			out[v.Name] = tt
		}
	}
	return out, nil
}
