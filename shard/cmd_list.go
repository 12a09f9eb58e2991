package shard

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// List commands (Redis 7.0's t_list.c semantics, replies byte for byte).
//
// The value is an *lstList (list.go). Emptied lists are deleted, so a list key
// always has elements; creating one (CreateObject) wakes clients blocked on it.
// The blocking commands first try to serve like their non-blocking forms and
// otherwise Block (blocking.go); a rerun starts from the top again.

func init() {
	register(
		&Command{Name: "lpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Prepend one or multiple elements to a list", Since: "1.0.0", Exec: lpushCommand},
		&Command{Name: "rpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Append one or multiple elements to a list", Since: "1.0.0", Exec: rpushCommand},
		&Command{Name: "lpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Prepend an element to a list, only if the list exists", Since: "2.2.0", Exec: lpushxCommand},
		&Command{Name: "rpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Append an element to a list, only if the list exists", Since: "2.2.0", Exec: rpushxCommand},
		&Command{Name: "lpop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Remove and get the first elements in a list", Since: "1.0.0", Exec: lpopCommand},
		&Command{Name: "rpop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Remove and get the last elements in a list", Since: "1.0.0", Exec: rpopCommand},
		&Command{Name: "llen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Get the length of a list", Since: "1.0.0", Exec: llenCommand},
		&Command{Name: "lrange", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Get a range of elements from a list", Since: "1.0.0", Exec: lrangeCommand},
		&Command{Name: "lindex", Arity: 3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Get an element from a list by its index", Since: "1.0.0", Exec: lindexCommand},
		&Command{Name: "lset", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Set the value of an element in a list by its index", Since: "1.0.0", Exec: lsetCommand},
		&Command{Name: "lrem", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Remove elements from a list", Since: "1.0.0", Exec: lremCommand},
		&Command{Name: "ltrim", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Trim a list to the specified range", Since: "1.0.0", Exec: ltrimCommand},
		&Command{Name: "linsert", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Insert an element before or after another element in a list", Since: "2.2.0", Exec: linsertCommand},
		&Command{Name: "lpos", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Return the index of matching elements on a list", Since: "6.0.6", Exec: lposCommand},
		&Command{Name: "lmove", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Pop an element from a list, push it to another list and return it", Since: "6.2.0", Exec: lmoveCommand},
		&Command{Name: "rpoplpush", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Remove the last element in a list, prepend it to another list and return it", Since: "1.2.0", Exec: rpoplpushCommand},
		&Command{Name: "lmpop", Arity: -4, Flags: FlagWrite, Keys: lstNumkeysKeys(1), Group: "list", Summary: "Pop elements from a list", Since: "7.0.0", Exec: lmpopCommand},
		&Command{Name: "blpop", Arity: -3, Flags: FlagWrite | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Summary: "Remove and get the first element in a list, or block until one is available", Since: "2.0.0", Exec: blpopCommand},
		&Command{Name: "brpop", Arity: -3, Flags: FlagWrite | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Summary: "Remove and get the last element in a list, or block until one is available", Since: "2.0.0", Exec: brpopCommand},
		&Command{Name: "blmove", Arity: 6, Flags: FlagWrite | FlagDenyOOM | FlagNoScript, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Since: "6.2.0", Exec: blmoveCommand},
		&Command{Name: "brpoplpush", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagNoScript, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Since: "2.2.0", Exec: brpoplpushCommand},
		&Command{Name: "blmpop", Arity: -5, Flags: FlagWrite, Keys: lstNumkeysKeys(2), Group: "list", Summary: "Pop elements from a list, or block until one is available", Since: "7.0.0", Exec: blmpopCommand},
	)
	for name, m := range lstMeta {
		c := commandTable[name]
		c.infoFlags, c.ACL, c.Tips, c.Specs = m.flags, m.acl, m.tips, m.specs
	}
}

// lstMeta is what COMMAND INFO shows of the list commands beyond arity and
// key positions, from redis-server 7.0.15 (redis-cli --json COMMAND INFO).
//
// LMPOP's and BLMPOP's key specs are "keynum" specs (begin_search index 1 / 2,
// find_keys keynum {keynumidx 0, firstkey 1, keystep 1}), which KeySpec cannot
// express yet: they are left empty.
var lstMeta = map[string]struct {
	flags []string
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"lpush":      {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Step: 1}}},
	"rpush":      {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Step: 1}}},
	"lpushx":     {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Step: 1}}},
	"rpushx":     {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Step: 1}}},
	"lpop":       {flags: []string{"write", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}}},
	"rpop":       {flags: []string{"write", "fast"}, acl: []string{"@write", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}}},
	"llen":       {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@list", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Step: 1}}},
	"lrange":     {flags: []string{"readonly"}, acl: []string{"@read", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Step: 1}}},
	"lindex":     {flags: []string{"readonly"}, acl: []string{"@read", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Step: 1}}},
	"lset":       {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Step: 1}}},
	"lrem":       {flags: []string{"write"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Step: 1}}},
	"ltrim":      {flags: []string{"write"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Step: 1}}},
	"linsert":    {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Step: 1}}},
	"lpos":       {flags: []string{"readonly"}, acl: []string{"@read", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Step: 1}}},
	"lmove":      {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}, {Flags: []string{"RW", "insert"}, Index: 2, Step: 1}}},
	"rpoplpush":  {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@list", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}, {Flags: []string{"RW", "insert"}, Index: 2, Step: 1}}},
	"lmpop":      {flags: []string{"write", "movablekeys"}, acl: []string{"@write", "@list", "@slow"}},
	"blpop":      {flags: []string{"write", "noscript", "blocking"}, acl: []string{"@write", "@list", "@slow", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: -2, Step: 1}}},
	"brpop":      {flags: []string{"write", "noscript", "blocking"}, acl: []string{"@write", "@list", "@slow", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: -2, Step: 1}}},
	"blmove":     {flags: []string{"write", "denyoom", "noscript", "blocking"}, acl: []string{"@write", "@list", "@slow", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}, {Flags: []string{"RW", "insert"}, Index: 2, Step: 1}}},
	"brpoplpush": {flags: []string{"write", "denyoom", "noscript", "blocking"}, acl: []string{"@write", "@list", "@slow", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Step: 1}, {Flags: []string{"RW", "insert"}, Index: 2, Step: 1}}},
	"blmpop":     {flags: []string{"write", "blocking", "movablekeys"}, acl: []string{"@write", "@list", "@slow", "@blocking"}},
}

// Error texts of the list commands.
const (
	lstErrPositive   = "ERR value is out of range, must be positive"
	lstErrIndexRange = "ERR index out of range"
	lstErrRankZero   = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	lstErrCountNeg   = "ERR COUNT can't be negative"
	lstErrMaxlenNeg  = "ERR MAXLEN can't be negative"
	lstErrNumkeys    = "ERR numkeys should be greater than 0"
	lstErrCountZero  = "ERR count should be greater than 0"
)

// lstNumkeysKeys gives the key positions of LMPOP (numkeys at argument 1) and
// BLMPOP (at 2) as Redis's COMMAND GETKEYS does: the keynum key spec (a
// string2ll count, truncated to a C int), falling back to genericGetKeys (an
// atoi count) when the spec does not fit the arguments. The handler touches
// keys only when the count is valid and every key is present, a subset of this.
func lstNumkeysKeys(numIdx int) func(args [][]byte, dst []int) []int {
	return func(args [][]byte, dst []int) []int {
		if numIdx >= len(args) {
			return dst
		}
		first := numIdx + 1
		if n, ok := parseInt(args[numIdx]); ok && n >= 0 {
			last := first + int(int32(n)) - 1
			if last < len(args) && last >= first {
				for i := first; i <= last; i++ {
					dst = append(dst, i)
				}
				return dst
			}
		}
		n := lstAtoi(args[numIdx])
		if n < 1 || n > len(args)-first {
			return dst
		}
		for i := first; i < first+n; i++ {
			dst = append(dst, i)
		}
		return dst
	}
}

// lstAtoi is C's atoi as glibc has it: (int)strtol(s, NULL, 10), which skips
// leading white space, takes a sign and digits, and saturates on overflow.
func lstAtoi(s []byte) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v uint64
	over := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + uint64(s[i]-'0')
		if v > 1<<63 {
			over = true
			v = 1 << 63
		}
	}
	var l int64
	switch {
	case neg:
		l = -int64(v) // 1<<63 wraps to MinInt64, strtol's LONG_MIN
	case over || v >= 1<<63:
		l = math.MaxInt64
	default:
		l = int64(v)
	}
	return int(int32(l))
}

// lstOf returns e's list. A list entry without a value (made by tests that
// build keys directly) is given an empty one.
func lstOf(e *Entry) *lstList {
	if l, ok := e.Obj().(*lstList); ok {
		return l
	}
	l := newLstList()
	e.SetObj(l)
	return l
}

func lstLimits(c *Ctx) lstLimit { return lstLimitFor(c.Limits().ListMaxListpackSize) }

// lstLookup finds a list to pop from: nil when the key is missing (or an
// empty list); ok is false after a WRONGTYPE reply.
func lstLookup(c *Ctx, key []byte) (*Entry, *lstList, bool) {
	e, ok := c.LookupType(key, TypeList, false)
	if !ok || e == nil {
		return nil, nil, ok
	}
	l := lstOf(e)
	if l.count == 0 {
		return nil, nil, true
	}
	return e, l, true
}

// ---- push ----

func lpushCommand(c *Ctx)  { lstPush(c, true, false) }
func rpushCommand(c *Ctx)  { lstPush(c, false, false) }
func lpushxCommand(c *Ctx) { lstPush(c, true, true) }
func rpushxCommand(c *Ctx) { lstPush(c, false, true) }

func lstPush(c *Ctx, head, onlyExisting bool) {
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeList, false)
	if !ok {
		return
	}
	var l *lstList
	if e == nil {
		if onlyExisting {
			c.Int(0)
			return
		}
		l = newLstList()
	} else {
		l = lstOf(e)
	}
	lim := lstLimits(c)
	vals := c.Args[2:]
	for _, v := range vals {
		if head {
			l.pushHead(v, lim)
		} else {
			l.pushTail(v, lim)
		}
	}
	if e == nil {
		c.CreateObject(key, TypeList, l) // counts one change
		c.Dirty(len(vals) - 1)
	} else {
		c.Dirty(len(vals))
	}
	c.Int(int64(l.count))
}

// ---- pop ----

func lpopCommand(c *Ctx) { lstPop(c, true) }
func rpopCommand(c *Ctx) { lstPop(c, false) }

// lstPop is LPOP/RPOP key [count]: a bulk string without a count, an array
// with one; a missing key is a null of the matching shape.
func lstPop(c *Ctx, head bool) {
	if len(c.Args) > 3 {
		c.ArityError()
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		n, ok := parseInt(c.Args[2])
		if !ok || n < 0 {
			c.Error(lstErrPositive)
			return
		}
		count = n
	}
	key := c.Args[1]
	e, l, ok := lstLookup(c, key)
	if !ok {
		return
	}
	if e == nil {
		if hasCount {
			c.NullArray()
		} else {
			c.Null()
		}
		return
	}
	if !hasCount {
		if head {
			c.Bulk(l.popHead())
		} else {
			c.Bulk(l.popTail())
		}
		c.Dirty(1)
	} else {
		n := int(min(count, int64(l.count)))
		lstPopRange(c, l, head, n)
	}
	c.DeleteIfEmpty(key, e)
}

// lstPopRange replies with an array of the n elements at the head (in order)
// or at the tail (last first) and removes them.
func lstPopRange(c *Ctx, l *lstList, head bool, n int) {
	c.Array(n)
	if head {
		c.Out = l.appendRange(c.Out, 0, n, false)
		l.delRange(0, n)
	} else {
		c.Out = l.appendRange(c.Out, l.count-1, n, true)
		l.delRange(l.count-n, n)
	}
	c.Dirty(n)
}

// ---- read ----

func llenCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList, true)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	c.Int(int64(lstOf(e).count))
}

func lrangeCommand(c *Ctx) {
	start, ok1 := parseInt(c.Args[2])
	end, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		c.NotInteger()
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList, true)
	if !ok {
		return
	}
	if e == nil {
		c.Array(0)
		return
	}
	l := lstOf(e)
	llen := int64(l.count)
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		c.Array(0)
		return
	}
	if end >= llen {
		end = llen - 1
	}
	n := int(end - start + 1)
	c.Array(n)
	c.Out = l.appendRange(c.Out, int(start), n, false)
}

func lindexCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList, true)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	idx, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	l := lstOf(e)
	if idx < 0 {
		idx += int64(l.count)
	}
	if idx < 0 || idx >= int64(l.count) {
		c.Null()
		return
	}
	c.Bulk(l.index(int(idx)))
}

// lposCommand is LPOS key element [RANK rank] [COUNT num] [MAXLEN len].
func lposCommand(c *Ctx) {
	args := c.Args
	ele := args[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: not given
	for j := 3; j < len(args); j++ {
		more := j < len(args)-1
		switch {
		case argIs(args[j], "RANK") && more:
			j++
			n, ok := parseInt(args[j])
			if !ok {
				c.NotInteger()
				return
			}
			if n == 0 {
				c.Error(lstErrRankZero)
				return
			}
			rank = n
		case argIs(args[j], "COUNT") && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				c.Error(lstErrCountNeg)
				return
			}
			count = n
		case argIs(args[j], "MAXLEN") && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				c.Error(lstErrMaxlenNeg)
				return
			}
			maxlen = n
		default:
			c.SyntaxError()
			return
		}
	}
	reverse := false
	if rank < 0 {
		rank = -rank // MinInt64 stays negative, as in Redis: then every match counts
		reverse = true
	}
	e, ok := c.LookupType(args[1], TypeList, true)
	if !ok {
		return
	}
	var l *lstList
	if e != nil {
		l = lstOf(e)
	}
	if l == nil || l.count == 0 {
		if count != -1 {
			c.Array(0)
		} else {
			c.Null()
		}
		return
	}
	llen := int64(l.count)
	start := 0
	if reverse {
		start = l.count - 1
	}
	it := l.iter(start, reverse)
	mark := len(c.Out)
	var index, matches, arraylen int64
	matchIndex := int64(-1)
	for {
		v, ok := it.next()
		if !ok || (maxlen != 0 && index >= maxlen) {
			break
		}
		if bytes.Equal(v, ele) {
			matches++
			matchIndex = index
			if reverse {
				matchIndex = llen - index - 1
			}
			if matches >= rank {
				if count == -1 {
					break
				}
				arraylen++
				c.Int(matchIndex)
				if count != 0 && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
		matchIndex = -1
	}
	if count == -1 {
		if matchIndex != -1 {
			c.Int(matchIndex)
		} else {
			c.Null()
		}
		return
	}
	// The matches were written after mark; put the array header in front.
	var hdr [24]byte
	h := append(hdr[:0], '*')
	h = appendUint(h, uint64(arraylen))
	h = append(h, '\r', '\n')
	body := len(c.Out) - mark
	c.Out = append(c.Out, h...)
	copy(c.Out[mark+len(h):], c.Out[mark:mark+body])
	copy(c.Out[mark:], h)
}

func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// ---- change in place ----

func lsetCommand(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList, false)
	if !ok {
		return
	}
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	idx, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	l := lstOf(e)
	if idx < 0 {
		idx += int64(l.count)
	}
	if idx < 0 || idx >= int64(l.count) {
		c.Error(lstErrIndexRange)
		return
	}
	l.replace(int(idx), c.Args[3], lstLimits(c))
	c.Dirty(1)
	c.OK()
}

func lremCommand(c *Ctx) {
	toRemove, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeList, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	fromTail := toRemove < 0
	if fromTail {
		toRemove = -toRemove // MinInt64 stays negative: no limit, as in Redis
	}
	if toRemove < 0 {
		toRemove = 0
	}
	removed := lstOf(e).remove(c.Args[3], int(toRemove), fromTail, lstLimits(c))
	if removed > 0 {
		c.Dirty(removed)
		c.DeleteIfEmpty(key, e)
	}
	c.Int(int64(removed))
}

func ltrimCommand(c *Ctx) {
	start, ok1 := parseInt(c.Args[2])
	end, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		c.NotInteger()
		return
	}
	key := c.Args[1]
	e, ok := c.LookupType(key, TypeList, false)
	if !ok {
		return
	}
	if e == nil {
		c.OK()
		return
	}
	l := lstOf(e)
	llen := int64(l.count)
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	var ltrim, rtrim int64
	if start > end || start >= llen {
		ltrim, rtrim = llen, 0
	} else {
		if end >= llen {
			end = llen - 1
		}
		ltrim, rtrim = start, llen-end-1
	}
	l.delRange(l.count-int(rtrim), int(rtrim))
	l.delRange(0, int(ltrim))
	c.DeleteIfEmpty(key, e)
	c.Dirty(int(ltrim + rtrim))
	c.OK()
}

func linsertCommand(c *Ctx) {
	var after bool
	switch {
	case argIs(c.Args[2], "AFTER"):
		after = true
	case argIs(c.Args[2], "BEFORE"):
	default:
		c.SyntaxError()
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	l := lstOf(e)
	ni, p, q, found := l.find(c.Args[3])
	if !found {
		c.Int(-1)
		return
	}
	if after {
		p = q
	}
	l.insertAt(ni, p, c.Args[4], lstLimits(c))
	c.Dirty(1)
	c.Int(int64(l.count))
}

// ---- move ----

// lstWhere parses LEFT/RIGHT (head == true for LEFT), else replies a syntax error.
func lstWhere(c *Ctx, arg []byte) (head, ok bool) {
	switch {
	case argIs(arg, "RIGHT"):
		return false, true
	case argIs(arg, "LEFT"):
		return true, true
	}
	c.SyntaxError()
	return false, false
}

func lmoveCommand(c *Ctx) {
	from, ok := lstWhere(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := lstWhere(c, c.Args[4])
	if !ok {
		return
	}
	lstMove(c, from, to, 0, false)
}

func rpoplpushCommand(c *Ctx) { lstMove(c, false, true, 0, false) }

func blmoveCommand(c *Ctx) {
	from, ok := lstWhere(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := lstWhere(c, c.Args[4])
	if !ok {
		return
	}
	timeout, ok := c.ParseTimeout(c.Args[5])
	if !ok {
		return
	}
	lstMove(c, from, to, timeout, true)
}

func brpoplpushCommand(c *Ctx) {
	timeout, ok := c.ParseTimeout(c.Args[3])
	if !ok {
		return
	}
	lstMove(c, false, true, timeout, true)
}

// lstMove pops from the source's head (from) or tail and pushes onto the
// destination's head (to) or tail, replying with the element; a missing source
// is a null, or a wait when block.
func lstMove(c *Ctx, from, to bool, timeout time.Duration, block bool) {
	src, dst := c.Args[1], c.Args[2]
	se, sl, ok := lstLookup(c, src)
	if !ok {
		return
	}
	if se == nil {
		if block {
			c.Block(c.Args[1:2], timeout)
			return
		}
		c.Null()
		return
	}
	de, ok := c.LookupType(dst, TypeList, false)
	if !ok {
		return
	}
	var v []byte
	if from {
		v = sl.popHead()
	} else {
		v = sl.popTail()
	}
	lim := lstLimits(c)
	var dl *lstList
	switch {
	case de == se:
		// Same list: the pushed copy may reuse the popped bytes' room.
		var tmp [64]byte
		if len(v) <= len(tmp) {
			v = append(tmp[:0], v...)
		} else {
			v = bytes.Clone(v)
		}
		dl = sl
	case de == nil:
		dl = newLstList()
	default:
		dl = lstOf(de)
	}
	if to {
		dl.pushHead(v, lim)
	} else {
		dl.pushTail(v, lim)
	}
	c.Bulk(v)
	if block {
		wf, wt := bRIGHT, bRIGHT
		if from {
			wf = bLEFT
		}
		if to {
			wt = bLEFT
		}
		c.Rewrite(bLMOVE, src, dst, wf, wt)
	}
	if de == nil {
		c.CreateObject(dst, TypeList, dl) // counts the change
	} else {
		c.Dirty(1)
	}
	c.DeleteIfEmpty(src, se)
}

// ---- multi-key pops ----

func lmpopCommand(c *Ctx)  { lstMpop(c, 1, false) }
func blmpopCommand(c *Ctx) { lstMpop(c, 2, true) }

// lstMpop is [B]LMPOP [timeout] numkeys key [key ...] LEFT|RIGHT [COUNT count]:
// it pops from the first non-empty list and replies [key, [elements]].
func lstMpop(c *Ctx, numIdx int, block bool) {
	args := c.Args
	numkeys, ok := parseInt(args[numIdx])
	if !ok || numkeys < 1 {
		c.Error(lstErrNumkeys)
		return
	}
	if numkeys >= int64(len(args)) || numIdx+int(numkeys)+1 >= len(args) {
		c.SyntaxError()
		return
	}
	whereIdx := numIdx + int(numkeys) + 1
	head, ok := lstWhere(c, args[whereIdx])
	if !ok {
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(args); j++ {
		if count == -1 && argIs(args[j], "COUNT") && j < len(args)-1 {
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 1 {
				c.Error(lstErrCountZero)
				return
			}
			count = n
			continue
		}
		c.SyntaxError()
		return
	}
	if count == -1 {
		count = 1
	}
	var timeout time.Duration
	if block {
		if timeout, ok = c.ParseTimeout(args[1]); !ok {
			return
		}
	}
	keys := args[numIdx+1 : whereIdx]
	for _, key := range keys {
		e, l, ok := lstLookup(c, key)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		c.Array(2)
		c.Bulk(key)
		if block && c.propagating() {
			var nb [20]byte
			where := bLEFT
			if !head {
				where = bRIGHT
			}
			c.Rewrite(bLMPOP, bOne, key, where, bCOUNT, strconv.AppendInt(nb[:0], count, 10))
		}
		lstPopRange(c, l, head, int(min(count, int64(l.count))))
		c.DeleteIfEmpty(key, e)
		return
	}
	if block {
		c.Block(keys, timeout)
		return
	}
	c.NullArray()
}

func blpopCommand(c *Ctx) { lstBpop(c, true) }
func brpopCommand(c *Ctx) { lstBpop(c, false) }

// lstBpop is BLPOP/BRPOP key [key ...] timeout: [key, element] from the first
// non-empty list, else a wait.
func lstBpop(c *Ctx, head bool) {
	last := len(c.Args) - 1
	timeout, ok := c.ParseTimeout(c.Args[last])
	if !ok {
		return
	}
	keys := c.Args[1:last]
	for _, key := range keys {
		e, l, ok := lstLookup(c, key)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		c.Array(2)
		c.Bulk(key)
		if head {
			c.Bulk(l.popHead())
			c.Rewrite(bLPOP, key)
		} else {
			c.Bulk(l.popTail())
			c.Rewrite(bRPOP, key)
		}
		c.Dirty(1)
		c.DeleteIfEmpty(key, e)
		return
	}
	c.Block(keys, timeout)
}
