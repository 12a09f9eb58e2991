package shard

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/duva-db/duva/codec"
)

// TestZSetTranscript runs testdata/kv_zset.txt (replies recorded from
// redis-server 7.0.15; see kv_string.txt for the format, -update-kv to
// re-record). Unlike runTranscript, the engine's ticker runs, so blocking
// commands time out.
func TestZSetTranscript(t *testing.T) { runTranscript(t, "kv_zset.txt") }

// ---- model test: random command sequences against a plain Go model ----

// zsmKey is one key of the model: a sorted set (with the encoding Redis
// would give it) or a string.
type zsmKey struct {
	str bool
	m   map[string]float64
	sl  bool // skiplist encoding
}

func (k *zsmKey) sorted() []zsPair {
	out := make([]zsPair, 0, len(k.m))
	for m, s := range k.m {
		out = append(out, zsPair{m, s})
	}
	sort.Slice(out, func(i, j int) bool { return zsPairLess(&out[i], &out[j]) })
	return out
}

// zsModelDB is the model keyspace plus the reply writer.
type zsModelDB struct {
	keys           map[string]*zsmKey
	entries, value int
	proto          int
	out            []byte
}

func (d *zsModelDB) int(n int)       { d.out = codec.AppendInt(d.out, int64(n)) }
func (d *zsModelDB) bulk(s string)   { d.out = codec.AppendBulkString(d.out, s) }
func (d *zsModelDB) null()           { d.out = codec.AppendNull(d.out, d.proto) }
func (d *zsModelDB) nullArray()      { d.out = codec.AppendNullArray(d.out, d.proto) }
func (d *zsModelDB) arr(n int)       { d.out = codec.AppendArrayHeader(d.out, n) }
func (d *zsModelDB) dbl(f float64)   { d.out = codec.AppendDouble(d.out, d.proto, f) }
func (d *zsModelDB) err(s string)    { d.out = codec.AppendError(d.out, s) }
func (d *zsModelDB) wrongType() bool { d.err(ErrWrongType); return false }
func (d *zsModelDB) norm(k *zsmKey, s float64) float64 {
	if !k.sl && s == 0 {
		return 0
	}
	return s
}

// pairs writes a WITHSCORES-style reply (or members only).
func (d *zsModelDB) pairs(p []zsPair, withScores bool) {
	if withScores && d.proto == 2 {
		d.arr(2 * len(p))
	} else {
		d.arr(len(p))
	}
	for _, x := range p {
		if withScores && d.proto > 2 {
			d.arr(2)
		}
		d.bulk(x.member)
		if withScores {
			d.dbl(x.score)
		}
	}
}

// zset returns key's sorted set (nil if absent); ok is false for a string.
func (d *zsModelDB) zset(key string) (*zsmKey, bool) {
	k := d.keys[key]
	if k != nil && k.str {
		return nil, false
	}
	return k, true
}

// add is zsetAdd on the model, with Redis's conversion rule.
func (d *zsModelDB) add(k *zsmKey, m string, score float64, flags int) (int, float64) {
	cur, found := k.m[m]
	if found {
		if flags&zsAddNX != 0 {
			return zsOutNop, cur
		}
		if flags&zsAddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return zsOutNaN, 0
			}
		}
		if (flags&zsAddLT != 0 && score >= cur) || (flags&zsAddGT != 0 && score <= cur) {
			return zsOutNop, cur
		}
		if score == cur {
			return 0, score
		}
		k.m[m] = d.norm(k, score)
		return zsOutUpdated, score
	}
	if flags&zsAddXX != 0 {
		return zsOutNop, 0
	}
	if !k.sl && (len(k.m)+1 > d.entries || len(m) > d.value) {
		k.sl = true
	}
	k.m[m] = d.norm(k, score)
	return zsOutAdded, score
}

// store replaces dst with pairs (sorted), as the STORE commands do.
func (d *zsModelDB) store(dst string, p []zsPair) {
	if len(p) == 0 {
		delete(d.keys, dst)
		d.int(0)
		return
	}
	k := &zsmKey{m: map[string]float64{}}
	maxLen := 0
	for _, x := range p {
		maxLen = max(maxLen, len(x.member))
	}
	k.sl = len(p) > d.entries || maxLen > d.value
	for _, x := range p {
		k.m[x.member] = d.norm(k, x.score)
	}
	d.keys[dst] = k
	d.int(len(p))
}

func (d *zsModelDB) dropIfEmpty(key string) {
	if k := d.keys[key]; k != nil && !k.str && len(k.m) == 0 {
		delete(d.keys, key)
	}
}

func zsmParseRange(a, b string) zsRange {
	var r zsRange
	zsParseRange([]byte(a), []byte(b), &r)
	return r
}

func zsmParseLex(a, b string) zsLex {
	var r zsLex
	zsParseLex([]byte(a), []byte(b), &r)
	return r
}

// rankRange sanitizes start/stop as Redis and returns the slice bounds.
func zsmRankRange(n, start, end int) (int, int, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		return 0, 0, false
	}
	if end >= n {
		end = n - 1
	}
	return start, end, true
}

// exec runs one generated command on the model and returns the expected reply.
func (d *zsModelDB) exec(args []string) []byte {
	d.out = d.out[:0]
	name := strings.ToUpper(args[0])
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	flt := func(s string) float64 { f, _ := zsParseScore([]byte(s)); return f }
	switch name {
	case "DEL":
		n := 0
		for _, k := range args[1:] {
			if d.keys[k] != nil {
				delete(d.keys, k)
				n++
			}
		}
		d.int(n)
	case "SET":
		d.keys[args[1]] = &zsmKey{str: true}
		d.out = codec.AppendOK(d.out)
	case "OBJECT":
		k := d.keys[args[2]]
		switch {
		case k == nil:
			d.null()
		case k.str:
			d.bulk("embstr")
		case k.sl:
			d.bulk("skiplist")
		default:
			d.bulk("listpack")
		}
	case "ZADD", "ZINCRBY":
		flags, ch, i := 0, false, 2
		if name == "ZINCRBY" {
			flags = zsAddIncr
		} else {
			for ; ; i++ {
				switch strings.ToUpper(args[i]) {
				case "NX":
					flags |= zsAddNX
				case "XX":
					flags |= zsAddXX
				case "GT":
					flags |= zsAddGT
				case "LT":
					flags |= zsAddLT
				case "CH":
					ch = true
				case "INCR":
					flags |= zsAddIncr
				default:
					goto parsed
				}
			}
		}
	parsed:
		if flags&zsAddNX != 0 && flags&zsAddXX != 0 {
			d.err(zsErrXXNX)
			break
		}
		if flags&zsAddNX != 0 && flags&(zsAddGT|zsAddLT) != 0 || flags&zsAddGT != 0 && flags&zsAddLT != 0 {
			d.err(zsErrGTLTNX)
			break
		}
		if flags&zsAddIncr != 0 && len(args)-i > 2 {
			d.err(zsErrIncrPair)
			break
		}
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		incr := flags&zsAddIncr != 0
		if k == nil {
			if flags&zsAddXX != 0 {
				if incr {
					d.null()
				} else {
					d.int(0)
				}
				break
			}
			k = &zsmKey{m: map[string]float64{}}
			d.keys[args[1]] = k
		}
		added, updated, processed := 0, 0, 0
		var ns float64
		nan := false
		for ; i < len(args); i += 2 {
			out, s := d.add(k, args[i+1], flt(args[i]), flags)
			if out&zsOutNaN != 0 {
				nan = true
				break
			}
			if out&zsOutAdded != 0 {
				added++
			}
			if out&zsOutUpdated != 0 {
				updated++
			}
			if out&zsOutNop == 0 {
				processed++
			}
			ns = s
		}
		d.dropIfEmpty(args[1])
		switch {
		case nan:
			d.err(zsErrNaN)
		case incr && processed > 0:
			d.dbl(ns)
		case incr:
			d.null()
		case ch:
			d.int(added + updated)
		default:
			d.int(added)
		}
	case "ZREM":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		n := 0
		if k != nil {
			for _, m := range args[2:] {
				if _, f := k.m[m]; f {
					delete(k.m, m)
					n++
				}
			}
		}
		d.dropIfEmpty(args[1])
		d.int(n)
	case "ZCARD":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
		} else if k == nil {
			d.int(0)
		} else {
			d.int(len(k.m))
		}
	case "ZSCORE":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
		} else if s, f := k.get(args[2]); f {
			d.dbl(s)
		} else {
			d.null()
		}
	case "ZMSCORE":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		d.arr(len(args) - 2)
		for _, m := range args[2:] {
			if s, f := k.get(m); f {
				d.dbl(s)
			} else {
				d.null()
			}
		}
	case "ZRANK", "ZREVRANK":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		r := -1
		if k != nil {
			for i, p := range k.sorted() {
				if p.member == args[2] {
					r = i
				}
			}
		}
		if r < 0 {
			d.null()
		} else if name == "ZREVRANK" {
			d.int(len(k.m) - 1 - r)
		} else {
			d.int(r)
		}
	case "ZCOUNT", "ZLEXCOUNT":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		n := 0
		if k != nil {
			sr, lr := zsmParseRange(args[2], args[3]), zsmParseLex(args[2], args[3])
			for _, p := range k.sorted() {
				if name == "ZCOUNT" && sr.gteMin(p.score) && sr.lteMax(p.score) ||
					name == "ZLEXCOUNT" && lr.gteMin([]byte(p.member)) && lr.lteMax([]byte(p.member)) {
					n++
				}
			}
		}
		d.int(n)
	case "ZRANGE", "ZRANGESTORE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX":
		keyIdx, store := 1, name == "ZRANGESTORE"
		if store {
			keyIdx = 2
		}
		byScore, byLex := strings.Contains(name, "SCORE"), strings.Contains(name, "LEX")
		rev := strings.HasPrefix(name, "ZREV")
		withScores := false
		offset, limit := 0, -1
		for j := keyIdx + 3; j < len(args); j++ {
			switch strings.ToUpper(args[j]) {
			case "WITHSCORES":
				withScores = true
			case "REV":
				rev = true
			case "BYSCORE":
				byScore = true
			case "BYLEX":
				byLex = true
			case "LIMIT":
				offset, limit = atoi(args[j+1]), atoi(args[j+2])
				j += 2
			}
		}
		lo, hi := args[keyIdx+1], args[keyIdx+2]
		if rev && (byScore || byLex) {
			lo, hi = hi, lo
		}
		k, ok := d.zset(args[keyIdx])
		if !ok {
			d.wrongType()
			break
		}
		var sel []zsPair
		if k != nil {
			all := k.sorted()
			if rev {
				for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
					all[i], all[j] = all[j], all[i]
				}
			}
			if !byScore && !byLex {
				if s, e, ok := zsmRankRange(len(all), atoi(lo), atoi(hi)); ok {
					sel = all[s : e+1]
				}
			} else {
				sr, lr := zsmParseRange(lo, hi), zsmParseLex(lo, hi)
				var in []zsPair
				for _, p := range all {
					if byScore && sr.gteMin(p.score) && sr.lteMax(p.score) || byLex && lr.gteMin([]byte(p.member)) && lr.lteMax([]byte(p.member)) {
						in = append(in, p)
					}
				}
				if offset >= 0 && offset < len(in) {
					in = in[offset:]
					if limit >= 0 && limit < len(in) {
						in = in[:limit]
					}
					sel = in
				}
			}
		}
		if store {
			p := append([]zsPair(nil), sel...)
			sort.Slice(p, func(i, j int) bool { return zsPairLess(&p[i], &p[j]) })
			d.store(args[1], p)
		} else {
			d.pairs(sel, withScores)
		}
	case "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX":
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		n := 0
		if k != nil {
			all := k.sorted()
			sr, lr := zsmParseRange(args[2], args[3]), zsmParseLex(args[2], args[3])
			s, e, inRank := zsmRankRange(len(all), atoi(args[2]), atoi(args[3]))
			for i, p := range all {
				var del bool
				switch name {
				case "ZREMRANGEBYRANK":
					del = inRank && i >= s && i <= e
				case "ZREMRANGEBYSCORE":
					del = sr.gteMin(p.score) && sr.lteMax(p.score)
				default:
					del = lr.gteMin([]byte(p.member)) && lr.lteMax([]byte(p.member))
				}
				if del {
					delete(k.m, p.member)
					n++
				}
			}
		}
		d.dropIfEmpty(args[1])
		d.int(n)
	case "ZPOPMIN", "ZPOPMAX", "ZMPOP", "BZPOPMIN", "BZPOPMAX":
		var keys []string
		count, nested, emitKey, nilEmpty := -1, false, false, false
		popMax := name == "ZPOPMAX" || name == "BZPOPMAX"
		switch name {
		case "ZPOPMIN", "ZPOPMAX":
			keys = args[1:2]
			if len(args) == 3 {
				count = atoi(args[2])
				nested = d.proto > 2
			}
		case "ZMPOP":
			n := atoi(args[1])
			keys = args[2 : 2+n]
			popMax = strings.ToUpper(args[2+n]) == "MAX"
			count = 1
			if len(args) > 3+n {
				count = atoi(args[4+n])
			}
			nested, emitKey, nilEmpty = true, true, true
		default:
			keys = args[1 : len(args)-1]
			emitKey, nilEmpty = true, true
		}
		var k *zsmKey
		var key string
		bad := false
		for _, kk := range keys {
			z, ok := d.zset(kk)
			if !ok {
				bad = true
				break
			}
			if z != nil {
				k, key = z, kk
				break
			}
		}
		switch {
		case bad:
			d.wrongType()
		case k == nil && nilEmpty:
			d.nullArray()
		case k == nil, count == 0:
			d.arr(0)
		default:
			if count == -1 {
				count = 1
			}
			all := k.sorted()
			if popMax {
				for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
					all[i], all[j] = all[j], all[i]
				}
			}
			n := min(count, len(all))
			switch {
			case !nested && !emitKey:
				d.arr(2 * n)
			case nested && !emitKey:
				d.arr(n)
			case !nested && emitKey:
				d.arr(2*n + 1)
				d.bulk(key)
			default:
				d.arr(2)
				d.bulk(key)
				d.arr(n)
			}
			for _, p := range all[:n] {
				if nested {
					d.arr(2)
				}
				d.bulk(p.member)
				d.dbl(p.score)
				delete(k.m, p.member)
			}
			d.dropIfEmpty(key)
		}
	case "ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD":
		numIdx, dst := 1, ""
		if strings.HasSuffix(name, "STORE") {
			numIdx, dst = 2, args[1]
		}
		n := atoi(args[numIdx])
		type src struct {
			k *zsmKey
			w float64
		}
		srcs := make([]src, n)
		bad := false
		for i := 0; i < n; i++ {
			k, ok := d.zset(args[numIdx+1+i])
			if !ok {
				bad = true
			}
			srcs[i] = src{k, 1}
		}
		if bad {
			d.wrongType()
			break
		}
		aggr, withScores, limit := zsAggrSum, false, 0
		for j := numIdx + 1 + n; j < len(args); j++ {
			switch strings.ToUpper(args[j]) {
			case "WEIGHTS":
				for i := range srcs {
					srcs[i].w = flt(args[j+1+i])
				}
				j += n
			case "AGGREGATE":
				aggr = map[string]int{"SUM": zsAggrSum, "MIN": zsAggrMin, "MAX": zsAggrMax}[strings.ToUpper(args[j+1])]
				j++
			case "WITHSCORES":
				withScores = true
			case "LIMIT":
				limit = atoi(args[j+1])
				j++
			}
		}
		card := func(s src) int {
			if s.k == nil {
				return 0
			}
			return len(s.k.m)
		}
		if !strings.HasPrefix(name, "ZDIFF") {
			sort.SliceStable(srcs, func(a, b int) bool { return card(srcs[a]) < card(srcs[b]) })
		}
		var res []zsPair
		switch {
		case strings.HasPrefix(name, "ZUNION"):
			idx := map[string]int{}
			for _, s := range srcs {
				if s.k == nil {
					continue
				}
				for _, p := range s.k.sorted() {
					v := s.w * p.score
					if math.IsNaN(v) {
						v = 0
					}
					if i, f := idx[p.member]; f {
						zsAggregate(&res[i].score, v, aggr)
					} else {
						idx[p.member] = len(res)
						res = append(res, zsPair{p.member, v})
					}
				}
			}
		case strings.HasPrefix(name, "ZINTER"):
			if card(srcs[0]) == 0 {
				break
			}
		next:
			for _, p := range srcs[0].k.sorted() {
				v := srcs[0].w * p.score
				if math.IsNaN(v) {
					v = 0
				}
				for _, s := range srcs[1:] {
					o, f := s.k.get(p.member)
					if !f {
						continue next
					}
					zsAggregate(&v, o*s.w, aggr)
				}
				res = append(res, zsPair{p.member, v})
				if name == "ZINTERCARD" && limit > 0 && len(res) >= limit {
					break
				}
			}
		default:
			if card(srcs[0]) == 0 {
				break
			}
		nextDiff:
			for _, p := range srcs[0].k.sorted() {
				for _, s := range srcs[1:] {
					if _, f := s.k.get(p.member); f {
						continue nextDiff
					}
				}
				res = append(res, p)
			}
		}
		sort.Slice(res, func(i, j int) bool { return zsPairLess(&res[i], &res[j]) })
		switch {
		case name == "ZINTERCARD":
			d.int(len(res))
		case dst != "":
			d.store(dst, res)
		default:
			d.pairs(res, withScores)
		}
	case "ZSCAN":
		// generated with a COUNT above any set's size: one call returns all
		k, ok := d.zset(args[1])
		if !ok {
			d.wrongType()
			break
		}
		var all []zsPair
		if k != nil {
			all = k.sorted()
		}
		d.arr(2)
		d.bulk("0")
		d.arr(2 * len(all))
		for _, p := range all {
			d.bulk(p.member)
			d.bulk(string(codec.FormatDouble17g(nil, p.score)))
		}
	default:
		panic("model: unknown command " + name)
	}
	return d.out
}

func (k *zsmKey) get(m string) (float64, bool) {
	if k == nil {
		return 0, false
	}
	s, f := k.m[m]
	return s, f
}

// zsGen generates random, mostly valid sorted-set commands over a few keys.
// Lex commands only touch "lex", whose scores are all 0, since a lex range
// over mixed scores depends on the skiplist's random shape (in Redis too).
type zsGen struct {
	rng     *rand.Rand
	blocked bool // may generate blocking pops
}

var (
	zsGenKeys    = []string{"k1", "k2", "{k1}3", "nokey", "str"}
	zsGenMembers = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "long-member", "xx", ""}
	zsGenScores  = []string{"0", "1", "-1", "2", "-2", "0.5", "-1.5", "3", "10", "1e3", "inf", "-inf", "+inf", "0.1"}
	zsGenWeights = []string{"1", "0", "2", "-1", "0.5", "inf"}
	zsGenBounds  = []string{"-inf", "+inf", "0", "1", "(1", "2", "(2", "-1", "(-1", "0.5", "(0.5", "3", "10", "(inf"}
	zsGenLex     = []string{"-", "+", "[a", "(a", "[c", "(c", "[e", "(e", "[long", "[", "(", "[xx", "(h"}
)

func (g *zsGen) pick(l []string) string { return l[g.rng.Intn(len(l))] }

func (g *zsGen) key() string {
	if g.rng.Intn(25) == 0 {
		return "str"
	}
	return g.pick(zsGenKeys[:4])
}

func (g *zsGen) intArg(lo, hi int) string { return strconv.Itoa(lo + g.rng.Intn(hi-lo+1)) }

func (g *zsGen) cmd() []string {
	r := g.rng
	switch r.Intn(32) {
	case 0, 1, 2, 3, 26, 27, 28, 29:
		c := []string{"ZADD", g.key()}
		for _, f := range []string{"NX", "XX", "GT", "LT", "CH", "INCR"} {
			if r.Intn(9) == 0 {
				c = append(c, f)
			}
		}
		for n := 1 + r.Intn(4); n > 0; n-- {
			c = append(c, g.pick(zsGenScores), g.pick(zsGenMembers))
		}
		if slices.Contains(c, "INCR") {
			c = c[:len(c)-2*((len(c)-2-zsCountFlags(c))/2-1)]
		}
		return c
	case 4:
		return []string{"ZINCRBY", g.key(), g.pick(zsGenScores), g.pick(zsGenMembers)}
	case 5, 30:
		c := []string{"ZADD", "lex"}
		for n := 1 + r.Intn(4); n > 0; n-- {
			c = append(c, "0", g.pick(zsGenMembers))
		}
		return c
	case 6:
		c := []string{"ZREM", g.key()}
		for n := 1 + r.Intn(3); n > 0; n-- {
			c = append(c, g.pick(zsGenMembers))
		}
		return c
	case 7:
		return []string{g.pick([]string{"ZSCORE", "ZRANK", "ZREVRANK"}), g.key(), g.pick(zsGenMembers)}
	case 8:
		return []string{"ZMSCORE", g.key(), g.pick(zsGenMembers), g.pick(zsGenMembers)}
	case 9:
		if r.Intn(2) == 0 {
			return []string{"OBJECT", "ENCODING", g.key()}
		}
		return []string{"ZCARD", g.key()}
	case 10:
		return []string{"ZCOUNT", g.key(), g.pick(zsGenBounds), g.pick(zsGenBounds)}
	case 11:
		return []string{"ZLEXCOUNT", "lex", g.pick(zsGenLex), g.pick(zsGenLex)}
	case 12, 13:
		c := []string{"ZRANGE", g.key(), g.intArg(-6, 6), g.intArg(-6, 6)}
		if r.Intn(2) == 0 {
			c = append(c, "REV")
		}
		if r.Intn(2) == 0 {
			c = append(c, "WITHSCORES")
		}
		if r.Intn(4) == 0 {
			c[0] = "ZREVRANGE"
			c = slices.DeleteFunc(c, func(s string) bool { return s == "REV" })
		}
		return c
	case 14, 15:
		c := []string{"ZRANGE", g.key(), g.pick(zsGenBounds), g.pick(zsGenBounds), "BYSCORE"}
		if r.Intn(2) == 0 {
			c = append(c, "REV")
		}
		if r.Intn(2) == 0 {
			c = append(c, "LIMIT", g.intArg(-1, 4), g.intArg(-1, 4))
		}
		if r.Intn(2) == 0 {
			c = append(c, "WITHSCORES")
		}
		switch r.Intn(4) {
		case 0:
			c = slices.DeleteFunc(c, func(s string) bool { return s == "BYSCORE" })
			if slices.Contains(c, "REV") {
				c[0] = "ZREVRANGEBYSCORE"
				c = slices.DeleteFunc(c, func(s string) bool { return s == "REV" })
			} else {
				c[0] = "ZRANGEBYSCORE"
			}
		case 1:
			c = append([]string{"ZRANGESTORE", g.key()}, c[1:]...)
			c = slices.DeleteFunc(c, func(s string) bool { return s == "WITHSCORES" })
		}
		return c
	case 16:
		c := []string{"ZRANGE", "lex", g.pick(zsGenLex), g.pick(zsGenLex), "BYLEX"}
		if r.Intn(2) == 0 {
			c = append(c, "REV")
		}
		if r.Intn(2) == 0 {
			c = append(c, "LIMIT", g.intArg(-1, 4), g.intArg(-1, 4))
		}
		if r.Intn(3) == 0 {
			c = slices.DeleteFunc(c, func(s string) bool { return s == "BYLEX" })
			if slices.Contains(c, "REV") {
				c[0] = "ZREVRANGEBYLEX"
				c = slices.DeleteFunc(c, func(s string) bool { return s == "REV" })
			} else {
				c[0] = "ZRANGEBYLEX"
			}
		}
		return c
	case 17:
		if r.Intn(2) == 0 {
			return []string{"ZRANGESTORE", g.key(), g.key(), g.intArg(-5, 5), g.intArg(-5, 5)}
		}
		return []string{"ZRANGESTORE", g.key(), "lex", g.pick(zsGenLex), g.pick(zsGenLex), "BYLEX"}
	case 18:
		switch r.Intn(3) {
		case 0:
			return []string{"ZREMRANGEBYRANK", g.key(), g.intArg(-5, 5), g.intArg(-5, 5)}
		case 1:
			return []string{"ZREMRANGEBYSCORE", g.key(), g.pick(zsGenBounds), g.pick(zsGenBounds)}
		}
		return []string{"ZREMRANGEBYLEX", "lex", g.pick(zsGenLex), g.pick(zsGenLex)}
	case 19:
		c := []string{g.pick([]string{"ZPOPMIN", "ZPOPMAX"}), g.key()}
		if r.Intn(2) == 0 {
			c = append(c, g.intArg(0, 4))
		}
		return c
	case 20:
		n := 1 + r.Intn(3)
		c := []string{"ZMPOP", strconv.Itoa(n)}
		for i := 0; i < n; i++ {
			c = append(c, g.key())
		}
		c = append(c, g.pick([]string{"MIN", "MAX"}))
		if r.Intn(2) == 0 {
			c = append(c, "COUNT", g.intArg(1, 4))
		}
		return c
	case 21:
		if !g.blocked {
			return []string{"ZCARD", g.key()}
		}
		return []string{g.pick([]string{"BZPOPMIN", "BZPOPMAX"}), g.key(), g.key(), "0.01"}
	case 22, 23, 24:
		op := g.pick([]string{"ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD"})
		c := []string{op}
		if strings.HasSuffix(op, "STORE") {
			c = append(c, g.key())
		}
		n := 1 + r.Intn(3)
		c = append(c, strconv.Itoa(n))
		for i := 0; i < n; i++ {
			c = append(c, g.key())
		}
		if !strings.HasPrefix(op, "ZDIFF") && op != "ZINTERCARD" {
			if r.Intn(2) == 0 {
				c = append(c, "WEIGHTS")
				for i := 0; i < n; i++ {
					c = append(c, g.pick(zsGenWeights))
				}
			}
			if r.Intn(2) == 0 {
				c = append(c, "AGGREGATE", g.pick([]string{"SUM", "MIN", "MAX"}))
			}
		}
		if op == "ZINTERCARD" && r.Intn(2) == 0 {
			c = append(c, "LIMIT", g.intArg(0, 3))
		}
		if !strings.HasSuffix(op, "STORE") && op != "ZINTERCARD" && r.Intn(2) == 0 {
			c = append(c, "WITHSCORES")
		}
		return c
	case 25:
		return []string{"ZSCAN", g.key(), "0", "COUNT", "1000"}
	}
	if r.Intn(3) == 0 {
		return []string{"SET", "str", "v"}
	}
	return []string{"DEL", g.key()}
}

// zsCountFlags counts the ZADD option words of c.
func zsCountFlags(c []string) int {
	n := 0
	for _, a := range c[2:] {
		switch a {
		case "NX", "XX", "GT", "LT", "CH", "INCR":
			n++
		}
	}
	return n
}

// zsModelLimits are the encoding limits of a seed: small, so that sets
// convert (and STORE results convert back) all the time.
func zsModelLimits(seed int64) (entries, value int) {
	return []int{0, 1, 3, 5, 128}[seed%5], []int{2, 5, 64}[seed%3]
}

func TestZSetModel(t *testing.T) {
	for seed := int64(1); seed <= 10; seed++ {
		for _, proto := range []int{2, 3} {
			t.Run(fmt.Sprintf("seed%d/resp%d", seed, proto), func(t *testing.T) {
				env := newKVEnv(t, 4)
				env.e.Start()
				t.Cleanup(env.e.Stop)
				env.cl.SetProto(proto)
				entries, value := zsModelLimits(seed)
				env.do("CONFIG", "SET", "zset-max-listpack-entries", strconv.Itoa(entries), "zset-max-listpack-value", strconv.Itoa(value))
				model := &zsModelDB{keys: map[string]*zsmKey{}, entries: entries, value: value, proto: proto}
				g := &zsGen{rng: rand.New(rand.NewSource(seed)), blocked: seed%3 == 0}
				for step := 0; step < 3000; step++ {
					args := g.cmd()
					var scanSL bool
					if k := model.keys[args[1]]; args[0] == "ZSCAN" && k != nil && k.sl {
						scanSL = true // a hash table's order: compare the pairs
					}
					got := env.do(args...)
					want := string(model.exec(args))
					if scanSL {
						got, want = zsNormScan(t, got), zsNormScan(t, want)
					}
					if got != want {
						t.Fatalf("step %d: %q\n  duva:  %q\n  model: %q", step, args, got, want)
					}
				}
			})
		}
	}
}

// TestZSetDifferentialRedis sends the model test's random command streams to
// duva and to a real redis-server and compares every reply (skipped without
// redis-server).
func TestZSetDifferentialRedis(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server not found")
	}
	for seed := int64(100); seed < 106; seed++ {
		proto := 2 + int(seed%2)
		t.Run(fmt.Sprintf("seed%d/resp%d", seed, proto), func(t *testing.T) {
			env := newKVEnv(t, 4)
			env.e.Start()
			t.Cleanup(env.e.Stop)
			env.cl.SetProto(proto)
			r.do(t, "HELLO", strconv.Itoa(proto))
			r.do(t, "FLUSHALL")
			entries, value := zsModelLimits(seed)
			for _, c := range [][]string{{"CONFIG", "SET", "zset-max-listpack-entries", strconv.Itoa(entries)},
				{"CONFIG", "SET", "zset-max-listpack-value", strconv.Itoa(value)}} {
				env.do(c...)
				r.do(t, c...)
			}
			t.Cleanup(func() {
				r.do(t, "CONFIG", "SET", "zset-max-listpack-entries", "128")
				r.do(t, "CONFIG", "SET", "zset-max-listpack-value", "64")
			})
			g := &zsGen{rng: rand.New(rand.NewSource(seed)), blocked: true}
			for step := 0; step < 3000; step++ {
				args := g.cmd()
				got, want := env.do(args...), r.do(t, args...)
				if args[0] == "ZSCAN" {
					got, want = zsNormScan(t, got), zsNormScan(t, want)
				}
				if got != want {
					t.Fatalf("step %d: %q\n  duva:  %q\n  redis: %q", step, args, got, want)
				}
			}
		})
	}
}

// zsNormScan sorts the (member, score) pairs of a ZSCAN reply by member.
func zsNormScan(t *testing.T, reply string) string {
	t.Helper()
	if strings.HasPrefix(reply, "-") {
		return reply
	}
	v, ok := parseReply(t, reply).([]any)
	if !ok || len(v) != 2 {
		return reply
	}
	flat, _ := v[1].([]any)
	type pair struct{ m, s string }
	var ps []pair
	for i := 0; i+1 < len(flat); i += 2 {
		ps = append(ps, pair{fmt.Sprint(flat[i]), fmt.Sprint(flat[i+1])})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].m < ps[j].m })
	return fmt.Sprint(v[0], ps)
}

// ---- allocations and benchmarks ----

// zsFill adds n members "m<i>" with score i to key.
func zsFill(env *kvEnv, key string, n int) {
	for i := 0; i < n; i += 100 {
		args := []string{"ZADD", key}
		for j := i; j < min(n, i+100); j++ {
			args = append(args, strconv.Itoa(j), "m"+strconv.Itoa(j))
		}
		env.do(args...)
	}
}

func TestZSetHotPathAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts are not meaningful with -race")
	}
	env := newKVEnv(t, 4)
	zsFill(env, "small", 50)
	zsFill(env, "big", 5000)
	for _, proto := range []int{2, 3} {
		env.cl.SetProto(proto)
		for _, key := range []string{"small", "big"} {
			cases := []struct {
				name string
				args [][]byte
			}{
				{"ZADD update", argv("ZADD", key, "7.5", "m7")},
				{"ZADD same score", argv("ZADD", key, "7.5", "m7")},
				{"ZADD XX CH GT", argv("ZADD", key, "XX", "CH", "GT", "8", "m7")},
				{"ZINCRBY", argv("ZINCRBY", key, "1", "m9")},
				{"ZSCORE", argv("ZSCORE", key, "m10")},
				{"ZMSCORE", argv("ZMSCORE", key, "m10", "nosuch", "m11")},
				{"ZRANK", argv("ZRANK", key, "m20")},
				{"ZREVRANK", argv("ZREVRANK", key, "m20")},
				{"ZCARD", argv("ZCARD", key)},
				{"ZCOUNT", argv("ZCOUNT", key, "(5", "30")},
				{"ZLEXCOUNT", argv("ZLEXCOUNT", key, "-", "+")},
				{"ZRANGE", argv("ZRANGE", key, "0", "9", "WITHSCORES")},
				{"ZRANGE REV", argv("ZRANGE", key, "0", "9", "REV")},
				{"ZRANGE BYSCORE LIMIT", argv("ZRANGE", key, "(3", "+inf", "BYSCORE", "LIMIT", "2", "10", "WITHSCORES")},
				{"ZREVRANGEBYSCORE", argv("ZREVRANGEBYSCORE", key, "40", "-inf", "LIMIT", "0", "5")},
				{"ZRANGEBYLEX", argv("ZRANGEBYLEX", key, "[m1", "(m2")},
				{"ZPOPMIN+ZADD", nil},
			}
			out := make([]byte, 0, 8192)
			popArgs, addArgs := argv("ZPOPMIN", key), argv("ZADD", key, "0", "m0")
			for _, tc := range cases {
				run := func() {
					if tc.args == nil {
						out, _ = env.w.Exec(env.cl, popArgs, out[:0])
						out, _ = env.w.Exec(env.cl, addArgs, out[:0])
						return
					}
					out, _ = env.w.Exec(env.cl, tc.args, out[:0])
				}
				for i := 0; i < 10; i++ {
					run()
				}
				if tc.args != nil && out[0] == '-' {
					t.Fatalf("%s %s: %q", key, tc.name, out)
				}
				env.w.Flush()
				n := testing.AllocsPerRun(500, run)
				env.w.Flush()
				// A skiplist pop+add frees and makes a node and dict entry.
				want := 0.0
				if tc.args == nil && key == "big" {
					want = 2
				}
				if n > want {
					t.Errorf("RESP%d %s %s: %v allocations per run, want %v", proto, key, tc.name, n, want)
				}
			}
		}
	}
}

func zsBench(b *testing.B, size int, args ...string) {
	env := newKVEnv(b, 4)
	zsFill(env, "z", size)
	a := argv(args...)
	out := make([]byte, 0, 16384)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, a, out[:0])
	}
	env.w.Flush()
	if out[0] == '-' {
		b.Fatalf("%q", out)
	}
}

func BenchmarkZSetZaddUpdateListpack(b *testing.B) { zsBench(b, 100, "ZADD", "z", "50.5", "m50") }
func BenchmarkZSetZaddUpdateSkiplist(b *testing.B) { zsBench(b, 10000, "ZADD", "z", "5000.5", "m5000") }
func BenchmarkZSetZincrbyListpack(b *testing.B)    { zsBench(b, 100, "ZINCRBY", "z", "1", "m50") }
func BenchmarkZSetZincrbySkiplist(b *testing.B)    { zsBench(b, 10000, "ZINCRBY", "z", "1", "m5000") }
func BenchmarkZSetZscoreListpack(b *testing.B)     { zsBench(b, 100, "ZSCORE", "z", "m50") }
func BenchmarkZSetZscoreSkiplist(b *testing.B)     { zsBench(b, 10000, "ZSCORE", "z", "m5000") }
func BenchmarkZSetZrankSkiplist(b *testing.B)      { zsBench(b, 10000, "ZRANK", "z", "m5000") }
func BenchmarkZSetZrangeListpack(b *testing.B) {
	zsBench(b, 100, "ZRANGE", "z", "0", "9", "WITHSCORES")
}
func BenchmarkZSetZrangeSkiplist(b *testing.B) {
	zsBench(b, 10000, "ZRANGE", "z", "5000", "5009", "WITHSCORES")
}
func BenchmarkZSetZrangebyscoreSkiplist(b *testing.B) {
	zsBench(b, 10000, "ZRANGEBYSCORE", "z", "(5000", "+inf", "LIMIT", "0", "10")
}
func BenchmarkZSetZcountSkiplist(b *testing.B) { zsBench(b, 10000, "ZCOUNT", "z", "1000", "(9000") }

// BenchmarkZSetZaddNew adds new members until the set is large (skiplist).
func BenchmarkZSetZaddNew(b *testing.B) {
	env := newKVEnv(b, 4)
	members := make([][]byte, 1<<16)
	for i := range members {
		members[i] = []byte("member:" + strconv.Itoa(i))
	}
	args := argv("ZADD", "z", "0", "")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i&(len(members)-1) == 0 {
			b.StopTimer()
			env.do("DEL", "z")
			b.StartTimer()
		}
		args[2] = strconv.AppendInt(args[2][:0], int64(i&1023), 10)
		args[3] = members[i&(len(members)-1)]
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

// BenchmarkZSetPopPush pops the minimum and adds it back (a priority queue).
func BenchmarkZSetPopPush(b *testing.B) {
	for _, size := range []int{100, 10000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			env := newKVEnv(b, 4)
			zsFill(env, "z", size)
			pop, add := argv("ZPOPMIN", "z"), argv("ZADD", "z", "0", "")
			out := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, _ = env.w.Exec(env.cl, pop, out[:0])
				// reply: *2\r\n$<len>\r\n<member>\r\n$<len>\r\n<score>\r\n
				m := out[bytes.IndexByte(out[4:], '\n')+5:]
				m = m[:bytes.IndexByte(m, '\r')]
				add[2] = strconv.AppendInt(add[2][:0], int64(size+i), 10)
				add[3] = append(add[3][:0], m...)
				out, _ = env.w.Exec(env.cl, add, out[:0])
			}
			env.w.Flush()
		})
	}
}
