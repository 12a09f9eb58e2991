package shard

import (
	"encoding/binary"
	"unsafe"
)

// Entry is one key of a Dict: a 32-byte record without pointers, in a slab of its Dict
// (dict.go). Owned by the shard that holds the Dict; only the goroutine currently holding
// the shard may read or write it.
//
// Records never move, so an *Entry stays valid while its key exists; after a Delete it is
// readable until the table reuses the record (Dict.Reclaim). The key and a string value are
// one blob in the Dict's arena; Key and Str return views of it, valid until the blob is
// changed (SetStr, SetObj) or freed: copy what must outlive the command.
type Entry struct {
	next uint32 // record index of the next entry in the bucket chain, 0 at the end; Dict only
	vidx int32  // position in the Dict's volatile set, -1 without a TTL; Dict only
	// snap is the epoch of the last snapshot that has this key's value (written it,
	// or created the key after its start point): a running snapshot with epoch E
	// still has to write the key iff snap != E (snapshot.go). Holder only.
	snap uint32
	// meta: bits 0-23 are Redis's 24-bit LRU clock or LFU data (evict.go), bits 24-25
	// the entry flags below, bits 26-31 a tag of the key's hash.
	meta uint32
	ref  uint32 // blob in the Dict's arena: chunk<<8 | size class
	off  uint32 // blob offset in its chunk
	aux  uint32 // string: value length; with entryHasObj: index in Dict.objs
	self uint16 // position in its slab
	Type uint8
	Enc  uint8 // how OBJECT ENCODING reports a string: EncAuto, EncRaw or EncNoInt
}

const (
	entryLive    = 1 << 24 // in a Dict (cleared by Delete)
	entryHasObj  = 1 << 25 // the value is the Go object Dict.objs[aux]
	entryLRUMask = 1<<24 - 1
	// Bits 26-31: the top 6 bits of the key's hash (Dict.hashTag).
	entryTagShift = 26
	entryTagBits  = 6
	entryTagMask  = (1<<entryTagBits - 1) << entryTagShift
)

// String encodings as Redis would report them. EncAuto derives int/embstr/raw
// from the value (what tryObjectEncoding does on SET); APPEND and SETRANGE leave
// a raw string; INCRBYFLOAT an embstr (or raw) that is never int-encoded.
const (
	EncAuto uint8 = iota
	EncRaw
	EncNoInt
)

const (
	TypeString uint8 = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
)

// slab returns the slab holding e.
func (e *Entry) slab() *entrySlab {
	return (*entrySlab)(unsafe.Add(unsafe.Pointer(e),
		-(int(e.self)*int(unsafe.Sizeof(Entry{})) + int(unsafe.Offsetof(entrySlab{}.recs)))))
}

// dict returns the Dict e belongs to.
func (e *Entry) dict() *Dict { return e.slab().d }

// indexOf returns the record index of e, which must be a record of d.
func (d *Dict) indexOf(e *Entry) uint32 { return e.slab().base + uint32(e.self) }

// blobKey returns where the key of blob b starts and ends (after its uvarint length).
func blobKey(b []byte) (start, end int) {
	if k := b[0]; k < 0x80 { // one-byte length: the common case
		return 1, 1 + int(k)
	}
	n, w := binary.Uvarint(b)
	return w, w + int(n)
}

// blob returns e's blob and where its key ends.
func (e *Entry) blob() (b []byte, keyEnd int) {
	b = e.dict().arena.bytes(e.ref, e.off)
	_, keyEnd = blobKey(b)
	return b, keyEnd
}

// Key returns the key, as a view of the arena (see Entry).
func (e *Entry) Key() string {
	k := e.KeyBytes()
	if len(k) == 0 {
		return ""
	}
	return unsafe.String(&k[0], len(k))
}

// KeyBytes is Key as a byte slice view; it must not be written.
func (e *Entry) KeyBytes() []byte {
	b := e.dict().arena.bytes(e.ref, e.off)
	start, end := blobKey(b)
	return b[start:end:end]
}

// moveBlob gives e a new blob of at least size bytes holding the first keep bytes of the
// old one (b), which is released, and returns the new one.
func (e *Entry) moveBlob(d *Dict, b []byte, keep, size int) []byte {
	ref, off, nb := d.arena.alloc(size)
	copy(nb, b[:keep])
	d.releaseBlob(e.ref, e.off)
	e.ref, e.off = ref, off
	return nb
}

// Str returns the value of a string entry, as a view of the arena (see Entry); nil when the
// value is an object. The view's capacity is its length, so append copies.
func (e *Entry) Str() []byte {
	if e.meta&entryHasObj != 0 {
		return nil
	}
	b, end := e.blob()
	v := end + int(e.aux)
	return b[end:v:v]
}

// SetStr makes v the value (a copy of it; v may be a view of e's own value). An object value
// is dropped. The blob is reused when v fits (and is not much smaller), else moved.
func (e *Entry) SetStr(v []byte) {
	d := e.dict()
	if e.meta&entryHasObj != 0 {
		d.freeObj(e.aux, false)
		e.meta &^= entryHasObj
		e.aux = 0
	}
	b, end := e.blob()
	if need := end + len(v); need > len(b) || (len(b) > 64 && need*2 < len(b)) {
		b = e.moveBlob(d, b, end, need) // (v, if a view of the old blob, stays readable)
	}
	copy(b[end:], v)
	e.aux = uint32(len(v))
}

// Obj returns the object value of a collection entry, or nil.
func (e *Entry) Obj() any {
	if e.meta&entryHasObj == 0 {
		return nil
	}
	return e.dict().objs[e.aux]
}

// SetObj makes o the value, dropping a string value. SetObj(nil) drops an object value,
// leaving an empty string; it leaves a string value alone.
func (e *Entry) SetObj(o any) {
	d := e.dict()
	if o == nil {
		if e.meta&entryHasObj != 0 {
			d.freeObj(e.aux, false)
			e.meta &^= entryHasObj
			e.aux = 0
		}
		return
	}
	if e.meta&entryHasObj != 0 {
		d.objs[e.aux] = o
	} else {
		if e.aux > 0 {
			e.SetStr(nil) // give back the string's room
		}
		e.aux = d.newObj(o)
		e.meta |= entryHasObj
	}
	if m, ok := o.(objMemSizer); ok {
		d.AccountObj(e, m.MemoryUsage(5))
	}
}

// Expire returns the absolute expiry time in unix ms, 0 without a TTL. Change it with
// Dict.SetExpire.
func (e *Entry) Expire() int64 {
	if e.vidx < 0 {
		return 0
	}
	return e.dict().vol.slot(int(e.vidx)).at
}

// releaseBlob frees a blob now, or at Reclaim in a keyspace table (a view of it may be in
// use by the running command).
func (d *Dict) releaseBlob(ref, off uint32) {
	if d.deferFree {
		d.pendingBlobs = append(d.pendingBlobs, uint64(ref)<<32|uint64(off))
		d.pendingBytes += int64(d.arena.capOf(ref))
		if d.due != nil {
			*d.due = true
		}
		return
	}
	d.arena.release(ref, off)
}

func (d *Dict) newObj(o any) uint32 {
	if n := len(d.freeObjs); n > 0 {
		i := d.freeObjs[n-1]
		d.freeObjs = d.freeObjs[:n-1]
		d.objs[i] = o
		return i
	}
	d.objs = append(d.objs, o)
	d.objMem = append(d.objMem, 0)
	return uint32(len(d.objs) - 1)
}

func (d *Dict) freeObj(i uint32, keep bool) {
	if !keep {
		d.objs[i] = nil
	}
	d.objBytes -= d.objMem[i]
	d.objMem[i] = 0
	d.freeObjs = append(d.freeObjs, i)
}

// Resize makes the string value (e must hold a string, not an object) n bytes long,
// keeping its first bytes and zeroing any new ones, and returns the value as a writable view (valid as Str's). Growth leaves room for
// more (as Redis's sdsMakeRoomFor: double up to 1 MiB, then 1 MiB more), so a run of
// APPENDs moves the value O(log n) times.
func (e *Entry) Resize(n int) []byte {
	old := e.Str()
	b, end := e.blob()
	if need := end + n; need > len(b) {
		room := need * 2
		if need >= 1<<20 {
			room = need + 1<<20
		}
		b = e.moveBlob(e.dict(), b, end+len(old), room)
	}
	if n > len(old) {
		clear(b[end+len(old) : end+n])
	}
	e.aux = uint32(n)
	return b[end : end+n : end+n]
}

// memUsage is what the key costs its table (as MemUsed counts it): the record, a bucket
// slot, the blob at its size class, and the TTL and object slots when it has them. A
// collection's own bytes are extra (Object.MemoryUsage).
func (e *Entry) memUsage() int64 {
	n := dictRecordBytes + dictBucketBytes + int64(e.dict().arena.capOf(e.ref))
	if e.vidx >= 0 {
		n += dictVolSlotBytes
	}
	if e.meta&entryHasObj != 0 {
		n += dictObjSlotBytes
	}
	return n
}
