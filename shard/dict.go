package shard

import (
	"encoding/binary"
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
	dictChainMin     = 4 // smallest chain-length bound RandomEntry assumes

	// Bucket arrays are split into pages of 4096 buckets (16 KiB), allocated on first write.
	// Starting a resize therefore allocates only the page directory (6 KiB per 1M buckets),
	// never one huge zeroed array: a flat 2^24-bucket array is 64 MiB, whose allocation and
	// zeroing alone would stall the shard for many milliseconds. A side benefit: old-table
	// pages are released as soon as the rehash has emptied them.
	dictPageShift = 12
	dictPageSize  = 1 << dictPageShift
	dictPageMask  = dictPageSize - 1
)

// dictTable is one power-of-two array of bucket chains, stored as pages of record indices.
type dictTable struct {
	pages [][]uint32 // bucket i is pages[i>>dictPageShift][i&dictPageMask]; a nil page is all empty
	size  uint64     // number of buckets, a power of two; 0 = no table yet
	mask  uint64     // size-1
	used  int        // entries chained in this table
}

func newDictTable(size uint64) dictTable {
	return dictTable{
		pages: make([][]uint32, (size+dictPageMask)>>dictPageShift),
		size:  size,
		mask:  size - 1,
	}
}

// head returns the first record index of bucket i.
func (t *dictTable) head(i uint64) uint32 {
	if p := t.pages[i>>dictPageShift]; p != nil {
		return p[i&dictPageMask]
	}
	return 0
}

// slot returns the head of bucket i for writing, allocating its page if needed.
func (t *dictTable) slot(i uint64) *uint32 {
	p := t.pages[i>>dictPageShift]
	if p == nil {
		p = make([]uint32, min(t.size, dictPageSize))
		t.pages[i>>dictPageShift] = p
	}
	return &p[i&dictPageMask]
}

// entrySlab is a block of entry records. Its only pointer is the owning Dict (so the GC scans
// one word of it); an *Entry finds it from its own position (Entry.self).
type entrySlab struct {
	d    *Dict
	base uint32 // index of recs[0]
	recs [dictSlabSize]Entry
}

const (
	dictSlabShift = 12
	dictSlabSize  = 1 << dictSlabShift
	dictSlabMask  = dictSlabSize - 1
	// What a live key costs its table besides its blob (MemUsed, Entry.memUsage): its
	// record, a bucket slot (at load factor 1), a TTL slot if it has a TTL, an object
	// slot (interface and accounting) if its value is a collection.
	dictRecordBytes  = int64(unsafe.Sizeof(Entry{}))
	dictBucketBytes  = int64(unsafe.Sizeof(uint32(0)))
	dictVolSlotBytes = int64(unsafe.Sizeof(volSlot{}))
	dictObjSlotBytes = int64(unsafe.Sizeof(any(nil)) + unsafe.Sizeof(int64(0)))
)

// Dict is the keyspace hash table of one database (and the big encoding of hashes, sets and
// sorted sets): a chained hash table with two bucket arrays for incremental rehash, after the
// design of Redis's dict.c, laid out so the Go garbage collector does not see its keys.
//
// Layout (what the GC sees is a handful of objects per table, not one per key):
//   - Entries are fixed 32-byte records without pointers in slabs of dictSlabSize
//     (entrySlab); an entry is named by its record index (1-based; 0 is "none"), chains
//     link indices, and bucket arrays hold indices. A freed record is reused by the next
//     Insert.
//   - Key and string value bytes are one blob in the Dict's arena (arena.go).
//   - Values that must be Go objects (collections) sit in objs, the only per-key pointers.
//   - The TTL of a key is in its slot of the volatile set (16 bytes, keys with a TTL only).
//
// The *Entry pointers handed out point into a slab (records never move), and the Entry
// methods find their Dict through the slab header. Views returned by Entry.Key and
// Entry.Str point into the arena: they stay valid until the blob is freed and reused, so
// keep copies of bytes that must outlive the command. Keyspace tables (deferFree) keep
// freed records and blobs out of reuse until Reclaim, which the shard calls after each
// command: within a command, a deleted entry and its views stay readable.
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
//   - An Entry's vidx is its position in the volatile set when it has a TTL, and -1 when it
//     has none. SetExpire maintains this.
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

	chainMax uint8 // longest chain RandomEntry has seen

	slabs    []*entrySlab
	nrec     uint32   // records ever used: indices 1..nrec-1 exist (0 is reserved)
	freeRecs []uint32 // records free for reuse
	arena    arena
	objs     []any    // collection values, by Entry.aux when the entry has one
	freeObjs []uint32 // free objs slots
	objBytes int64    // sum of objMem over objs (collections' own accounting)
	objMem   []int64  // bytes last accounted for objs[i] (Dict.AccountObj)

	// deferFree: deleted records and blobs wait in pending until Reclaim (keyspace tables).
	deferFree    bool
	pending      []uint32 // deleted records
	pendingBlobs []uint64 // replaced blobs, ref<<32|offset
	pendingBytes int64    // blob bytes in pending and pendingBlobs (no longer in use)
	due          *bool    // set when something becomes pending (the shard's reclaimDue)
}

// NewDict returns an empty Dict with its own random hash seed. No bucket array is allocated
// until the first Insert.
func NewDict() *Dict {
	return &Dict{rehashIdx: -1, seed: maphash.MakeSeed(), nrec: 1}
}

// rec returns the record with index i (i != 0).
func (d *Dict) rec(i uint32) *Entry { return &d.slabs[i>>dictSlabShift].recs[i&dictSlabMask] }

// Len returns the number of keys.
func (d *Dict) Len() int { return d.ht[0].used + d.ht[1].used }

// VolatileLen returns the number of keys with a TTL.
func (d *Dict) VolatileLen() int { return d.vol.n }

func (d *Dict) rehashing() bool { return d.rehashIdx >= 0 }

// keyIs reports whether record e holds key.
func (d *Dict) keyIs(e *Entry, key []byte) bool {
	b := d.arena.bytes(e.ref, e.off)
	start, end := blobKey(b)
	return end-start == len(key) && string(b[start:end]) == string(key)
}

// Get returns the entry for key, or nil. It does not allocate (nor retain key).
func (d *Dict) Get(key []byte) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashIdx >= 0 && d.pause == 0 {
		d.rehash(1)
	}
	h := maphash.Bytes(d.seed, key)
	tag := hashTag(h)
	t := &d.ht[0]
	if idx := h & t.mask; d.rehashIdx < 0 || idx >= uint64(d.rehashIdx) {
		for i := t.head(idx); i != 0; {
			e := d.rec(i)
			if e.meta&entryTagMask == tag && d.keyIs(e, key) {
				return e
			}
			i = e.next
		}
	}
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
		for i := t.head(h & t.mask); i != 0; {
			e := d.rec(i)
			if e.meta&entryTagMask == tag && d.keyIs(e, key) {
				return e
			}
			i = e.next
		}
	}
	return nil
}

// Insert adds key, which the caller guarantees is absent (Get returned nil), and returns the
// new Entry: a string with an empty value, no TTL. key is copied, not retained. Use
// InsertStr when the value is known: it sizes the blob for both at once. In steady
// state (freed records and blobs to reuse) it allocates nothing; otherwise, rarely, a slab,
// an arena chunk, a 16 KiB bucket page or a page directory when a resize starts.
func (d *Dict) Insert(key []byte) *Entry { return d.InsertStr(key, nil) }

// InsertStr is Insert of a key holding the string val (copied).
func (d *Dict) InsertStr(key, val []byte) *Entry {
	if d.rehashIdx >= 0 {
		d.writeStep()
	}
	d.growIfNeeded()
	i, e := d.newRecord()
	ref, off, b := d.arena.alloc(uvarintLen(len(key)) + len(key) + len(val))
	e.ref, e.off = ref, off
	n := binary.PutUvarint(b, uint64(len(key)))
	n += copy(b[n:], key)
	copy(b[n:], val)
	e.aux = uint32(len(val))
	e.snap = d.epoch
	if d.slotKeys != nil {
		d.slotKeys[KeySlot(key)]++
	}
	t := &d.ht[0]
	if d.rehashIdx >= 0 {
		t = &d.ht[1]
	}
	h := maphash.Bytes(d.seed, key)
	e.meta |= hashTag(h)
	s := t.slot(h & t.mask)
	e.next = *s
	*s = i
	t.used++
	return e
}

// hashTag is the top bits of a key's hash, kept in its record (Entry.meta) so a
// lookup skips most other keys of its chain without reading their blobs.
func hashTag(h uint64) uint32 { return uint32(h>>(64-entryTagBits)) << entryTagShift }

// newRecord returns a fresh record (a free one, or the next of the last slab), set up as an
// empty string entry with no TTL and no blob yet.
func (d *Dict) newRecord() (uint32, *Entry) {
	var i uint32
	if n := len(d.freeRecs); n > 0 {
		i = d.freeRecs[n-1]
		d.freeRecs = d.freeRecs[:n-1]
	} else {
		i = d.nrec
		if int(i>>dictSlabShift) == len(d.slabs) {
			d.slabs = append(d.slabs, &entrySlab{d: d, base: i &^ dictSlabMask})
		}
		d.nrec++
	}
	e := d.rec(i)
	*e = Entry{vidx: -1, meta: entryLive, self: uint16(i & dictSlabMask)}
	return i, e
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// Delete removes key and returns its Entry, or nil if key is absent. The entry also leaves
// the volatile set (read Expire before). In a keyspace table (deferFree) its record, key,
// value and object stay readable until Reclaim; in other tables only its record and object
// stay readable, until the next Insert (the key and value bytes are released at once). It does not allocate, except a small page directory
// when the delete starts a shrink.
func (d *Dict) Delete(key []byte) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashIdx >= 0 {
		d.writeStep()
	}
	h := maphash.Bytes(d.seed, key)
	tag := hashTag(h)
	for ti := 0; ti < 2; ti++ {
		t := &d.ht[ti]
		idx := h & t.mask
		if ti == 1 || d.rehashIdx < 0 || idx >= uint64(d.rehashIdx) {
			if p := t.pages[idx>>dictPageShift]; p != nil {
				for pp := &p[idx&dictPageMask]; *pp != 0; {
					i := *pp
					e := d.rec(i)
					if e.meta&entryTagMask != tag || !d.keyIs(e, key) {
						pp = &e.next
						continue
					}
					*pp = e.next
					e.next = 0
					t.used--
					if e.vidx >= 0 {
						d.vol.remove(d, e)
					}
					if d.slotKeys != nil {
						d.slotKeys[KeySlot(key)]--
					}
					e.meta &^= entryLive
					if e.meta&entryHasObj != 0 { // the object's bytes leave MemUsed now
						d.objBytes -= d.objMem[e.aux]
						d.objMem[e.aux] = 0
					}
					if d.deferFree {
						d.pending = append(d.pending, i)
						d.pendingBytes += int64(d.arena.capOf(e.ref))
						if d.due != nil {
							*d.due = true
						}
					} else {
						d.freeRecord(i, e)
					}
					d.shrinkIfNeeded()
					return e
				}
			}
		}
		if d.rehashIdx < 0 {
			break
		}
	}
	return nil
}

// freeRecord releases a deleted record's blob and object slot and the record itself.
func (d *Dict) freeRecord(i uint32, e *Entry) {
	if e.meta&entryHasObj != 0 {
		// A table that frees at once keeps the object in its slot until the slot is
		// reused, so the caller of Delete can still read it.
		d.freeObj(e.aux, !d.deferFree)
	}
	d.arena.release(e.ref, e.off)
	d.freeRecs = append(d.freeRecs, i)
}

// Reclaim makes the records and blobs deleted since the last call reusable. Keyspace tables
// defer reuse so that a command can still read what it deleted; the shard calls Reclaim
// after each command and after each background step that deletes keys.
func (d *Dict) Reclaim() {
	for _, i := range d.pending {
		d.freeRecord(i, d.rec(i))
	}
	d.pending = d.pending[:0]
	for _, b := range d.pendingBlobs {
		d.arena.release(uint32(b>>32), uint32(b))
	}
	d.pendingBlobs = d.pendingBlobs[:0]
	d.pendingBytes = 0
	if d.Len() == 0 && d.nrec > 1 && d.pause == 0 {
		d.Clear() // emptied (say by expiry): give the slabs and arena chunks back
	}
}

// HasPending reports whether Reclaim has work.
func (d *Dict) HasPending() bool { return len(d.pending)+len(d.pendingBlobs) > 0 }

// AccountObj records that the object of e (a live entry with an object) now holds n bytes:
// collections report their size after each change, and MemUsed includes it.
func (d *Dict) AccountObj(e *Entry, n int64) {
	i := e.aux
	d.objBytes += n - d.objMem[i]
	d.objMem[i] = n
}

// SetExpire sets e's absolute expiry time (unix ms) and keeps the volatile set in step;
// at == 0 removes the TTL. e must currently be in d. It does not allocate, except for a new
// 16 KiB chunk of the volatile set every 1024 keys.
func (d *Dict) SetExpire(e *Entry, at int64) {
	if at == 0 {
		if e.vidx >= 0 {
			d.vol.remove(d, e)
		}
		return
	}
	if e.vidx < 0 {
		d.vol.add(d, e)
	}
	d.vol.slot(int(e.vidx)).at = at
}

// RandomVolatile returns the key with a TTL at position r % VolatileLen() of the volatile
// set, in O(1), or nil if no key has a TTL. A uniformly random r gives a uniform pick.
func (d *Dict) RandomVolatile(r uint64) *Entry {
	if d.vol.n == 0 {
		return nil
	}
	return d.rec(d.vol.slot(int(r % uint64(d.vol.n))).rec)
}

// RandomEntry returns a uniformly random key, or nil if d is empty, in O(1) expected time
// (Redis's dictGetRandomKey favours keys alone in their bucket; this does not). While at
// least 1/16 of the records ever used are live, it draws record indices until one is live.
// In a sparser table (after a mass delete) it picks random non-empty buckets and accepts a
// bucket's chain with probability len/bound, so every key has the same chance
// 1/(nonEmptyBuckets*bound); bound is the longest chain seen so far (at least 4; it only
// grows), so picks are exactly uniform once the longest chain has been seen. r must return
// uniformly random values.
func (d *Dict) RandomEntry(r func() uint64) *Entry {
	if d.Len() == 0 {
		return nil
	}
	if span := uint64(d.nrec - 1); uint64(d.Len())*16 >= span {
		for try := 0; try < dictRandomTries; try++ {
			if e := d.rec(uint32(1 + r()%span)); e.meta&entryLive != 0 {
				return e
			}
		}
	}
	if d.chainMax < dictChainMin {
		d.chainMax = dictChainMin
	}
	// Draw from the flat index space [lo, s0+s1): ht[0] then ht[1]; ht[0] buckets below
	// rehashIdx are empty and excluded.
	lo, s0 := uint64(0), d.ht[0].size
	if d.rehashIdx >= 0 {
		lo = uint64(d.rehashIdx)
	}
	n := s0 + d.ht[1].size - lo
	for attempt := 0; ; attempt++ {
		var head uint32
		for try := 0; try < dictRandomTries && head == 0; try++ {
			head = d.flatHead(lo+r()%n, s0)
		}
		if head == 0 {
			// Very sparse table (a mass delete during a grow, before the shrink could
			// start): walk forward from a random bucket to a non-empty one.
			start := r() % n
			for k := uint64(0); head == 0; k++ {
				head = d.flatHead(lo+(start+k)%n, s0)
			}
		}
		l := uint64(0)
		for i := head; i != 0; i = d.rec(i).next {
			l++
		}
		if l > uint64(d.chainMax) {
			d.chainMax = uint8(min(l, 255))
		}
		k := r() % uint64(d.chainMax)
		if k >= l && attempt < 1000 {
			continue
		}
		i := head
		for k %= l; k > 0; k-- {
			i = d.rec(i).next
		}
		return d.rec(i)
	}
}

// flatHead indexes ht[0] and ht[1] as one bucket array; s0 = ht[0].size.
func (d *Dict) flatHead(i, s0 uint64) uint32 {
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
		d.emitChain(t.head(v&t.mask), fn)
		return dictNextCursor(v, t.mask)
	}
	small, big := &d.ht[0], &d.ht[1]
	if small.size > big.size {
		small, big = big, small
	}
	m0, m1 := small.mask, big.mask
	d.emitChain(small.head(v&m0), fn)
	// Visit every big-table bucket that is an expansion of small bucket v&m0: the reversed
	// increment under m1 walks the bits in m1^m0 first; stop when they wrap to zero.
	for {
		d.emitChain(big.head(v&m1), fn)
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

func (d *Dict) emitChain(i uint32, fn func(e *Entry)) {
	for i != 0 {
		e := d.rec(i)
		i = e.next
		fn(e)
	}
}

// ForEach calls fn for every key until fn returns false, in record order. fn must not insert
// or delete keys; Get is allowed (rehash moves are suspended during ForEach).
func (d *Dict) ForEach(fn func(e *Entry) bool) {
	d.pause++
	defer func() { d.pause-- }()
	for si, slab := range d.slabs {
		recs := slab.recs[:]
		if end := int(d.nrec) - si<<dictSlabShift; end < len(recs) {
			recs = recs[:end]
		}
		for j := range recs {
			if e := &recs[j]; e.meta&entryLive != 0 {
				if !fn(e) {
					return
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

// Clear drops every key and releases all memory of the table, its records, arena, objects
// and volatile set (FLUSHDB). The hash seed and the kind of table are kept.
func (d *Dict) Clear() {
	*d = Dict{rehashIdx: -1, seed: d.seed, nrec: 1, epoch: d.epoch, slotKeys: d.slotKeys, deferFree: d.deferFree, due: d.due}
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

// hashOf hashes the key of record e.
func (d *Dict) hashOf(e *Entry) uint64 {
	b := d.arena.bytes(e.ref, e.off)
	start, end := blobKey(b)
	return maphash.Bytes(d.seed, b[start:end])
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
		} else if r := page[i&dictPageMask]; r == 0 {
			d.rehashIdx++
			visits--
		} else {
			page[i&dictPageMask] = 0
			for r != 0 {
				e := d.rec(r)
				next := e.next
				s := t1.slot(d.hashOf(e) & t1.mask)
				e.next = *s
				*s = r
				t0.used--
				t1.used++
				r = next
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

// MemUsed is the bytes this table holds for its live keys: records, bucket arrays, blobs
// (at their size class), TTL slots, object slots and what the collections in it account
// for themselves (AccountObj). Freed memory kept for reuse is not counted (as Redis's
// used_memory does not count the allocator's free pages); Reserved counts it.
func (d *Dict) MemUsed() int64 {
	return d.overheadMain() + d.overheadExpires() + d.arena.inUse - d.pendingBytes +
		int64(len(d.objs)-len(d.freeObjs))*dictObjSlotBytes + d.objBytes
}

// overheadMain is what the table itself costs its live keys: records and bucket arrays
// (MEMORY STATS's overhead.hashtable.main).
func (d *Dict) overheadMain() int64 {
	return int64(d.Len())*dictRecordBytes + int64(d.ht[0].size+d.ht[1].size)*dictBucketBytes
}

// overheadExpires is what the TTLs cost (overhead.hashtable.expires).
func (d *Dict) overheadExpires() int64 { return int64(d.vol.n) * dictVolSlotBytes }

// Reserved is the memory the table has taken from the heap, used or kept for reuse.
func (d *Dict) Reserved() int64 {
	return int64(len(d.slabs))*int64(unsafe.Sizeof(entrySlab{})) + int64(d.ht[0].size+d.ht[1].size)*dictBucketBytes +
		int64(len(d.vol.chunks))*dictVolChunk*dictVolSlotBytes + d.arena.reserved + int64(cap(d.objs))*dictObjSlotBytes + d.objBytes
}

// dictVolatileSet holds the entries with a TTL (Redis's db->expires, as a set) with their
// expiry times, in fixed-size pointer-free chunks, so growing it never copies the whole
// set: a flat slice append at millions of keys would copy tens of MiB in one call.
// Entry.vidx is each member's position; removal moves the last member into the hole, so
// add, remove and random pick are O(1).
type dictVolatileSet struct {
	chunks []*[dictVolChunk]volSlot
	n      int
}

type volSlot struct {
	rec uint32 // record index
	at  int64  // absolute expiry, unix ms
}

const (
	dictVolShift = 10
	dictVolChunk = 1 << dictVolShift
	dictVolMask  = dictVolChunk - 1
)

func (v *dictVolatileSet) slot(i int) *volSlot { return &v.chunks[i>>dictVolShift][i&dictVolMask] }

func (v *dictVolatileSet) add(d *Dict, e *Entry) {
	if v.n>>dictVolShift == len(v.chunks) {
		v.chunks = append(v.chunks, new([dictVolChunk]volSlot))
	}
	*v.slot(v.n) = volSlot{rec: d.indexOf(e)}
	e.vidx = int32(v.n)
	v.n++
}

func (v *dictVolatileSet) remove(d *Dict, e *Entry) {
	i, last := int(e.vidx), v.n-1
	if i != last {
		moved := *v.slot(last)
		*v.slot(i) = moved
		d.rec(moved.rec).vidx = int32(i)
	}
	v.n = last
	e.vidx = -1
	// Keep at most one spare empty chunk, so add/remove at a chunk boundary do not thrash.
	if inUse := (v.n + dictVolMask) >> dictVolShift; len(v.chunks) > inUse+1 {
		v.chunks[len(v.chunks)-1] = nil
		v.chunks = v.chunks[:len(v.chunks)-1]
	}
}
