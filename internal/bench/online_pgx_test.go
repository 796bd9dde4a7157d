package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// onlineStmt is the name of each pgx client's prepared statement.
const onlineStmt = "online_lookup"

// onlineLookupSQL is the lookup of a leg, on the feature view or on the
// baseline table: one key by = $1, several by = ANY($1).
func onlineLookupSQL(v onlineView, target string, keys int) string {
	rel := v.view()
	if target == onlinePG {
		rel = v.baseline()
	}
	if keys > 1 {
		return fmt.Sprintf("SELECT user_id, %s FROM %s WHERE user_id = ANY($1)", v.featureList(), rel)
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE user_id = $1", v.featureList(), rel)
}

// onlinePGXLeg is a leg of pgx clients on dsn looking up keys keys at a
// time in view v (or its baseline, for onlinePG): with a prepared
// statement, or for onlineFGSimple with the simple protocol, where pgx
// writes the key into the SQL text and the gateway parses every lookup.
func onlinePGXLeg(kind, target, dsn string, v onlineView, keys, clients int) onlineLeg {
	sql := onlineLookupSQL(v, target, keys)
	simple := target == onlineFGSimple
	return onlineLeg{kind: kind, target: target, clients: clients, keys: keys,
		open: func(ctx context.Context) (onlineConn, error) {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				return nil, fmt.Errorf("connect: %w", err)
			}
			p := &onlinePGXConn{conn: c, sql: sql, simple: simple}
			if !simple {
				if _, err := c.Prepare(ctx, onlineStmt, sql); err != nil {
					_ = c.Close(ctx)
					return nil, fmt.Errorf("prepare %s: %w", sql, err)
				}
				p.sql = onlineStmt
			}
			return p, nil
		}}
}

// onlinePGXConn is a pgx client's connection.
type onlinePGXConn struct {
	conn   *pgx.Conn
	sql    string // the prepared statement's name, or the SQL
	simple bool
}

// lookup runs the lookup with a scalar key or an array of keys and
// counts the rows.
func (c *onlinePGXConn) lookup(ctx context.Context, keys []string) error {
	var arg any = keys
	if len(keys) == 1 {
		arg = keys[0]
	}
	args := []any{arg}
	if c.simple {
		args = []any{pgx.QueryExecModeSimpleProtocol, arg}
	}
	rows, err := c.conn.Query(ctx, c.sql, args...)
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	if n != len(keys) {
		return fmt.Errorf("lookup of %d keys returned %d rows", len(keys), n)
	}
	return nil
}

func (c *onlinePGXConn) close(ctx context.Context) { _ = c.conn.Close(ctx) }
