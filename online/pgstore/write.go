package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/online"
)

// upsertSQL writes a batch of rows, each replacing the stored row of its
// key only when its (ts, created) is strictly greater; an absent created
// compares as Go's zero time. Rows are inserted in array order (sorted by
// the caller), which is the order their row locks are taken in.
const upsertSQL = `
INSERT INTO featuregate_online.features AS o
	(project, view, key, ts, ts_ns, created, created_ns, value)
SELECT project, view, key, ts, ts_ns, created, created_ns, value
FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[], $5::int2[],
            $6::timestamptz[], $7::int2[], $8::bytea[])
	WITH ORDINALITY AS r(project, view, key, ts, ts_ns, created, created_ns, value, n)
ORDER BY n
ON CONFLICT (project, view, key) DO UPDATE
SET ts = excluded.ts, ts_ns = excluded.ts_ns, created = excluded.created,
	created_ns = excluded.created_ns, value = excluded.value
WHERE (o.ts, o.ts_ns, coalesce(o.created, '0001-01-01 00:00:00+00'), o.created_ns)
    < (excluded.ts, excluded.ts_ns, coalesce(excluded.created, '0001-01-01 00:00:00+00'), excluded.created_ns)`

// encoded is a row ready to send.
type encoded struct {
	project, view string
	key, value    []byte
	ts, created   time.Time
}

// newer reports whether e's (TS, Created) is strictly greater than o's,
// as the Pebble store compares them.
func (e *encoded) newer(o *encoded) bool {
	if c := e.ts.Compare(o.ts); c != 0 {
		return c > 0
	}
	return e.created.Compare(o.created) > 0
}

// compare orders rows by (project, view, key), bytewise.
func compare(a, b *encoded) int {
	if c := strings.Compare(a.project, b.project); c != 0 {
		return c
	}
	if c := strings.Compare(a.view, b.view); c != 0 {
		return c
	}
	return bytes.Compare(a.key, b.key)
}

// Write stores the rows that are newer than what the store holds: a row
// replaces the stored value of its key only when (TS, Created) is strictly
// greater; older or equal rows are skipped and not counted. Rows of one
// call are compared in order, also against each other, and are committed
// in one durable transaction: either all of the call's accepted rows are
// there or none. written counts the rows that replaced a value (or filled
// an empty key) at their turn, as the Pebble store counts them.
func (s *Store) Write(ctx context.Context, rows []online.Row) (written int, err error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	rounds, err := records(rows)
	if err != nil || len(rounds) == 0 {
		return 0, err
	}
	b := &pgx.Batch{}
	for _, round := range rounds {
		b.Queue(upsertSQL, roundArgs(round)...)
	}
	br := s.pool.SendBatch(ctx, b)
	for range rounds {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return 0, wrap(ctx, "write", err)
		}
		written += int(tag.RowsAffected())
	}
	if err := br.Close(); err != nil {
		return 0, wrap(ctx, "write", err)
	}
	return written, nil
}

// records encodes the rows and returns the call's records by round: round
// i holds the i-th record of every key that has one, a record being a row
// newer than every earlier row of its key in the call. Each round is sorted
// by key; later rounds only hold keys of the first, so row locks are always
// taken in one order.
func records(rows []online.Row) ([][]*encoded, error) {
	chains := map[string][]*encoded{}
	var order []string // chain keys in order of first appearance
	for i := range rows {
		e, err := encode(&rows[i])
		if err != nil {
			return nil, fmt.Errorf("pgstore: write row %d: %w", i+1, err)
		}
		id := e.project + "\x00" + e.view + "\x00" + string(e.key)
		c, seen := chains[id]
		if !seen {
			order = append(order, id)
		}
		if !seen || e.newer(c[len(c)-1]) {
			chains[id] = append(c, e)
		}
	}
	var rounds [][]*encoded
	for _, id := range order {
		for i, e := range chains[id] {
			if i == len(rounds) {
				rounds = append(rounds, nil)
			}
			rounds[i] = append(rounds[i], e)
		}
	}
	for _, r := range rounds {
		slices.SortFunc(r, compare)
	}
	return rounds, nil
}

// encode checks and encodes one row.
func encode(r *online.Row) (*encoded, error) {
	if r.Project == "" || r.View == "" {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "pgstore: row without project or view")
	}
	key, err := r.AppendKey(nil)
	if err != nil {
		return nil, err
	}
	value, err := r.AppendValue(nil)
	if err != nil {
		return nil, err
	}
	return &encoded{project: r.Project, view: r.View, key: key, value: value, ts: r.TS, created: r.Created}, nil
}

// roundArgs returns the eight column arrays of upsertSQL.
func roundArgs(round []*encoded) []any {
	n := len(round)
	projects, views := make([]string, n), make([]string, n)
	keys, values := make([][]byte, n), make([][]byte, n)
	ts, created := make([]time.Time, n), make([]pgtype.Timestamptz, n)
	tsNs, createdNs := make([]int16, n), make([]int16, n)
	for i, e := range round {
		projects[i], views[i], keys[i], values[i] = e.project, e.view, e.key, e.value
		ts[i], tsNs[i] = split(e.ts)
		if !e.created.IsZero() {
			var c time.Time
			c, createdNs[i] = split(e.created)
			created[i] = pgtype.Timestamptz{Time: c, Valid: true}
		}
	}
	return []any{projects, views, keys, ts, tsNs, created, createdNs, values}
}
