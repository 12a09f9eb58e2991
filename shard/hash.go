package shard

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Hash values (Entry.Type == TypeHash), in Redis 7.0's two encodings:
//
//   - "listpack" (hshListpack): every field and value in one allocation, in
//     insertion order (an updated field keeps its place, as in Redis's
//     listpack). Layout: a 6-byte header (little-endian uint32 total length
//     in bytes, uint16 count of fields, 0xFFFF meaning "at least 65535: walk
//     to count"), then per field its name and its value, each a uvarint
//     length followed by the bytes. Lookups walk the bytes, as Redis's do;
//     the thresholds keep that short. hshListpack is a bare pointer to that
//     allocation, so Entry.Obj holds it without a box: a small hash costs its
//     Entry plus exactly one allocation.
//   - "hashtable" (*hshTable): a Dict whose entries are the fields
//     (Entry.Key = field, Entry.Str = value), so HSCAN has the Dict's
//     reverse-binary cursor and its guarantee.
//
// A hash is created as a listpack and converted to a hashtable, never back,
// when a field or value longer than hash-max-listpack-value bytes is written
// or it gets more than hash-max-listpack-entries fields (hshConvertIfNeeded).
//
// Ownership: like the Entry that holds it, touched only by the shard's holder.

const (
	hshHeader       = 6       // bytes of the listpack header
	hshCountUnknown = 0xFFFF  // count saturated: walk to count
	hshMaxBytes     = 1 << 30 // a listpack that would grow past this converts (Redis's LISTPACK_MAX_SAFETY_SIZE)
)

// Both encodings are Objects (hshListpack by value: storing it in an
// interface needs no allocation).
var (
	_ Object = hshListpack{}
	_ Object = (*hshTable)(nil)
)

// hshListpack is the compact encoding: a pointer to the first byte of the
// listpack's allocation (never nil). Its methods that change the listpack
// return the new value, which the caller stores back in Entry.Obj.
//
// The allocation's size is not stored: it is hshCap(length) (or more, after
// hshBuild met a repeated field). Writes stay in place while the
// length keeps the same hshCap and move to a new allocation otherwise,
// growing or shrinking (as Redis reallocates its listpacks), so a hash that
// shrank gives its memory back.
type hshListpack struct{ p unsafe.Pointer }

// hshCap is the allocation size for a listpack of n bytes: n rounded up to
// 16 bytes, or above 256 bytes to 4 significant bits (steps of 1/16 to
// 1/8, so growing one field at a time copies amortized O(1) per byte).
func hshCap(n int) int {
	if n <= 256 {
		return (n + 15) &^ 15
	}
	s := uint(bits.Len(uint(n)) - 4)
	return ((n + 1<<s - 1) >> s) << s
}

// hshMake returns a listpack of n bytes (header length set, the rest
// zero) in a new allocation of size hshCap(size) with size >= n.
func hshMake(n, size int) (hshListpack, []byte) {
	b := make([]byte, n, hshCap(size))
	binary.LittleEndian.PutUint32(b, uint32(n))
	return hshListpack{unsafe.Pointer(unsafe.SliceData(b))}, b
}

// hshNewListpack returns an empty listpack.
func hshNewListpack() hshListpack {
	l, _ := hshMake(hshHeader, hshHeader)
	return l
}

// bytes is the listpack, header included.
func (l hshListpack) bytes() []byte {
	n := binary.LittleEndian.Uint32(unsafe.Slice((*byte)(l.p), 4))
	return unsafe.Slice((*byte)(l.p), n)
}

// hshNewTable returns an empty hashtable sized for n fields.
func hshNewTable(n int) *hshTable {
	t := &hshTable{d: *NewDict()}
	if n > 0 {
		t.d.resize(n)
	}
	return t
}

// hshTable is the hashtable encoding.
type hshTable struct{ d Dict }

// hshVarLen is the size of n's uvarint.
func hshVarLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// hshEntrySize is what a string of length n takes in a listpack.
func hshEntrySize(n int) int { return hshVarLen(n) + n }

// hshPut writes s as a length-prefixed entry at b[p:] and returns the offset after it.
func hshPut(b []byte, p int, s []byte) int {
	p += binary.PutUvarint(b[p:], uint64(len(s)))
	return p + copy(b[p:], s)
}

// hshNext reads the entry at b[p:], returning it and the offset after it.
func hshNext(b []byte, p int) ([]byte, int) {
	var n, w int
	if c := b[p]; c < 0x80 {
		n, w = int(c), 1
	} else {
		v, vw := binary.Uvarint(b[p:])
		n, w = int(v), vw
	}
	p += w
	return b[p : p+n : p+n], p + n
}

// hshSkip returns the offset after the entry at b[p:].
func hshSkip(b []byte, p int) int {
	if c := b[p]; c < 0x80 {
		return p + 1 + int(c)
	}
	v, w := binary.Uvarint(b[p:])
	return p + w + int(v)
}

// resize replaces bytes [i, j) of the listpack with n bytes (left for the
// caller to fill) and returns the listpack and its bytes: in place when the
// new length has the same hshCap, else in a new allocation.
func (l hshListpack) resize(i, j, n int) (hshListpack, []byte) {
	b := l.bytes()
	size := len(b)
	d := n - (j - i)
	newSize := size + d
	switch {
	case d == 0:
		return l, b
	case hshCap(newSize) == hshCap(size):
		b = unsafe.Slice((*byte)(l.p), max(size, newSize))
		copy(b[i+n:], b[j:size])
		b = b[:newSize]
		binary.LittleEndian.PutUint32(b, uint32(newSize))
		return l, b
	}
	nl, nb := hshMake(newSize, newSize)
	copy(nb[4:i], b[4:i]) // the header's length is already the new one
	copy(nb[i+n:], b[j:])
	return nl, nb
}

// ---- listpack ----

func (l hshListpack) Len() int {
	if n := int(binary.LittleEndian.Uint16(unsafe.Slice((*byte)(l.p), hshHeader)[4:])); n != hshCountUnknown {
		return n
	}
	return l.walkCount()
}

func (l hshListpack) walkCount() int {
	b := l.bytes()
	n := 0
	for p := hshHeader; p < len(b); n++ {
		p = hshSkip(b, hshSkip(b, p))
	}
	return n
}

func (l hshListpack) setCount(n int) {
	if n > hshCountUnknown {
		n = hshCountUnknown
	}
	binary.LittleEndian.PutUint16(unsafe.Slice((*byte)(l.p), hshHeader)[4:], uint16(n))
}

func (l hshListpack) Encoding() string { return "listpack" }

func (l hshListpack) MemoryUsage(samples int) int64 { return int64(hshCap(len(l.bytes()))) }

func (l hshListpack) Clone() any {
	b := l.bytes()
	nl, nb := hshMake(len(b), len(b))
	copy(nb, b)
	return nl
}

// find returns the offset of field's entry and of its value's entry, or -1, -1.
func (l hshListpack) find(field []byte) (fp, vp int) { return hshFind(l.bytes(), field) }

// hshFind is find on the listpack bytes b.
func hshFind(b []byte, field []byte) (fp, vp int) {
	for p := hshHeader; p < len(b); {
		start := p
		var n int
		if c := b[p]; c < 0x80 {
			n, p = int(c), p+1
		} else {
			v, w := binary.Uvarint(b[p:])
			n, p = int(v), p+w
		}
		p += n
		if n == len(field) && string(b[p-n:p]) == string(field) {
			return start, p
		}
		p = hshSkip(b, p)
	}
	return -1, -1
}

// hshBuild returns a listpack holding pairs (field, value, ...) in one
// allocation: fields in order of first appearance, the last value of a
// repeated field winning, as successive sets would leave them. It also
// returns the number of distinct fields, and how many strings of pairs it
// took: it stops after the pair that makes more than maxEntries fields.
func hshBuild(pairs [][]byte, maxEntries int64) (l hshListpack, count, used int) {
	size := hshHeader
	for _, s := range pairs {
		size += hshEntrySize(len(s))
	}
	// Allocated for every pair: a repeated field only makes it shorter.
	b := make([]byte, hshHeader, hshCap(size))
	for ; used+1 < len(pairs) && int64(count) <= maxEntries; used += 2 {
		f, v := pairs[used], pairs[used+1]
		if _, vp := hshFind(b, f); vp >= 0 {
			end := hshSkip(b, vp)
			n := hshEntrySize(len(v))
			old := len(b)
			b = b[:max(old, old+n-(end-vp))]
			copy(b[vp+n:], b[end:old])
			b = b[:old+n-(end-vp)]
			hshPut(b, vp, v)
			continue
		}
		p := len(b)
		b = b[:p+hshEntrySize(len(f))+hshEntrySize(len(v))]
		hshPut(b, hshPut(b, p, f), v)
		count++
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	l = hshListpack{unsafe.Pointer(unsafe.SliceData(b))}
	l.setCount(count)
	return l, count, used
}

func (l hshListpack) get(field []byte) ([]byte, bool) {
	_, vp := l.find(field)
	if vp < 0 {
		return nil, false
	}
	v, _ := hshNext(l.bytes(), vp)
	return v, true
}

// set stores field = val and reports whether field is new. A new field goes
// at the end; an existing one keeps its place.
func (l hshListpack) set(field, val []byte) (hshListpack, bool) {
	if _, vp := l.find(field); vp >= 0 {
		end := hshSkip(l.bytes(), vp)
		nl, b := l.resize(vp, end, hshEntrySize(len(val)))
		hshPut(b, vp, val)
		return nl, false
	}
	n := l.Len()
	end := len(l.bytes())
	nl, b := l.resize(end, end, hshEntrySize(len(field))+hshEntrySize(len(val)))
	hshPut(b, hshPut(b, end, field), val)
	nl.setCount(n + 1)
	return nl, true
}

// del removes field and reports whether it was there.
func (l hshListpack) del(field []byte) (hshListpack, bool) {
	fp, vp := l.find(field)
	if fp < 0 {
		return l, false
	}
	n := l.Len()
	nl, _ := l.resize(fp, hshSkip(l.bytes(), vp), 0)
	nl.setCount(n - 1)
	return nl, true
}

// hshIter walks a listpack's fields in order.
type hshIter struct {
	b []byte
	p int
}

func (l hshListpack) iter() hshIter { return hshIter{b: l.bytes(), p: hshHeader} }

// next returns the next field and value; ok is false at the end.
func (it *hshIter) next() (field, val []byte, ok bool) {
	if it.p >= len(it.b) {
		return nil, nil, false
	}
	field, it.p = hshNext(it.b, it.p)
	val, it.p = hshNext(it.b, it.p)
	return field, val, true
}

// offsets appends the offset of every field entry, in order.
func (l hshListpack) offsets(dst []int32) []int32 {
	b := l.bytes()
	for p := hshHeader; p < len(b); {
		dst = append(dst, int32(p))
		p = hshSkip(b, hshSkip(b, p))
	}
	return dst
}

// at returns the field and value whose field entry starts at p.
func (l hshListpack) at(p int) (field, val []byte) {
	b := l.bytes()
	field, p = hshNext(b, p)
	val, _ = hshNext(b, p)
	return field, val
}

// toTable converts the listpack to a hashtable with the same fields.
func (l hshListpack) toTable() *hshTable {
	t := hshNewTable(l.Len())
	it := l.iter()
	for f, v, ok := it.next(); ok; f, v, ok = it.next() {
		t.d.InsertStr(f, v)
	}
	return t
}

// ---- hashtable ----

func (t *hshTable) Len() int { return t.d.Len() }

func (t *hshTable) Encoding() string { return "hashtable" }

// MemoryUsage is the table's own accounting (records, buckets, field and value bytes).
func (t *hshTable) MemoryUsage(samples int) int64 {
	return int64(unsafe.Sizeof(*t)) + t.d.MemUsed()
}

func (t *hshTable) Clone() any {
	c := hshNewTable(t.d.Len())
	t.d.ForEach(func(e *Entry) bool {
		c.d.InsertStr(e.KeyBytes(), e.Str())
		return true
	})
	return c
}

func (t *hshTable) get(field []byte) ([]byte, bool) {
	if e := t.d.Get(field); e != nil {
		return e.Str(), true
	}
	return nil, false
}

func (t *hshTable) set(field, val []byte) bool {
	if e := t.d.Get(field); e != nil {
		e.SetStr(val)
		return false
	}
	t.d.InsertStr(field, val)
	return true
}

func (t *hshTable) del(field []byte) bool { return t.d.Delete(field) != nil }

// hshFairSample is how many fields random picks choose among (Redis's
// GETFAIR_NUM_ENTRIES).
const hshFairSample = 15

// random returns a random field, fairer than Dict.RandomEntry (which favours
// fields alone in their bucket), as Redis's dictGetFairRandomKey: collect
// the fields of a run of buckets from a random one (in scan order, going on
// past the end) and pick among them.
func (t *hshTable) random(rnd func() uint64) *Entry {
	var buf [hshFairSample]*Entry
	n := 0
	collect := func(e *Entry) {
		if n < len(buf) {
			buf[n] = e
			n++
		}
	}
	if t.d.Len() <= len(buf) {
		t.d.ForEach(func(e *Entry) bool {
			collect(e)
			return true
		})
	} else {
		cursor := rnd()
		for steps := 0; n < len(buf) && steps < 10*hshFairSample; steps++ {
			cursor = t.d.Scan(cursor, collect)
		}
	}
	if n == 0 {
		return t.d.RandomEntry(rnd)
	}
	return buf[rnd()%uint64(n)]
}

// ---- both encodings ----

// hshGet returns field's value in the hash o.
func hshGet(o any, field []byte) ([]byte, bool) {
	switch h := o.(type) {
	case hshListpack:
		return h.get(field)
	case *hshTable:
		return h.get(field)
	}
	return nil, false
}

// hshLen is the number of fields of the hash o.
func hshLen(o any) int {
	switch h := o.(type) {
	case hshListpack:
		return h.Len()
	case *hshTable:
		return h.Len()
	}
	return 0
}

// hshSet stores field = val in the hash of e (no conversion; see
// hshConvertIfNeeded) and reports whether field is new.
func hshSet(e *Entry, field, val []byte) bool {
	switch h := e.Obj().(type) {
	case hshListpack:
		nl, added := h.set(field, val)
		e.SetObj(nl)
		return added
	case *hshTable:
		return h.set(field, val)
	}
	return false
}

// hshDel removes field from the hash of e and reports whether it was there.
func hshDel(e *Entry, field []byte) bool {
	switch h := e.Obj().(type) {
	case hshListpack:
		nl, found := h.del(field)
		e.SetObj(nl)
		return found
	case *hshTable:
		return h.del(field)
	}
	return false
}

// hshTooLong reports whether writing these strings makes a listpack convert:
// one is longer than hash-max-listpack-value (Redis's hashTypeTryConversion).
func hshTooLong(maxValue int64, args [][]byte) bool {
	for _, a := range args {
		if int64(len(a)) > maxValue {
			return true
		}
	}
	return false
}

// hshConvert turns the listpack of e into a hashtable (no-op for a hashtable).
func hshConvert(e *Entry) {
	if l, ok := e.Obj().(hshListpack); ok {
		e.SetObj(l.toTable())
	}
}

// hshConvertIfNeeded converts a listpack that has more fields than
// hash-max-listpack-entries (checked after writes, as Redis's hashTypeSet).
func hshConvertIfNeeded(e *Entry, maxEntries int64) {
	if l, ok := e.Obj().(hshListpack); ok && int64(l.Len()) > maxEntries {
		e.SetObj(l.toTable())
	}
}
