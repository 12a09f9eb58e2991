package shard

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/rdb"
)

// The two entryWriters: RDB objects as redis-server 7.0 writes them (SAVE,
// BGSAVE, the AOF's RDB preamble), and the RESP commands of an AOF rewrite
// without preamble. Each serialises every value type; a new type must be
// added to both.

func keyBytes(e *Entry) []byte { return unsafe.Slice(unsafe.StringData(e.Key()), len(e.Key())) }

// rdbEntries writes RDB version 10: the same object types and encodings as
// Redis 7.0 (quicklist of listpacks, intset, listpack hashes and zsets, ...),
// so redis-server loads the values with the encodings it would have made.
type rdbEntries struct {
	compress bool
	lp       rdb.Listpack
	ints     []int64
	blob     []byte
	num      []byte
}

func (r *rdbEntries) appendDB(dst []byte, db int, keys, expires int64) []byte {
	dst = rdb.AppendSelectDB(dst, db)
	return rdb.AppendResizeDB(dst, uint64(keys), uint64(expires))
}

func (r *rdbEntries) str(dst, s []byte) []byte { return rdb.AppendString(dst, s, r.compress) }

// appendString writes a string key staged by a snapshot step (the same
// bytes appendEntry writes for a string entry).
func (r *rdbEntries) appendString(dst, key, val []byte, expire int64, li lruInfo) []byte {
	dst = r.appendMeta(dst, expire, li)
	dst = rdb.AppendType(dst, rdb.TypeString)
	dst = r.str(dst, key)
	return r.str(dst, val)
}

func (r *rdbEntries) appendEntry(dst []byte, e *Entry, li lruInfo) []byte {
	dst = r.appendMeta(dst, e.Expire(), li)
	return r.appendObject(dst, e, true)
}

// appendMeta writes what precedes a key record: its expiry, then its LRU idle
// time or LFU counter (in Redis's order).
func (r *rdbEntries) appendMeta(dst []byte, expire int64, li lruInfo) []byte {
	if expire != 0 {
		dst = rdb.AppendExpireMs(dst, expire)
	}
	if li.idle >= 0 {
		dst = rdb.AppendIdle(dst, uint64(li.idle))
	}
	if li.freq >= 0 {
		dst = rdb.AppendFreq(dst, uint8(li.freq))
	}
	return dst
}

// head writes an object's type byte and, for a key record, its key.
func (r *rdbEntries) head(dst []byte, t byte, key []byte, withKey bool) []byte {
	dst = rdb.AppendType(dst, t)
	if withKey {
		dst = r.str(dst, key)
	}
	return dst
}

// appendObject writes e's type byte, its key (withKey) and its value: a key
// record of the snapshot, or without the key the object DUMP serialises.
func (r *rdbEntries) appendObject(dst []byte, e *Entry, withKey bool) []byte {
	key := keyBytes(e)
	switch e.Type {
	case TypeString:
		dst = r.head(dst, rdb.TypeString, key, withKey)
		return r.str(dst, e.Str())
	case TypeList:
		l := e.Obj().(*lstList)
		dst = r.head(dst, rdb.TypeListQuicklist2, key, withKey)
		nodes := l.nodes()
		dst = rdb.AppendLen(dst, uint64(len(nodes)))
		for i := range nodes {
			nd := &nodes[i]
			r.lp.Reset()
			for p := nd.lo; p < len(nd.b); {
				var v []byte
				v, p = lstAt(nd.b, p)
				r.lp.Append(v)
			}
			dst = rdb.AppendLen(dst, rdb.ContainerPacked)
			dst = r.str(dst, r.lp.Bytes())
		}
		return dst
	case TypeSet:
		switch o := e.Obj().(type) {
		case *stIntset:
			dst = r.head(dst, rdb.TypeSetIntset, key, withKey)
			r.ints = r.ints[:0]
			for i := 0; i < o.Len(); i++ {
				r.ints = append(r.ints, o.at(i))
			}
			r.blob = rdb.AppendIntset(r.blob[:0], r.ints)
			return r.str(dst, r.blob)
		case *stHT:
			dst = r.head(dst, rdb.TypeSet, key, withKey)
			dst = rdb.AppendLen(dst, uint64(o.Len()))
			o.d.ForEach(func(m *Entry) bool {
				dst = r.str(dst, keyBytes(m))
				return true
			})
			return dst
		}
	case TypeHash:
		switch o := e.Obj().(type) {
		case hshListpack:
			dst = r.head(dst, rdb.TypeHashListpack, key, withKey)
			r.lp.Reset()
			for it := o.iter(); ; {
				f, v, ok := it.next()
				if !ok {
					break
				}
				r.lp.Append(f)
				r.lp.Append(v)
			}
			return r.str(dst, r.lp.Bytes())
		case *hshTable:
			dst = r.head(dst, rdb.TypeHash, key, withKey)
			dst = rdb.AppendLen(dst, uint64(o.Len()))
			o.d.ForEach(func(f *Entry) bool {
				dst = r.str(dst, keyBytes(f))
				dst = r.str(dst, f.Str())
				return true
			})
			return dst
		}
	case TypeZSet:
		o := e.Obj().(*zsObj)
		if !o.isSkiplist() {
			dst = r.head(dst, rdb.TypeZSetListpack, key, withKey)
			r.lp.Reset()
			for it := o.atRank(0); it.valid(); it.next() {
				m, sc := it.entry()
				r.lp.Append(m)
				r.lp.AppendScore(sc)
			}
			return r.str(dst, r.lp.Bytes())
		}
		// Redis writes a skiplist from the tail, so loading inserts at the head.
		dst = r.head(dst, rdb.TypeZSet2, key, withKey)
		dst = rdb.AppendLen(dst, uint64(o.Len()))
		for x := o.zsl.tail; x != nil; x = x.back {
			dst = r.str(dst, zsBytes(x.member))
			dst = rdb.AppendBinaryDouble(dst, x.score)
		}
		return dst
	}
	panic("snapshot: value of unknown type " + strconv.Itoa(int(e.Type)))
}

// aofEntries writes the commands of an AOF rewrite as Redis 7.0's
// rewriteAppendOnlyFileRio does: SET, RPUSH, SADD, HMSET, ZADD with at most
// 64 items per command, then PEXPIREAT.
type aofEntries struct {
	args [][]byte
	num  []byte
}

const aofRewriteItems = 64 // Redis's AOF_REWRITE_ITEMS_PER_CMD

var (
	bSELECT = []byte("SELECT")
	bHMSET  = []byte("HMSET")
)

func (a *aofEntries) appendDB(dst []byte, db int, keys, expires int64) []byte {
	return appendRESPCommand(dst, bSELECT, strconv.AppendInt(a.num[:0], int64(db), 10))
}

// batch writes cmd key items... in commands of at most aofRewriteItems items
// (an item is per elements of args).
func (a *aofEntries) flush(dst []byte, cmd, key []byte, items [][]byte, per int) []byte {
	for len(items) > 0 {
		n := min(len(items), aofRewriteItems*per)
		dst = codec.AppendArrayHeader(dst, 2+n)
		dst = codec.AppendBulk(dst, cmd)
		dst = codec.AppendBulk(dst, key)
		for _, it := range items[:n] {
			dst = codec.AppendBulk(dst, it)
		}
		items = items[n:]
	}
	return dst
}

func (a *aofEntries) appendString(dst, key, val []byte, expire int64, _ lruInfo) []byte {
	dst = appendRESPCommand(dst, bSET, key, val)
	if expire != 0 {
		dst = appendRESPCommand(dst, bPEXPIREAT, key, strconv.AppendInt(a.num[:0], expire, 10))
	}
	return dst
}

func (a *aofEntries) appendEntry(dst []byte, e *Entry, _ lruInfo) []byte {
	key := keyBytes(e)
	a.args = a.args[:0]
	switch e.Type {
	case TypeString:
		return a.appendString(dst, key, e.Str(), e.Expire(), noLRUInfo)
	case TypeList:
		l := e.Obj().(*lstList)
		for it := l.iter(0, false); ; {
			v, ok := it.next()
			if !ok {
				break
			}
			a.args = append(a.args, v)
		}
		dst = a.flush(dst, bRPUSH, key, a.args, 1)
	case TypeSet:
		switch o := e.Obj().(type) {
		case *stIntset:
			var nums []byte
			offs := make([]int, 0, o.Len()+1)
			for i := 0; i < o.Len(); i++ {
				offs = append(offs, len(nums))
				nums = strconv.AppendInt(nums, o.at(i), 10)
			}
			offs = append(offs, len(nums))
			for i := 0; i+1 < len(offs); i++ {
				a.args = append(a.args, nums[offs[i]:offs[i+1]])
			}
		case *stHT:
			o.d.ForEach(func(m *Entry) bool {
				a.args = append(a.args, keyBytes(m))
				return true
			})
		}
		dst = a.flush(dst, bSADD, key, a.args, 1)
	case TypeHash:
		switch o := e.Obj().(type) {
		case hshListpack:
			for it := o.iter(); ; {
				f, v, ok := it.next()
				if !ok {
					break
				}
				a.args = append(a.args, f, v)
			}
		case *hshTable:
			o.d.ForEach(func(f *Entry) bool {
				a.args = append(a.args, keyBytes(f), f.Str())
				return true
			})
		}
		dst = a.flush(dst, bHMSET, key, a.args, 2)
	case TypeZSet:
		o := e.Obj().(*zsObj)
		var nums []byte
		offs := make([]int, 0, o.Len()+1)
		var members [][]byte
		for it := o.atRank(0); it.valid(); it.next() {
			m, sc := it.entry()
			offs = append(offs, len(nums))
			nums = appendScore(nums, sc)
			members = append(members, m)
		}
		offs = append(offs, len(nums))
		for i, m := range members {
			a.args = append(a.args, nums[offs[i]:offs[i+1]], m)
		}
		dst = a.flush(dst, bZADD, key, a.args, 2)
	default:
		panic("snapshot: value of unknown type " + strconv.Itoa(int(e.Type)))
	}
	if e.Expire() != 0 {
		dst = appendRESPCommand(dst, bPEXPIREAT, key, strconv.AppendInt(a.num[:0], e.Expire(), 10))
	}
	return dst
}

// appendScore formats a score as Redis's %.17g does, which every float64
// parses back from exactly ("inf"/"-inf" for the infinities).
func appendScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
