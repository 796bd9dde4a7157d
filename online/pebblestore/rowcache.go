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
// It never serves a value older than one a read returned, nor older than
// a committed write. A write opens a window on the shards of its keys
// just before its batch commits, and drops its keys from them; it closes
// the window once the commit ended, before Write returns, moving the
// shards' epochs. Nothing is cached in a shard while its window is open.
// A reader notes the epoch before its Pebble read and caches what it read
// only if the epoch has not moved and no window is open, so a value read
// before a commit cannot be cached after it; and a reader that met the
// committed value in Pebble cannot meet the older one in the cache
// afterwards, since the older one was dropped before the commit. Drops
// open the window on every shard and clear everything. Being
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
	mu      sync.Mutex
	epoch   uint64
	writing int // writes whose window is open
	size    int
	misses  uint64 // keys not admitted for want of room, for admitFull
	rows    map[string][]byte
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
	if s.epoch != epoch || s.writing > 0 {
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

// cacheWrite is a commit's window on the row cache: begin runs just
// before the commit, end once it ended.
type cacheWrite interface {
	begin()
	end()
}

// keysWrite is the window of a write of keys.
func (c *rowCache) keysWrite(keys [][]byte) cacheWrite {
	if c.budget == 0 {
		return nil
	}
	w := &keysWrite{c: c, keys: keys, shards: make([]uint8, len(keys))}
	for i, k := range keys {
		w.shards[i] = uint8(maphash.Bytes(c.seed, k) & (cacheShards - 1))
		w.touched |= 1 << w.shards[i]
	}
	return w
}

// keysWrite is a write's window on the shards of its keys.
type keysWrite struct {
	c       *rowCache
	keys    [][]byte
	shards  []uint8 // of each key
	touched uint64  // bit i: shard i holds a key
}

// begin opens the window, then drops the keys: no reader can meet an
// older value of them in the cache once one may have met the commit's in
// Pebble.
func (w *keysWrite) begin() {
	w.c.forShards(w.touched, func(s *cacheShard) { s.writing++ })
	for i, k := range w.keys {
		s := &w.c.shards[w.shards[i]]
		s.mu.Lock()
		if old, ok := s.rows[string(k)]; ok {
			s.size -= len(k) + len(old) + entryOverhead
			delete(s.rows, string(k))
		}
		s.mu.Unlock()
	}
}

// end moves the epochs, so that what was read before it is not cached,
// and closes the window.
func (w *keysWrite) end() {
	w.c.forShards(w.touched, func(s *cacheShard) { s.epoch++; s.writing-- })
}

// forShards runs f on each shard whose bit is set in set, under its lock.
func (c *rowCache) forShards(set uint64, f func(*cacheShard)) {
	for i := range c.shards {
		if set&(1<<i) != 0 {
			s := &c.shards[i]
			s.mu.Lock()
			f(s)
			s.mu.Unlock()
		}
	}
}

// dropWrite is the window of a drop: every shard, cleared at the end,
// and the store's view bounds forgotten.
type dropWrite struct{ s *Store }

func (d dropWrite) begin() {
	d.s.rows.forShards(allShards, func(s *cacheShard) {
		s.writing++
		clear(s.rows)
		s.size = 0
	})
}

func (d dropWrite) end() {
	d.s.rows.forShards(allShards, func(s *cacheShard) { s.epoch++; s.writing-- })
	clear(d.s.bounds)
}

// allShards has the bit of every shard set.
const allShards = 1<<cacheShards - 1
