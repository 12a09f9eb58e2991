package shard

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

const (
	dictMinSize      = 4  // smallest bucket array (Redis DICT_HT_INITIAL_SIZE)
	dictShrinkRatio  = 8  // shrink when Len() < buckets/dictShrinkRatio
	dictEmptyVisits  = 10 // empty buckets one rehash move may skip (Redis: 10*n)
	dictOverloadStep = 64 // bucket moves per write while the target table is over-full
	dictRandomTries  = 256

	// Bucket arrays are split into pages of 4096 buckets (32 KiB), allocated on first write.
	// Starting a resize therefore allocates only the page directory (6 KiB per 1M buckets),
	// never one huge zeroed array: a flat 2^24-bucket array is 128 MiB, whose allocation and
	// zeroing alone would stall the shard for many milliseconds. A side benefit: old-table
	// pages are released as soon as the rehash has emptied them.
	dictPageShift = 12
	dictPageSize  = 1 << dictPageShift
	dictPageMask  = dictPageSize - 1
)

// dictTable is one power-of-two array of bucket chains, stored as pages.
type dictTable struct {
	pages [][]*Entry // bucket i is pages[i>>dictPageShift][i&dictPageMask]; a nil page is all empty
	size  uint64     // number of buckets, a power of two; 0 = no table yet
	mask  uint64     // size-1
	used  int        // entries chained in this table
}

func newDictTable(size uint64) dictTable {
	return dictTable{
		pages: make([][]*Entry, (size+dictPageMask)>>dictPageShift),
		size:  size,
		mask:  size - 1,
	}
}

// head returns the first entry of bucket i.
func (t *dictTable) head(i uint64) *Entry {
	if p := t.pages[i>>dictPageShift]; p != nil {
		return p[i&dictPageMask]
	}
	return nil
}

// slot returns the head pointer of bucket i for writing, allocating its page if needed.
func (t *dictTable) slot(i uint64) **Entry {
	p := t.pages[i>>dictPageShift]
	if p == nil {
		p = make([]*Entry, min(t.size, dictPageSize))
		t.pages[i>>dictPageShift] = p
	}
	return &p[i&dictPageMask]
}

// Dict is the keyspace hash table of one database: a chained hash table of *Entry with two
// bucket arrays for incremental rehash, after the design of Redis's dict.c.
//
// Ownership: a Dict and every Entry in it belong to the shard that holds it. Only the
// goroutine currently holding the shard may call any method or touch any Entry; there is no
// internal locking. Even Get mutates (it performs a rehash step). Entries never move in
// memory, so an *Entry stays valid until its key is deleted; Scan and ForEach callbacks must
// not insert or delete (Get is fine: rehash moves are paused while they run).
//
// Invariants:
//   - Bucket arrays have power-of-two size (at least 4 once anything was inserted); an
//     entry whose key hashes to h lives in bucket h&mask of exactly one of the two tables.
//   - When not rehashing (rehashIdx == -1) only ht[0] is in use and ht[1] is empty. While
//     rehashing, ht[0] is the old table and ht[1] the new one; every ht[0] bucket below
//     rehashIdx is empty, new keys always go to ht[1], and lookups probe both tables.
//   - An Entry's vidx is its position in the volatile set when Expire != 0, and -1 when
//     Expire == 0. SetExpire maintains this; callers must not write Expire directly.
//
// Resizing: a resize starts when Len() >= buckets (grow; load factor 1) or Len() < buckets/8
// (shrink; never below 4 buckets); the new size is the smallest power of two > Len(). Starting
// a resize allocates only the new table's page directory; when the old table is empty the new
// one replaces it at once. Entries then move one old bucket at a time: every Get, Insert and
// Delete moves one bucket (skipping at most 10 empty ones, like Redis's dictRehash(d, 1)), and
// the shard calls RehashStep(n) on idle ticks. There is never an all-at-once rehash, so no
// call costs O(Len()). If a shrink is followed by so many inserts that the new table is over
// full before the old one is drained, each write moves dictOverloadStep buckets instead.
//
// Scan guarantee (Redis's dictScan): a scan started with cursor 0 and continued with each
// returned cursor until 0 returns every key present for the whole scan at least once, even if
// the table grows, shrinks or is mid-rehash between calls; a key may be returned more than
// once. Why reverse-binary increment works: the cursor is a bucket index incremented on its
// reversed bits, so its high bits change fastest. Bucket b of a 2^k table splits into buckets b
// and b+2^k of a 2^(k+1) table, and those two are adjacent in reversed order. Hence, for every
// table size, the buckets already visited are exactly those whose bit-reversed index precedes
// the cursor's, i.e. the visited set is a set of hash suffixes that does not depend on the
// table size. After a grow, the expansions of visited buckets all lie behind the cursor (no
// miss, no repeat); after a shrink, a small bucket may merge visited and unvisited big buckets
// and is scanned again (repeats, no miss). While rehashing, one call scans the small table's
// bucket and every expansion of it in the big table, so a key is found on whichever side of
// the move it currently is.
type Dict struct {
	ht        [2]dictTable
	rehashIdx int // next ht[0] bucket to move; -1 when not rehashing
	pause     int // > 0 while Scan or ForEach runs: no rehash moves
	seed      maphash.Seed
	vol       dictVolatileSet
	// epoch stamps new entries (Entry.snap): a keyspace table carries the epoch of
	// its shard's latest snapshot, so keys created after a snapshot's start point
	// are not in it. Collections' tables leave it 0.
	epoch uint32
	// slotKeys counts the keys per cluster hash slot: set on database 0's
	// tables in cluster mode only (cluster.go), nil everywhere else.
	slotKeys *[SlotCount]uint32
}

// NewDict returns an empty Dict with its own random hash seed. No bucket array is allocated
// until the first Insert.
func NewDict() *Dict {
	return &Dict{rehashIdx: -1, seed: maphash.MakeSeed()}
}

// Len returns the number of keys.
func (d *Dict) Len() int { return d.ht[0].used + d.ht[1].used }

// VolatileLen returns the number of keys with a TTL.
func (d *Dict) VolatileLen() int { return d.vol.n }

func (d *Dict) rehashing() bool { return d.rehashIdx >= 0 }

// Get returns the entry for key, or nil. It does not allocate (nor retain key).
func (d *Dict) Get(key []byte) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashIdx >= 0 && d.pause == 0 {
		d.rehash(1)
	}
	h := maphash.Bytes(d.seed, key)
	t := &d.ht[0]
	if idx := h & t.mask; d.rehashIdx < 0 || idx >= uint64(d.rehashIdx) {
		for e := t.head(idx); e != nil; e = e.next {
			if e.Key == string(key) {
				return e
			}
		}
	}
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
		for e := t.head(h & t.mask); e != nil; e = e.next {
			if e.Key == string(key) {
				return e
			}
		}
	}
	return nil
}

// Insert adds key, which the caller guarantees is absent (Get returned nil), and returns the
// new Entry (Expire 0, not volatile, no value). key is copied into Entry.Key, not retained.
// Allocations: exactly one for keys of up to 72 bytes (Entry and key bytes share one object,
// see dictKeyedEntry; so retaining e.Key retains the Entry), two for longer keys (Entry, then the
// string); plus, rarely, a 32 KiB bucket page or a page directory when a resize starts.
func (d *Dict) Insert(key []byte) *Entry {
	if d.rehashIdx >= 0 {
		d.writeStep()
	}
	d.growIfNeeded()
	e := newDictEntry(key)
	e.snap = d.epoch
	if d.slotKeys != nil {
		d.slotKeys[KeySlot(key)]++
	}
	t := &d.ht[0]
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
	}
	s := t.slot(maphash.Bytes(d.seed, key) & t.mask)
	e.next = *s
	*s = e
	t.used++
	return e
}

// Delete removes key and returns its Entry, or nil if key is absent. The entry also leaves
// the volatile set (its Expire field is left as it was). It does not allocate, except a small
// page directory when the delete starts a shrink.
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
		if ti == 1 || d.rehashIdx < 0 || idx >= uint64(d.rehashIdx) {
			if p := t.pages[idx>>dictPageShift]; p != nil {
				for pp := &p[idx&dictPageMask]; *pp != nil; pp = &(*pp).next {
					if e := *pp; e.Key == string(key) {
						*pp = e.next
						e.next = nil
						t.used--
						if e.vidx >= 0 {
							d.vol.remove(e)
						}
						if d.slotKeys != nil {
							d.slotKeys[KeySlot(key)]--
						}
						d.shrinkIfNeeded()
						return e
					}
				}
			}
		}
		if d.rehashIdx < 0 {
			break
		}
	}
	return nil
}

// SetExpire sets e's absolute expiry time (unix ms) and keeps the volatile set in step;
// at == 0 removes the TTL. e must currently be in d. It does not allocate, except for a new
// 8 KiB chunk of the volatile set every 1024 keys.
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
// set, in O(1), or nil if no key has a TTL. A uniformly random r gives a uniform pick.
func (d *Dict) RandomVolatile(r uint64) *Entry {
	if d.vol.n == 0 {
		return nil
	}
	return d.vol.at(int(r % uint64(d.vol.n)))
}

// RandomEntry returns a random key, or nil if d is empty, in O(1) expected time: a random
// non-empty bucket, then a random element of its chain (as Redis's dictGetRandomKey; keys in
// longer chains are somewhat less likely). r must return uniformly random values.
func (d *Dict) RandomEntry(r func() uint64) *Entry {
	if d.Len() == 0 {
		return nil
	}
	// Draw from the flat index space [lo, s0+s1): ht[0] then ht[1]; ht[0] buckets below
	// rehashIdx are empty and excluded.
	lo, s0 := uint64(0), d.ht[0].size
	if d.rehashIdx >= 0 {
		lo = uint64(d.rehashIdx)
	}
	n := s0 + d.ht[1].size - lo
	var head *Entry
	if d.rehashIdx < 0 {
		t := &d.ht[0]
		for try := 0; try < dictRandomTries && head == nil; try++ {
			head = t.head(r() & t.mask)
		}
	} else {
		for try := 0; try < dictRandomTries && head == nil; try++ {
			head = d.flatHead(lo+r()%n, s0)
		}
	}
	if head == nil {
		// Reached only when the table is very sparse (a mass delete during a grow, before
		// the shrink could start): walk forward from a random bucket to a non-empty one.
		start := r() % n
		for k := uint64(0); head == nil; k++ {
			head = d.flatHead(lo+(start+k)%n, s0)
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

// flatHead indexes ht[0] and ht[1] as one bucket array; s0 = ht[0].size.
func (d *Dict) flatHead(i, s0 uint64) *Entry {
	if i < s0 {
		return d.ht[0].head(i)
	}
	return d.ht[1].head(i - s0)
}

// Scan calls fn for the keys at one cursor position and returns the next cursor; start with
// 0, and the scan is complete when 0 is returned. See the Dict comment for the guarantee.
// fn must not insert or delete keys (collect them, act after Scan returns); Get is allowed.
func (d *Dict) Scan(cursor uint64, fn func(e *Entry)) uint64 {
	if d.Len() == 0 {
		return 0
	}
	d.pause++
	defer func() { d.pause-- }()
	v := cursor
	if d.rehashIdx < 0 {
		t := &d.ht[0]
		dictEmitChain(t.head(v&t.mask), fn)
		return dictNextCursor(v, t.mask)
	}
	small, big := &d.ht[0], &d.ht[1]
	if small.size > big.size {
		small, big = big, small
	}
	m0, m1 := small.mask, big.mask
	dictEmitChain(small.head(v&m0), fn)
	// Visit every big-table bucket that is an expansion of small bucket v&m0: the reversed
	// increment under m1 walks the bits in m1^m0 first; stop when they wrap to zero.
	for {
		dictEmitChain(big.head(v&m1), fn)
		v = dictNextCursor(v, m1)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

// dictNextCursor increments the bits of v under mask as a bit-reversed number (so the highest
// index bit changes fastest); bits above mask are dropped. It returns 0 after the last bucket.
func dictNextCursor(v, mask uint64) uint64 {
	v |= ^mask
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

func dictEmitChain(e *Entry, fn func(e *Entry)) {
	for e != nil {
		next := e.next
		fn(e)
		e = next
	}
}

// ForEach calls fn for every key until fn returns false. fn must not insert or delete keys;
// Get is allowed (rehash moves are suspended during ForEach).
func (d *Dict) ForEach(fn func(e *Entry) bool) {
	d.pause++
	defer func() { d.pause-- }()
	for ti := 0; ti < 2; ti++ {
		for _, page := range d.ht[ti].pages {
			for _, e := range page {
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
}

// RehashStep moves up to n buckets (skipping at most 10*n empty ones) if a rehash is in
// progress. When none is (before or after the moves), it starts one if the table needs to
// grow or shrink, so idle ticks also shrink tables after mass deletes. It returns true if a
// rehash is still in progress; `for d.RehashStep(n) {}` completes all pending resizing.
func (d *Dict) RehashStep(n int) bool {
	if d.pause != 0 {
		return d.rehashIdx >= 0
	}
	d.resizeIfNeeded()
	if d.rehashIdx >= 0 && n > 0 {
		d.rehash(n)
		d.resizeIfNeeded() // e.g. keys were deleted during a grow: shrink next
	}
	return d.rehashIdx >= 0
}

// Clear drops every key and releases all memory of the table and volatile set (FLUSHDB).
// The hash seed is kept.
func (d *Dict) Clear() {
	d.ht = [2]dictTable{}
	d.rehashIdx = -1
	d.vol = dictVolatileSet{}
	if d.slotKeys != nil {
		clear(d.slotKeys[:])
	}
}

// writeStep is the rehash work done by Insert and Delete while rehashing.
func (d *Dict) writeStep() {
	if d.pause != 0 {
		return
	}
	n := 1
	if uint64(d.ht[1].used) >= d.ht[1].size {
		n = dictOverloadStep
	}
	d.rehash(n)
}

// rehash moves up to n non-empty ht[0] buckets into ht[1], visiting at most 10*n empty
// buckets (a never-written or released page counts as one), frees each old page once it
// is drained, and completes the rehash when ht[0] is empty.
func (d *Dict) rehash(n int) {
	t0, t1 := &d.ht[0], &d.ht[1]
	visits := n * dictEmptyVisits // empty buckets we may still skip
	for n > 0 && visits > 0 && t0.used != 0 {
		// t0.used != 0 guarantees a non-empty bucket at or after rehashIdx.
		i := uint64(d.rehashIdx)
		page := t0.pages[i>>dictPageShift]
		if page == nil { // never written or already released: skip the whole page
			d.rehashIdx = int(i|dictPageMask) + 1
			visits--
		} else if e := page[i&dictPageMask]; e == nil {
			d.rehashIdx++
			visits--
		} else {
			page[i&dictPageMask] = nil
			for e != nil {
				next := e.next
				s := t1.slot(maphash.String(d.seed, e.Key) & t1.mask)
				e.next = *s
				*s = e
				t0.used--
				t1.used++
				e = next
			}
			d.rehashIdx++
			n--
		}
		if page != nil && d.rehashIdx&dictPageMask == 0 {
			t0.pages[i>>dictPageShift] = nil // page drained: release it now
		}
	}
	if t0.used == 0 {
		d.ht[0] = d.ht[1]
		d.ht[1] = dictTable{}
		d.rehashIdx = -1
	}
}

func (d *Dict) resizeIfNeeded() {
	d.growIfNeeded()
	d.shrinkIfNeeded()
}

func (d *Dict) growIfNeeded() {
	if d.rehashIdx < 0 && uint64(d.ht[0].used) >= d.ht[0].size {
		d.resize(d.ht[0].used + 1)
	}
}

func (d *Dict) shrinkIfNeeded() {
	if d.rehashIdx < 0 && d.ht[0].size > dictMinSize &&
		uint64(d.ht[0].used) < d.ht[0].size/dictShrinkRatio {
		d.resize(d.ht[0].used + 1)
	}
}

// Reserve sizes an empty table for n keys at once (RDB loading knows the
// count from RESIZEDB), so filling it needs no rehashing. A table that
// already holds keys is left alone.
func (d *Dict) Reserve(n int) {
	if d.Len() == 0 && d.rehashIdx < 0 && uint64(n) > d.ht[0].size {
		d.resize(n)
	}
}

// resize starts a rehash into a table of the smallest power of two >= want (at least
// dictMinSize). An empty table is replaced at once. Must not be called while rehashing.
func (d *Dict) resize(want int) {
	size := uint64(dictMinSize)
	for size < uint64(want) {
		size <<= 1
	}
	t := newDictTable(size)
	if d.ht[0].used == 0 {
		d.ht[0] = t
		return
	}
	d.ht[1] = t
	d.rehashIdx = 0
}

// dictKeyedEntry is an Entry followed by room for its key bytes, so that a short key and its
// Entry are one allocation and, more importantly, adjacent in memory: comparing a chain
// entry's key then costs no extra cache miss. K is a byte array of one of the capacities
// below, chosen so that the object exactly fills one of Go's 112/128/144/160-byte size
// classes (with the 88-byte Entry: keys of up to 24/40/56/72 bytes). This never takes more
// memory than a separate Entry (96-byte class) plus string would.
type dictKeyedEntry[K any] struct {
	e Entry
	k K
}

const (
	dictEntrySize = unsafe.Sizeof(Entry{})
	dictKeyCap1   = max(112, dictEntrySize+8) - dictEntrySize
	dictKeyCap2   = max(128, dictEntrySize+16) - dictEntrySize
	dictKeyCap3   = max(144, dictEntrySize+32) - dictEntrySize
	dictKeyCap4   = max(160, dictEntrySize+48) - dictEntrySize
)

func newDictKeyed[K any](key []byte) *Entry {
	p := new(dictKeyedEntry[K])
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&p.k)), unsafe.Sizeof(p.k))
	n := copy(buf, key)
	// The bytes are never written again, as a string's must not be. The string points
	// inside p, which keeps the whole object alive for as long as either is referenced.
	p.e.Key = unsafe.String(&buf[0], n)
	p.e.vidx = -1
	return &p.e
}

// newDictEntry returns a new Entry holding a copy of key, not in any Dict.
func newDictEntry(key []byte) *Entry {
	switch n := uintptr(len(key)); {
	case n == 0:
		return &Entry{vidx: -1}
	case n <= dictKeyCap1:
		return newDictKeyed[[dictKeyCap1]byte](key)
	case n <= dictKeyCap2:
		return newDictKeyed[[dictKeyCap2]byte](key)
	case n <= dictKeyCap3:
		return newDictKeyed[[dictKeyCap3]byte](key)
	case n <= dictKeyCap4:
		return newDictKeyed[[dictKeyCap4]byte](key)
	}
	return &Entry{Key: string(key), vidx: -1}
}

// dictVolatileSet holds the entries with a TTL (Redis's db->expires, as a set) in fixed-size
// chunks, so growing it never copies the whole set: a flat slice append at millions of keys
// would copy tens of MiB in one call. Entry.vidx is each member's position; removal moves the
// last member into the hole, so add, remove and random pick are O(1).
type dictVolatileSet struct {
	chunks []*[dictVolChunk]*Entry
	n      int
}

const (
	dictVolShift = 10
	dictVolChunk = 1 << dictVolShift
	dictVolMask  = dictVolChunk - 1
)

func (v *dictVolatileSet) at(i int) *Entry { return v.chunks[i>>dictVolShift][i&dictVolMask] }

func (v *dictVolatileSet) put(i int, e *Entry) {
	v.chunks[i>>dictVolShift][i&dictVolMask] = e
	e.vidx = int32(i)
}

func (v *dictVolatileSet) add(e *Entry) {
	if v.n>>dictVolShift == len(v.chunks) {
		v.chunks = append(v.chunks, new([dictVolChunk]*Entry))
	}
	v.put(v.n, e)
	v.n++
}

func (v *dictVolatileSet) remove(e *Entry) {
	i, last := int(e.vidx), v.n-1
	if i != last {
		v.put(i, v.at(last))
	}
	v.chunks[last>>dictVolShift][last&dictVolMask] = nil
	v.n = last
	e.vidx = -1
	// Keep at most one spare empty chunk, so add/remove at a chunk boundary do not thrash.
	if inUse := (v.n + dictVolMask) >> dictVolShift; len(v.chunks) > inUse+1 {
		v.chunks[len(v.chunks)-1] = nil
		v.chunks = v.chunks[:len(v.chunks)-1]
	}
}
