package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// onlineRedisChunk is the number of HSETs of each pipeline that loads
// Redis.
const onlineRedisChunk = 1000

// onlineRedisLoad copies the latest values of every view from its
// baseline table into Redis in Feast's shape: one hash per entity, keyed
// by the entity key, with one field per feature (both views' features in
// the same hash); a NULL is a missing field.
func onlineRedisLoad(ctx context.Context, r *onlineRedisServer, pgDSN string) error {
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return fmt.Errorf("redis load: %w", err)
	}
	defer pg.Close(ctx)
	rdb := r.client()
	defer rdb.Close()
	for _, v := range onlineViews {
		if err := onlineRedisLoadView(ctx, rdb, pg, v); err != nil {
			return fmt.Errorf("redis load of %s: %w", v.baseline(), err)
		}
	}
	return nil
}

// onlineRedisLoadView copies one baseline table, in pipelines of
// onlineRedisChunk HSETs.
func onlineRedisLoadView(ctx context.Context, rdb *redis.Client, pg *pgx.Conn, v onlineView) error {
	rows, err := pg.Query(ctx, fmt.Sprintf("SELECT user_id, %s FROM %s", v.featureList(), v.baseline()))
	if err != nil {
		return err
	}
	defer rows.Close()
	pipe := rdb.Pipeline()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		fields, err := onlineRedisHash(v, vals[1:])
		if err != nil {
			return err
		}
		pipe.HSet(ctx, vals[0].(string), fields...)
		if pipe.Len() == onlineRedisChunk {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = pipe.Exec(ctx) // an empty pipeline is no error
	return err
}

// onlineRedisHash is the HSET arguments (field, value, …) of one row's
// features; NULLs are left out.
func onlineRedisHash(v onlineView, feats []any) ([]any, error) {
	out := make([]any, 0, 2*len(feats))
	for i, x := range feats {
		if x == nil {
			continue
		}
		s, err := onlineRedisValue(x)
		if err != nil {
			return nil, err
		}
		out = append(out, v.redisField(i+1), s)
	}
	return out, nil
}

// onlineVerifyRedis checks, before anything is timed, that Redis answers
// the HMGETs of the Redis legs with the baseline's values for a sample of
// keys (every feature of both views), and nothing for an unknown key.
func onlineVerifyRedis(ctx context.Context, r *onlineRedisServer, pgDSN string, keys []string) error {
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	rdb := r.client()
	defer rdb.Close()
	sample := keys[:min(onlineSample, len(keys))]
	for _, v := range onlineViews {
		for o := 0; o+onlineBatch <= len(sample); o += onlineBatch {
			if err := onlineVerifyRedisBatch(ctx, rdb, pg, v, sample[o:o+onlineBatch]); err != nil {
				return fmt.Errorf("redis, %s: %w", v.view(), err)
			}
		}
	}
	vals, err := rdb.HMGet(ctx, "no such user", onlineViews[0].redisFields()...).Result()
	if err != nil {
		return err
	}
	for i, x := range vals {
		if x != nil {
			return fmt.Errorf("redis, unknown key: f%d is %v, want nil", i+1, x)
		}
	}
	return nil
}

// onlineVerifyRedisBatch compares the HMGET of every key of a batch with
// the baseline's row.
func onlineVerifyRedisBatch(ctx context.Context, rdb *redis.Client, pg *pgx.Conn, v onlineView, keys []string) error {
	want, err := onlineRows(ctx, pg, onlineLookupSQL(v, onlinePG, len(keys)), keys)
	if err != nil {
		return err
	}
	if len(want) != len(keys) {
		return fmt.Errorf("baseline: %d rows for %d keys", len(want), len(keys))
	}
	for _, row := range want {
		key := row[0].(string)
		got, err := rdb.HMGet(ctx, key, v.redisFields()...).Result()
		if err != nil {
			return err
		}
		if err := onlineSameRedis(got, row[1:]); err != nil {
			return fmt.Errorf("key %s: %w", key, err)
		}
	}
	return nil
}

// onlineSameRedis compares one HMGET's values with a baseline row.
func onlineSameRedis(got, want []any) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i, w := range want {
		if w == nil {
			if got[i] != nil {
				return fmt.Errorf("f%d is %#v, want nil (NULL)", i+1, got[i])
			}
			continue
		}
		ws, err := onlineRedisValue(w)
		if err != nil {
			return err
		}
		if got[i] != ws {
			return fmt.Errorf("f%d is %#v, want %q", i+1, got[i], ws)
		}
	}
	return nil
}
