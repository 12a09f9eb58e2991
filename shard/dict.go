package shard

import (
	"hash/maphash"
	"math/bits"
)

const (
	dictMinSize      = 4  // smallest bucket array (Redis DICT_HT_INITIAL_SIZE)
	dictShrinkRatio  = 8  // shrink when Len() < buckets/dictShrinkRatio
	dictEmptyVisits  = 10 // empty buckets a single rehash move may skip (Redis: 10*n)
	dictOverloadStep = 64 // bucket moves per write while the target table is over-full
	dictRandomTries  = 256
)

// dictTable is one power-of-two array of bucket chains.
type dictTable struct {
	buckets []*Entry
	mask    uint64 // len(buckets)-1; meaningless when buckets is empty
	used    int    // entries chained in this table
}

// Dict is the keyspace hash table of one database: a chained hash table of *Entry with two
// bucket arrays for incremental rehash, after the design of Redis's dict.c.
//
// Ownership: a Dict and every Entry in it belong to the shard that holds it. Only the
// goroutine currently holding the shard may call any method or touch any Entry; there is no
// internal locking. Even Get mutates (it performs a rehash step).
//
// Invariants:
//   - Bucket arrays have power-of-two length (at least dictMinSize once anything was
//     inserted); an entry with hash h lives in bucket h&mask of exactly one table.
//   - When not rehashing, only ht[0] is in use and ht[1] is empty. While rehashing
//     (rehashIdx >= 0), ht[0] is the old table, ht[1] the new one; all ht[0] buckets below
//     rehashIdx are empty, new keys always go to ht[1], and lookups probe both tables.
//   - Each Entry's vidx is its index in the volatile set when Expire != 0, and -1 when
//     Expire == 0 (SetExpire keeps this; callers must not write Expire directly).
//
// Resizing: a resize starts when Len() >= buckets (grow, load factor 1) or when
// Len() < buckets/8 (shrink, never below 4 buckets); the new size is the smallest power of two
// greater than Len(). Starting a resize only allocates the new array (a first allocation,
// when the old table is empty, is installed directly). Entries then move one old bucket at a
// time: every Get, Insert and Delete performs one bucket move (skipping at most 10 empty
// buckets, as Redis's dictRehash(d, 1)), and the shard calls RehashStep(n) on idle ticks.
// There is never an all-at-once rehash, so no single call costs O(Len()). If a shrink is
// followed by so many inserts that the new table becomes over-full before the move has
// finished, writes move dictOverloadStep buckets each, to finish the move quickly.
//
// Scan guarantee (Redis's dictScan): a full scan started with cursor 0 and continued with
// each returned cursor until 0 returns every key present for the whole scan at least once,
// even if the table grows, shrinks or is mid-rehash between calls; a key may be returned
// more than once. Why it works: the cursor is a bucket index incremented on its reversed
// bits, so the high bits of the index change fastest. For table size 2^k, the buckets
// already visited are then exactly those whose index, read bit-reversed, is below the
// cursor's, and bucket b of a 2^k table splits into buckets b and b+2^k of a 2^(k+1) table,
// which are adjacent in reversed order. So the visited set is always "all hashes whose low
// bits (reversed) precede the cursor", whatever the table size: after growth, the expansions
// of visited buckets are all behind the cursor (no miss, no repeat); after a shrink, a small
// bucket merges visited and unvisited big buckets and is simply scanned again (repeats, no
// miss). While rehashing, one call scans the small table's bucket and all its expansions in
// the big table, so keys on either side of the move are covered.
type Dict struct {
	ht        [2]dictTable
	rehashIdx int // next ht[0] bucket to move; -1 when not rehashing
	pause     int // >0 while Scan/ForEach run: rehash steps are suspended
	seed      maphash.Seed
	vol       volatileSet
}

// NewDict returns an empty Dict with its own hash seed. No bucket array is allocated until
// the first Insert.
func NewDict() *Dict {
	return &Dict{rehashIdx: -1, seed: maphash.MakeSeed()}
}

// Len returns the number of keys.
func (d *Dict) Len() int { return d.ht[0].used + d.ht[1].used }

// VolatileLen returns the number of keys with a TTL.
func (d *Dict) VolatileLen() int { return d.vol.n }

func (d *Dict) rehashing() bool { return d.rehashIdx >= 0 }

// Get returns the entry for key, or nil. It does not allocate.
func (d *Dict) Get(key []byte) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashIdx >= 0 && d.pause == 0 {
		d.rehash(1)
	}
	h := maphash.Bytes(d.seed, key)
	t := &d.ht[0]
	idx := h & t.mask
	if d.rehashIdx < 0 || idx >= uint64(d.rehashIdx) {
		for e := t.buckets[idx]; e != nil; e = e.next {
			if e.Key == string(key) {
				return e
			}
		}
	}
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
		for e := t.buckets[h&t.mask]; e != nil; e = e.next {
			if e.Key == string(key) {
				return e
			}
		}
	}
	return nil
}

// Insert adds key, which the caller guarantees is absent (Get returned nil), and returns the
// new Entry with Expire 0 and no value. It allocates exactly twice for a non-empty key: the
// Entry and the copy of key in Entry.Key (plus, rarely, a new bucket array when a resize
// starts).
func (d *Dict) Insert(key []byte) *Entry {
	if d.rehashIdx >= 0 {
		d.writeStep()
	}
	d.growIfNeeded()
	e := &Entry{Key: string(key), vidx: -1}
	t := &d.ht[0]
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
	}
	i := maphash.Bytes(d.seed, key) & t.mask
	e.next = t.buckets[i]
	t.buckets[i] = e
	t.used++
	return e
}

// Delete removes key and returns its Entry (also removed from the volatile set; Expire is left
// as it was), or returns nil if key is absent. It does not allocate.
func (d *Dict) Delete(key []byte) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashIdx >= 0 {
		d.writeStep()
	}
	h := maphash.Bytes(d.seed, key)
	for ti := 0; ti < 2; ti++ {
		t := &d.ht[ti]
		idx := h & t.mask
		if ti == 0 && d.rehashIdx >= 0 && idx < uint64(d.rehashIdx) {
			continue
		}
		for p := &t.buckets[idx]; *p != nil; p = &(*p).next {
			if e := *p; e.Key == string(key) {
				*p = e.next
				e.next = nil
				t.used--
				if e.vidx >= 0 {
					d.vol.remove(e)
				}
				if d.rehashIdx < 0 {
					d.shrinkIfNeeded()
				}
				return e
			}
		}
		if d.rehashIdx < 0 {
			break
		}
	}
	return nil
}

// SetExpire sets e's absolute expiry time in unix ms; at == 0 removes the TTL. e must be in d.
func (d *Dict) SetExpire(e *Entry, at int64) {
	if at == 0 {
		if e.vidx >= 0 {
			d.vol.remove(e)
		}
	} else if e.vidx < 0 {
		d.vol.add(e)
	}
	e.Expire = at
}

// RandomVolatile returns the key with a TTL at position r % VolatileLen() of the volatile
// set (O(1)), or nil if no key has a TTL. Pass a uniformly random r for a uniform pick.
func (d *Dict) RandomVolatile(r uint64) *Entry {
	if d.vol.n == 0 {
		return nil
	}
	return d.vol.at(int(r % uint64(d.vol.n)))
}

// RandomEntry returns a random key, or nil if d is empty, in O(1) expected time: a random
// non-empty bucket, then a random element of its chain (like Redis's dictGetRandomKey; keys
// in long chains are slightly less likely). r must return uniformly random values.
func (d *Dict) RandomEntry(r func() uint64) *Entry {
	if d.Len() == 0 {
		return nil
	}
	var head *Entry
	if d.rehashIdx < 0 {
		b := d.ht[0].buckets
		for try := 0; try < dictRandomTries && head == nil; try++ {
			head = b[r()&d.ht[0].mask]
		}
	} else {
		// Old-table buckets below rehashIdx are empty: draw from the rest of both tables.
		lo := uint64(d.rehashIdx)
		s0 := uint64(len(d.ht[0].buckets))
		n := s0 + uint64(len(d.ht[1].buckets)) - lo
		for try := 0; try < dictRandomTries && head == nil; try++ {
			head = d.flatBucket(lo+r()%n, s0)
		}
	}
	if head == nil {
		// Only reachable when the table is very sparse (e.g. a mass delete during a grow):
		// walk forward from a random bucket to the next non-empty one.
		lo := uint64(0)
		if d.rehashIdx >= 0 {
			lo = uint64(d.rehashIdx)
		}
		s0 := uint64(len(d.ht[0].buckets))
		n := s0 + uint64(len(d.ht[1].buckets)) - lo
		start := r() % n
		for k := uint64(0); head == nil; k++ {
			head = d.flatBucket(lo+(start+k)%n, s0)
		}
	}
	l := uint64(0)
	for e := head; e != nil; e = e.next {
		l++
	}
	e := head
	for k := r() % l; k > 0; k-- {
		e = e.next
	}
	return e
}

// flatBucket indexes ht[0] and ht[1] as one array; s0 = len(ht[0].buckets).
func (d *Dict) flatBucket(i, s0 uint64) *Entry {
	if i < s0 {
		return d.ht[0].buckets[i]
	}
	return d.ht[1].buckets[i-s0]
}

// Scan calls fn for the keys of one cursor position and returns the next cursor, 0 when the
// scan is complete (start with 0). See the Dict comment for the guarantee. fn must not insert
// or delete keys (collect them and act after Scan returns); Get is allowed.
func (d *Dict) Scan(cursor uint64, fn func(e *Entry)) uint64 {
	if d.Len() == 0 {
		return 0
	}
	d.pause++
	defer func() { d.pause-- }()
	v := cursor
	if d.rehashIdx < 0 {
		t := &d.ht[0]
		emitChain(t.buckets[v&t.mask], fn)
		return nextCursor(v, t.mask)
	}
	small, big := &d.ht[0], &d.ht[1]
	if len(small.buckets) > len(big.buckets) {
		small, big = big, small
	}
	m0, m1 := small.mask, big.mask
	emitChain(small.buckets[v&m0], fn)
	// Visit every big-table bucket that is an expansion of small bucket v&m0, i.e. iterate
	// over the bits in m1 but not in m0 (the reversed-cursor increment walks them in order).
	for {
		emitChain(big.buckets[v&m1], fn)
		v = nextCursor(v, m1)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

// nextCursor increments the bits of v under mask as a reversed binary number (bits above mask
// are dropped), so the highest index bit changes fastest.
func nextCursor(v, mask uint64) uint64 {
	v |= ^mask
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

func emitChain(e *Entry, fn func(e *Entry)) {
	for e != nil {
		next := e.next
		fn(e)
		e = next
	}
}

// ForEach calls fn for every key until fn returns false. fn must not insert or delete keys;
// Get is allowed (rehashing is suspended during ForEach).
func (d *Dict) ForEach(fn func(e *Entry) bool) {
	d.pause++
	defer func() { d.pause-- }()
	for ti := 0; ti < 2; ti++ {
		for _, e := range d.ht[ti].buckets {
			for e != nil {
				next := e.next
				if !fn(e) {
					return
				}
				e = next
			}
		}
	}
}

// RehashStep moves up to n buckets (skipping at most 10*n empty ones) if a rehash is in
// progress. When none is (before or after the moves), it starts one if the table needs to
// grow or shrink, so idle ticks also shrink tables after mass deletes. It returns true if a
// rehash is still in progress afterwards; `for d.RehashStep(n) {}` finishes all pending
// resizing.
func (d *Dict) RehashStep(n int) bool {
	if d.pause != 0 {
		return d.rehashIdx >= 0
	}
	d.resizeIfNeeded()
	if d.rehashIdx >= 0 && n > 0 {
		d.rehash(n)
		// A finished rehash may leave a table that needs resizing again (e.g. keys were
		// deleted during a grow): start that now so callers looping until false converge.
		d.resizeIfNeeded()
	}
	return d.rehashIdx >= 0
}

func (d *Dict) resizeIfNeeded() {
	d.growIfNeeded()
	d.shrinkIfNeeded()
}

// Clear drops every key and releases the bucket arrays and volatile set (FLUSHDB). The seed
// is kept.
func (d *Dict) Clear() {
	d.ht = [2]dictTable{}
	d.rehashIdx = -1
	d.vol = volatileSet{}
}

// writeStep is the rehash work done by Insert and Delete while rehashing.
func (d *Dict) writeStep() {
	if d.pause != 0 {
		return
	}
	n := 1
	if d.ht[1].used >= len(d.ht[1].buckets) {
		n = dictOverloadStep
	}
	d.rehash(n)
}

// rehash moves up to n non-empty ht[0] buckets into ht[1], visiting at most 10*n empty
// buckets, and completes the rehash when ht[0] is drained.
func (d *Dict) rehash(n int) {
	t0, t1 := &d.ht[0], &d.ht[1]
	empty := n * dictEmptyVisits
	for ; n > 0 && t0.used != 0; n-- {
		// t0.used != 0 guarantees a non-empty bucket at or after rehashIdx.
		for t0.buckets[d.rehashIdx] == nil {
			d.rehashIdx++
			if empty--; empty == 0 {
				return
			}
		}
		e := t0.buckets[d.rehashIdx]
		t0.buckets[d.rehashIdx] = nil
		for e != nil {
			next := e.next
			i := maphash.String(d.seed, e.Key) & t1.mask
			e.next = t1.buckets[i]
			t1.buckets[i] = e
			t0.used--
			t1.used++
			e = next
		}
		d.rehashIdx++
	}
	if t0.used == 0 {
		d.ht[0] = d.ht[1]
		d.ht[1] = dictTable{}
		d.rehashIdx = -1
	}
}

func (d *Dict) growIfNeeded() {
	if d.rehashIdx < 0 && d.ht[0].used >= len(d.ht[0].buckets) {
		d.resize(d.ht[0].used + 1)
	}
}

func (d *Dict) shrinkIfNeeded() {
	if d.rehashIdx < 0 && len(d.ht[0].buckets) > dictMinSize &&
		d.ht[0].used < len(d.ht[0].buckets)/dictShrinkRatio {
		d.resize(d.ht[0].used + 1)
	}
}

// resize starts a rehash into a table of the smallest power of two >= want (at least
// dictMinSize). An empty table is replaced at once. Must not be called while rehashing.
func (d *Dict) resize(want int) {
	size := dictMinSize
	for size < want {
		size <<= 1
	}
	t := dictTable{buckets: make([]*Entry, size), mask: uint64(size - 1)}
	if d.ht[0].used == 0 {
		d.ht[0] = t
		return
	}
	d.ht[1] = t
	d.rehashIdx = 0
}

// volatileSet holds the entries with a TTL, in fixed-size chunks so that growing it never
// copies the whole set (a flat slice append at millions of keys would be a multi-ms stall).
// Entry.vidx is each member's position; removal swaps the last member into the hole.
type volatileSet struct {
	chunks []*[volChunk]*Entry
	n      int
}

const (
	volShift = 10
	volChunk = 1 << volShift
	volMask  = volChunk - 1
)

func (v *volatileSet) at(i int) *Entry { return v.chunks[i>>volShift][i&volMask] }

func (v *volatileSet) put(i int, e *Entry) {
	v.chunks[i>>volShift][i&volMask] = e
	e.vidx = int32(i)
}

func (v *volatileSet) add(e *Entry) {
	if v.n>>volShift == len(v.chunks) {
		v.chunks = append(v.chunks, new([volChunk]*Entry))
	}
	v.put(v.n, e)
	v.n++
}

func (v *volatileSet) remove(e *Entry) {
	i, last := int(e.vidx), v.n-1
	if i != last {
		v.put(i, v.at(last))
	}
	v.chunks[last>>volShift][last&volMask] = nil
	v.n = last
	e.vidx = -1
	// Keep at most one spare empty chunk, so add/remove at a chunk boundary do not thrash.
	if inUse := (v.n + volMask) >> volShift; len(v.chunks) > inUse+1 {
		v.chunks[len(v.chunks)-1] = nil
		v.chunks = v.chunks[:len(v.chunks)-1]
	}
}
