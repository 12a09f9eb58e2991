package shard

import "math/bits"

// arena holds the bytes of a Dict's keys and string values ("blobs") in large
// pointer-free chunks, addressed by (chunk index, offset) integers. The Go
// garbage collector sees one noscan object per chunk however many keys there
// are: this is what keeps a keyspace of millions of keys invisible to it.
//
// Blobs are allocated in size classes (8-byte steps up to 128, then four
// classes per power of two up to arenaMaxClassBytes, at most 25% rounding) by
// bumping through the current chunk, and freed blobs go to a free list of their
// class to be reused by the next blob of that class. A blob bigger than the
// largest class gets a chunk of its own, released when the blob is freed.
//
// Ownership: an arena belongs to its Dict; only the goroutine holding the Dict's
// shard may call it. Memory handed out stays valid (and keeps its bytes) until
// it is freed and then reused, so views taken from it are safe until the end
// of the command that freed it (keyspace tables defer reuse, see Dict.Reclaim).
type arena struct {
	chunks    [][]byte // nil entries are released huge chunks, listed in freeChunk
	freeChunk []uint32
	cur       uint32 // chunk being bump-allocated; chunks[cur][used:curEnd] is free
	used      uint32
	curEnd    uint32     // size of chunk cur; 0 before the first regular chunk
	next      int        // size of the next regular chunk (doubles up to arenaChunkMax)
	free      [][]uint64 // per class: free blobs as ref<<32|offset
	inUse     int64      // bytes of live blobs (class sizes, huge blobs' chunk sizes)
	reserved  int64      // bytes of all chunks
}

const (
	arenaChunkMin      = 1 << 10
	arenaChunkMax      = 1 << 18 // a new chunk is zeroed: keep that pause short (tens of µs)
	arenaMaxClassBytes = 1 << 12
	arenaHuge          = 0xff // class of a blob with a chunk of its own
)

// arenaClassSize lists the size of every class; arenaClassOf maps a size to its class.
var arenaClassSize = func() []uint32 {
	var s []uint32
	for n := uint32(8); n <= 128; n += 8 {
		s = append(s, n)
	}
	for base := uint32(128); base < arenaMaxClassBytes; base *= 2 {
		for q := uint32(1); q <= 4; q++ {
			s = append(s, base+q*base/4)
		}
	}
	return s
}()

func arenaClassOf(n int) uint8 {
	if n <= 128 {
		if n <= 8 {
			return 0
		}
		return uint8((n+7)/8 - 1)
	}
	if n > arenaMaxClassBytes {
		return arenaHuge
	}
	// n in (base, 2*base]: classes base+base/4 .. 2*base.
	lg := bits.Len(uint(n-1)) - 1 // base = 1<<lg
	base := 1 << lg
	q := (n - base + base/4 - 1) / (base / 4) // 1..4
	return uint8(16 + (lg-7)*4 + q - 1)
}

// blobRef packs where a blob is: chunk index (24 bits) and class (8 bits).
func blobRef(chunk uint32, class uint8) uint32 { return chunk<<8 | uint32(class) }

// alloc returns a blob of at least n bytes: its ref (chunk<<8|class), offset,
// and the slice of its full capacity.
func (a *arena) alloc(n int) (ref, off uint32, b []byte) {
	c := arenaClassOf(n)
	if c == arenaHuge {
		size := n // Entry.Resize asks for room to grow itself
		ci := a.newChunk(size)
		a.inUse += int64(size)
		return blobRef(ci, arenaHuge), 0, a.chunks[ci]
	}
	size := arenaClassSize[c]
	if a.free == nil {
		a.free = make([][]uint64, len(arenaClassSize))
	}
	a.inUse += int64(size)
	if fl := a.free[c]; len(fl) > 0 {
		ref, off = uint32(fl[len(fl)-1]>>32), uint32(fl[len(fl)-1])
		a.free[c] = fl[:len(fl)-1]
		return ref, off, a.chunks[ref>>8][off : off+size : off+size]
	}
	if a.used+size > a.curEnd {
		if a.next == 0 {
			a.next = arenaChunkMin
		}
		for a.next < int(size) {
			a.next *= 2
		}
		a.cur = a.newChunk(a.next)
		a.used, a.curEnd = 0, uint32(a.next)
		if a.next < arenaChunkMax {
			a.next *= 2
		}
	}
	off = a.used
	a.used += size
	return blobRef(a.cur, c), off, a.chunks[a.cur][off : off+size : off+size]
}

func (a *arena) newChunk(size int) uint32 {
	a.reserved += int64(size)
	b := make([]byte, size)
	if n := len(a.freeChunk); n > 0 {
		ci := a.freeChunk[n-1]
		a.freeChunk = a.freeChunk[:n-1]
		a.chunks[ci] = b
		return ci
	}
	a.chunks = append(a.chunks, b)
	return uint32(len(a.chunks) - 1)
}

// bytes returns the blob's full capacity.
func (a *arena) bytes(ref, off uint32) []byte {
	ch := a.chunks[ref>>8]
	if uint8(ref) == arenaHuge {
		return ch
	}
	size := arenaClassSize[uint8(ref)]
	return ch[off : off+size : off+size]
}

// capOf is the capacity of the blob.
func (a *arena) capOf(ref uint32) int {
	if uint8(ref) == arenaHuge {
		return len(a.chunks[ref>>8])
	}
	return int(arenaClassSize[uint8(ref)])
}

// release frees a blob for reuse.
func (a *arena) release(ref, off uint32) {
	c := uint8(ref)
	if c == arenaHuge {
		ci := ref >> 8
		n := int64(len(a.chunks[ci]))
		a.inUse -= n
		a.reserved -= n
		a.chunks[ci] = nil
		a.freeChunk = append(a.freeChunk, ci)
		return
	}
	a.inUse -= int64(arenaClassSize[c])
	a.free[c] = append(a.free[c], uint64(ref)<<32|uint64(off))
}
