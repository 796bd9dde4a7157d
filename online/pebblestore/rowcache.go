package pebblestore

import (
	"hash/maphash"
	"sync"

	"github.com/featuregate/featuregate/online"
)

// rowCache keeps the stored bytes of recently read keys in memory, in
// front of Pebble, so that a lookup of a hot key is a map read instead of
// a Pebble point read (an iterator over the memtables and the levels,
// about 4 µs). It holds exactly the bytes Pebble holds, so TTL and
// newer-wins read them as they would Pebble's: expiry is decided at each
// read from the cached event time, and decoding makes fresh values for
// every caller.
//
// It never serves a value older than a committed write: a write drops
// its keys from the cache once its batch is committed, before Write
// returns, and bumps its shard's epoch under the shard's lock; a reader
// notes the epoch before its Pebble read and caches what it read only if
// the epoch has not moved, so a value read before a commit cannot be
// cached after the commit's invalidation. Drops clear everything. Being
// memory only, it starts empty after a restart, so a crash loses nothing
// Pebble kept. A shard admits every key read while it has room; once
// full, it admits one missed key in admitFull, evicting entries at random
// (Go's map iteration order) until it fits again, so that lookups spread
// over far more keys than it holds do not turn it over (and make garbage)
// on every read.
type rowCache struct {
	seed   maphash.Seed
	shards []cacheShard
	budget int // bytes per shard; 0 disables the cache
}

// cacheShard is one lock's worth of the cache.
type cacheShard struct {
	mu     sync.Mutex
	epoch  uint64
	size   int
	misses uint64 // keys not admitted for want of room, for admitFull
	rows   map[string][]byte
}

// admitFull is how many missed keys a full shard sees for one it admits.
const admitFull = 16

// cacheShards is the number of shards, a power of two.
const cacheShards = 32

// entryOverhead approximates the bytes an entry costs beyond its key and
// value: the map slot, the string and slice headers.
const entryOverhead = 64

// newRowCache makes a cache of about bytes in total; 0 disables it.
func newRowCache(bytes int64) *rowCache {
	c := &rowCache{seed: maphash.MakeSeed(), budget: int(bytes / cacheShards)}
	if c.budget > 0 {
		c.shards = make([]cacheShard, cacheShards)
		for i := range c.shards {
			c.shards[i].rows = make(map[string][]byte)
		}
	}
	return c
}

func (c *rowCache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)&(cacheShards-1)]
}

// get returns the cached bytes of key, or the shard's epoch to hand to
// put after reading Pebble. The bytes must not be modified.
func (c *rowCache) get(key []byte) (val []byte, hit bool, epoch uint64) {
	if c.budget == 0 {
		return nil, false, 0
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	val, hit = s.rows[string(key)]
	return val, hit, s.epoch
}

// put caches a copy of val (nil: the key has nothing stored) under key,
// unless a write committed since get returned epoch, or the cache holds a
// newer value of key. Two readers of one epoch may have read Pebble
// before and after a commit whose invalidation is still to come: the one
// that read the older value must not replace the newer one, which the
// other has already returned.
func (c *rowCache) put(key, val []byte, epoch uint64) {
	cost := len(key) + len(val) + entryOverhead
	if c.budget == 0 || cost > c.budget {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoch != epoch {
		return
	}
	old, cached := s.rows[string(key)]
	switch {
	case cached && olderThan(val, old):
		return
	case cached: // a replacement is admitted whatever the budget, or the older value would stay
	case s.size+cost > c.budget:
		if s.misses++; s.misses%admitFull != 0 {
			return
		}
	}
	cp := make([]byte, len(val))
	copy(cp, val)
	if cached {
		s.size -= len(key) + len(old) + entryOverhead
	}
	s.rows[string(key)] = cp
	s.size += len(key) + len(cp) + entryOverhead
	for k, v := range s.rows {
		if s.size <= c.budget {
			break
		}
		delete(s.rows, k)
		s.size -= len(k) + len(v) + entryOverhead
	}
}

// olderThan reports whether the stored value a is older than b by their
// (TS, Created); nil (nothing stored) is older than any value.
func olderThan(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b != nil
	}
	ats, acreated, err1 := online.DecodeHeader(a)
	bts, bcreated, err2 := online.DecodeHeader(b)
	if err1 != nil || err2 != nil {
		return true // never replace with what cannot be read
	}
	return stamp{bts, bcreated}.newer(stamp{ats, acreated})
}

// invalidate drops keys and moves their shards' epochs, after the write
// of keys committed.
func (c *rowCache) invalidate(keys [][]byte) {
	if c.budget == 0 {
		return
	}
	for _, k := range keys {
		s := c.shard(k)
		s.mu.Lock()
		s.epoch++
		if old, ok := s.rows[string(k)]; ok {
			s.size -= len(k) + len(old) + entryOverhead
			delete(s.rows, string(k))
		}
		s.mu.Unlock()
	}
}

// clear drops everything and moves every epoch, after a drop committed.
func (c *rowCache) clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.epoch++
		clear(s.rows)
		s.size = 0
		s.mu.Unlock()
	}
}
