package shard

import (
	"math"
	"math/big"
	"strconv"

	"github.com/duva-db/duva/internal/glob"
)

// Hash commands (Redis 7.0's t_hash.c semantics, replies byte for byte). The
// value and its two encodings are in hash.go.
//
// Hot path: HGET, HMGET, HEXISTS, HLEN, HSTRLEN, HINCRBY and HSET of an
// existing field with a value of the same size allocate nothing.

func init() {
	cmds := []*Command{
		{Name: "hset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Set the string value of a hash field", Since: "2.0.0", Exec: hsetCommand},
		{Name: "hsetnx", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Set the value of a hash field, only if the field does not exist", Since: "2.0.0", Exec: hsetnxCommand},
		{Name: "hget", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get the value of a hash field", Since: "2.0.0", Exec: hgetCommand},
		{Name: "hmset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Set multiple hash fields to multiple values", Since: "2.0.0", Exec: hmsetCommand},
		{Name: "hmget", Arity: -3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get the values of all the given hash fields", Since: "2.0.0", Exec: hmgetCommand},
		{Name: "hgetall", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get all the fields and values in a hash", Since: "2.0.0", Exec: hgetallCommand},
		{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Delete one or more hash fields", Since: "2.0.0", Exec: hdelCommand},
		{Name: "hexists", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Determine if a hash field exists", Since: "2.0.0", Exec: hexistsCommand},
		{Name: "hlen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get the number of fields in a hash", Since: "2.0.0", Exec: hlenCommand},
		{Name: "hkeys", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get all the fields in a hash", Since: "2.0.0", Exec: hkeysCommand},
		{Name: "hvals", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get all the values in a hash", Since: "2.0.0", Exec: hvalsCommand},
		{Name: "hincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Increment the integer value of a hash field by the given number", Since: "2.0.0", Exec: hincrbyCommand},
		{Name: "hincrbyfloat", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Increment the float value of a hash field by the given amount", Since: "2.6.0", Exec: hincrbyfloatCommand},
		{Name: "hstrlen", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get the length of the value of a hash field", Since: "3.2.0", Exec: hstrlenCommand},
		{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Get one or multiple random fields from a hash", Since: "6.2.0", Exec: hrandfieldCommand},
		{Name: "hscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Incrementally iterate hash fields and associated values", Since: "2.8.0", Exec: hscanCommand},
	}
	register(cmds...)
	for _, c := range cmds {
		m := hshMeta[c.Name]
		c.infoFlags, c.ACL, c.Tips, c.Specs = m.flags, m.acl, m.tips, m.specs
	}
}

// hshMeta is what COMMAND INFO shows of the hash commands beyond arity and
// key positions, generated from redis-server 7.0.15 (redis-cli --json COMMAND
// INFO hset hsetnx ...); same shape as redisMeta.
var hshMeta = map[string]struct {
	flags []string
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"hset":         {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hsetnx":       {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hget":         {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hmset":        {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hmget":        {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hgetall":      {flags: []string{"readonly"}, acl: []string{"@read", "@hash", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hdel":         {flags: []string{"write", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hexists":      {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hlen":         {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hkeys":        {flags: []string{"readonly"}, acl: []string{"@read", "@hash", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hvals":        {flags: []string{"readonly"}, acl: []string{"@read", "@hash", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hincrby":      {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hincrbyfloat": {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hstrlen":      {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@hash", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hrandfield":   {flags: []string{"readonly"}, acl: []string{"@read", "@hash", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hscan":        {flags: []string{"readonly"}, acl: []string{"@read", "@hash", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
}

// Error texts of this file that errors.go does not have.
const (
	hshErrNotInt      = "ERR hash value is not an integer"
	hshErrNotFloat    = "ERR hash value is not a float"
	hshErrNaNIncr     = "ERR value is NaN or Infinity"
	hshErrRange       = "ERR value is out of range"
	hshErrCountRange  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	hshRandCase3Ratio = 3 // HRANDFIELD: copy the table when count*3 > size (Redis's HRANDFIELD_SUB_STRATEGY_MUL)
)

// ---- helpers ----

// hshLookup finds key's hash for a read (nil if absent); ok is false, after
// the WRONGTYPE reply, for another type. A hash entry without a value (test
// helpers create those) is given an empty listpack.
func hshLookup(c *Ctx, key []byte, read bool) (*Entry, bool) {
	e, ok := c.LookupType(key, TypeHash, read)
	if e != nil && e.Obj() == nil {
		e.SetObj(hshNewListpack())
	}
	return e, ok
}

// hshCreate adds key as a new hash holding pairs (field, value, ...) and
// returns it with the number of distinct fields: a listpack built in one
// allocation, or a hashtable when a string is too long for a listpack or
// there are too many fields.
func hshCreate(c *Ctx, key []byte, pairs [][]byte) (*Entry, int) {
	lim := c.Limits()
	room := 0
	for _, s := range pairs {
		room += hshEntrySize(len(s))
	}
	if hshTooLong(lim.HashMaxListpackValue, pairs) || room > hshMaxBytes {
		t := hshNewTable(len(pairs) / 2)
		added := 0
		for i := 0; i+1 < len(pairs); i += 2 {
			if t.set(pairs[i], pairs[i+1]) {
				added++
			}
		}
		return c.CreateObject(key, TypeHash, t), added
	}
	l, added, used := hshBuild(pairs, lim.HashMaxListpackEntries)
	e := c.CreateObject(key, TypeHash, l)
	hshConvertIfNeeded(e, lim.HashMaxListpackEntries)
	for i := used; i+1 < len(pairs); i += 2 { // past the limit: now a hashtable
		if hshSet(e, pairs[i], pairs[i+1]) {
			added++
		}
	}
	return e, added
}

// hshPrepareWrite makes e ready to receive strs: a listpack converts when one
// of them is longer than hash-max-listpack-value, or it could grow past
// hshMaxBytes (Redis's hashTypeTryConversion).
func hshPrepareWrite(c *Ctx, e *Entry, strs [][]byte) {
	l, ok := e.Obj().(hshListpack)
	if !ok {
		return
	}
	if hshTooLong(c.Limits().HashMaxListpackValue, strs) {
		hshConvert(e)
		return
	}
	size := len(l.bytes())
	for _, s := range strs {
		size += hshEntrySize(len(s))
	}
	if size > hshMaxBytes {
		hshConvert(e)
	}
}

// hshWriteOne stores field = val in key's hash e (created when nil), with
// Redis's conversions, and counts one change.
func hshWriteOne(c *Ctx, key []byte, e *Entry, field, val []byte) {
	strs := [2][]byte{field, val}
	if e == nil {
		hshCreate(c, key, strs[:]) // counts the change
		return
	}
	hshPrepareWrite(c, e, strs[:])
	c.Dirty(1)
	hshSet(e, field, val)
	hshConvertIfNeeded(e, c.Limits().HashMaxListpackEntries)
}

// ---- HSET, HMSET, HSETNX ----

func hsetCommand(c *Ctx)  { hsetGeneric(c, false) }
func hmsetCommand(c *Ctx) { hsetGeneric(c, true) }

func hsetGeneric(c *Ctx, hmset bool) {
	if len(c.Args)%2 == 1 {
		c.ArityError()
		return
	}
	key, pairs := c.Args[1], c.Args[2:]
	e, ok := hshLookup(c, key, false)
	if !ok {
		return
	}
	changes := len(pairs) / 2
	added := 0
	if e == nil {
		_, added = hshCreate(c, key, pairs)
		changes-- // Create counted one
	} else {
		hshPrepareWrite(c, e, pairs)
		maxEntries := c.Limits().HashMaxListpackEntries
		for i := 0; i < len(pairs); i += 2 {
			if hshSet(e, pairs[i], pairs[i+1]) {
				added++
				// Convert as soon as there are too many fields, as Redis does,
				// so a huge HSET does not keep walking a listpack.
				hshConvertIfNeeded(e, maxEntries)
			}
		}
	}
	c.Dirty(changes)
	if hmset {
		c.OK()
	} else {
		c.Int(int64(added))
	}
}

func hsetnxCommand(c *Ctx) {
	key, field := c.Args[1], c.Args[2]
	e, ok := hshLookup(c, key, false)
	if !ok {
		return
	}
	if e != nil {
		if _, exists := hshGet(e.Obj(), field); exists {
			c.Int(0)
			return
		}
	}
	hshWriteOne(c, key, e, field, c.Args[3])
	c.Int(1)
}

// ---- reads ----

func hgetCommand(c *Ctx) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e != nil {
		if v, found := hshGet(e.Obj(), c.Args[2]); found {
			c.Bulk(v)
			return
		}
	}
	c.Null()
}

func hmgetCommand(c *Ctx) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	fields := c.Args[2:]
	c.Array(len(fields))
	for _, f := range fields {
		if e != nil {
			if v, found := hshGet(e.Obj(), f); found {
				c.Bulk(v)
				continue
			}
		}
		c.Null()
	}
}

func hexistsCommand(c *Ctx) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	found := false
	if e != nil {
		_, found = hshGet(e.Obj(), c.Args[2])
	}
	if found {
		c.Int(1)
	} else {
		c.Int(0)
	}
}

func hlenCommand(c *Ctx) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		n = hshLen(e.Obj())
	}
	c.Int(int64(n))
}

func hstrlenCommand(c *Ctx) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		v, _ := hshGet(e.Obj(), c.Args[2])
		n = len(v)
	}
	c.Int(int64(n))
}

// What hshReplyAll writes of each field.
const (
	hshFields = 1 << iota
	hshValues
)

func hkeysCommand(c *Ctx)   { hshGetAll(c, hshFields) }
func hvalsCommand(c *Ctx)   { hshGetAll(c, hshValues) }
func hgetallCommand(c *Ctx) { hshGetAll(c, hshFields|hshValues) }

// hshGetAll is HKEYS, HVALS and HGETALL (a map in RESP3).
func hshGetAll(c *Ctx, what int) {
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		n = hshLen(e.Obj())
	}
	if what == hshFields|hshValues {
		c.Map(n)
	} else {
		c.Array(n)
	}
	if n == 0 {
		return
	}
	emit := func(f, v []byte) {
		if what&hshFields != 0 {
			c.Bulk(f)
		}
		if what&hshValues != 0 {
			c.Bulk(v)
		}
	}
	switch h := e.Obj().(type) {
	case hshListpack:
		it := h.iter()
		for f, v, ok := it.next(); ok; f, v, ok = it.next() {
			emit(f, v)
		}
	case *hshTable:
		h.d.ForEach(func(fe *Entry) bool {
			if what&hshFields != 0 {
				c.BulkString(fe.Key())
			}
			if what&hshValues != 0 {
				c.Bulk(fe.Str())
			}
			return true
		})
	}
}

// ---- HDEL ----

func hdelCommand(c *Ctx) {
	key := c.Args[1]
	e, ok := hshLookup(c, key, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	n := 0
	for _, f := range c.Args[2:] {
		if hshDel(e, f) {
			n++
			if c.DeleteIfEmpty(key, e) {
				break
			}
		}
	}
	c.Dirty(n)
	c.Int(int64(n))
}

// ---- HINCRBY, HINCRBYFLOAT ----

func hincrbyCommand(c *Ctx) {
	incr, ok := parseInt(c.Args[3])
	if !ok {
		c.NotInteger()
		return
	}
	key, field := c.Args[1], c.Args[2]
	e, ok := hshLookup(c, key, false)
	if !ok {
		return
	}
	var cur int64
	if e != nil {
		if v, found := hshGet(e.Obj(), field); found {
			if cur, ok = parseInt(v); !ok {
				c.Error(hshErrNotInt)
				return
			}
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	var buf [20]byte
	hshWriteOne(c, key, e, field, strconv.AppendInt(buf[:0], cur, 10))
	c.Int(cur)
}

func hincrbyfloatCommand(c *Ctx) {
	var incr, cur big.Float
	incrInf, ok := parseLongDouble(c.Args[3], &incr)
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	if incrInf != 0 {
		c.Error(hshErrNaNIncr)
		return
	}
	key, field := c.Args[1], c.Args[2]
	e, ok := hshLookup(c, key, false)
	if !ok {
		return
	}
	cur.SetPrec(ldPrec)
	if e != nil {
		if v, found := hshGet(e.Obj(), field); found {
			curInf, ok := parseLongDouble(v, &cur)
			if !ok {
				c.Error(hshErrNotFloat)
				return
			}
			if curInf != 0 {
				c.Error(errIncrFloatNaN) // inf + finite is inf
				return
			}
		}
	}
	var sum big.Float
	sum.SetPrec(ldPrec).SetMode(big.ToNearestEven)
	sum.Add(&cur, &incr)
	if sum.Sign() != 0 && sum.MantExp(nil) > ldMaxExp {
		c.Error(errIncrFloatNaN)
		return
	}
	var buf [64]byte
	text := formatLongDouble(buf[:0], &sum)
	hshWriteOne(c, key, e, field, text)
	c.Bulk(text)
	c.Rewrite(bHSET, key, field, text)
}

// ---- HRANDFIELD ----

func hrandfieldCommand(c *Ctx) {
	if len(c.Args) >= 3 {
		l, ok := parseInt(c.Args[2])
		if !ok {
			c.NotInteger()
			return
		}
		if l < -math.MaxInt64 {
			c.Error(hshErrCountRange)
			return
		}
		withValues := false
		if len(c.Args) > 4 || (len(c.Args) == 4 && !argIs(c.Args[3], "WITHVALUES")) {
			c.SyntaxError()
			return
		} else if len(c.Args) == 4 {
			withValues = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.Error(hshErrRange)
				return
			}
		}
		hrandfieldWithCount(c, l, withValues)
		return
	}
	key := c.Args[1]
	e, ok := hshLookup(c, key, true)
	if !ok {
		return
	}
	if e == nil || hshLen(e.Obj()) == 0 {
		c.Null()
		return
	}
	s := c.shardOf(key)
	switch h := e.Obj().(type) {
	case hshListpack:
		k := int(s.nextRand() % uint64(h.Len()))
		it := h.iter()
		f, _, _ := it.next()
		for ; k > 0; k-- {
			f, _, _ = it.next()
		}
		c.Bulk(f)
	case *hshTable:
		c.BulkString(h.random(s.nextRand).Key())
	}
}

// hrandfieldWithCount is HRANDFIELD key count [WITHVALUES]: a negative count
// may repeat fields, a positive one returns distinct fields (all of them when
// count >= the size). In RESP3, WITHVALUES gives an array of pairs.
func hrandfieldWithCount(c *Ctx, l int64, withValues bool) {
	key := c.Args[1]
	e, ok := hshLookup(c, key, true)
	if !ok {
		return
	}
	if e == nil || l == 0 {
		c.Array(0)
		return
	}
	size := hshLen(e.Obj())
	count, unique := uint64(l), true
	if l < 0 {
		count, unique = uint64(-l), false
	}
	pairs := withValues && c.proto > 2
	header := func(n uint64) {
		if withValues && !pairs {
			c.Array(int(2 * n))
		} else {
			c.Array(int(n))
		}
	}
	emit := func(f, v []byte) {
		if pairs {
			c.Array(2)
		}
		c.Bulk(f)
		if withValues {
			c.Bulk(v)
		}
	}
	emitEntry := func(fe *Entry) {
		if pairs {
			c.Array(2)
		}
		c.BulkString(fe.Key())
		if withValues {
			c.Bulk(fe.Str())
		}
	}
	s := c.shardOf(key)

	// Repeats allowed (or a single field): independent picks.
	if !unique || count == 1 {
		header(count)
		switch h := e.Obj().(type) {
		case hshListpack:
			offs := h.offsets(make([]int32, 0, size))
			for i := uint64(0); i < count; i++ {
				f, v := h.at(int(offs[s.nextRand()%uint64(len(offs))]))
				emit(f, v)
			}
		case *hshTable:
			for i := uint64(0); i < count; i++ {
				emitEntry(h.random(s.nextRand))
			}
		}
		return
	}

	// Everything: the whole hash in its order.
	if count >= uint64(size) {
		header(uint64(size))
		switch h := e.Obj().(type) {
		case hshListpack:
			it := h.iter()
			for f, v, ok := it.next(); ok; f, v, ok = it.next() {
				emit(f, v)
			}
		case *hshTable:
			h.d.ForEach(func(fe *Entry) bool {
				emitEntry(fe)
				return true
			})
		}
		return
	}

	// count distinct fields out of more.
	header(count)
	switch h := e.Obj().(type) {
	case hshListpack:
		// Selection sampling: each field is taken with probability
		// needed/remaining, which gives a uniform subset in listpack order.
		need, left := count, uint64(size)
		it := h.iter()
		for f, v, ok := it.next(); ok && need > 0; f, v, ok = it.next() {
			if s.nextRand()%left < need {
				emit(f, v)
				need--
			}
			left--
		}
	case *hshTable:
		if count*hshRandCase3Ratio > uint64(size) {
			// Many of them: a partial shuffle of all the fields.
			all := make([]*Entry, 0, size)
			h.d.ForEach(func(fe *Entry) bool {
				all = append(all, fe)
				return true
			})
			for i := 0; i < int(count); i++ {
				j := i + int(s.nextRand()%uint64(len(all)-i))
				all[i], all[j] = all[j], all[i]
				emitEntry(all[i])
			}
			return
		}
		// Few of them: random picks until count distinct ones.
		seen := make(map[*Entry]struct{}, count)
		for uint64(len(seen)) < count {
			fe := h.random(s.nextRand)
			if _, dup := seen[fe]; dup {
				continue
			}
			seen[fe] = struct{}{}
			emitEntry(fe)
		}
	}
}

// ---- HSCAN ----

// hscanCommand is HSCAN key cursor [MATCH pattern] [COUNT count]. A listpack
// is returned whole with cursor 0; a hashtable is scanned with the Dict's
// reverse-binary cursor, which returns every field present for the whole
// iteration at least once.
func hscanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(errInvalidCursor)
		return
	}
	e, ok := hshLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Array(2)
		c.BulkString("0")
		c.Array(0)
		return
	}
	so, ok := parseScanOptions(c, 3, false)
	if !ok {
		return
	}
	count, pat, usePat := so.count, so.pat, so.usePat

	switch h := e.Obj().(type) {
	case hshListpack:
		n := h.Len()
		if usePat {
			n = 0
			it := h.iter()
			for f, _, ok := it.next(); ok; f, _, ok = it.next() {
				if glob.Match(pat, f, false) {
					n++
				}
			}
		}
		c.Array(2)
		c.BulkString("0")
		c.Array(2 * n)
		it := h.iter()
		for f, v, ok := it.next(); ok; f, v, ok = it.next() {
			if !usePat || glob.Match(pat, f, false) {
				c.Bulk(f)
				c.Bulk(v)
			}
		}
	case *hshTable:
		found := make([]*Entry, 0, min(count, 1024))
		collect := func(fe *Entry) { found = append(found, fe) }
		// Redis's loop: scan buckets until count strings (a field and its
		// value count two) were seen, giving up after 10*count more buckets.
		budget := count * 10
		if budget/10 != count {
			budget = math.MaxInt64
		}
		for {
			cursor = h.d.Scan(cursor, collect)
			if cursor == 0 || budget == 0 || int64(2*len(found)) >= count {
				break
			}
			budget--
		}
		keep := found[:0]
		spat := string(pat)
		for _, fe := range found {
			if !usePat || glob.MatchString(spat, fe.Key(), false) {
				keep = append(keep, fe)
			}
		}
		c.Array(2)
		var buf [20]byte
		c.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
		c.Array(2 * len(keep))
		for _, fe := range keep {
			c.BulkString(fe.Key())
			c.Bulk(fe.Str())
		}
	}
}
