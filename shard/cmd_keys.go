package shard

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/duva-db/duva/internal/glob"
)

// Keyspace commands (Redis 7.0's db.c, expire.c and object.c semantics).
//
// Commands that look at the whole keyspace (KEYS, SCAN, DBSIZE, RANDOMKEY,
// FLUSHDB, FLUSHALL, SWAPDB) are RouteAll: the worker holds every shard while
// they run. Multi-key commands (DEL, RENAME, COPY...) hold the shards of their
// keys, so an entry can move from one shard's table to another's atomically.

func init() {
	register(
		&Command{Name: "del", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Delete a key", Since: "1.0.0", Exec: delCommand},
		&Command{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Since: "4.0.0", Exec: delCommand},
		&Command{Name: "exists", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Determine if a key exists", Since: "1.0.0", Exec: existsCommand},
		&Command{Name: "touch", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Since: "3.2.1", Exec: existsCommand},
		&Command{Name: "type", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Determine the type stored at key", Since: "1.0.0", Exec: typeCommand},
		&Command{Name: "keys", Arity: 2, Flags: FlagReadonly, Route: RouteAll, Group: "generic", Summary: "Find all keys matching the given pattern", Since: "1.0.0", Exec: keysCommand},
		&Command{Name: "scan", Arity: -2, Flags: FlagReadonly, Route: RouteAll, Group: "generic", Summary: "Incrementally iterate the keys space", Since: "2.8.0", Exec: scanCommand},
		&Command{Name: "randomkey", Arity: 1, Flags: FlagReadonly, Route: RouteAll, Group: "generic", Summary: "Return a random key from the keyspace", Since: "1.0.0", Exec: randomkeyCommand},
		&Command{Name: "rename", Arity: 3, Flags: FlagWrite, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Rename a key", Since: "1.0.0", Exec: renameCommand},
		&Command{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Rename a key, only if the new key does not exist", Since: "1.0.0", Exec: renamenxCommand},
		&Command{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Move a key to another database", Since: "1.0.0", Exec: moveCommand},
		&Command{Name: "copy", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Copy a key", Since: "6.2.0", Exec: copyCommand},
		&Command{Name: "expire", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Set a key's time to live in seconds", Since: "1.0.0", Exec: expireCommand},
		&Command{Name: "pexpire", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Set a key's time to live in milliseconds", Since: "2.6.0", Exec: pexpireCommand},
		&Command{Name: "expireat", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Set the expiration for a key as a UNIX timestamp", Since: "1.2.0", Exec: expireatCommand},
		&Command{Name: "pexpireat", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", Since: "2.6.0", Exec: pexpireatCommand},
		&Command{Name: "ttl", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Get the time to live for a key in seconds", Since: "1.0.0", Exec: ttlCommand},
		&Command{Name: "pttl", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Get the time to live for a key in milliseconds", Since: "2.6.0", Exec: pttlCommand},
		&Command{Name: "expiretime", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Get the expiration Unix timestamp for a key", Since: "7.0.0", Exec: expiretimeCommand},
		&Command{Name: "pexpiretime", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Get the expiration Unix timestamp for a key in milliseconds", Since: "7.0.0", Exec: pexpiretimeCommand},
		&Command{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Remove the expiration from a key", Since: "2.2.0", Exec: persistCommand},
		&Command{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, Route: RouteAll, Group: "server", Summary: "Return the number of keys in the selected database", Since: "1.0.0", Exec: dbsizeCommand},
		&Command{Name: "flushdb", Arity: -1, Flags: FlagWrite, Route: RouteAll, Group: "server", Summary: "Remove all keys from the current database", Since: "1.0.0", Exec: flushdbCommand},
		&Command{Name: "flushall", Arity: -1, Flags: FlagWrite, Route: RouteAll, Group: "server", Summary: "Remove all keys from all databases", Since: "1.0.0", Exec: flushallCommand},
		&Command{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast, Route: RouteAll, Group: "server", Summary: "Swaps two Redis databases", Since: "4.0.0", Exec: swapdbCommand},
		&Command{Name: "object", Arity: -2, Group: "generic", Summary: "A container for object introspection commands", Since: "2.2.3",
			Exec: func(c *Ctx) { c.Out = appendUnknownSubcommand(c.Out, c.Args[1], "object") },
			Sub: map[string]*Command{
				"encoding": {Arity: 3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Summary: "Inspect the internal encoding of a Redis object", Since: "2.2.3", Exec: objectEncodingCommand},
				"refcount": {Arity: 3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Summary: "Get the number of references to the value of the key", Since: "2.2.3", Exec: objectRefcountCommand},
				"idletime": {Arity: 3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Summary: "Get the time since a Redis object was last accessed", Since: "2.2.3", Exec: objectIdletimeCommand},
				"freq":     {Arity: 3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Summary: "Get the logarithmic access frequency counter of a Redis object", Since: "4.0.0", Exec: objectFreqCommand},
				"help":     {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "6.2.0", Exec: objectHelpCommand},
			}},
	)
}

// Error texts of this file that errors.go does not have.
const (
	errSameObject      = "ERR source and destination objects are the same"
	errNXXXGTLT        = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errGTLT            = "ERR GT and LT options at the same time are not compatible"
	errFirstDBIndex    = "ERR invalid first DB index"
	errSecondDBIndex   = "ERR invalid second DB index"
	errFreqNotTracked  = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errIdleNotTracked  = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errCopyUnsupported = "ERR COPY is not supported for this type"
	errInvalidCursor   = "ERR invalid cursor"
)

// Optional behaviour of the values of non-string types (Entry.Obj). The packages
// that implement lists, sets, hashes... may provide these; without them COPY
// refuses the key, OBJECT ENCODING reports Redis's usual encoding for the type
// and MEMORY USAGE counts the entry only.
type (
	objCloner   interface{ Clone() any }                    // deep copy, for COPY
	objEncoder  interface{ Encoding() string }              // OBJECT ENCODING
	objMemSizer interface{ MemoryUsage(samples int) int64 } // MEMORY USAGE: bytes of the value
)

// ---- helpers ----

// lookupDB is Ctx.Lookup in database db instead of the selected one.
func lookupDB(c *Ctx, db int, key []byte) *Entry { return c.lookupIn(c.shardOf(key), db, key) }

// typeName is TYPE's answer for an entry.
func typeName(e *Entry) string {
	switch e.Type {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	}
	return "none"
}

// isExpired reports whether e's TTL has passed at the command's time.
func isExpired(c *Ctx, e *Entry) bool { return e.Expire() != 0 && e.Expire() <= c.Now }

// alreadyExpired is Redis's checkAlreadyExpired: an expiry time that has passed
// deletes the key at once, except while loading, where the command only sets
// it (an AOF's RDB base keeps expired keys, and a later command of the AOF may
// still need them, say a PERSIST).
func (c *Ctx) alreadyExpired(when int64) bool {
	return when <= c.Now && (c.Client == nil || !c.Client.loader)
}

// errIntRange is getIntFromObjectOrReply's error for an integer beyond a C int.
const errIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// parseDBIndex parses a database number as Redis's getIntFromObject: a
// string2ll integer (isInt) that fits in a C int (ok).
func parseDBIndex(b []byte) (n int, isInt, ok bool) {
	v, isInt := parseInt(b)
	if !isInt || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, isInt, false
	}
	return int(v), true, true
}

// configValue reads one configuration parameter ("" if unknown).
func configValue(c *Ctx, name string) string {
	if kv := c.e.Config.Get(name); len(kv) == 1 {
		return kv[0][1]
	}
	return ""
}

// ---- DEL, EXISTS, TYPE ----

func delCommand(c *Ctx) {
	n := 0
	for _, key := range c.Args[1:] {
		if c.Remove(key) {
			n++
		}
	}
	c.Int(int64(n))
}

// existsCommand is EXISTS and TOUCH: the number of live keys, repeats counted.
// (duva keeps no access time, so TOUCH has nothing else to do.)
func existsCommand(c *Ctx) {
	n := 0
	for _, key := range c.Args[1:] {
		if c.LookupRead(key) != nil {
			n++
		}
	}
	c.Int(int64(n))
}

func typeCommand(c *Ctx) {
	e := c.LookupRead(c.Args[1])
	if e == nil {
		c.Simple("none")
		return
	}
	c.Simple(typeName(e))
}

// ---- KEYS, SCAN, RANDOMKEY, DBSIZE ----

func keysCommand(c *Ctx) {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	spat := string(pat)
	var keys []string
	for _, s := range c.e.shards {
		s.dbs[c.db].ForEach(func(e *Entry) bool {
			// Like Redis, expired keys are skipped but not deleted here.
			if (all || glob.MatchString(spat, e.Key(), false)) && !isExpired(c, e) {
				keys = append(keys, e.Key())
			}
			return true
		})
	}
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

// SCAN cursors. Each shard's table is scanned with Redis's reverse-binary
// cursor (Dict.Scan), one shard after the other. The client's cursor carries
// both: cursor = tableCursor*nshards + shard. With one shard it is exactly
// Redis's cursor. A table cursor never exceeds the table's size, so the product
// cannot overflow. Every key present for a whole scan is returned at least
// once: each table's scan has that guarantee, and the shards are visited in turn.

// parseScanCursor parses a cursor as Redis does with strtoul: an optional sign
// (a negative number wraps around), decimal digits, nothing else; an empty
// string is 0. Like C, it stops at a NUL byte.
func parseScanCursor(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions are the SCAN family's options: COUNT (default 10), MATCH, and
// TYPE for SCAN itself.
type scanOptions struct {
	count    int64
	pat, typ []byte
	usePat   bool // a MATCH other than "*"
}

// parseScanOptions reads the options in c.Args[from:] as Redis's
// scanGenericCommand does; it replies the error and returns false on bad input.
func parseScanOptions(c *Ctx, from int, allowType bool) (scanOptions, bool) {
	o := scanOptions{count: 10}
	for i := from; i < len(c.Args); i += 2 {
		opt := c.Args[i]
		more := i+1 < len(c.Args)
		switch {
		case argIs(opt, "COUNT") && more:
			n, ok := parseInt(c.Args[i+1])
			if !ok {
				c.NotInteger()
				return o, false
			}
			if n < 1 {
				c.SyntaxError()
				return o, false
			}
			o.count = n
		case argIs(opt, "MATCH") && more:
			o.pat = c.Args[i+1]
			o.usePat = !(len(o.pat) == 1 && o.pat[0] == '*')
		case allowType && argIs(opt, "TYPE") && more:
			o.typ = c.Args[i+1]
		default:
			c.SyntaxError()
			return o, false
		}
	}
	return o, true
}

func scanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[1])
	if !ok {
		c.Error(errInvalidCursor)
		return
	}
	o, ok := parseScanOptions(c, 2, true)
	if !ok {
		return
	}
	count, pat, typ, usePat := o.count, o.pat, o.typ, o.usePat

	nshards := uint64(len(c.e.shards))
	shard := cursor % nshards
	tc := cursor / nshards
	found := make([]*Entry, 0, min(count, 1024))
	collect := func(e *Entry) { found = append(found, e) }
	// Redis's loop: scan table buckets until count keys were seen, giving up
	// after 10*count buckets (sparse tables), or until the scan is complete.
	for budget := count * 10; ; {
		tc = c.e.shards[shard].dbs[c.db].Scan(tc, collect)
		if tc == 0 {
			shard++
			if shard == nshards {
				shard = 0 // complete: cursor 0
				break
			}
		}
		budget--
		if budget == 0 || int64(len(found)) >= count {
			break
		}
	}
	next := tc*nshards + shard

	spat, styp := string(pat), string(typ)
	keep := found[:0]
	for _, e := range found {
		if usePat && !glob.MatchString(spat, e.Key(), false) {
			continue
		}
		if typ != nil && !strings.EqualFold(styp, typeName(e)) {
			continue
		}
		if isExpired(c, e) {
			c.Lookup([]byte(e.Key())) // lazy expiry, as Redis's SCAN does
			continue
		}
		keep = append(keep, e)
	}
	c.Array(2)
	var buf [20]byte
	c.Bulk(strconv.AppendUint(buf[:0], next, 10))
	c.Array(len(keep))
	for _, e := range keep {
		c.BulkString(e.Key())
	}
}

func randomkeyCommand(c *Ctx) {
	rnd := c.e.shards[0]
	// Each expired pick deletes a key, so this ends; the bound only guards
	// against a table that reports keys but returns none.
	for tries := 0; tries < 1000; tries++ {
		total := 0
		for _, s := range c.e.shards {
			total += s.dbs[c.db].Len()
		}
		if total == 0 {
			break
		}
		// Pick a shard with probability proportional to its size, then a key in it.
		r := int(rnd.nextRand() % uint64(total))
		var s *Shard
		for _, s = range c.e.shards {
			if n := s.dbs[c.db].Len(); r < n {
				break
			} else {
				r -= n
			}
		}
		e := s.dbs[c.db].RandomEntry(s.nextRand)
		if e == nil {
			continue
		}
		if isExpired(c, e) {
			c.Lookup([]byte(e.Key()))
			continue
		}
		c.BulkString(e.Key())
		return
	}
	c.Null()
}

func dbsizeCommand(c *Ctx) {
	n := 0
	for _, s := range c.e.shards {
		n += s.dbs[c.db].Len()
	}
	c.Int(int64(n))
}

// ---- RENAME, RENAMENX, COPY ----

func renameCommand(c *Ctx)   { renameGeneric(c, false) }
func renamenxCommand(c *Ctx) { renameGeneric(c, true) }

func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.Args[1], c.Args[2]
	e := c.Lookup(src)
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.Int(0)
		} else {
			c.OK()
		}
		return
	}
	dd := c.dict(dst)
	if c.Lookup(dst) != nil {
		if nx {
			c.Int(0)
			return
		}
		dd.Delete(dst)
	}
	// Take the value out before touching the tables: the entry is gone after Delete.
	v := takeValue(e)
	c.dict(src).Delete(src)
	v.insert(dd, dst)
	c.Dirty(1)
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

func copyCommand(c *Ctx) {
	src, dst := c.Args[1], c.Args[2]
	dstDB := c.db
	replace := false
	for j := 3; j < len(c.Args); j++ {
		switch {
		case argIs(c.Args[j], "REPLACE"):
			replace = true
		case argIs(c.Args[j], "DB") && j+1 < len(c.Args):
			n, isInt, ok := parseDBIndex(c.Args[j+1])
			if !isInt {
				c.NotInteger()
				return
			}
			if !ok {
				c.Error(errIntRange)
				return
			}
			if n < 0 || n >= c.e.ndb {
				c.Error(ErrDBIndex)
				return
			}
			if c.e.clusterOn && n != 0 {
				c.Error("ERR Copying to another database is not allowed in cluster mode")
				return
			}
			dstDB = n
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	if dstDB == c.db && bytes.Equal(src, dst) {
		c.Error(errSameObject)
		return
	}
	e := c.LookupRead(src)
	if e == nil {
		c.Int(0)
		return
	}
	exists := lookupDB(c, dstDB, dst) != nil
	if exists && !replace {
		c.Int(0)
		return
	}
	var obj any
	if e.Obj() != nil {
		cl, ok := e.Obj().(objCloner)
		if !ok {
			c.Error(errCopyUnsupported)
			return
		}
		obj = cl.Clone()
	}
	v := takeValue(e)
	v.obj = obj                                 // a clone
	v.meta = newKeyMeta(c.e.memPolicy(), c.Now) // a new object, as Redis's COPY makes
	dd := c.shardOf(dst).dbs[dstDB]
	if exists {
		dd.Delete(dst)
	}
	v.insert(dd, dst)
	c.Dirty(1)
	c.Int(1)
}

// keyValue is what RENAME, MOVE and COPY carry from one entry to another.
type keyValue struct {
	typ, enc uint8
	str      []byte // a view of the old entry's blob: the keyspace keeps it until Reclaim
	obj      any
	expire   int64
	meta     uint32 // LRU/LFU data (Redis keeps the object, so its lru, on RENAME and MOVE)
}

func takeValue(e *Entry) keyValue {
	return keyValue{e.Type, e.Enc, e.Str(), e.Obj(), e.Expire(), e.meta & entryLRUMask}
}

// insert adds key (absent) to d holding v.
func (v keyValue) insert(d *Dict, key []byte) *Entry {
	ne := d.InsertStr(key, v.str)
	ne.Type, ne.Enc = v.typ, v.enc
	ne.meta |= v.meta
	if v.obj != nil {
		ne.SetObj(v.obj)
	}
	if v.expire != 0 {
		d.SetExpire(ne, v.expire)
	}
	return ne
}

// moveCommand: MOVE key db. The key stays on its shard (same name, same
// slot), only its database changes, so the entry moves without a copy.
func moveCommand(c *Ctx) {
	if c.e.clusterOn {
		c.Error("ERR MOVE is not allowed in cluster mode")
		return
	}
	n, isInt, ok := parseDBIndex(c.Args[2])
	if !isInt {
		c.NotInteger()
		return
	}
	if !ok || n < 0 || n >= c.e.ndb {
		c.Error(ErrDBIndex)
		return
	}
	if n == c.db {
		c.Error(errSameObject)
		return
	}
	key := c.Args[1]
	e := c.Lookup(key)
	if e == nil || lookupDB(c, n, key) != nil {
		c.Int(0)
		return
	}
	v := takeValue(e)
	s := c.shardOf(key)
	s.dbs[c.db].Delete(key)
	v.insert(s.dbs[n], key)
	c.Dirty(1)
	c.Int(1)
}

// ---- EXPIRE family, TTL family, PERSIST ----

const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

func expireCommand(c *Ctx)    { expireGeneric(c, c.Now, true) }
func pexpireCommand(c *Ctx)   { expireGeneric(c, c.Now, false) }
func expireatCommand(c *Ctx)  { expireGeneric(c, 0, true) }
func pexpireatCommand(c *Ctx) { expireGeneric(c, 0, false) }

// expireGeneric is Redis's expireGenericCommand: the TTL argument is relative
// to base (0 for the *AT forms), in seconds or milliseconds.
func expireGeneric(c *Ctx, base int64, seconds bool) {
	key := c.Args[1]
	flags := 0
	for _, opt := range c.Args[3:] {
		switch {
		case argIs(opt, "NX"):
			flags |= expNX
		case argIs(opt, "XX"):
			flags |= expXX
		case argIs(opt, "GT"):
			flags |= expGT
		case argIs(opt, "LT"):
			flags |= expLT
		default:
			c.Error("ERR Unsupported option " + string(opt))
			return
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		c.Error(errNXXXGTLT)
		return
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		c.Error(errGTLT)
		return
	}
	when, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			invalidExpire(c)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		invalidExpire(c)
		return
	}
	when += base

	e := c.Lookup(key)
	if e == nil {
		c.Int(0)
		return
	}
	if flags != 0 {
		cur := e.Expire() // 0: no TTL, which GT and LT treat as infinite
		switch {
		case flags&expNX != 0 && cur != 0,
			flags&expXX != 0 && cur == 0,
			flags&expGT != 0 && (cur == 0 || when <= cur),
			flags&expLT != 0 && cur != 0 && when >= cur:
			c.Int(0)
			return
		}
	}
	if c.alreadyExpired(when) {
		c.Remove(key) // a time in the past deletes the key
		c.Rewrite(bDEL, key)
	} else {
		c.SetExpire(key, e, when)
		c.Dirty(1)
		c.rewriteExpireAt(key, when)
	}
	c.Int(1)
}

func ttlCommand(c *Ctx)         { ttlGeneric(c, false, false) }
func pttlCommand(c *Ctx)        { ttlGeneric(c, true, false) }
func expiretimeCommand(c *Ctx)  { ttlGeneric(c, false, true) }
func pexpiretimeCommand(c *Ctx) { ttlGeneric(c, true, true) }

// ttlGeneric answers -2 for a missing key, -1 without TTL, else the remaining
// time (or the absolute expiry time), in seconds rounded to nearest or in ms.
func ttlGeneric(c *Ctx, ms, abs bool) {
	e := c.LookupRead(c.Args[1])
	if e == nil {
		c.Int(-2)
		return
	}
	if e.Expire() == 0 {
		c.Int(-1)
		return
	}
	t := e.Expire()
	if !abs {
		t -= c.Now
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		// Rounded to the nearest second; unsigned like the C code's result for
		// a time near the int64 limit.
		t = int64((uint64(t) + 500) / 1000)
	}
	c.Int(t)
}

func persistCommand(c *Ctx) {
	key := c.Args[1]
	e := c.Lookup(key)
	if e == nil || e.Expire() == 0 {
		c.Int(0)
		return
	}
	c.SetExpire(key, e, 0)
	c.Dirty(1)
	c.Int(1)
}

// ---- FLUSHDB, FLUSHALL, SWAPDB ----

// flushArgsOK accepts no argument, SYNC or ASYNC (duva always frees at once:
// the garbage collector does the freeing in the background anyway).
func flushArgsOK(c *Ctx) bool {
	switch {
	case len(c.Args) == 1:
	case len(c.Args) == 2 && (argIs(c.Args[1], "SYNC") || argIs(c.Args[1], "ASYNC")):
	default:
		c.SyntaxError()
		return false
	}
	return true
}

func flushdbCommand(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	n := 0
	for _, s := range c.e.shards {
		n += s.dbs[c.db].Len()
		old := s.dbs[c.db]
		s.flushDB(c.db)
		s.keepSlotCounts(c.db, old)
	}
	c.Dirty(n)
	c.OK()
}

func flushallCommand(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	n := 0
	for _, s := range c.e.shards {
		for db, d := range s.dbs {
			n += d.Len()
			s.flushDB(db)
			s.keepSlotCounts(db, d)
		}
	}
	c.Dirty(n + 1)
	c.OK()
	// As Redis: with save points set, the dump follows at once, so a restart
	// does not bring the flushed data back. (A BGSAVE after this command; it
	// cannot start here, while this command holds every shard.)
	if c.e.persist.ready.Load() && len(c.e.Config.SaveParams()) > 0 {
		go c.e.saveSoon()
	}
}

func swapdbCommand(c *Ctx) {
	if c.e.clusterOn {
		c.Error("ERR SWAPDB is not allowed in cluster mode")
		return
	}
	a, _, ok := parseDBIndex(c.Args[1])
	if !ok {
		c.Error(errFirstDBIndex)
		return
	}
	b, _, ok := parseDBIndex(c.Args[2])
	if !ok {
		c.Error(errSecondDBIndex)
		return
	}
	if a < 0 || a >= c.e.ndb || b < 0 || b >= c.e.ndb {
		c.Error(ErrDBIndex)
		return
	}
	if a != b {
		for _, s := range c.e.shards {
			s.dbs[a], s.dbs[b] = s.dbs[b], s.dbs[a]
		}
	}
	c.Dirty(1)
	c.OK()
}

// ---- OBJECT ----

// stringEncoding is the encoding Redis would report for a string value:
// "int" for a canonical int64 (what tryObjectEncoding converts), "embstr" up to
// 44 bytes, "raw" above; Entry.Enc records values Redis builds differently
// (APPEND and SETRANGE make raw strings, INCRBYFLOAT never an int).
func stringEncoding(v []byte, enc uint8) string {
	if enc == EncRaw {
		return "raw"
	}
	if len(v) <= 20 && enc == EncAuto {
		if _, ok := parseInt(v); ok {
			return "int"
		}
	}
	if len(v) <= 44 {
		return "embstr"
	}
	return "raw"
}

func objectEncodingCommand(c *Ctx) {
	e := c.LookupRead(c.Args[2])
	if e == nil {
		c.Null()
		return
	}
	if e.Type == TypeString {
		c.BulkString(stringEncoding(e.Str(), e.Enc))
		return
	}
	if enc, ok := e.Obj().(objEncoder); ok {
		c.BulkString(enc.Encoding())
		return
	}
	switch e.Type {
	case TypeList:
		c.BulkString("quicklist")
	case TypeZSet:
		c.BulkString("skiplist")
	default:
		c.BulkString("hashtable")
	}
}

func objectRefcountCommand(c *Ctx) {
	e := c.LookupRead(c.Args[2])
	if e == nil {
		c.Null()
		return
	}
	// Redis shares the objects of the integers 0..9999 (refcount INT_MAX) unless
	// maxmemory is set with an LRU/LFU policy. Every other value has one reference.
	if e.Type == TypeString && len(e.Str()) <= 4 {
		if n, ok := parseInt(e.Str()); ok && n >= 0 && n < 10000 && !noSharedIntegers(c) {
			c.Int(math.MaxInt32)
			return
		}
	}
	c.Int(1)
}

// noSharedIntegers is Redis's MAXMEMORY_FLAG_NO_SHARED_INTEGERS test.
func noSharedIntegers(c *Ctx) bool {
	if mm := configValue(c, "maxmemory"); mm == "" || mm == "0" {
		return false
	}
	p := configValue(c, "maxmemory-policy")
	return strings.Contains(p, "lru") || strings.Contains(p, "lfu")
}

func lfuPolicy(c *Ctx) bool { return c.e.memPolicy().lfu }

// objectIdletimeCommand: seconds since the key's last access (Redis's
// estimateObjectIdleTime), from the 24-bit LRU clock.
func objectIdletimeCommand(c *Ctx) {
	e := c.LookupRead(c.Args[2])
	if e == nil {
		c.Null()
		return
	}
	if lfuPolicy(c) {
		c.Error(errIdleNotTracked)
		return
	}
	c.Int(idleMs(e.meta&entryLRUMask, c.Now) / 1000)
}

// objectFreqCommand: the key's logarithmic access counter after decay (Redis's
// LFUDecrAndReturn).
func objectFreqCommand(c *Ctx) {
	e := c.LookupRead(c.Args[2])
	if e == nil {
		c.Null()
		return
	}
	if !lfuPolicy(c) {
		c.Error(errFreqNotTracked)
		return
	}
	c.Int(int64(lfuDecr(e.meta&entryLRUMask, c.e.memPolicy(), c.Now)))
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

func objectHelpCommand(c *Ctx) {
	c.Lines(objectHelp)
}

// ---- MEMORY USAGE ----

// MEMORY USAGE: what the key costs its table (Entry.memUsage: record, bucket slot,
// key and value bytes at their size class, TTL slot) plus what the value of a
// collection reports.
func memoryUsageCommand(c *Ctx) {
	samples := int64(5) // Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES
	for j := 3; j < len(c.Args); j++ {
		if argIs(c.Args[j], "SAMPLES") && j+1 < len(c.Args) {
			n, ok := parseInt(c.Args[j+1])
			if !ok {
				c.NotInteger()
				return
			}
			if n < 0 {
				c.SyntaxError()
				return
			}
			if n == 0 {
				n = math.MaxInt64
			}
			samples = n
			j++
		} else {
			c.SyntaxError()
			return
		}
	}
	// Like Redis (dbFind), no lazy expiry here.
	key := c.Args[2]
	e := c.dict(key).Get(key)
	if e == nil {
		c.Null()
		return
	}
	usage := e.memUsage()
	if m, ok := e.Obj().(objMemSizer); ok {
		s := samples
		if s > math.MaxInt32 {
			s = math.MaxInt32
		}
		usage += m.MemoryUsage(int(s))
	}
	c.Int(usage)
}
