package shard

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Sorted sets: the value of a TypeZSet key (Redis 7.0's t_zset.c).
//
// Two encodings, converted exactly when Redis converts:
//
//   - "listpack": one []byte holding every (member, score) in (score, member)
//     order, while the set has at most zset-max-listpack-entries members and
//     none is longer than zset-max-listpack-value bytes. An entry is
//
//     score (8 bytes, little-endian float64 bits)
//     member length (uvarint)
//     member bytes
//     back length (the size of everything before it, as a varint stored
//     backwards, so the previous entry can be found from the next one)
//
//     Like Redis's listpack, which stores a zero score as the integer 0, a
//     listpack never holds -0.
//
//   - "skiplist": Redis's skiplist with span counts (O(log n) insert, delete,
//     rank and range search) plus the shard's Dict mapping each member to its
//     node (Entry.Key is the member, Entry.Obj the *zsNode holding the score),
//     for O(1) ZSCORE and a ZSCAN cursor with Redis's guarantee. The node has
//     its own copy of the member (the Dict's keys live in its arena).
//
// A listpack becomes a skiplist when an insertion would break a limit (ZADD,
// ZINCRBY); a skiplist never goes back, except that the STORE commands
// (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE) build their result in
// whichever encoding fits it, as Redis does.
//
// Ownership: like the Entry that holds it, a zsObj is touched only by the
// goroutine holding its shard.
type zsObj struct {
	lp   []byte      // listpack encoding (zsl == nil)
	n    int         // number of members
	zsl  *zsSkiplist // skiplist encoding
	dict *Dict       // skiplist encoding: member -> Entry{Obj: *zsNode}
}

func zsNewListpack() *zsObj { return &zsObj{} }

// Len is the number of members.
func (o *zsObj) Len() int { return o.n }

// Encoding is what OBJECT ENCODING reports.
func (o *zsObj) Encoding() string {
	if o.zsl != nil {
		return "skiplist"
	}
	return "listpack"
}

// isSkiplist reports the encoding.
func (o *zsObj) isSkiplist() bool { return o.zsl != nil }

// MemoryUsage estimates the bytes held: the listpack, or the skiplist nodes,
// dict entries and member bytes (from up to samples members, extrapolated, as
// Redis's objectComputeSize does).
func (o *zsObj) MemoryUsage(samples int) int64 {
	size := int64(unsafe.Sizeof(*o))
	if o.zsl == nil {
		return size + int64(cap(o.lp))
	}
	size += int64(unsafe.Sizeof(*o.zsl)) + int64(unsafe.Sizeof(*o.dict))
	size += int64(unsafe.Sizeof(zsNode{})) + zsMaxLevel*int64(unsafe.Sizeof(zsLevel{})) // head
	size += o.dict.MemUsed()
	if o.n == 0 {
		return size
	}
	if samples <= 0 {
		samples = 1
	}
	var sum int64
	k := 0
	for x := o.zsl.head.lv[0].next; x != nil && k < samples; x = x.lv[0].next {
		sum += int64(unsafe.Sizeof(zsNode{})) + int64(len(x.lv))*int64(unsafe.Sizeof(zsLevel{})) + int64(len(x.member))
		k++
	}
	return size + sum*int64(o.n)/int64(k)
}

// Clone deep-copies the value (COPY).
func (o *zsObj) Clone() any {
	if o.zsl == nil {
		return &zsObj{lp: append([]byte(nil), o.lp...), n: o.n}
	}
	d := &zsObj{}
	d.toSkiplistEmpty()
	for x := o.zsl.head.lv[0].next; x != nil; x = x.lv[0].next {
		d.slInsertNew(zsBytes(x.member), x.score)
	}
	return d
}

// zsBytes views a string as bytes without copying; the bytes must not be written.
func zsBytes(s string) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// zsString views bytes as a string without copying; b must not change while
// the string is in use.
func zsString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ---------------------------------------------------------------------------
// listpack encoding

// zsLpAt decodes the entry at off: its member (a view into lp), its score and
// the offset of the next entry (len(lp) after the last one).
func zsLpAt(lp []byte, off int) (member []byte, score float64, next int) {
	score = math.Float64frombits(binary.LittleEndian.Uint64(lp[off:]))
	p := off + 8
	var mlen int
	if b := lp[p]; b < 0x80 {
		mlen = int(b)
		p++
	} else {
		v, k := binary.Uvarint(lp[p:])
		mlen = int(v)
		p += k
	}
	end := p + mlen
	member = lp[p:end:end]
	return member, score, end + zsVarLen(end-off)
}

// zsLpHdr decodes where the member of the entry at off starts, its length
// and the offset of the next entry, without reading the score.
func zsLpHdr(lp []byte, off int) (ms, mlen, next int) {
	if b := lp[off+8]; b < 0x80 {
		mlen = int(b)
		ms = off + 9
		if mlen < 0x80-9 {
			return ms, mlen, ms + mlen + 1 // the back length is one byte
		}
	} else {
		v, k := binary.Uvarint(lp[off+8:])
		mlen = int(v)
		ms = off + 8 + k
	}
	end := ms + mlen
	return ms, mlen, end + zsVarLen(end-off)
}

// zsLpScore is the score of the entry at off.
func zsLpScore(lp []byte, off int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(lp[off:]))
}

// zsLpNext is the offset of the entry after the one at off, or -1.
func zsLpNext(lp []byte, off int) int {
	_, _, next := zsLpHdr(lp, off)
	if next >= len(lp) {
		return -1
	}
	return next
}

// zsLpPrev is the offset of the entry before the one at off (len(lp) for the
// last entry), or -1.
func zsLpPrev(lp []byte, off int) int {
	if off <= 0 {
		return -1
	}
	p := off - 1
	b := lp[p]
	v := int(b & 0x7f)
	for shift := 7; b&0x80 != 0; shift += 7 {
		p--
		b = lp[p]
		v |= int(b&0x7f) << shift
	}
	return p - v
}

// zsVarLen is the size of n as a varint.
func zsVarLen(n int) int {
	return (bits.Len64(uint64(n)|1) + 6) / 7
}

// zsLpEntrySize is the encoded size of an entry for a member of mlen bytes.
func zsLpEntrySize(mlen int) int {
	body := 8 + zsVarLen(mlen) + mlen
	return body + zsVarLen(body)
}

// zsLpPut writes the entry at dst[0:zsLpEntrySize(len(member))].
func zsLpPut(dst, member []byte, score float64) {
	if score == 0 {
		score = 0 // no -0 in a listpack, as in Redis
	}
	binary.LittleEndian.PutUint64(dst, math.Float64bits(score))
	p := 8 + binary.PutUvarint(dst[8:], uint64(len(member)))
	p += copy(dst[p:], member)
	// The back length, stored backwards: the last byte holds the low 7 bits,
	// 0x80 marks that more (higher) bits precede it.
	body := p
	w := zsVarLen(body)
	for i := p + w - 1; i >= p; i-- {
		b := byte(body & 0x7f)
		body >>= 7
		if i > p {
			b |= 0x80
		}
		dst[i] = b
	}
}

// lpFind returns the offset and score of member, or -1.
func (o *zsObj) lpFind(member []byte) (int, float64) {
	lp := o.lp
	for off := 0; off < len(lp); {
		var ms, mlen, next int
		if b := int(lp[off+8]); b < 0x80-9 { // short member: inline decoding
			ms, mlen = off+9, b
			next = ms + mlen + 1
		} else {
			ms, mlen, next = zsLpHdr(lp, off)
		}
		if mlen == len(member) && string(lp[ms:ms+mlen]) == string(member) {
			return off, zsLpScore(lp, off)
		}
		off = next
	}
	return -1, 0
}

// lpInsert adds (member, score) at its place in (score, member) order.
func (o *zsObj) lpInsert(member []byte, score float64) {
	lp := o.lp
	off := 0
	for off < len(lp) {
		var ms, mlen, next int
		if b := int(lp[off+8]); b < 0x80-9 {
			ms, mlen = off+9, b
			next = ms + mlen + 1
		} else {
			ms, mlen, next = zsLpHdr(lp, off)
		}
		if s := zsLpScore(lp, off); s > score || (s == score && bytes.Compare(lp[ms:ms+mlen], member) > 0) {
			break
		}
		off = next
	}
	o.lpInsertAt(off, member, score)
}

// lpUpdate changes the score of member, whose entry is at off: in place
// when the order does not change, else by moving the entry.
func (o *zsObj) lpUpdate(off int, member []byte, score float64) {
	lp := o.lp
	_, _, next := zsLpHdr(lp, off)
	ok := true
	if prev := zsLpPrev(lp, off); prev >= 0 {
		m, s, _ := zsLpAt(lp, prev)
		ok = s < score || (s == score && bytes.Compare(m, member) < 0)
	}
	if ok && next < len(lp) {
		m, s, _ := zsLpAt(lp, next)
		ok = score < s || (score == s && bytes.Compare(member, m) < 0)
	}
	if ok {
		if score == 0 {
			score = 0 // no -0 in a listpack
		}
		binary.LittleEndian.PutUint64(lp[off:], math.Float64bits(score))
		return
	}
	o.lpDeleteAt(off)
	o.lpInsert(member, score)
}

// lpInsertAt puts a new entry at offset off (an entry boundary).
func (o *zsObj) lpInsertAt(off int, member []byte, score float64) {
	size := zsLpEntrySize(len(member))
	old := len(o.lp)
	if cap(o.lp)-old < size {
		grown := make([]byte, old, old+size+old/4+16)
		copy(grown, o.lp)
		o.lp = grown
	}
	o.lp = o.lp[:old+size]
	copy(o.lp[off+size:], o.lp[off:old])
	zsLpPut(o.lp[off:], member, score)
	o.n++
}

// lpDeleteRange removes the entries in [from, to) (entry boundaries) that
// hold count members.
func (o *zsObj) lpDeleteRange(from, to, count int) {
	n := copy(o.lp[from:], o.lp[to:])
	o.lp = o.lp[:from+n]
	o.n -= count
	if c := cap(o.lp); c > 256 && c > 2*len(o.lp) {
		o.lp = append(make([]byte, 0, len(o.lp)+len(o.lp)/4), o.lp...)
	}
}

// lpDeleteAt removes the entry at off.
func (o *zsObj) lpDeleteAt(off int) {
	_, _, next := zsLpAt(o.lp, off)
	o.lpDeleteRange(off, next, 1)
}

// lpOffsetOfRank walks to the entry of 0-based rank r (< n).
func (o *zsObj) lpOffsetOfRank(r int) int {
	off := 0
	if r > o.n/2 {
		off = zsLpPrev(o.lp, len(o.lp))
		for i := o.n - 1; i > r; i-- {
			off = zsLpPrev(o.lp, off)
		}
		return off
	}
	for ; r > 0; r-- {
		_, _, off = zsLpHdr(o.lp, off)
	}
	return off
}

// ---------------------------------------------------------------------------
// skiplist encoding

const zsMaxLevel = 32 // enough for 2^64 elements with p = 1/4

type zsLevel struct {
	next *zsNode
	span int // number of nodes the link skips (level 0: 1, or 0 at the end)
}

type zsNode struct {
	member string
	score  float64
	back   *zsNode
	lv     []zsLevel
}

// Nodes of the common heights are one allocation with their levels.
type (
	zsNode1 struct {
		n zsNode
		l [1]zsLevel
	}
	zsNode2 struct {
		n zsNode
		l [2]zsLevel
	}
	zsNode3 struct {
		n zsNode
		l [3]zsLevel
	}
)

func zsNewNode(level int) *zsNode {
	switch level {
	case 1:
		p := new(zsNode1)
		p.n.lv = p.l[:]
		return &p.n
	case 2:
		p := new(zsNode2)
		p.n.lv = p.l[:]
		return &p.n
	case 3:
		p := new(zsNode3)
		p.n.lv = p.l[:]
		return &p.n
	}
	return &zsNode{lv: make([]zsLevel, level)}
}

type zsSkiplist struct {
	head   *zsNode // sentinel with zsMaxLevel levels
	tail   *zsNode
	length int
	level  int
	rng    uint64
}

var zsSeed atomic.Uint64

func zsNewSkiplist() *zsSkiplist {
	return &zsSkiplist{
		head:  zsNewNode(zsMaxLevel),
		level: 1,
		rng:   zsSeed.Add(0x9E3779B97F4A7C15) | 1,
	}
}

// randomLevel returns 1 + the number of successes with probability 1/4 each.
func (zsl *zsSkiplist) randomLevel() int {
	x := zsl.rng
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	zsl.rng = x
	r := x * 2685821657736338717
	lvl := 1 + bits.TrailingZeros64(r)/2
	if lvl > zsMaxLevel {
		lvl = zsMaxLevel
	}
	return lvl
}

// zsLess orders (score, member) pairs as the skiplist does.
func zsLess(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

// insertNode links x (its member, score and height set) at its place.
func (zsl *zsSkiplist) insertNode(x *zsNode) {
	var update [zsMaxLevel]*zsNode
	var rank [zsMaxLevel]int
	score, member := x.score, x.member
	h := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for n := h.lv[i].next; n != nil && zsLess(n.score, n.member, score, member); n = h.lv[i].next {
			rank[i] += h.lv[i].span
			h = n
		}
		update[i] = h
	}
	level := len(x.lv)
	if level > zsl.level {
		for i := zsl.level; i < level; i++ {
			rank[i] = 0
			update[i] = zsl.head
			update[i].lv[i].span = zsl.length
		}
		zsl.level = level
	}
	for i := 0; i < level; i++ {
		x.lv[i].next = update[i].lv[i].next
		update[i].lv[i].next = x
		x.lv[i].span = update[i].lv[i].span - (rank[0] - rank[i])
		update[i].lv[i].span = rank[0] - rank[i] + 1
	}
	for i := level; i < zsl.level; i++ {
		update[i].lv[i].span++
	}
	if update[0] == zsl.head {
		x.back = nil
	} else {
		x.back = update[0]
	}
	if x.lv[0].next != nil {
		x.lv[0].next.back = x
	} else {
		zsl.tail = x
	}
	zsl.length++
}

// insert adds a new node; member must not be in the list.
func (zsl *zsSkiplist) insert(score float64, member string) *zsNode {
	x := zsNewNode(zsl.randomLevel())
	x.score, x.member = score, member
	zsl.insertNode(x)
	return x
}

// findUpdate fills update with the last node before (score, member) on each level.
func (zsl *zsSkiplist) findUpdate(score float64, member string, update *[zsMaxLevel]*zsNode) {
	h := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for n := h.lv[i].next; n != nil && zsLess(n.score, n.member, score, member); n = h.lv[i].next {
			h = n
		}
		update[i] = h
	}
}

// unlink removes x, whose predecessors on each level are in update.
func (zsl *zsSkiplist) unlink(x *zsNode, update *[zsMaxLevel]*zsNode) {
	for i := 0; i < zsl.level; i++ {
		if update[i].lv[i].next == x {
			update[i].lv[i].span += x.lv[i].span - 1
			update[i].lv[i].next = x.lv[i].next
		} else {
			update[i].lv[i].span--
		}
	}
	if x.lv[0].next != nil {
		x.lv[0].next.back = x.back
	} else {
		zsl.tail = x.back
	}
	for zsl.level > 1 && zsl.head.lv[zsl.level-1].next == nil {
		zsl.level--
	}
	zsl.length--
}

// remove unlinks the node x (which is in the list).
func (zsl *zsSkiplist) remove(x *zsNode) {
	var update [zsMaxLevel]*zsNode
	zsl.findUpdate(x.score, x.member, &update)
	zsl.unlink(x, &update)
}

// updateScore moves x to newScore, in place when its position does not change
// (Redis's zslUpdateScore), and keeps the node (the dict entry points to it).
func (zsl *zsSkiplist) updateScore(x *zsNode, newScore float64) {
	if (x.back == nil || x.back.score < newScore) && (x.lv[0].next == nil || x.lv[0].next.score > newScore) {
		x.score = newScore
		return
	}
	zsl.remove(x)
	x.score = newScore
	x.back = nil
	for i := range x.lv {
		x.lv[i] = zsLevel{}
	}
	zsl.insertNode(x)
}

// rankOf is the 1-based rank of (score, member), or 0 if absent.
func (zsl *zsSkiplist) rankOf(score float64, member string) int {
	rank := 0
	h := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for n := h.lv[i].next; n != nil && (n.score < score || (n.score == score && n.member <= member)); n = h.lv[i].next {
			rank += h.lv[i].span
			h = n
		}
		if h != zsl.head && h.score == score && h.member == member {
			return rank
		}
	}
	return 0
}

// byRank is the node of 1-based rank r, or nil.
func (zsl *zsSkiplist) byRank(r int) *zsNode {
	if r < 1 || r > zsl.length {
		return nil
	}
	traversed := 0
	h := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for h.lv[i].next != nil && traversed+h.lv[i].span <= r {
			traversed += h.lv[i].span
			h = h.lv[i].next
		}
		if traversed == r {
			return h
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// score and lex ranges

// zsRange is a score interval (zrangespec).
type zsRange struct {
	min, max     float64
	minex, maxex bool
}

func (r *zsRange) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zsRange) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// empty reports ranges that can hold nothing.
func (r *zsRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minex || r.maxex))
}

// zsLex is a lexicographic interval (zlexrangespec). A bound of kind -1 is
// "-" (below everything), +1 is "+" (above everything), 0 a string.
type zsLex struct {
	min, max         []byte
	minKind, maxKind int8
	minex, maxex     bool
}

// zsLexCmp is Redis's sdscmplex for a plain value against a bound.
func zsLexCmp(v []byte, kind int8, b []byte) int {
	switch kind {
	case -1:
		return 1
	case 1:
		return -1
	}
	return bytes.Compare(v, b)
}

func (r *zsLex) gteMin(v []byte) bool {
	c := zsLexCmp(v, r.minKind, r.min)
	if r.minex {
		return c > 0
	}
	return c >= 0
}

func (r *zsLex) lteMax(v []byte) bool {
	c := zsLexCmp(v, r.maxKind, r.max)
	if r.maxex {
		return c < 0
	}
	return c <= 0
}

// empty is the "always empty" test of zslIsInLexRange (sdscmplex of the bounds).
func (r *zsLex) empty() bool {
	var c int
	switch {
	case r.minKind != 0 && r.minKind == r.maxKind:
		c = 0
	case r.minKind == -1 || r.maxKind == 1:
		c = -1
	case r.minKind == 1 || r.maxKind == -1:
		c = 1
	default:
		c = bytes.Compare(r.min, r.max)
	}
	return c > 0 || (c == 0 && (r.minex || r.maxex))
}

// ---------------------------------------------------------------------------
// iteration

// zsIter is a position in a sorted set: a listpack offset or a skiplist node.
// Positions stay valid until the set changes.
type zsIter struct {
	lp   []byte
	off  int // listpack: current entry, -1 = none
	node *zsNode
	sl   bool
}

func (it *zsIter) valid() bool {
	if it.sl {
		return it.node != nil
	}
	return it.off >= 0
}

// member is the current member; the bytes must not be written or kept past a change of the set.
func (it *zsIter) member() []byte {
	if it.sl {
		return zsBytes(it.node.member)
	}
	m, _, _ := zsLpAt(it.lp, it.off)
	return m
}

func (it *zsIter) score() float64 {
	if it.sl {
		return it.node.score
	}
	return zsLpScore(it.lp, it.off)
}

func (it *zsIter) entry() ([]byte, float64) {
	if it.sl {
		return zsBytes(it.node.member), it.node.score
	}
	m, s, _ := zsLpAt(it.lp, it.off)
	return m, s
}

func (it *zsIter) next() {
	if it.sl {
		it.node = it.node.lv[0].next
		return
	}
	it.off = zsLpNext(it.lp, it.off)
}

func (it *zsIter) prev() {
	if it.sl {
		it.node = it.node.back
		return
	}
	it.off = zsLpPrev(it.lp, it.off)
}

// step moves forward, or backward when rev.
func (it *zsIter) step(rev bool) {
	if rev {
		it.prev()
	} else {
		it.next()
	}
}

func (o *zsObj) iterNone() zsIter {
	return zsIter{lp: o.lp, off: -1, sl: o.zsl != nil}
}

// atRank is the position of 0-based rank r (invalid when out of range).
func (o *zsObj) atRank(r int) zsIter {
	it := o.iterNone()
	if r < 0 || r >= o.n {
		return it
	}
	if it.sl {
		it.node = o.zsl.byRank(r + 1)
	} else {
		it.off = o.lpOffsetOfRank(r)
	}
	return it
}

// rankOfIter is the 0-based rank of a valid position.
func (o *zsObj) rankOfIter(it *zsIter) int {
	if it.sl {
		return o.zsl.rankOf(it.node.score, it.node.member) - 1
	}
	r := 0
	for off := 0; off < it.off; r++ {
		_, _, off = zsLpAt(o.lp, off)
	}
	return r
}

// skip moves k (>= 0) elements in the iteration direction; for a skiplist it
// jumps through the ranks.
func (o *zsObj) skip(it *zsIter, k int, rev bool) {
	if k <= 0 || !it.valid() {
		return
	}
	if it.sl && k > 8 {
		r := o.rankOfIter(it)
		if rev {
			r -= k
		} else {
			r += k
		}
		*it = o.atRank(r)
		return
	}
	for ; k > 0 && it.valid(); k-- {
		it.step(rev)
	}
}

// firstInRange is the first element in r (zzlFirstInRange / zslFirstInRange).
func (o *zsObj) firstInRange(r *zsRange) zsIter {
	it := o.iterNone()
	if o.n == 0 || r.empty() {
		return it
	}
	if it.sl {
		zsl := o.zsl
		if !r.gteMin(zsl.tail.score) || !r.lteMax(zsl.head.lv[0].next.score) {
			return it
		}
		h := zsl.head
		for i := zsl.level - 1; i >= 0; i-- {
			for h.lv[i].next != nil && !r.gteMin(h.lv[i].next.score) {
				h = h.lv[i].next
			}
		}
		h = h.lv[0].next
		if h != nil && r.lteMax(h.score) {
			it.node = h
		}
		return it
	}
	for off := 0; off < len(o.lp); {
		_, s, next := zsLpAt(o.lp, off)
		if r.gteMin(s) {
			if r.lteMax(s) {
				it.off = off
			}
			return it
		}
		off = next
	}
	return it
}

// lastInRange is the last element in r.
func (o *zsObj) lastInRange(r *zsRange) zsIter {
	it := o.iterNone()
	if o.n == 0 || r.empty() {
		return it
	}
	if it.sl {
		zsl := o.zsl
		if !r.gteMin(zsl.tail.score) || !r.lteMax(zsl.head.lv[0].next.score) {
			return it
		}
		h := zsl.head
		for i := zsl.level - 1; i >= 0; i-- {
			for h.lv[i].next != nil && r.lteMax(h.lv[i].next.score) {
				h = h.lv[i].next
			}
		}
		if h != zsl.head && r.gteMin(h.score) {
			it.node = h
		}
		return it
	}
	for off := zsLpPrev(o.lp, len(o.lp)); off >= 0; off = zsLpPrev(o.lp, off) {
		s := zsLpScore(o.lp, off)
		if r.lteMax(s) {
			if r.gteMin(s) {
				it.off = off
			}
			return it
		}
	}
	return it
}

// inLexRange is the quick test of zslIsInLexRange / zzlIsInLexRange.
func (o *zsObj) inLexRange(r *zsLex) bool {
	if o.n == 0 || r.empty() {
		return false
	}
	var last, first []byte
	if o.zsl != nil {
		last, first = zsBytes(o.zsl.tail.member), zsBytes(o.zsl.head.lv[0].next.member)
	} else {
		last, _, _ = zsLpAt(o.lp, zsLpPrev(o.lp, len(o.lp)))
		first, _, _ = zsLpAt(o.lp, 0)
	}
	return r.gteMin(last) && r.lteMax(first)
}

// firstInLex is the first element in r.
func (o *zsObj) firstInLex(r *zsLex) zsIter {
	it := o.iterNone()
	if !o.inLexRange(r) {
		return it
	}
	if it.sl {
		h := o.zsl.head
		for i := o.zsl.level - 1; i >= 0; i-- {
			for h.lv[i].next != nil && !r.gteMin(zsBytes(h.lv[i].next.member)) {
				h = h.lv[i].next
			}
		}
		h = h.lv[0].next
		if h != nil && r.lteMax(zsBytes(h.member)) {
			it.node = h
		}
		return it
	}
	for off := 0; off < len(o.lp); {
		m, _, next := zsLpAt(o.lp, off)
		if r.gteMin(m) {
			if r.lteMax(m) {
				it.off = off
			}
			return it
		}
		off = next
	}
	return it
}

// lastInLex is the last element in r.
func (o *zsObj) lastInLex(r *zsLex) zsIter {
	it := o.iterNone()
	if !o.inLexRange(r) {
		return it
	}
	if it.sl {
		h := o.zsl.head
		for i := o.zsl.level - 1; i >= 0; i-- {
			for h.lv[i].next != nil && r.lteMax(zsBytes(h.lv[i].next.member)) {
				h = h.lv[i].next
			}
		}
		if h != o.zsl.head && r.gteMin(zsBytes(h.member)) {
			it.node = h
		}
		return it
	}
	for off := zsLpPrev(o.lp, len(o.lp)); off >= 0; off = zsLpPrev(o.lp, off) {
		m, _, _ := zsLpAt(o.lp, off)
		if r.lteMax(m) {
			if r.gteMin(m) {
				it.off = off
			}
			return it
		}
	}
	return it
}

// countInRange is ZCOUNT's count.
func (o *zsObj) countInRange(r *zsRange) int {
	it := o.firstInRange(r)
	if !it.valid() {
		return 0
	}
	if it.sl {
		first := o.zsl.rankOf(it.node.score, it.node.member)
		last := o.lastInRange(r)
		if !last.valid() {
			return 0
		}
		return o.zsl.rankOf(last.node.score, last.node.member) - first + 1
	}
	n := 0
	for ; it.valid() && r.lteMax(it.score()); it.next() {
		n++
	}
	return n
}

// countInLex is ZLEXCOUNT's count.
func (o *zsObj) countInLex(r *zsLex) int {
	it := o.firstInLex(r)
	if !it.valid() {
		return 0
	}
	if it.sl {
		first := o.zsl.rankOf(it.node.score, it.node.member)
		last := o.lastInLex(r)
		if !last.valid() {
			return 0
		}
		return o.zsl.rankOf(last.node.score, last.node.member) - first + 1
	}
	n := 0
	for ; it.valid() && r.lteMax(it.member()); it.next() {
		n++
	}
	return n
}

// ---------------------------------------------------------------------------
// element operations

// score returns member's score.
func (o *zsObj) score(member []byte) (float64, bool) {
	if o.zsl == nil {
		off, s := o.lpFind(member)
		return s, off >= 0
	}
	e := o.dict.Get(member)
	if e == nil {
		return 0, false
	}
	return e.Obj().(*zsNode).score, true
}

// rank returns member's 0-based rank.
func (o *zsObj) rank(member []byte) (int, bool) {
	if o.zsl == nil {
		r := 0
		for off := 0; off < len(o.lp); r++ {
			ms, mlen, next := zsLpHdr(o.lp, off)
			if mlen == len(member) && string(o.lp[ms:ms+mlen]) == string(member) {
				return r, true
			}
			off = next
		}
		return 0, false
	}
	e := o.dict.Get(member)
	if e == nil {
		return 0, false
	}
	x := e.Obj().(*zsNode)
	return o.zsl.rankOf(x.score, x.member) - 1, true
}

// ZADD flags (zsetAdd's in_flags) and results (out_flags).
const (
	zsAddIncr = 1 << iota
	zsAddNX
	zsAddXX
	zsAddGT
	zsAddLT
)

const (
	zsOutNaN = 1 << iota
	zsOutAdded
	zsOutUpdated
	zsOutNop
)

// add is Redis's zsetAdd: it adds member or updates its score under the ZADD
// flags, converting to a skiplist first when the new member would break a
// listpack limit. It returns the outcome and the resulting score. member must
// not point into the set itself.
func (o *zsObj) add(lim *EncodingLimits, member []byte, score float64, flags int) (int, float64) {
	incr, nx, xx := flags&zsAddIncr != 0, flags&zsAddNX != 0, flags&zsAddXX != 0
	gt, lt := flags&zsAddGT != 0, flags&zsAddLT != 0
	if math.IsNaN(score) {
		return zsOutNaN, 0
	}
	var cur float64
	var found bool
	var off int
	var e *Entry
	if o.zsl == nil {
		off, cur = o.lpFind(member)
		found = off >= 0
	} else if e = o.dict.Get(member); e != nil {
		cur, found = e.Obj().(*zsNode).score, true
	}
	if found {
		if nx {
			return zsOutNop, cur
		}
		if incr {
			score += cur
			if math.IsNaN(score) {
				return zsOutNaN, 0
			}
		}
		if (lt && score >= cur) || (gt && score <= cur) {
			return zsOutNop, cur
		}
		if score == cur {
			return 0, score
		}
		if o.zsl == nil {
			o.lpUpdate(off, member, score)
		} else {
			o.zsl.updateScore(e.Obj().(*zsNode), score)
		}
		return zsOutUpdated, score
	}
	if xx {
		return zsOutNop, 0
	}
	if o.zsl == nil {
		if int64(o.n)+1 > lim.ZsetMaxListpackEntries || int64(len(member)) > lim.ZsetMaxListpackValue {
			o.toSkiplist()
		} else {
			o.lpInsert(member, score)
			return zsOutAdded, score
		}
	}
	o.slInsertNew(member, score)
	return zsOutAdded, score
}

// slInsertNew adds a member known to be absent to the skiplist encoding.
func (o *zsObj) slInsertNew(member []byte, score float64) {
	e := o.dict.Insert(member)
	x := o.zsl.insert(score, string(member)) // its own copy: the Dict's key is a view of its arena
	e.SetObj(x)
	o.n++
}

// remove deletes member; it reports whether it was there.
func (o *zsObj) remove(member []byte) bool {
	if o.zsl == nil {
		off, _ := o.lpFind(member)
		if off < 0 {
			return false
		}
		o.lpDeleteAt(off)
		return true
	}
	e := o.dict.Delete(member)
	if e == nil {
		return false
	}
	o.zsl.remove(e.Obj().(*zsNode))
	o.n--
	return true
}

// removeNode deletes a skiplist node (and its dict entry).
func (o *zsObj) removeNode(x *zsNode) {
	o.dict.Delete(zsBytes(x.member))
	o.zsl.remove(x)
	o.n--
}

// removeAt deletes the element at a valid position (which becomes invalid).
func (o *zsObj) removeAt(it *zsIter) {
	if it.sl {
		o.removeNode(it.node)
	} else {
		o.lpDeleteAt(it.off)
	}
}

// toSkiplistEmpty turns an empty value into the skiplist encoding.
func (o *zsObj) toSkiplistEmpty() {
	o.zsl = zsNewSkiplist()
	o.dict = NewDict()
	o.lp = nil
	o.n = 0
}

// toSkiplist converts a listpack to the skiplist encoding.
func (o *zsObj) toSkiplist() {
	if o.zsl != nil {
		return
	}
	lp := o.lp
	o.toSkiplistEmpty()
	for off := 0; off < len(lp); {
		m, s, next := zsLpAt(lp, off)
		o.slInsertNew(m, s)
		off = next
	}
}

// deleteRankRange removes the 0-based ranks start..end (valid, inclusive).
func (o *zsObj) deleteRankRange(start, end int) int {
	n := end - start + 1
	if o.zsl == nil {
		from := o.lpOffsetOfRank(start)
		to := from
		for i := 0; i < n; i++ {
			_, _, to = zsLpAt(o.lp, to)
		}
		o.lpDeleteRange(from, to, n)
		return n
	}
	x := o.zsl.byRank(start + 1)
	for i := 0; i < n && x != nil; i++ {
		next := x.lv[0].next
		o.removeNode(x)
		x = next
	}
	return n
}

// deleteScoreRange removes the elements in r (zzlDeleteRangeByScore /
// zslDeleteRangeByScore).
func (o *zsObj) deleteScoreRange(r *zsRange) int {
	if o.zsl == nil {
		it := o.firstInRange(r)
		if !it.valid() {
			return 0
		}
		from, to, n := it.off, it.off, 0
		for to < len(o.lp) {
			_, s, next := zsLpAt(o.lp, to)
			if !r.lteMax(s) {
				break
			}
			to = next
			n++
		}
		o.lpDeleteRange(from, to, n)
		return n
	}
	h := o.zsl.head
	for i := o.zsl.level - 1; i >= 0; i-- {
		for h.lv[i].next != nil && !r.gteMin(h.lv[i].next.score) {
			h = h.lv[i].next
		}
	}
	n := 0
	for x := h.lv[0].next; x != nil && r.lteMax(x.score); {
		next := x.lv[0].next
		o.removeNode(x)
		x = next
		n++
	}
	return n
}

// deleteLexRange removes the elements in r.
func (o *zsObj) deleteLexRange(r *zsLex) int {
	if o.zsl == nil {
		it := o.firstInLex(r)
		if !it.valid() {
			return 0
		}
		from, to, n := it.off, it.off, 0
		for to < len(o.lp) {
			m, _, next := zsLpAt(o.lp, to)
			if !r.lteMax(m) {
				break
			}
			to = next
			n++
		}
		o.lpDeleteRange(from, to, n)
		return n
	}
	h := o.zsl.head
	for i := o.zsl.level - 1; i >= 0; i-- {
		for h.lv[i].next != nil && !r.gteMin(zsBytes(h.lv[i].next.member)) {
			h = h.lv[i].next
		}
	}
	n := 0
	for x := h.lv[0].next; x != nil && r.lteMax(zsBytes(x.member)); {
		next := x.lv[0].next
		o.removeNode(x)
		x = next
		n++
	}
	return n
}

// ---------------------------------------------------------------------------
// building a result (the STORE commands)

// zsPair is a member with its score, for results computed outside a zsObj.
type zsPair struct {
	member string
	score  float64
}

// zsBuild makes a sorted set of pairs already in (score, member) order, in
// the encoding Redis would give the result (zsetConvertToListpackIfNeeded).
func zsBuild(lim *EncodingLimits, pairs []zsPair) *zsObj {
	maxLen := 0
	for i := range pairs {
		maxLen = max(maxLen, len(pairs[i].member))
	}
	o := &zsObj{}
	if int64(len(pairs)) <= lim.ZsetMaxListpackEntries && int64(maxLen) <= lim.ZsetMaxListpackValue {
		size := 0
		for i := range pairs {
			size += zsLpEntrySize(len(pairs[i].member))
		}
		o.lp = make([]byte, size)
		off := 0
		for i := range pairs {
			m := zsBytes(pairs[i].member)
			zsLpPut(o.lp[off:], m, pairs[i].score)
			off += zsLpEntrySize(len(m))
		}
		o.n = len(pairs)
		return o
	}
	o.toSkiplistEmpty()
	for i := range pairs {
		o.slInsertNew(zsBytes(pairs[i].member), pairs[i].score)
	}
	return o
}

// ---------------------------------------------------------------------------
// number parsing as Redis (glibc strtod)

// zsStrtod parses a number at the start of s as C's strtod does: leading
// white space, a sign, then decimal or hexadecimal digits with an optional
// exponent, "inf", "infinity" or "nan[(...)]", case-insensitive. It returns
// the value, the number of bytes consumed (0 if nothing was converted) and
// whether strtod would have set ERANGE with a zero or infinite result.
func zsStrtod(s []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(s) && zsIsSpace(s[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	switch {
	case zsHasPrefixFold(rest, "infinity"):
		return zsSigned(math.Inf(1), neg), i + 8, false
	case zsHasPrefixFold(rest, "inf"):
		return zsSigned(math.Inf(1), neg), i + 3, false
	case zsHasPrefixFold(rest, "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (s[k] == '_' || '0' <= s[k] && s[k] <= '9' || 'a' <= s[k]|0x20 && s[k]|0x20 <= 'z') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), j, false
	}
	hex := len(rest) > 2 && rest[0] == '0' && rest[1]|0x20 == 'x' && zsHexMantissa(rest[2:]) > 0
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	isHex := func(c byte) bool { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }
	j := i
	digits, nonzero := 0, false
	if hex {
		j += 2
		for j < len(s) && isHex(s[j]) {
			nonzero = nonzero || s[j] != '0'
			j++
			digits++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isHex(s[j]) {
				nonzero = nonzero || s[j] != '0'
				j++
				digits++
			}
		}
	} else {
		for j < len(s) && isDigit(s[j]) {
			nonzero = nonzero || s[j] != '0'
			j++
			digits++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isDigit(s[j]) {
				nonzero = nonzero || s[j] != '0'
				j++
				digits++
			}
		}
	}
	if digits == 0 {
		return 0, 0, false // no conversion
	}
	hasExp := false
	expCh := byte('e')
	if hex {
		expCh = 'p'
	}
	if j < len(s) && s[j]|0x20 == expCh {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
			hasExp = true
		}
	}
	num := s[start:j]
	var buf [72]byte
	if hex && !hasExp {
		if len(num)+2 <= len(buf) {
			num = append(append(buf[:0], num...), 'p', '0')
		} else {
			num = append(append([]byte(nil), num...), 'p', '0')
		}
	}
	f, err := strconv.ParseFloat(zsString(num), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0, false // cannot happen: the syntax was checked
		}
		return f, j, true // overflow: ±HUGE_VAL
	}
	if f == 0 && nonzero {
		return f, j, true // underflow to zero
	}
	return f, j, false
}

func zsSigned(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// zsHexMantissa counts the hex digits of a strtod hex mantissa at the start of b.
func zsHexMantissa(b []byte) int {
	n := 0
	i := 0
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || ('a' <= c|0x20 && c|0x20 <= 'f') }
	for i < len(b) && isHex(b[i]) {
		i++
		n++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isHex(b[i]) {
			i++
			n++
		}
	}
	return n
}

func zsIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func zsHasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b[i]|0x20 != p[i] {
			return false
		}
	}
	return true
}

// zsParseScore parses a score, increment or weight as Redis's string2d
// (getDoubleFromObject): the whole argument must be a number, without leading
// space, and neither NaN nor out of range (an explicit "inf" is fine).
func zsParseScore(b []byte) (float64, bool) {
	if len(b) == 0 || zsIsSpace(b[0]) {
		return 0, false
	}
	v, n, erange := zsStrtod(b)
	if n != len(b) || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// zsParseRangeItem parses one bound of a score range as zslParseRange: "(" for
// an exclusive bound, then whatever strtod reads up to the end of the C string
// (so "" is 0, and a NUL ends the argument), NaN refused.
func zsParseRangeItem(b []byte) (v float64, ex bool, ok bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, n, _ := zsStrtod(b)
	if n != len(b) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// zsParseRange parses a ZRANGEBYSCORE-style min and max.
func zsParseRange(minArg, maxArg []byte, r *zsRange) bool {
	var ok1, ok2 bool
	r.min, r.minex, ok1 = zsParseRangeItem(minArg)
	r.max, r.maxex, ok2 = zsParseRangeItem(maxArg)
	return ok1 && ok2
}

// zsParseLexItem parses one bound of a lex range (zslParseLexRangeItem).
func zsParseLexItem(b []byte) (v []byte, kind int8, ex bool, ok bool) {
	if len(b) == 0 {
		return nil, 0, false, false
	}
	switch b[0] {
	case '+':
		if len(b) > 1 && b[1] != 0 {
			return nil, 0, false, false
		}
		return nil, 1, true, true
	case '-':
		if len(b) > 1 && b[1] != 0 {
			return nil, 0, false, false
		}
		return nil, -1, true, true
	case '(':
		return b[1:], 0, true, true
	case '[':
		return b[1:], 0, false, true
	}
	return nil, 0, false, false
}

// zsParseLex parses a ZRANGEBYLEX-style min and max.
func zsParseLex(minArg, maxArg []byte, r *zsLex) bool {
	var ok1, ok2 bool
	r.min, r.minKind, r.minex, ok1 = zsParseLexItem(minArg)
	r.max, r.maxKind, r.maxex, ok2 = zsParseLexItem(maxArg)
	return ok1 && ok2
}
