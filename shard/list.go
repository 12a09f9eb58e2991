package shard

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// A list value (Entry.Obj of a TypeList key): Redis's quicklist, a deque of
// packed nodes.
//
// Each node is one []byte holding its elements back to back, each as
//
//	uvarint(len) | bytes | uvarint(len) written backwards
//
// so a node can be walked from either end (the idea of Redis's listpack: 5
// bytes for a 3-byte element, as in Redis). Nodes are bounded by
// list-max-listpack-size (-2: 8 KB of entries per node; a positive value
// counts entries, with an 8 KB safety limit, as Redis's quicklist does), so a
// small list is one contiguous buffer and LRANGE walks a few buffers.
//
// A node's buffer keeps free room at both ends (b[:lo] before the entries,
// cap(b)-len(b) after them), so pushes and pops at either end of the list are
// O(1) amortized and do not move the other entries.
//
// Redis 7.0 reports "quicklist" for every list, small or big (the "listpack"
// list encoding came with 7.2), so there is no conversion: one representation
// whatever the size.
type lstList struct {
	back  []lstNode // node storage: the live nodes are back[off : off+n]
	off   int
	n     int
	count int        // elements in all nodes
	one   [1]lstNode // back's first storage, so a one-node list needs no slice allocation
}

type lstNode struct {
	b     []byte // entries are b[lo:]; b[:lo] and b[len:cap] are free room
	lo    int
	count int
}

// lstLimit is a node's capacity, from list-max-listpack-size.
type lstLimit struct {
	entries int // max entries per node (0: no count limit)
	bytes   int // max bytes per node
}

// lstSafetyLimit is Redis's SIZE_SAFETY_LIMIT: a node never grows past 8 KB
// when the fill counts entries.
const lstSafetyLimit = 8192

// lstLimitFor converts list-max-listpack-size as Redis's quicklist does: -1..-5
// are 4..64 KB (values below -5 count as -5), a positive value counts entries
// (within the 8 KB safety limit), 0 means one entry per node.
func lstLimitFor(fill int64) lstLimit {
	if fill >= 0 {
		if fill == 0 {
			fill = 1
		}
		return lstLimit{entries: int(min(fill, 1<<30)), bytes: lstSafetyLimit}
	}
	if fill < -5 {
		fill = -5
	}
	return lstLimit{bytes: 4096 << (-fill - 1)}
}

// fits reports whether a node of size bytes and count entries may take one more
// entry of esz bytes. An entry bigger than the limit gets a node of its own.
func (lim lstLimit) fits(size, count, esz int) bool {
	if count == 0 {
		return true
	}
	if size+esz > lim.bytes {
		return false
	}
	return lim.entries == 0 || count < lim.entries
}

// over reports whether a node has grown past the limit (after an insert in
// the middle or a replace) and should be split.
func (lim lstLimit) over(size, count int) bool {
	if count <= 1 {
		return false
	}
	return size > lim.bytes || (lim.entries > 0 && count > lim.entries)
}

// ---- entry encoding ----

func lstVarLen(n int) int {
	k := 1
	for n >= 0x80 {
		n >>= 7
		k++
	}
	return k
}

// lstEntrySize is the encoded size of an element of n bytes.
func lstEntrySize(n int) int { return 2*lstVarLen(n) + n }

// lstPut writes the entry for v at dst[0:lstEntrySize(len(v))].
func lstPut(dst, v []byte) {
	n := len(v)
	if n < 0x80 {
		dst[0] = byte(n)
		copy(dst[1:], v)
		dst[1+n] = byte(n)
		return
	}
	h := lstVarLen(n)
	x := uint(n)
	for i := 0; i < h; i++ {
		c := byte(x & 0x7f)
		x >>= 7
		if x != 0 {
			c |= 0x80
		}
		dst[i] = c         // forward varint: low group first
		dst[h+n+h-1-i] = c // backward varint: low group last
	}
	copy(dst[h:], v)
}

// lstAt decodes the entry starting at b[p]: its value and the end of the entry.
func lstAt(b []byte, p int) (v []byte, next int) {
	n := int(b[p])
	if n < 0x80 {
		return b[p+1 : p+1+n], p + 2 + n
	}
	n &= 0x7f
	h := 1
	for shift := 7; ; shift += 7 {
		c := b[p+h]
		h++
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return b[p+h : p+h+n], p + 2*h + n
}

// lstBefore decodes the entry ending at b[q]: its value and where it starts.
func lstBefore(b []byte, q int) (v []byte, start int) {
	n := int(b[q-1])
	if n < 0x80 {
		return b[q-1-n : q-1], q - 2 - n
	}
	n &= 0x7f
	h := 1
	for shift := 7; ; shift += 7 {
		c := b[q-1-h]
		h++
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return b[q-h-n : q-h], q - 2*h - n
}

// ---- node buffer ----

func (nd *lstNode) size() int { return len(nd.b) - nd.lo }

// gap replaces the bytes b[p:q] of nd's entries with sz bytes of room and
// returns where the room starts. It moves the smaller side when it can, uses
// the free room at either end, and reallocates only when neither end has room,
// to at most maxCap bytes (the node limit: room past it would never be used)
// unless the node needs more.
func (nd *lstNode) gap(p, q, sz, maxCap int) int {
	b := nd.b
	d := sz - (q - p)
	if d <= 0 { // shrinking (or same size): close the hole from the smaller side
		if d == 0 {
			return p
		}
		if p-nd.lo < len(b)-q {
			copy(b[nd.lo-d:], b[nd.lo:p])
			nd.lo -= d
			return p - d
		}
		copy(b[p+sz:], b[q:])
		nd.b = b[:len(b)+d]
		return p
	}
	headRoom, tailRoom := nd.lo, cap(b)-len(b)
	left, right := p-nd.lo, len(b)-q
	useHead := headRoom >= d && (left <= right || tailRoom < d)
	useTail := !useHead && tailRoom >= d
	// A push at one end never shifts the whole node toward the other: it
	// relocates instead, leaving room on its own side (O(1) amortized pushes).
	if left == 0 && right > 0 {
		useTail = false
	}
	if right == 0 && left > 0 {
		useHead = false
	}
	if useHead {
		copy(b[nd.lo-d:], b[nd.lo:p])
		nd.lo -= d
		return p - d
	}
	if useTail {
		b = b[:len(b)+d]
		copy(b[q+d:], b[q:len(b)-d])
		nd.b = b
		return p
	}
	// The side that grows has no room. Move the entries in place when the
	// free room of both ends is enough and at least a quarter of the node
	// (so moves are amortized), or when the buffer is at the node limit
	// already (a node that stays full is moved, as a listpack is on every
	// insert); else reallocate with room on the side that grows.
	size := len(b) - nd.lo + d
	if free := headRoom + tailRoom; free >= d && (free >= size/4+d || cap(b) >= maxCap) {
		var lo int
		if p == nd.lo {
			lo = cap(b) - size // room at the head for more head pushes
		} else if q == len(b) {
			lo = 0
		} else {
			lo = (cap(b) - size) / 2
		}
		// Move the part that stays in front of the gap and the part after it.
		// Each copy is a memmove; do them in an order that does not clobber.
		newP := lo + left
		if lo <= nd.lo {
			copy(b[lo:], b[nd.lo:p])
			copy(b[newP+sz:lo+size], b[q:])
		} else {
			b = b[:lo+size]
			copy(b[newP+sz:], b[q:len(nd.b)])
			copy(b[lo:], b[nd.lo:p])
		}
		nd.b = b[:lo+size]
		nd.lo = lo
		return newP
	}
	c := size + size/2
	if c > maxCap {
		c = max(maxCap, size)
	}
	if c < 32 {
		c = 32
	}
	nb := make([]byte, c)
	lo := 0
	if p == nd.lo && q != len(b) {
		lo = c - size
	}
	copy(nb[lo:], b[nd.lo:p])
	copy(nb[lo+left+sz:], b[q:])
	nd.b = nb[:lo+size]
	nd.lo = lo
	return lo + left
}

// newNode makes a node holding v alone.
func lstNewNode(v []byte, room int) lstNode {
	esz := lstEntrySize(len(v))
	c := esz + room
	if c < 32 {
		c = 32
	}
	b := make([]byte, esz, c)
	lstPut(b, v)
	return lstNode{b: b, count: 1}
}

// ---- node deque ----

func newLstList() *lstList {
	l := &lstList{}
	l.back = l.one[:]
	return l
}

func (l *lstList) nodes() []lstNode { return l.back[l.off : l.off+l.n] }

// insertNode inserts nd before live node at (0 <= at <= n) and returns it.
func (l *lstList) insertNode(at int, nd lstNode) *lstNode {
	if l.back == nil {
		l.back = l.one[:]
	}
	roomFront, roomBack := l.off > 0, l.off+l.n < len(l.back)
	switch {
	case at == 0 && roomFront:
		l.off--
	case at == l.n && roomBack:
	case at > 0 && at < l.n && roomBack && (at > l.n/2 || !roomFront):
		s := l.back[l.off : l.off+l.n+1]
		copy(s[at+1:], s[at:l.n])
	case at > 0 && at < l.n && roomFront:
		s := l.back[l.off-1 : l.off+l.n]
		copy(s, s[1:at+1])
		l.off--
	default:
		// No room on the side that grows: recentre or grow the storage
		// rather than shifting every node by one (O(1) amortized pushes).
		l.regrow()
		return l.insertNode(at, nd)
	}
	l.n++
	l.back[l.off+at] = nd
	return &l.back[l.off+at]
}

// regrow gives the node deque free slots at both ends: it recenters the nodes
// when at least half of the storage is free, else doubles it.
func (l *lstList) regrow() {
	free := len(l.back) - l.n
	if free*2 >= len(l.back) && free >= 2 {
		off := free / 2
		copy(l.back[off:], l.back[l.off:l.off+l.n])
		for i := range l.back {
			if i < off || i >= off+l.n {
				l.back[i] = lstNode{}
			}
		}
		l.off = off
		return
	}
	nb := make([]lstNode, 2*l.n+4)
	off := (len(nb) - l.n) / 2
	copy(nb[off:], l.back[l.off:l.off+l.n])
	if &l.back[0] == &l.one[0] {
		l.one[0] = lstNode{}
	}
	l.back, l.off = nb, off
}

// removeNode drops live node at.
func (l *lstList) removeNode(at int) {
	s := l.back[l.off : l.off+l.n]
	if at < l.n/2 {
		copy(s[1:at+1], s[:at])
		s[0] = lstNode{}
		l.off++
	} else {
		copy(s[at:], s[at+1:])
		s[l.n-1] = lstNode{}
	}
	l.n--
	if l.n == 0 {
		l.off = 0
		if len(l.back) > 8 { // an emptied list drops big node storage
			l.back = l.one[:]
		}
	} else if len(l.back) > 64 && l.n*8 < len(l.back) {
		// A list that lost most of its nodes gives the storage back.
		nb := make([]lstNode, 2*l.n+4)
		off := (len(nb) - l.n) / 2
		copy(nb[off:], l.back[l.off:l.off+l.n])
		l.back, l.off = nb, off
	}
}

// ---- Object ----

func (l *lstList) Len() int { return l.count }

func (l *lstList) Encoding() string { return "quicklist" }

const (
	lstListSize = int64(unsafe.Sizeof(lstList{}))
	lstNodeSize = int64(unsafe.Sizeof(lstNode{}))
)

// MemoryUsage estimates the list's bytes as Redis's objectComputeSize: the
// list struct, then the average node (struct + buffer) of the first samples
// nodes times the number of nodes.
func (l *lstList) MemoryUsage(samples int) int64 {
	size := lstListSize
	if cap(l.back) > 1 {
		size += int64(cap(l.back)) * lstNodeSize
	}
	nodes := l.nodes()
	if len(nodes) == 0 {
		return size
	}
	var sum int64
	k := 0
	for k < len(nodes) && (k < samples || samples <= 0) {
		sum += int64(cap(nodes[k].b))
		k++
	}
	return size + sum*int64(len(nodes))/int64(k)
}

// Clone deep-copies the list (COPY), with compact node buffers.
func (l *lstList) Clone() any {
	c := newLstList()
	c.count = l.count
	src := l.nodes()
	if len(src) > 1 {
		c.back = make([]lstNode, len(src)+2)
		c.off = 1
	}
	for i := range src {
		nd := &src[i]
		b := make([]byte, nd.size())
		copy(b, nd.b[nd.lo:])
		c.back[c.off+i] = lstNode{b: b, count: nd.count}
	}
	c.n = len(src)
	return c
}

// ---- list operations ----

// pushHead adds v before the first element.
func (l *lstList) pushHead(v []byte, lim lstLimit) {
	esz := lstEntrySize(len(v))
	l.count++
	if l.n > 0 {
		nd := &l.back[l.off]
		if lim.fits(nd.size(), nd.count, esz) {
			p := nd.gap(nd.lo, nd.lo, esz, lim.bytes)
			lstPut(nd.b[p:], v)
			nd.count++
			return
		}
	}
	l.insertNode(0, lstNewNode(v, 0))
}

// pushTail adds v after the last element.
func (l *lstList) pushTail(v []byte, lim lstLimit) {
	esz := lstEntrySize(len(v))
	l.count++
	if l.n > 0 {
		nd := &l.back[l.off+l.n-1]
		if lim.fits(nd.size(), nd.count, esz) {
			end := len(nd.b)
			if cap(nd.b)-end >= esz {
				nd.b = nd.b[:end+esz]
				lstPut(nd.b[end:], v)
			} else {
				p := nd.gap(end, end, esz, lim.bytes)
				lstPut(nd.b[p:], v)
			}
			nd.count++
			return
		}
	}
	l.insertNode(l.n, lstNewNode(v, 3*esz))
}

// popHead removes and returns the first element. The bytes stay valid until
// the list is next changed.
func (l *lstList) popHead() []byte {
	nd := &l.back[l.off]
	v, next := lstAt(nd.b, nd.lo)
	nd.lo = next
	nd.count--
	l.count--
	if nd.count == 0 {
		l.removeNode(0)
	}
	return v
}

// popTail removes and returns the last element, valid as popHead's.
func (l *lstList) popTail() []byte {
	nd := &l.back[l.off+l.n-1]
	v, start := lstBefore(nd.b, len(nd.b))
	nd.b = nd.b[:start]
	nd.count--
	l.count--
	if nd.count == 0 {
		l.removeNode(l.n - 1)
	}
	return v
}

// seek finds element i (0 <= i < count): its node and the start of its entry.
// It walks from the nearer end of the list, then of the node.
func (l *lstList) seek(i int) (ni, p int) {
	nodes := l.nodes()
	if i < l.count/2 {
		for i >= nodes[ni].count {
			i -= nodes[ni].count
			ni++
		}
	} else {
		j := l.count - i // 1-based from the end
		ni = len(nodes) - 1
		for j > nodes[ni].count {
			j -= nodes[ni].count
			ni--
		}
		i = nodes[ni].count - j
	}
	nd := &nodes[ni]
	if i <= nd.count/2 {
		p = nd.lo
		for ; i > 0; i-- {
			_, p = lstAt(nd.b, p)
		}
	} else {
		p = len(nd.b)
		for k := nd.count - i; k > 0; k-- {
			_, p = lstBefore(nd.b, p)
		}
	}
	return ni, p
}

// index returns element i (0 <= i < count).
func (l *lstList) index(i int) []byte {
	ni, p := l.seek(i)
	v, _ := lstAt(l.back[l.off+ni].b, p)
	return v
}

// replace sets element i (0 <= i < count) to v.
func (l *lstList) replace(i int, v []byte, lim lstLimit) {
	ni, p := l.seek(i)
	nd := &l.back[l.off+ni]
	_, q := lstAt(nd.b, p)
	p = nd.gap(p, q, lstEntrySize(len(v)), lim.bytes)
	lstPut(nd.b[p:], v)
	l.fixNode(ni, lim)
}

// insertAt inserts v at byte offset p of live node ni (an entry boundary).
func (l *lstList) insertAt(ni, p int, v []byte, lim lstLimit) {
	nd := &l.back[l.off+ni]
	p = nd.gap(p, p, lstEntrySize(len(v)), lim.bytes)
	lstPut(nd.b[p:], v)
	nd.count++
	l.count++
	l.fixNode(ni, lim)
}

// fixNode splits live node ni in two when a change in its middle made it
// bigger than the limit, else tries to merge it with a neighbour.
func (l *lstList) fixNode(ni int, lim lstLimit) {
	nd := &l.back[l.off+ni]
	if !lim.over(nd.size(), nd.count) {
		l.mergeAround(ni, lim)
		return
	}
	// Split after the entry that reaches half the bytes (or half the count).
	half, halfCount := nd.size()/2, nd.count/2
	p, k := nd.lo, 0
	for k < nd.count-1 {
		_, next := lstAt(nd.b, p)
		p = next
		k++
		if lim.entries > 0 && nd.size() <= lim.bytes {
			if k >= halfCount {
				break
			}
		} else if p-nd.lo >= half {
			break
		}
	}
	right := make([]byte, len(nd.b)-p, len(nd.b)-p+32)
	copy(right, nd.b[p:])
	rc := nd.count - k
	nd.b = nd.b[:p]
	nd.count = k
	l.insertNode(ni+1, lstNode{b: right, count: rc})
	// Either half may still be over (a huge entry): split again.
	if n := &l.back[l.off+ni+1]; lim.over(n.size(), n.count) {
		l.fixNode(ni+1, lim)
	}
	if n := &l.back[l.off+ni]; lim.over(n.size(), n.count) {
		l.fixNode(ni, lim)
	}
}

// mergeAround merges live node ni with its next and previous neighbours when
// the two fit in one node, so deletes in the middle do not leave a trail of
// small nodes.
func (l *lstList) mergeAround(ni int, lim lstLimit) {
	if ni+1 < l.n {
		l.merge(ni, lim)
	}
	if ni > 0 {
		l.merge(ni-1, lim)
	}
}

// merge appends live node ni+1 to node ni when they fit in one node together.
func (l *lstList) merge(ni int, lim lstLimit) bool {
	a, b := &l.back[l.off+ni], &l.back[l.off+ni+1]
	if lim.over(a.size()+b.size(), a.count+b.count) {
		return false
	}
	end := len(a.b)
	p := a.gap(end, end, b.size(), lim.bytes)
	copy(a.b[p:], b.b[b.lo:])
	a.count += b.count
	l.removeNode(ni + 1)
	return true
}

// delRange removes n elements from index start (0 <= start, start+n <= count).
func (l *lstList) delRange(start, n int) {
	if n <= 0 {
		return
	}
	if start == 0 && n == l.count {
		for i := range l.back {
			l.back[i] = lstNode{}
		}
		l.back, l.off, l.n, l.count = l.one[:], 0, 0, 0
		return
	}
	ni, p := l.seek(start)
	l.count -= n
	for n > 0 {
		nd := &l.back[l.off+ni]
		if p == nd.lo && n >= nd.count {
			n -= nd.count
			l.removeNode(ni)
			if ni < l.n {
				p = l.back[l.off+ni].lo
			}
			continue
		}
		q, k := p, 0
		for k < n && q < len(nd.b) {
			_, q = lstAt(nd.b, q)
			k++
		}
		nd.gap(p, q, 0, 0)
		nd.count -= k
		n -= k
		if n > 0 {
			ni++
			p = l.back[l.off+ni].lo
		}
	}
}

// remove deletes up to limit (0: all) elements equal to v, from the head
// (fromTail false) or the tail, and returns how many it removed (LREM).
func (l *lstList) remove(v []byte, limit int, fromTail bool, lim lstLimit) int {
	removed := 0
	touched := false
	if !fromTail {
		for ni := 0; ni < l.n && (limit == 0 || removed < limit); ni++ {
			nd := &l.back[l.off+ni]
			w, p := nd.lo, nd.lo
			for p < len(nd.b) {
				e, next := lstAt(nd.b, p)
				if (limit == 0 || removed < limit) && bytes.Equal(e, v) {
					removed++
					nd.count--
					touched = true
				} else {
					if w != p {
						copy(nd.b[w:], nd.b[p:next])
					}
					w += next - p
				}
				p = next
			}
			nd.b = nd.b[:w]
		}
	} else {
		for ni := l.n - 1; ni >= 0 && (limit == 0 || removed < limit); ni-- {
			nd := &l.back[l.off+ni]
			w, q := len(nd.b), len(nd.b)
			for q > nd.lo {
				e, start := lstBefore(nd.b, q)
				if (limit == 0 || removed < limit) && bytes.Equal(e, v) {
					removed++
					nd.count--
					touched = true
				} else {
					w -= q - start
					if w != start {
						copy(nd.b[w:], nd.b[start:q])
					}
				}
				q = start
			}
			nd.lo = w
		}
	}
	if touched {
		l.count -= removed
		l.compact(lim)
	}
	return removed
}

// compact drops empty nodes and merges neighbours that fit in one node.
func (l *lstList) compact(lim lstLimit) {
	for ni := 0; ni < l.n; {
		if l.back[l.off+ni].count == 0 {
			l.removeNode(ni)
			continue
		}
		if ni+1 < l.n && l.back[l.off+ni+1].count > 0 && l.merge(ni, lim) {
			continue
		}
		ni++
	}
}

// find returns the node and entry offset of the first element equal to v
// from the head, and the end of that entry; ok is false if there is none.
func (l *lstList) find(v []byte) (ni, p, q int, ok bool) {
	for ni = 0; ni < l.n; ni++ {
		nd := &l.back[l.off+ni]
		for p = nd.lo; p < len(nd.b); {
			e, next := lstAt(nd.b, p)
			if bytes.Equal(e, v) {
				return ni, p, next, true
			}
			p = next
		}
	}
	return 0, 0, 0, false
}

// lstIter walks a list's elements forward or backward.
type lstIter struct {
	l       *lstList
	ni, p   int
	reverse bool
}

// iter starts at element i (0 <= i < count) going toward the tail, or toward
// the head when reverse.
func (l *lstList) iter(i int, reverse bool) lstIter {
	ni, p := l.seek(i)
	if reverse {
		_, p = lstAt(l.back[l.off+ni].b, p) // walk back from the entry's end
	}
	return lstIter{l: l, ni: ni, p: p, reverse: reverse}
}

// next returns the next element; ok is false past the end.
func (it *lstIter) next() (v []byte, ok bool) {
	l := it.l
	for it.ni >= 0 && it.ni < l.n {
		nd := &l.back[l.off+it.ni]
		if !it.reverse {
			if it.p < len(nd.b) {
				v, it.p = lstAt(nd.b, it.p)
				return v, true
			}
			it.ni++
			if it.ni < l.n {
				it.p = l.back[l.off+it.ni].lo
			}
		} else {
			if it.p > nd.lo {
				v, it.p = lstBefore(nd.b, it.p)
				return v, true
			}
			it.ni--
			if it.ni >= 0 {
				it.p = len(l.back[l.off+it.ni].b)
			}
		}
	}
	return nil, false
}

// appendRange appends elements [start, start+n) as RESP bulk strings, toward
// the tail, or toward the head from start when reverse (RPOP with a count).
func (l *lstList) appendRange(out []byte, start, n int, reverse bool) []byte {
	if n <= 0 {
		return out
	}
	if reverse {
		it := l.iter(start, true)
		for ; n > 0; n-- {
			v, _ := it.next()
			out = lstAppendBulk(out, v)
		}
		return out
	}
	ni, p := l.seek(start)
	nodes := l.nodes()
	for {
		nd := &nodes[ni]
		b := nd.b
		// Reserve once per node: an entry's reply is at most 24 bytes longer
		// than the entry ("$", up to 20 digits, 2 CRLF, less 2 length bytes).
		if need := len(b) - p + 24*nd.count; cap(out)-len(out) < need {
			out = append(out, make([]byte, need)...)[:len(out)]
		}
		for p < len(b) {
			k := int(b[p])
			if k <= 8 && p+9 <= cap(b) {
				// The common case of short elements (at most 8 bytes): "$k\r\n"
				// as one 4-byte store, the value as one 8-byte load and store
				// (the bytes past it are overwritten next), then CRLF. The
				// reservation above leaves at least 26 bytes of room per entry.
				o := len(out)
				w := out[o : o+16]
				binary.LittleEndian.PutUint32(w, 0x0a0d0024|uint32('0'+k)<<8)
				binary.LittleEndian.PutUint64(w[4:], binary.LittleEndian.Uint64(b[p+1:p+9]))
				w[4+k] = '\r'
				w[5+k] = '\n'
				out = out[:o+k+6]
				p += k + 2
			} else {
				var v []byte
				v, p = lstAt(b, p)
				out = lstAppendBulk(out, v)
			}
			n--
			if n == 0 {
				return out
			}
		}
		ni++
		p = nodes[ni].lo
	}
}

// lstAppendBulk appends v as a RESP bulk string.
func lstAppendBulk(out, v []byte) []byte {
	n := len(v)
	switch {
	case n < 10:
		out = append(out, '$', byte('0'+n), '\r', '\n')
	case n < 100:
		out = append(out, '$', byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	default:
		var tmp [20]byte
		i := len(tmp)
		for x := n; x > 0; x /= 10 {
			i--
			tmp[i] = byte('0' + x%10)
		}
		out = append(out, '$')
		out = append(out, tmp[i:]...)
		out = append(out, '\r', '\n')
	}
	out = append(out, v...)
	return append(out, '\r', '\n')
}
