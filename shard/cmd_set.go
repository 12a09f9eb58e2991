package shard

import (
	"math"
	"slices"
	"strconv"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/internal/glob"
)

// Set commands (Redis 7.0's t_set.c semantics, replies byte for byte; the
// values are in set.go).
//
// Member order: an intset is iterated in ascending order, as in Redis, so every
// reply built from intsets (SMEMBERS, SINTER, SUNION, SDIFF, SPOP of the whole
// set...) is in Redis's order. A hashtable set is iterated in the order of its
// Dict, which is not Redis's: compare those replies as sets.
//
// Multi-key commands (SMOVE, SINTER..., SINTERCARD) run with every shard of
// their keys held, so they see and change all their keys atomically.

func init() {
	register(
		&Command{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Add one or more members to a set", Since: "1.0.0", Exec: saddCommand},
		&Command{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Remove one or more members from a set", Since: "1.0.0", Exec: sremCommand},
		&Command{Name: "smembers", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Get all the members in a set", Since: "1.0.0", Exec: smembersCommand},
		&Command{Name: "sismember", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Determine if a given value is a member of a set", Since: "1.0.0", Exec: sismemberCommand},
		&Command{Name: "smismember", Arity: -3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Returns the membership associated with the given elements for a set", Since: "6.2.0", Exec: smismemberCommand},
		&Command{Name: "scard", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Get the number of members in a set", Since: "1.0.0", Exec: scardCommand},
		&Command{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Remove and return one or multiple random members from a set", Since: "1.0.0", Exec: spopCommand},
		&Command{Name: "srandmember", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Get one or multiple random members from a set", Since: "1.0.0", Exec: srandmemberCommand},
		&Command{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Group: "set", Summary: "Move a member from one set to another", Since: "1.0.0", Exec: smoveCommand},
		&Command{Name: "sinter", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Intersect multiple sets", Since: "1.0.0", Exec: sinterCommand},
		&Command{Name: "sunion", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Add multiple sets", Since: "1.0.0", Exec: sunionCommand},
		&Command{Name: "sdiff", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Subtract multiple sets", Since: "1.0.0", Exec: sdiffCommand},
		&Command{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Intersect multiple sets and store the resulting set in a key", Since: "1.0.0", Exec: sinterstoreCommand},
		&Command{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Add multiple sets and store the resulting set in a key", Since: "1.0.0", Exec: sunionstoreCommand},
		&Command{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Subtract multiple sets and store the resulting set in a key", Since: "1.0.0", Exec: sdiffstoreCommand},
		&Command{Name: "sintercard", Arity: -3, Flags: FlagReadonly, Keys: stSintercardKeys, Group: "set", Summary: "Intersect multiple sets and return the cardinality of the result", Since: "7.0.0", Exec: sintercardCommand},
		&Command{Name: "sscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Incrementally iterate Set elements", Since: "2.8.0", Exec: sscanCommand},
	)
	for name, m := range stMeta {
		c := commandTable[name]
		c.Tips, c.ACL, c.infoFlags, c.Specs = m.tips, m.acl, m.flags, m.specs
	}
}

// stMeta is what COMMAND INFO shows of the set commands beyond arity and key
// positions, from redis-server 7.0.15 (redis-cli --json COMMAND INFO ...).
// SINTERCARD's key spec (begin_search index 1, find_keys keynum 0/1/1) has no
// KeySpec form yet, so it has none.
var stMeta = map[string]struct {
	flags []string
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"sadd":        {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"srem":        {flags: []string{"write", "fast"}, acl: []string{"@write", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"smembers":    {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"sismember":   {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"smismember":  {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"scard":       {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"spop":        {flags: []string{"write", "fast"}, acl: []string{"@write", "@set", "@fast"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"srandmember": {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"smove":       {flags: []string{"write", "fast"}, acl: []string{"@write", "@set", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"RW", "insert"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"sinter":      {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"sunion":      {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"sdiff":       {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output_order"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"sinterstore": {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@set", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, LastKey: -1, Step: 1, Limit: 0}}},
	"sunionstore": {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@set", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, LastKey: -1, Step: 1, Limit: 0}}},
	"sdiffstore":  {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@set", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, LastKey: -1, Step: 1, Limit: 0}}},
	"sintercard":  {flags: []string{"readonly", "movablekeys"}, acl: []string{"@read", "@set", "@slow"}, specs: []KeySpec{}},
	"sscan":       {flags: []string{"readonly"}, acl: []string{"@read", "@set", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
}

// Error texts of this file that errors.go does not have.
const (
	stErrPositive   = "ERR value is out of range, must be positive"
	stErrCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	stErrNumkeys    = "ERR numkeys should be greater than 0"
	stErrNumkeysBig = "ERR Number of keys can't be greater than number of args"
	stErrLimit      = "ERR LIMIT can't be negative"
)

// stSpopMoveMul is Redis's SPOP_MOVE_STRATEGY_MUL: SPOP with a count keeps the
// remaining members in a new set when fewer than count/5 remain.
const stSpopMoveMul = 5

// stSrandSubMul is Redis's SRANDMEMBER_SUB_STRATEGY_MUL.
const stSrandSubMul = 3

// ---- helpers ----

// stReply writes one member as a bulk string.
func stReply(c *Ctx, m stMember) {
	if m.isInt {
		c.BulkInt(m.v)
	} else {
		c.BulkString(m.s)
	}
}

// stReplyAll writes every member of o under a set header (RESP3 "~").
func stReplyAll(c *Ctx, o Object) {
	c.Set(o.Len())
	if is, ok := o.(*stIntset); ok {
		d, w := is.data(), is.w
		for i := 0; i < int(is.n); i++ {
			c.BulkInt(stIntGet(d, w, i))
		}
		return
	}
	stEach(o, func(m stMember) bool {
		stReply(c, m)
		return true
	})
}

// stInsertHeader inserts an aggregate header for n elements before the
// elements written from mark on (Redis's deferred length).
func stInsertHeader(c *Ctx, mark, n int, set bool) {
	var hb [24]byte
	var h []byte
	if set {
		h = codec.AppendSetHeader(hb[:0], c.proto, n)
	} else {
		h = codec.AppendArrayHeader(hb[:0], n)
	}
	end := len(c.Out)
	c.Out = append(c.Out, h...)
	copy(c.Out[mark+len(h):], c.Out[mark:end])
	copy(c.Out[mark:], h)
}

// stRand is the random source for SPOP and SRANDMEMBER: the shard's.
func stRand(c *Ctx, key []byte) func() uint64 { return c.shardOf(key).nextRand }

// stCreateFor is setTypeCreate for a member taken from another set.
func stCreateFor(m stMember) Object {
	if m.isInt {
		return stNewIntset(2, 1)
	}
	return stCreate(stBytes(m.s))
}

// stStore makes dst hold res (Redis's setKey: any old value and TTL go), or
// deletes dst when res is empty, and replies res's size.
func stStore(c *Ctx, dst []byte, res Object) {
	n := res.Len()
	if n == 0 {
		c.Remove(dst)
		c.Int(0)
		return
	}
	if e := c.Lookup(dst); e != nil {
		e.Type, e.Enc = TypeSet, EncAuto
		e.SetObj(res)
		c.SetExpire(dst, e, 0)
		c.Dirty(1)
	} else {
		c.CreateObject(dst, TypeSet, res)
	}
	c.Int(int64(n))
}

// stLoad looks up the source sets of SINTER, SUNION, SDIFF and their variants:
// nil for a missing key. ok is false (after WRONGTYPE) when a key is not a set;
// Redis looks at every key before anything else.
// The sets are appended to buf.
func stLoad(c *Ctx, keys [][]byte, buf []Object) (sets []Object, ok bool) {
	sets = buf
	for _, k := range keys {
		e, ok := c.LookupType(k, TypeSet, true)
		if !ok {
			return nil, false
		}
		var o Object
		if e != nil {
			o = stObj(e)
		}
		sets = append(sets, o)
	}
	return sets, true
}

// ---- SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD ----

func saddCommand(c *Ctx) {
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, false)
	if !ok {
		return
	}
	members := c.Args[2:]
	maxInts := stMaxInts(c.Limits())
	added := 0
	if e == nil {
		e = c.CreateObject(key, TypeSet, stCreateSized(members[0], min(len(members), maxInts))) // counts one change
		added--
	}
	o := stObj(e)
	n := 0
	for _, m := range members {
		var ok bool
		if o, ok = stAdd(o, m, maxInts); ok {
			n++
		}
	}
	if h, ok := o.(*stHT); ok {
		// A few rehash moves per SADD (like Redis's on every dict access, but
		// more), so that small sets do not keep their old table: a new set of
		// 5 members is otherwise left mid-rehash, holding both.
		h.d.RehashStep(stRehashMoves)
	}
	e.SetObj(o)
	c.Dirty(added + n)
	c.Int(int64(n))
}

// stRehashMoves is how many buckets SADD moves if its set is being rehashed.
const stRehashMoves = 8

func sremCommand(c *Ctx) {
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	o := stObj(e)
	n := 0
	for _, m := range c.Args[2:] {
		var ok bool
		if o, ok = stRemove(o, m); ok {
			n++
			if o.Len() == 0 {
				break
			}
		}
	}
	e.SetObj(o)
	c.Dirty(n)
	c.DeleteIfEmpty(key, e)
	c.Int(int64(n))
}

// smembersCommand: Redis 7.0 runs SMEMBERS as a one-key SINTER.
func smembersCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeSet, true)
	if !ok {
		return
	}
	if e == nil {
		c.Set(0)
		return
	}
	stReplyAll(c, stObj(e))
}

func sismemberCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeSet, true)
	if !ok {
		return
	}
	if e != nil && stHas(stObj(e), c.Args[2]) {
		c.Int(1)
	} else {
		c.Int(0)
	}
}

func smismemberCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeSet, true)
	if !ok {
		return
	}
	var o Object
	if e != nil {
		o = stObj(e)
	}
	c.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if o != nil && stHas(o, m) {
			c.Int(1)
		} else {
			c.Int(0)
		}
	}
}

func scardCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeSet, true)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	c.Int(int64(stObj(e).Len()))
}

// ---- SPOP ----

func spopCommand(c *Ctx) {
	if len(c.Args) == 3 {
		stSpopCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, false)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	o := stObj(e)
	m := stRandom(o, stRand(c, key))
	stReply(c, m)
	if c.propagating() {
		c.Rewrite(bSREM, key, m.appendTo(nil))
	}
	e.SetObj(stRemoveMember(o, m))
	c.Dirty(1)
	c.DeleteIfEmpty(key, e)
}

func stSpopCount(c *Ctx) {
	count, ok := parseInt(c.Args[2])
	if !ok || count < 0 {
		c.Error(stErrPositive)
		return
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, false)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.Set(0)
		return
	}
	o := stObj(e)
	size := o.Len()
	if count >= int64(size) {
		// The whole set, replied as SUNION of it would (Redis builds a new set
		// for the reply: an intset when it can be one, so ascending then).
		if _, isHT := o.(*stHT); isHT {
			o = stUnionOf(c, []Object{o})
		}
		stReplyAll(c, o)
		c.Remove(key)
		c.Dirty(size - 1)
		c.Rewrite(bDEL, key)
		return
	}
	n := int(count)
	remaining := size - n
	rnd := stRand(c, key)
	c.Set(n)
	if remaining*stSpopMoveMul > n {
		// Few to pop: pick and remove them one by one.
		var rem [][]byte
		for i := 0; i < n; i++ {
			m := stRandom(o, rnd)
			stReply(c, m)
			if c.propagating() {
				rem = append(rem, m.appendTo(nil))
			}
			o = stRemoveMember(o, m)
		}
		c.rewriteKeyed(bSREM, key, rem)
		e.SetObj(o)
		c.Dirty(n)
		return
	}
	// Most of the set goes: pick the members that stay, build a new set of
	// them (which is an intset again when it can be), reply the others in the
	// set's order.
	all := stMembers(o, make([]stMember, 0, size))
	perm := make([]int32, size)
	for i := range perm {
		perm[i] = int32(i)
	}
	keep := make([]bool, size)
	maxInts := stMaxInts(c.Limits())
	var ns Object
	for i := 0; i < remaining; i++ {
		j := i + int(rnd()%uint64(size-i))
		perm[i], perm[j] = perm[j], perm[i]
		m := all[perm[i]]
		keep[perm[i]] = true
		if ns == nil {
			ns = stCreateFor(m)
		}
		ns, _ = stAddMember(ns, m, maxInts)
	}
	var rem [][]byte
	for i, m := range all {
		if !keep[i] {
			stReply(c, m)
			if c.propagating() {
				rem = append(rem, m.appendTo(nil))
			}
		}
	}
	c.rewriteKeyed(bSREM, key, rem)
	e.SetObj(ns)
	c.Dirty(n)
}

// ---- SRANDMEMBER ----

func srandmemberCommand(c *Ctx) {
	if len(c.Args) == 3 {
		stSrandCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, true)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	stReply(c, stRandom(stObj(e), stRand(c, key)))
}

func stSrandCount(c *Ctx) {
	l, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if l == math.MinInt64 {
		c.Error(stErrCountRange)
		return
	}
	uniq := l >= 0
	count := l
	if !uniq {
		count = -l
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeSet, true)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.Array(0)
		return
	}
	o := stObj(e)
	size := o.Len()
	rnd := stRand(c, key)
	// Repetitions allowed (negative count), or just one: independent picks.
	if !uniq || count == 1 {
		c.Array(int(count))
		for i := int64(0); i < count; i++ {
			stReply(c, stRandom(o, rnd))
		}
		return
	}
	// At least the whole set: all of it.
	if count >= int64(size) {
		c.Array(size)
		stEach(o, func(m stMember) bool {
			stReply(c, m)
			return true
		})
		return
	}
	n := int(count)
	c.Array(n)
	if n*stSrandSubMul > size {
		// A large part of the set: shuffle a copy of the members.
		all := stMembers(o, make([]stMember, 0, size))
		for i := 0; i < n; i++ {
			j := i + int(rnd()%uint64(size-i))
			all[i], all[j] = all[j], all[i]
			stReply(c, all[i])
		}
		return
	}
	// A small part: random picks, skipping repeats.
	seen := make(map[stMember]struct{}, n)
	for len(seen) < n {
		m := stRandom(o, rnd)
		if _, dup := seen[m]; dup {
			continue
		}
		seen[m] = struct{}{}
		stReply(c, m)
	}
}

// ---- SMOVE ----

func smoveCommand(c *Ctx) {
	srcKey, dstKey, member := c.Args[1], c.Args[2], c.Args[3]
	src := c.Lookup(srcKey)
	dst := c.Lookup(dstKey)
	if src == nil {
		c.Int(0)
		return
	}
	if src.Type != TypeSet || (dst != nil && dst.Type != TypeSet) {
		c.WrongType()
		return
	}
	if src == dst {
		if stHas(stObj(src), member) {
			c.Int(1)
		} else {
			c.Int(0)
		}
		return
	}
	o, removed := stRemove(stObj(src), member)
	src.SetObj(o)
	if !removed {
		c.Int(0)
		return
	}
	c.Dirty(1)
	c.DeleteIfEmpty(srcKey, src)
	if dst == nil {
		dst = c.CreateObject(dstKey, TypeSet, stCreate(member)) // counts the add
		o, _ := stAdd(dst.Obj().(Object), member, stMaxInts(c.Limits()))
		dst.SetObj(o)
	} else {
		o, added := stAdd(stObj(dst), member, stMaxInts(c.Limits()))
		dst.SetObj(o)
		if added {
			c.Dirty(1)
		}
	}
	c.Int(1)
}

// ---- SINTER SINTERSTORE SINTERCARD ----

func sinterCommand(c *Ctx)      { stInter(c, c.Args[1:], nil, false, 0) }
func sinterstoreCommand(c *Ctx) { stInter(c, c.Args[2:], c.Args[1], false, 0) }

// stSintercardKeys gives SINTERCARD's key positions: numkeys keys from argument
// 2 on; nothing when numkeys is invalid (the handler then replies the error).
func stSintercardKeys(args [][]byte, dst []int) []int {
	if len(args) < 3 {
		return dst
	}
	n, ok := parseInt(args[1])
	if !ok || n < 1 || n > int64(len(args)-2) {
		return dst
	}
	for i := 2; i < 2+int(n); i++ {
		dst = append(dst, i)
	}
	return dst
}

func sintercardCommand(c *Ctx) {
	n, ok := parseInt(c.Args[1])
	if !ok || n < 1 {
		c.Error(stErrNumkeys)
		return
	}
	if n > int64(len(c.Args)-2) {
		c.Error(stErrNumkeysBig)
		return
	}
	limit := int64(0)
	for j := 2 + int(n); j < len(c.Args); j++ {
		if argIs(c.Args[j], "LIMIT") && j+1 < len(c.Args) {
			j++
			l, ok := parseInt(c.Args[j])
			if !ok || l < 0 {
				c.Error(stErrLimit)
				return
			}
			limit = l
		} else {
			c.SyntaxError()
			return
		}
	}
	stInter(c, c.Args[2:2+n], nil, true, limit)
}

// stInter is Redis's sinterGenericCommand: it iterates the smallest set and
// keeps the members every other set has. dst != nil stores the result;
// cardOnly replies the count only (stopping at limit when limit > 0).
func stInter(c *Ctx, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	var buf [4]Object
	sets, ok := stLoad(c, keys, buf[:0])
	if !ok {
		return
	}
	if slices.Contains(sets, nil) { // an empty set: the intersection is empty
		switch {
		case dst != nil:
			c.Remove(dst)
			c.Int(0)
		case cardOnly:
			c.Int(0)
		default:
			c.Set(0)
		}
		return
	}
	slices.SortStableFunc(sets, func(a, b Object) int { return a.Len() - b.Len() })
	first, rest := sets[0], sets[1:]
	inAll := func(m stMember) bool {
		for _, s := range rest {
			if s != first && !stHasMember(s, m) {
				return false
			}
		}
		return true
	}
	switch {
	case cardOnly:
		n := int64(0)
		stEach(first, func(m stMember) bool {
			if inAll(m) {
				n++
			}
			return limit == 0 || n < limit
		})
		c.Int(n)
	case dst == nil:
		mark, n := len(c.Out), 0
		stEach(first, func(m stMember) bool {
			if inAll(m) {
				stReply(c, m)
				n++
			}
			return true
		})
		stInsertHeader(c, mark, n, true)
	default:
		var res Object = stNewIntset(2, 1)
		maxInts := stMaxInts(c.Limits())
		stEach(first, func(m stMember) bool {
			if inAll(m) {
				res, _ = stAddMember(res, m, maxInts)
			}
			return true
		})
		stStore(c, dst, res)
	}
}

// ---- SUNION SDIFF and their STORE forms ----

func sunionCommand(c *Ctx)      { stUnionDiff(c, c.Args[1:], nil, false) }
func sdiffCommand(c *Ctx)       { stUnionDiff(c, c.Args[1:], nil, true) }
func sunionstoreCommand(c *Ctx) { stUnionDiff(c, c.Args[2:], c.Args[1], false) }
func sdiffstoreCommand(c *Ctx)  { stUnionDiff(c, c.Args[2:], c.Args[1], true) }

// stUnionOf builds the union of sets (nil entries are empty) as a new set, the
// way Redis does: starting from an empty intset.
func stUnionOf(c *Ctx, sets []Object) Object {
	var res Object = stNewIntset(2, 1)
	maxInts := stMaxInts(c.Limits())
	for _, s := range sets {
		if s == nil {
			continue
		}
		stEach(s, func(m stMember) bool {
			res, _ = stAddMember(res, m, maxInts)
			return true
		})
	}
	return res
}

// stUnionDiff is Redis's sunionDiffGenericCommand, including its choice
// between the two SDIFF algorithms (which decides the result's encoding when
// the first set is large: algorithm 2 adds all of it before removing).
func stUnionDiff(c *Ctx, keys [][]byte, dst []byte, diff bool) {
	var buf [4]Object
	sets, ok := stLoad(c, keys, buf[:0])
	if !ok {
		return
	}
	var res Object
	if !diff {
		res = stUnionOf(c, sets)
	} else {
		res = stNewIntset(2, 1)
		first := sets[0]
		sameset := false
		for _, s := range sets[1:] {
			if s == first {
				sameset = true
			}
		}
		if first != nil && !sameset {
			maxInts := stMaxInts(c.Limits())
			one, two := 0, 0
			for _, s := range sets {
				if s != nil {
					one += first.Len()
					two += s.Len()
				}
			}
			if one/2 <= two {
				// Algorithm 1: each member of the first set that no other has.
				stEach(first, func(m stMember) bool {
					for _, s := range sets[1:] {
						if s != nil && stHasMember(s, m) {
							return true
						}
					}
					res, _ = stAddMember(res, m, maxInts)
					return true
				})
			} else {
				// Algorithm 2: the first set, then remove the others' members.
				stEach(first, func(m stMember) bool {
					res, _ = stAddMember(res, m, maxInts)
					return true
				})
				for _, s := range sets[1:] {
					if s == nil {
						continue
					}
					stEach(s, func(m stMember) bool {
						res = stRemoveAny(res, m)
						return true
					})
					if res.Len() == 0 {
						break
					}
				}
			}
		}
	}
	if dst != nil {
		stStore(c, dst, res)
		return
	}
	stReplyAll(c, res)
}

// stRemoveAny removes a member yielded by another set's iteration from o.
func stRemoveAny(o Object, m stMember) Object {
	if m.isInt {
		switch s := o.(type) {
		case *stIntset:
			ns, _ := s.remove(m.v)
			return ns
		case *stHT:
			var buf [20]byte
			s.remove(strconv.AppendInt(buf[:0], m.v, 10))
			return s
		}
	}
	ns, _ := stRemove(o, stBytes(m.s))
	return ns
}

// ---- SSCAN ----

// stEmptyScan is Redis's shared.emptyscan.
const stEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n"

func sscanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(errInvalidCursor)
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeSet, true)
	if !ok {
		return
	}
	if e == nil {
		c.Out = append(c.Out, stEmptyScan...)
		return
	}
	so, ok := parseScanOptions(c, 3, false)
	if !ok {
		return
	}
	count, pat, usePat := so.count, so.pat, so.usePat
	o := stObj(e)
	h, isHT := o.(*stHT)
	if !isHT {
		// Compact encodings are returned whole, with cursor 0.
		is := o.(*stIntset)
		c.Array(2)
		c.BulkString("0")
		mark, n := len(c.Out), 0
		for i := 0; i < is.Len(); i++ {
			v := is.at(i)
			// The digits are formatted in c.Out's spare room (a stack buffer
			// would escape through glob.Match).
			if usePat && !glob.Match(pat, strconv.AppendInt(c.Out[len(c.Out):], v, 10), false) {
				continue
			}
			c.BulkInt(v)
			n++
		}
		stInsertHeader(c, mark, n, false)
		return
	}
	found := make([]string, 0, min(count, 1024))
	collect := func(e *Entry) { found = append(found, e.Key()) }
	for budget := count * 10; ; {
		cursor = h.d.Scan(cursor, collect)
		budget--
		if cursor == 0 || budget == 0 || int64(len(found)) >= count {
			break
		}
	}
	var buf [20]byte
	c.Array(2)
	c.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	mark, n := len(c.Out), 0
	for _, s := range found {
		if !usePat || glob.Match(pat, stBytes(s), false) {
			c.BulkString(s)
			n++
		}
	}
	stInsertHeader(c, mark, n, false)
}
