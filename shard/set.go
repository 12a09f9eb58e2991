package shard

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"unsafe"
)

// Set values (Entry.Type == TypeSet), with Redis 7.0's two encodings:
//
//   - "intset" (*stIntset): while every member is a canonical int64 (string2ll
//     accepts it) and there are at most set-max-intset-entries members. The
//     members are a sorted array of little-endian integers of 2, 4 or 8 bytes,
//     the width of the widest member: adding a wider member upgrades the whole
//     array, and nothing ever narrows it again, as Redis's intset.c. Header and
//     array are ONE allocation (see stIntset), so a small set of integers costs
//     one object of 16 to 48 bytes.
//   - "hashtable" (*stHT): a Dict whose entries' keys are the members, so SSCAN
//     has Redis's reverse-binary cursor guarantee for free.
//
// A set converts from intset to hashtable when a non-integer member is added or
// an added integer makes it larger than set-max-intset-entries, and never back,
// except where Redis builds a new value: the *STORE commands and SPOP's
// "keep the few remaining members" case build a fresh set, which starts as an
// intset again (see stAdd).
//
// Ownership: like every value, a set is touched only by its shard's holder.

// stIntset is the header of an intset allocation; the members follow it in the
// same allocation (c of them fit, n are used, each w bytes, ascending).
type stIntset struct {
	n uint32 // members
	c uint32 // capacity, in members of width w
	w uint8  // bytes per member: 2, 4 or 8
	_ [3]byte
}

const (
	stIntsetHdr = unsafe.Sizeof(stIntset{})
	// stMaxIntsetCap is Redis's limit on set-max-intset-entries ("limit to 1G
	// entries due to intset internals").
	stMaxIntsetCap = 1 << 30
)

// stNewIntset allocates an empty intset of width w with room for at least
// members members. The allocation is a byte slice rounded up to its size class
// (the rounding is free capacity) and to a multiple of 8 bytes of at least 16,
// so it is never a tiny-allocator block and the header is aligned.
func stNewIntset(w uint8, members int) *stIntset {
	need := int(stIntsetHdr) + members*int(w)
	need = max(16, (need+7)&^7)
	buf := slices.Grow([]byte(nil), need)
	buf = buf[:cap(buf)]
	s := (*stIntset)(unsafe.Pointer(unsafe.SliceData(buf)))
	s.w = w
	s.c = uint32(min((len(buf)-int(stIntsetHdr))/int(w), math.MaxUint32))
	return s
}

// data is the member array (capacity c).
func (s *stIntset) data() []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(s), stIntsetHdr)), int(s.c)*int(s.w))
}

// stIntWidth is the intset width v needs.
func stIntWidth(v int64) uint8 {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

func stIntGet(d []byte, w uint8, i int) int64 {
	switch w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(d[i*2:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(d[i*4:])))
	}
	return int64(binary.LittleEndian.Uint64(d[i*8:]))
}

func stIntPut(d []byte, w uint8, i int, v int64) {
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(d[i*2:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(d[i*4:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(d[i*8:], uint64(v))
	}
}

// at returns member i (0 <= i < n) in ascending order.
func (s *stIntset) at(i int) int64 { return stIntGet(s.data(), s.w, i) }

// search returns v's position, or where it would be inserted.
func (s *stIntset) search(v int64) (int, bool) {
	n := int(s.n)
	if n == 0 {
		return 0, false
	}
	if stIntWidth(v) > s.w { // beyond every member
		if v < 0 {
			return 0, false
		}
		return n, false
	}
	d, w := s.data(), s.w
	if v > stIntGet(d, w, n-1) {
		return n, false
	}
	if v < stIntGet(d, w, 0) {
		return 0, false
	}
	lo, hi := 0, n-1
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		switch cur := stIntGet(d, w, mid); {
		case cur == v:
			return mid, true
		case cur < v:
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	return lo, false
}

func (s *stIntset) has(v int64) bool {
	_, ok := s.search(v)
	return ok
}

// resized copies s into a new allocation of width w (>= s.w) with room for
// members members, leaving room at index gap (-1: none) for one new member.
func (s *stIntset) resized(w uint8, members int, gap int) *stIntset {
	ns := stNewIntset(w, members)
	ns.n = s.n
	n := int(s.n)
	if w == s.w && gap < 0 {
		copy(ns.data(), s.data()[:n*int(w)])
		return ns
	}
	src, dst := s.data(), ns.data()
	j := 0
	for i := 0; i < n; i++ {
		if j == gap {
			j++
		}
		stIntPut(dst, w, j, stIntGet(src, s.w, i))
		j++
	}
	return ns
}

// growTo is the capacity to allocate for need members: exact (rounded up by the
// allocator) for small sets, with 25% slack past 1 KB so that long runs of
// SADD do not copy the array on every call.
func (s *stIntset) growTo(need int) int {
	if need*int(s.w) > 1024 {
		return need + need/4
	}
	return need
}

// add inserts v; it returns the intset to keep (a new allocation when it had to
// grow or widen) and whether v was new.
func (s *stIntset) add(v int64) (*stIntset, bool) {
	n := int(s.n)
	if w := stIntWidth(v); w > s.w {
		// Wider than every member: v goes first (negative) or last.
		gap := n
		if v < 0 {
			gap = 0
		}
		ns := s.resized(w, s.growTo(n+1), gap)
		stIntPut(ns.data(), w, gap, v)
		ns.n++
		return ns, true
	}
	i, found := s.search(v)
	if found {
		return s, false
	}
	if n == int(s.c) {
		ns := s.resized(s.w, s.growTo(n+1), i)
		stIntPut(ns.data(), ns.w, i, v)
		ns.n++
		return ns, true
	}
	d, w := s.data(), int(s.w)
	copy(d[(i+1)*w:(n+1)*w], d[i*w:n*w])
	stIntPut(d, s.w, i, v)
	s.n++
	return s, true
}

// removeAt deletes member i and returns the intset to keep (smaller when much
// of its capacity went unused, as Redis reallocates on every removal).
func (s *stIntset) removeAt(i int) *stIntset {
	n, w := int(s.n), int(s.w)
	d := s.data()
	copy(d[i*w:(n-1)*w], d[(i+1)*w:n*w])
	s.n--
	if c := int(s.c) * w; c > 64 && c > 2*int(s.n)*w+32 {
		return s.resized(s.w, int(s.n), -1)
	}
	return s
}

// remove deletes v if present.
func (s *stIntset) remove(v int64) (*stIntset, bool) {
	i, found := s.search(v)
	if !found {
		return s, false
	}
	return s.removeAt(i), true
}

// toHT converts to the hashtable encoding.
func (s *stIntset) toHT() *stHT {
	h := stNewHT()
	var buf [20]byte
	d := s.data()
	for i := 0; i < int(s.n); i++ {
		h.d.Insert(strconv.AppendInt(buf[:0], stIntGet(d, s.w, i), 10))
	}
	return h
}

func (s *stIntset) Len() int         { return int(s.n) }
func (s *stIntset) Encoding() string { return "intset" }

// MemoryUsage is the whole allocation: header and capacity.
func (s *stIntset) MemoryUsage(samples int) int64 {
	return int64(stIntsetHdr) + int64(s.c)*int64(s.w)
}

// Clone copies the members into an allocation of the same width.
func (s *stIntset) Clone() any { return s.resized(s.w, max(int(s.n), 1), -1) }

// stHT is a set in the hashtable encoding: each member is the Key of an Entry
// of d (nothing else of the Entry is used).
type stHT struct {
	d Dict
}

func stNewHT() *stHT {
	h := &stHT{}
	h.d = *NewDict()
	return h
}

func (h *stHT) has(m []byte) bool { return h.d.Get(m) != nil }

// add inserts m; reports whether it was new.
func (h *stHT) add(m []byte) bool {
	if h.d.Get(m) != nil {
		return false
	}
	h.d.Insert(m)
	return true
}

func (h *stHT) remove(m []byte) bool { return h.d.Delete(m) != nil }

func (h *stHT) Len() int         { return h.d.Len() }
func (h *stHT) Encoding() string { return "hashtable" }

// MemoryUsage estimates the table and its entries, extrapolating the member
// sizes from the first samples members (Redis's objectComputeSize sampling).
func (h *stHT) MemoryUsage(samples int) int64 {
	return int64(unsafe.Sizeof(stHT{})) + h.d.MemUsed()
}

// Clone copies every member into a new table.
func (h *stHT) Clone() any {
	nh := stNewHT()
	h.d.ForEach(func(e *Entry) bool {
		nh.d.Insert(stBytes(e.Key()))
		return true
	})
	return nh
}

// random returns a uniformly random member, or nil when empty.
func (h *stHT) random(rnd func() uint64) *Entry { return h.d.RandomEntry(rnd) }

// ---- encoding-independent operations ----

// stBytes views a member string as bytes without copying; the bytes must not
// be modified (they are only passed to lookups and reply writers).
func stBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// stMember is one member as a set iteration yields it: an integer (intset) or
// a string (hashtable).
type stMember struct {
	s     string
	v     int64
	isInt bool
}

// stObj returns e's set value. A set key created without a value (only tests
// do that) gets an empty intset.
func stObj(e *Entry) Object {
	switch o := e.Obj().(type) {
	case *stIntset:
		return o
	case *stHT:
		return o
	}
	s := stNewIntset(2, 1)
	e.SetObj(s)
	return s
}

// stCreate is Redis's setTypeCreate: an empty intset if the first member to be
// added is an integer, else an empty hashtable.
func stCreate(first []byte) Object { return stCreateSized(first, 1) }

// stCreateSized is stCreate with room for hint integers (SADD of several
// members allocates the intset once).
func stCreateSized(first []byte, hint int) Object {
	if v, ok := parseInt(first); ok {
		return stNewIntset(stIntWidth(v), max(1, min(hint, 1024)))
	}
	return stNewHT()
}

// stMaxInts is set-max-intset-entries, with Redis's 1G cap.
func stMaxInts(l *EncodingLimits) int {
	m := l.SetMaxIntsetEntries
	if m >= stMaxIntsetCap {
		return stMaxIntsetCap
	}
	if m < 0 {
		return 0
	}
	return int(m)
}

// stAdd is Redis's setTypeAdd: it adds m to o, converting o to a hashtable
// when m is not an integer or o would exceed maxInts members, and returns the
// value to keep and whether m was new.
func stAdd(o Object, m []byte, maxInts int) (Object, bool) {
	switch s := o.(type) {
	case *stHT:
		return s, s.add(m)
	case *stIntset:
		v, ok := parseInt(m)
		if !ok {
			h := s.toHT()
			h.d.Insert(m)
			return h, true
		}
		return stAddIntset(s, v, maxInts)
	}
	panic("shard: not a set")
}

// stAddInt is stAdd for a member known to be the integer v.
func stAddInt(o Object, v int64, maxInts int) (Object, bool) {
	switch s := o.(type) {
	case *stHT:
		var buf [20]byte
		return s, s.add(strconv.AppendInt(buf[:0], v, 10))
	case *stIntset:
		return stAddIntset(s, v, maxInts)
	}
	panic("shard: not a set")
}

func stAddIntset(s *stIntset, v int64, maxInts int) (Object, bool) {
	ns, added := s.add(v)
	if added && int(ns.n) > maxInts {
		return ns.toHT(), true
	}
	return ns, added
}

// stAddMember adds a member yielded by another set's iteration.
func stAddMember(o Object, m stMember, maxInts int) (Object, bool) {
	if m.isInt {
		return stAddInt(o, m.v, maxInts)
	}
	return stAdd(o, stBytes(m.s), maxInts)
}

// stRemove removes m from o; it returns the value to keep and whether m was there.
func stRemove(o Object, m []byte) (Object, bool) {
	switch s := o.(type) {
	case *stHT:
		return s, s.remove(m)
	case *stIntset:
		v, ok := parseInt(m)
		if !ok {
			return s, false
		}
		return s.remove(v)
	}
	panic("shard: not a set")
}

// stRemoveMember removes a member yielded by an iteration of o itself.
func stRemoveMember(o Object, m stMember) Object {
	switch s := o.(type) {
	case *stHT:
		s.remove(stBytes(m.s))
		return s
	case *stIntset:
		ns, _ := s.remove(m.v)
		return ns
	}
	panic("shard: not a set")
}

// stHas reports whether m is a member of o.
func stHas(o Object, m []byte) bool {
	switch s := o.(type) {
	case *stHT:
		return s.has(m)
	case *stIntset:
		v, ok := parseInt(m)
		return ok && s.has(v)
	}
	return false
}

// stHasMember is stHas for a member yielded by another set's iteration.
func stHasMember(o Object, m stMember) bool {
	switch s := o.(type) {
	case *stHT:
		if m.isInt {
			var buf [20]byte
			return s.has(strconv.AppendInt(buf[:0], m.v, 10))
		}
		return s.has(stBytes(m.s))
	case *stIntset:
		if m.isInt {
			return s.has(m.v)
		}
		return stHas(s, stBytes(m.s))
	}
	return false
}

// stEach calls fn for every member until it returns false: ascending for an
// intset, in table order for a hashtable. fn must not change o.
func stEach(o Object, fn func(m stMember) bool) {
	switch s := o.(type) {
	case *stHT:
		s.d.ForEach(func(e *Entry) bool { return fn(stMember{s: e.Key()}) })
	case *stIntset:
		d, w := s.data(), s.w
		for i := 0; i < int(s.n); i++ {
			if !fn(stMember{v: stIntGet(d, w, i), isInt: true}) {
				return
			}
		}
	}
}

// stRandom returns a uniformly random member of the non-empty set o.
func stRandom(o Object, rnd func() uint64) stMember {
	switch s := o.(type) {
	case *stHT:
		return stMember{s: s.random(rnd).Key()}
	case *stIntset:
		return stMember{v: s.at(int(rnd() % uint64(s.n))), isInt: true}
	}
	panic("shard: not a set")
}

// stMembers lists the members of o (for the algorithms that pick many).
func stMembers(o Object, dst []stMember) []stMember {
	stEach(o, func(m stMember) bool {
		dst = append(dst, m)
		return true
	})
	return dst
}
