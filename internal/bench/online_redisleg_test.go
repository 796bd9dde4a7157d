package bench

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// onlineRedisLeg is a leg of go-redis clients, each with one connection
// to r, reading keys keys at a time the features of v: one HMGET, or a
// pipeline of one HMGET per key, as Feast's Redis online store reads.
func onlineRedisLeg(kind string, r *onlineRedisServer, v onlineView, keys, clients int) onlineLeg {
	fields := v.redisFields()
	return onlineLeg{kind: kind, target: onlineRedis, clients: clients, keys: keys,
		open: func(ctx context.Context) (onlineConn, error) {
			c := r.client()
			if err := c.Ping(ctx).Err(); err != nil { // connects before the leg
				_ = c.Close()
				return nil, fmt.Errorf("connect to redis: %w", err)
			}
			return &onlineRedisConn{rdb: c, fields: fields, cmds: make([]*redis.SliceCmd, 0, keys)}, nil
		}}
}

// onlineRedisConn is a go-redis client's connection.
type onlineRedisConn struct {
	rdb    *redis.Client
	fields []string
	cmds   []*redis.SliceCmd
}

// lookup runs HMGET for one key, or a pipeline of them for several, and
// checks that every key was found (its first feature, never NULL, is
// there).
func (c *onlineRedisConn) lookup(ctx context.Context, keys []string) error {
	if len(keys) == 1 {
		vals, err := c.rdb.HMGet(ctx, keys[0], c.fields...).Result()
		if err != nil {
			return fmt.Errorf("HMGET: %w", err)
		}
		return onlineRedisFound(keys[0], vals, len(c.fields))
	}
	c.cmds = c.cmds[:0]
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			c.cmds = append(c.cmds, p.HMGet(ctx, k, c.fields...))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pipeline of %d HMGETs: %w", len(keys), err)
	}
	for i, cmd := range c.cmds {
		if err := onlineRedisFound(keys[i], cmd.Val(), len(c.fields)); err != nil {
			return err
		}
	}
	return nil
}

// onlineRedisFound checks one HMGET's answer for key.
func onlineRedisFound(key string, vals []any, fields int) error {
	if len(vals) != fields || vals[0] == nil {
		return fmt.Errorf("HMGET %s: %d values, the first %v; want %d, the first set", key, len(vals), vals[0:min(1, len(vals))], fields)
	}
	return nil
}

func (c *onlineRedisConn) close(context.Context) { _ = c.rdb.Close() }
