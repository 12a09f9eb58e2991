package shard

import (
	"math"
	"strconv"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/internal/glob"
)

// Sorted-set commands (Redis 7.0's t_zset.c semantics, replies byte for byte;
// the data structure is in zset.go).
//
// Scores are parsed as Redis parses them (glibc strtod: "inf", "-inf",
// "+inf", hex, NaN refused) and written with %.17g. In RESP3, scores are
// doubles and WITHSCORES replies are arrays of [member, score] pairs; in RESP2
// they are flat arrays with the scores as bulk strings.
//
// Hot paths (ZADD/ZINCRBY of an existing member, ZSCORE, ZRANK, ZRANGE,
// ZCARD...) allocate nothing beyond the stored data.

func init() {
	register(
		&Command{Name: "zadd", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Add one or more members to a sorted set, or update its score if it already exists", Since: "1.2.0", Exec: zaddCommand},
		&Command{Name: "zrem", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove one or more members from a sorted set", Since: "1.2.0", Exec: zremCommand},
		&Command{Name: "zscore", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Get the score associated with the given member in a sorted set", Since: "1.2.0", Exec: zscoreCommand},
		&Command{Name: "zmscore", Arity: -3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Get the score associated with the given members in a sorted set", Since: "6.2.0", Exec: zmscoreCommand},
		&Command{Name: "zincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Increment the score of a member in a sorted set", Since: "1.2.0", Exec: zincrbyCommand},
		&Command{Name: "zcard", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Get the number of members in a sorted set", Since: "1.2.0", Exec: zcardCommand},
		&Command{Name: "zcount", Arity: 4, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Count the members in a sorted set with scores within the given values", Since: "2.0.0", Exec: zcountCommand},
		&Command{Name: "zlexcount", Arity: 4, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Count the number of members in a sorted set between a given lexicographical range", Since: "2.8.9", Exec: zlexcountCommand},
		&Command{Name: "zrange", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set", Since: "1.2.0", Exec: zrangeCommand},
		&Command{Name: "zrangebyscore", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set, by score", Since: "1.0.5", Exec: zrangebyscoreCommand},
		&Command{Name: "zrevrangebyscore", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Since: "2.2.0", Exec: zrevrangebyscoreCommand},
		&Command{Name: "zrangebylex", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set, by lexicographical range", Since: "2.8.9", Exec: zrangebylexCommand},
		&Command{Name: "zrevrangebylex", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Since: "2.8.9", Exec: zrevrangebylexCommand},
		&Command{Name: "zrevrange", Arity: -4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Since: "1.2.0", Exec: zrevrangeCommand},
		&Command{Name: "zrangestore", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "sorted-set", Summary: "Store a range of members from sorted set into another key", Since: "6.2.0", Exec: zrangestoreCommand},
		&Command{Name: "zrank", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Determine the index of a member in a sorted set", Since: "2.0.0", Exec: zrankCommand},
		&Command{Name: "zrevrank", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Since: "2.0.0", Exec: zrevrankCommand},
		&Command{Name: "zpopmin", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove and return members with the lowest scores in a sorted set", Since: "5.0.0", Exec: zpopminCommand},
		&Command{Name: "zpopmax", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove and return members with the highest scores in a sorted set", Since: "5.0.0", Exec: zpopmaxCommand},
		&Command{Name: "zmpop", Arity: -4, Flags: FlagWrite, Group: "sorted-set", Summary: "Remove and return members with scores in a sorted set", Since: "7.0.0", Exec: zmpopCommand, Keys: zsKeysZmpop},
		&Command{Name: "bzpopmin", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagFast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted-set", Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", Since: "5.0.0", Exec: bzpopminCommand},
		&Command{Name: "bzpopmax", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagFast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted-set", Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", Since: "5.0.0", Exec: bzpopmaxCommand},
		&Command{Name: "bzmpop", Arity: -5, Flags: FlagWrite, Group: "sorted-set", Summary: "Remove and return members with scores in a sorted set or block until one is available", Since: "7.0.0", Exec: bzmpopCommand, Keys: zsKeysBzmpop},
		&Command{Name: "zrandmember", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Get one or multiple random elements from a sorted set", Since: "6.2.0", Exec: zrandmemberCommand},
		&Command{Name: "zremrangebyrank", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove all members in a sorted set within the given indexes", Since: "2.0.0", Exec: zremrangebyrankCommand},
		&Command{Name: "zremrangebyscore", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove all members in a sorted set within the given scores", Since: "1.2.0", Exec: zremrangebyscoreCommand},
		&Command{Name: "zremrangebylex", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Remove all members in a sorted set between the given lexicographical range", Since: "2.8.9", Exec: zremrangebylexCommand},
		&Command{Name: "zunion", Arity: -3, Flags: FlagReadonly, Group: "sorted-set", Summary: "Add multiple sorted sets", Since: "6.2.0", Exec: zunionCommand, Keys: zsKeysNumkeys1},
		&Command{Name: "zinter", Arity: -3, Flags: FlagReadonly, Group: "sorted-set", Summary: "Intersect multiple sorted sets", Since: "6.2.0", Exec: zinterCommand, Keys: zsKeysNumkeys1},
		&Command{Name: "zdiff", Arity: -3, Flags: FlagReadonly, Group: "sorted-set", Summary: "Subtract multiple sorted sets", Since: "6.2.0", Exec: zdiffCommand, Keys: zsKeysNumkeys1},
		&Command{Name: "zunionstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Add multiple sorted sets and store the resulting sorted set in a new key", Since: "2.0.0", Exec: zunionstoreCommand, Keys: zsKeysStore},
		&Command{Name: "zinterstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Since: "2.0.0", Exec: zinterstoreCommand, Keys: zsKeysStore},
		&Command{Name: "zdiffstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Since: "6.2.0", Exec: zdiffstoreCommand, Keys: zsKeysStore},
		&Command{Name: "zintercard", Arity: -3, Flags: FlagReadonly, Group: "sorted-set", Summary: "Intersect multiple sorted sets and return the cardinality of the result", Since: "7.0.0", Exec: zintercardCommand, Keys: zsKeysNumkeys1},
		&Command{Name: "zscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Incrementally iterate sorted sets elements and associated scores", Since: "2.8.0", Exec: zscanCommand},
	)
	for name, m := range zsMeta {
		c := commandTable[name]
		c.infoFlags, c.ACL, c.Tips, c.Specs = m.flags, m.acl, m.tips, m.specs
	}
}

// zsMeta is what COMMAND INFO shows of the sorted-set commands beyond arity
// and first/last/step, from redis-server 7.0.15 (redis-cli --json COMMAND
// INFO). The "keynum" key specs of the numkeys commands cannot be expressed by
// KeySpec (begin_search index + find_keys range only): they are in zsKeynumSpecs.
var zsMeta = map[string]struct {
	flags []string
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"zadd":             {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrem":             {flags: []string{"write", "fast"}, acl: []string{"@write", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zscore":           {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zmscore":          {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zincrby":          {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zcard":            {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zcount":           {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zlexcount":        {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrange":           {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrangebyscore":    {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrevrangebyscore": {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrangebylex":      {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrevrangebylex":   {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrevrange":        {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrangestore":      {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"zrank":            {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zrevrank":         {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zpopmin":          {flags: []string{"write", "fast"}, acl: []string{"@write", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zpopmax":          {flags: []string{"write", "fast"}, acl: []string{"@write", "@sortedset", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zmpop":            {flags: []string{"write", "movablekeys"}, acl: []string{"@write", "@sortedset", "@slow"}},
	"bzpopmin":         {flags: []string{"write", "noscript", "blocking", "fast"}, acl: []string{"@write", "@sortedset", "@fast", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: -2, Step: 1, Limit: 0}}},
	"bzpopmax":         {flags: []string{"write", "noscript", "blocking", "fast"}, acl: []string{"@write", "@sortedset", "@fast", "@blocking"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: -2, Step: 1, Limit: 0}}},
	"bzmpop":           {flags: []string{"write", "blocking", "movablekeys"}, acl: []string{"@write", "@sortedset", "@slow", "@blocking"}},
	"zrandmember":      {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zremrangebyrank":  {flags: []string{"write"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zremrangebyscore": {flags: []string{"write"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zremrangebylex":   {flags: []string{"write"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zunion":           {flags: []string{"readonly", "movablekeys"}, acl: []string{"@read", "@sortedset", "@slow"}},
	"zinter":           {flags: []string{"readonly", "movablekeys"}, acl: []string{"@read", "@sortedset", "@slow"}},
	"zdiff":            {flags: []string{"readonly", "movablekeys"}, acl: []string{"@read", "@sortedset", "@slow"}},
	"zunionstore":      {flags: []string{"write", "denyoom", "movablekeys"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zinterstore":      {flags: []string{"write", "denyoom", "movablekeys"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zdiffstore":       {flags: []string{"write", "denyoom", "movablekeys"}, acl: []string{"@write", "@sortedset", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"zintercard":       {flags: []string{"readonly", "movablekeys"}, acl: []string{"@read", "@sortedset", "@slow"}},
	"zscan":            {flags: []string{"readonly"}, acl: []string{"@read", "@sortedset", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
}

// zsKeynumSpec is a Redis 7 key spec with find_keys type "keynum": the number
// of keys is at Index+KeyNumIdx, the keys start at Index+FirstKey.
type zsKeynumSpec struct {
	Flags     []string
	Index     int
	KeyNumIdx int
	FirstKey  int
	Step      int
}

// zsKeynumSpecs are the keynum key specs Redis 7.0.15 lists for the numkeys
// commands, after the range specs of zsMeta (for COMMAND INFO, once KeySpec
// can express them).
var zsKeynumSpecs = map[string][]zsKeynumSpec{
	"zmpop":       {{Flags: []string{"RW", "access", "delete"}, Index: 1, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"bzmpop":      {{Flags: []string{"RW", "access", "delete"}, Index: 2, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zunion":      {{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zinter":      {{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zdiff":       {{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zunionstore": {{Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zinterstore": {{Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zdiffstore":  {{Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
	"zintercard":  {{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKey: 1, Step: 1}},
}

// Error texts of this file that errors.go does not have.
const (
	zsErrMinMaxFloat  = "ERR min or max is not a float"
	zsErrMinMaxLex    = "ERR min or max not valid string range item"
	zsErrXXNX         = "ERR XX and NX options at the same time are not compatible"
	zsErrGTLTNX       = "ERR GT, LT, and/or NX options at the same time are not compatible"
	zsErrIncrPair     = "ERR INCR option supports a single increment-element pair"
	zsErrNaN          = "ERR resulting score is not a number (NaN)"
	zsErrWeight       = "ERR weight value is not a float"
	zsErrNumkeys      = "ERR numkeys should be greater than 0"
	zsErrCount        = "ERR count should be greater than 0"
	zsErrLimitNeg     = "ERR LIMIT can't be negative"
	zsErrPositive     = "ERR value is out of range, must be positive"
	zsErrOutOfRange   = "ERR value is out of range"
	zsErrRandRange    = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	zsErrLimitRank    = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	zsErrWithScoreLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
)

// ---- key positions of the numkeys commands ----

// zsAtoi reads a numkeys argument as Redis's getkeys functions do (atoi).
func zsAtoi(b []byte) int64 {
	i := 0
	for i < len(b) && zsIsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v int64
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		if v > math.MaxInt32 {
			return -1 // C's int overflowed: garbage; never a valid key count here
		}
		v = v*10 + int64(b[i]-'0')
	}
	if neg {
		v = -v
	}
	return v
}

// zsNumkeysPositions is Redis's genericGetKeys: the store key (if storeIdx >
// 0) and numkeys keys from numIdx+1, or nothing when numkeys is invalid.
func zsNumkeysPositions(args [][]byte, dst []int, storeIdx, numIdx int) []int {
	if numIdx >= len(args) {
		return dst
	}
	num := zsAtoi(args[numIdx])
	if num < 1 || num > int64(len(args)-numIdx-1) {
		return dst
	}
	if storeIdx > 0 {
		dst = append(dst, storeIdx)
	}
	for i := 0; i < int(num); i++ {
		dst = append(dst, numIdx+1+i)
	}
	return dst
}

func zsKeysNumkeys1(args [][]byte, dst []int) []int { return zsNumkeysPositions(args, dst, 0, 1) }
func zsKeysStore(args [][]byte, dst []int) []int    { return zsNumkeysPositions(args, dst, 1, 2) }
func zsKeysZmpop(args [][]byte, dst []int) []int    { return zsNumkeysPositions(args, dst, 0, 1) }
func zsKeysBzmpop(args [][]byte, dst []int) []int   { return zsNumkeysPositions(args, dst, 0, 2) }

// ---- helpers ----

// zsLookup finds a sorted set; ok is false (after WRONGTYPE) for another type.
func zsLookup(c *Ctx, key []byte, read bool) (*Entry, *zsObj, bool) {
	e, ok := c.LookupType(key, TypeZSet, read)
	if !ok || e == nil {
		return nil, nil, ok
	}
	return e, zsObjOf(e), true
}

// zsObjOf is the sorted set of a TypeZSet entry.
func zsObjOf(e *Entry) *zsObj {
	o, _ := e.Obj().(*zsObj)
	if o == nil { // a bare TypeZSet entry (tests create those): an empty set
		o = zsNewListpack()
		e.SetObj(o)
	}
	return o
}

// zsGetLong is getLongFromObjectOrReply.
func zsGetLong(c *Ctx, arg []byte) (int64, bool) {
	v, ok := parseInt(arg)
	if !ok {
		c.NotInteger()
	}
	return v, ok
}

// zsGetRangeLong is getRangeLongFromObjectOrReply with a message for both
// errors (a non-integer or a value out of [lo, hi]).
func zsGetRangeLong(c *Ctx, arg []byte, lo, hi int64, msg string) (int64, bool) {
	v, ok := parseInt(arg)
	if !ok || v < lo || v > hi {
		c.Error(msg)
		return 0, false
	}
	return v, true
}

// zsBulkDouble writes a score as a bulk string in both protocols (ZSCAN).
func zsBulkDouble(c *Ctx, f float64) {
	var buf [32]byte
	c.Bulk(codec.FormatDouble17g(buf[:0], f))
}

// zsDeferredArray inserts an array header for n elements at mark, in front
// of elements already written (Redis's deferred length).
func zsDeferredArray(c *Ctx, mark, n int) {
	var hdr [24]byte
	h := codec.AppendArrayHeader(hdr[:0], n)
	c.Out = append(c.Out, h...)
	copy(c.Out[mark+len(h):], c.Out[mark:len(c.Out)-len(h)])
	copy(c.Out[mark:], h)
}

// zsStore replaces dst with the sorted set of pairs (sorted), or deletes it
// when pairs is empty, and replies the cardinality (setKey / dbDelete).
func zsStore(c *Ctx, dst []byte, pairs []zsPair) {
	if len(pairs) == 0 {
		c.Remove(dst)
		c.Int(0)
		return
	}
	obj := zsBuild(c.Limits(), pairs)
	c.Remove(dst)
	c.CreateObject(dst, TypeZSet, obj)
	c.Int(int64(len(pairs)))
}

// ---- ZADD, ZINCRBY ----

func zaddCommand(c *Ctx) { zsAddGeneric(c, 0) }

func zincrbyCommand(c *Ctx) { zsAddGeneric(c, zsAddIncr) }

func zsAddGeneric(c *Ctx, flags int) {
	args := c.Args
	scoreIdx := 2
	ch := false
	for ; scoreIdx < len(args); scoreIdx++ {
		opt := args[scoreIdx]
		switch {
		case argIs(opt, "NX"):
			flags |= zsAddNX
		case argIs(opt, "XX"):
			flags |= zsAddXX
		case argIs(opt, "CH"):
			ch = true
		case argIs(opt, "INCR"):
			flags |= zsAddIncr
		case argIs(opt, "GT"):
			flags |= zsAddGT
		case argIs(opt, "LT"):
			flags |= zsAddLT
		default:
			goto parsed
		}
	}
parsed:
	elements := len(args) - scoreIdx
	if elements%2 != 0 || elements == 0 {
		c.SyntaxError()
		return
	}
	elements /= 2
	incr, nx, xx := flags&zsAddIncr != 0, flags&zsAddNX != 0, flags&zsAddXX != 0
	gt, lt := flags&zsAddGT != 0, flags&zsAddLT != 0
	if nx && xx {
		c.Error(zsErrXXNX)
		return
	}
	if (gt && nx) || (lt && nx) || (gt && lt) {
		c.Error(zsErrGTLTNX)
		return
	}
	if incr && elements > 1 {
		c.Error(zsErrIncrPair)
		return
	}
	// Every score is checked before anything changes.
	var small [8]float64
	scores := small[:0]
	if elements > len(small) {
		scores = make([]float64, 0, elements)
	}
	for j := 0; j < elements; j++ {
		s, ok := zsParseScore(args[scoreIdx+j*2])
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		scores = append(scores, s)
	}
	key := args[1]
	e, o, ok := zsLookup(c, key, false)
	if !ok {
		return
	}
	if e == nil {
		if xx {
			if incr {
				c.Null()
			} else {
				c.Int(0)
			}
			return
		}
		o = zsNewListpack()
		e = c.CreateObject(key, TypeZSet, o)
	}
	lim := c.Limits()
	added, updated, processed := 0, 0, 0
	var newScore float64
	for j := 0; j < elements; j++ {
		out, ns := o.add(lim, args[scoreIdx+j*2+1], scores[j], flags)
		if out&zsOutNaN != 0 {
			c.DeleteIfEmpty(key, e)
			c.Error(zsErrNaN)
			return
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
		newScore = ns
	}
	c.Dirty(added + updated)
	switch {
	case incr && processed > 0:
		c.Double(newScore)
	case incr:
		c.Null()
	case ch:
		c.Int(int64(added + updated))
	default:
		c.Int(int64(added))
	}
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK ----

func zremCommand(c *Ctx) {
	key := c.Args[1]
	e, o, ok := zsLookup(c, key, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	deleted := 0
	for _, m := range c.Args[2:] {
		if o.remove(m) {
			deleted++
			if o.n == 0 {
				break
			}
		}
	}
	c.Dirty(deleted)
	c.DeleteIfEmpty(key, e)
	c.Int(int64(deleted))
}

func zcardCommand(c *Ctx) {
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	c.Int(int64(o.n))
}

func zscoreCommand(c *Ctx) {
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	if s, found := o.score(c.Args[2]); found {
		c.Double(s)
	} else {
		c.Null()
	}
}

func zmscoreCommand(c *Ctx) {
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	c.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if e != nil {
			if s, found := o.score(m); found {
				c.Double(s)
				continue
			}
		}
		c.Null()
	}
}

func zrankCommand(c *Ctx)    { zsRankGeneric(c, false) }
func zrevrankCommand(c *Ctx) { zsRankGeneric(c, true) }

func zsRankGeneric(c *Ctx, rev bool) {
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	r, found := o.rank(c.Args[2])
	if !found {
		c.Null()
		return
	}
	if rev {
		r = o.n - 1 - r
	}
	c.Int(int64(r))
}

// ---- ZCOUNT, ZLEXCOUNT ----

func zcountCommand(c *Ctx) {
	var r zsRange
	if !zsParseRange(c.Args[2], c.Args[3], &r) {
		c.Error(zsErrMinMaxFloat)
		return
	}
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	c.Int(int64(o.countInRange(&r)))
}

func zlexcountCommand(c *Ctx) {
	var r zsLex
	if !zsParseLex(c.Args[2], c.Args[3], &r) {
		c.Error(zsErrMinMaxLex)
		return
	}
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	c.Int(int64(o.countInLex(&r)))
}

// ---- ZRANGE and friends ----

const (
	zsRangeAuto = iota
	zsRangeRank
	zsRangeScore
	zsRangeLex
)

const (
	zsDirAuto = iota
	zsDirForward
	zsDirReverse
)

// zsEmitter receives a range result: it writes it to the client, or collects
// it for ZRANGESTORE (zrange_result_handler).
type zsEmitter struct {
	c          *Ctx
	withScores bool
	store      bool
	pairs      []zsPair
	n          int
	mark       int
}

// begin starts the result: n elements if known, else -1 (the header is
// inserted by end).
func (h *zsEmitter) begin(n int) {
	if h.store {
		return
	}
	h.mark = -1
	if n < 0 {
		h.mark = len(h.c.Out)
		return
	}
	if h.withScores && h.c.proto == 2 {
		n *= 2
	}
	h.c.Array(n)
}

func (h *zsEmitter) emit(member []byte, score float64) {
	h.n++
	if h.store {
		h.pairs = append(h.pairs, zsPair{member: string(member), score: score})
		return
	}
	c := h.c
	if h.withScores && c.proto > 2 {
		c.Array(2)
	}
	c.Bulk(member)
	if h.withScores {
		c.Double(score)
	}
}

// end finishes the result; for a store, rev says the pairs came in reverse order.
func (h *zsEmitter) end(dst []byte, rev bool) {
	if h.store {
		if rev {
			for i, j := 0, len(h.pairs)-1; i < j; i, j = i+1, j-1 {
				h.pairs[i], h.pairs[j] = h.pairs[j], h.pairs[i]
			}
		}
		zsStore(h.c, dst, h.pairs)
		return
	}
	if h.mark >= 0 {
		n := h.n
		if h.withScores && h.c.proto == 2 {
			n *= 2
		}
		zsDeferredArray(h.c, h.mark, n)
	}
}

func zrangeCommand(c *Ctx) { zsRangeGeneric(c, 1, false, zsRangeAuto, zsDirAuto) }
func zrangestoreCommand(c *Ctx) {
	zsRangeGeneric(c, 2, true, zsRangeAuto, zsDirAuto)
}
func zrangebyscoreCommand(c *Ctx)    { zsRangeGeneric(c, 1, false, zsRangeScore, zsDirForward) }
func zrevrangebyscoreCommand(c *Ctx) { zsRangeGeneric(c, 1, false, zsRangeScore, zsDirReverse) }
func zrangebylexCommand(c *Ctx)      { zsRangeGeneric(c, 1, false, zsRangeLex, zsDirForward) }
func zrevrangebylexCommand(c *Ctx)   { zsRangeGeneric(c, 1, false, zsRangeLex, zsDirReverse) }
func zrevrangeCommand(c *Ctx)        { zsRangeGeneric(c, 1, false, zsRangeRank, zsDirReverse) }

// zsRangeGeneric is Redis's zrangeGenericCommand: keyIdx is the source key's
// position (the destination is at 1 when storing).
func zsRangeGeneric(c *Ctx, keyIdx int, store bool, rangeType, dir int) {
	args := c.Args
	minIdx, maxIdx := keyIdx+1, keyIdx+2
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := keyIdx + 3; j < len(args); j++ {
		left := len(args) - j - 1
		opt := args[j]
		switch {
		case !store && argIs(opt, "WITHSCORES"):
			withScores = true
		case argIs(opt, "LIMIT") && left >= 2:
			var ok bool
			if offset, ok = zsGetLong(c, args[j+1]); !ok {
				return
			}
			if limit, ok = zsGetLong(c, args[j+2]); !ok {
				return
			}
			j += 2
		case dir == zsDirAuto && argIs(opt, "REV"):
			dir = zsDirReverse
		case rangeType == zsRangeAuto && argIs(opt, "BYLEX"):
			rangeType = zsRangeLex
		case rangeType == zsRangeAuto && argIs(opt, "BYSCORE"):
			rangeType = zsRangeScore
		default:
			c.SyntaxError()
			return
		}
	}
	if dir == zsDirAuto {
		dir = zsDirForward
	}
	if rangeType == zsRangeAuto {
		rangeType = zsRangeRank
	}
	if limit != -1 && rangeType == zsRangeRank {
		c.Error(zsErrLimitRank)
		return
	}
	if withScores && rangeType == zsRangeLex {
		c.Error(zsErrWithScoreLex)
		return
	}
	rev := dir == zsDirReverse
	if rev && rangeType != zsRangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var sr zsRange
	var lr zsLex
	switch rangeType {
	case zsRangeRank:
		var ok bool
		if start, ok = zsGetLong(c, args[minIdx]); !ok {
			return
		}
		if end, ok = zsGetLong(c, args[maxIdx]); !ok {
			return
		}
	case zsRangeScore:
		if !zsParseRange(args[minIdx], args[maxIdx], &sr) {
			c.Error(zsErrMinMaxFloat)
			return
		}
	case zsRangeLex:
		if !zsParseLex(args[minIdx], args[maxIdx], &lr) {
			c.Error(zsErrMinMaxLex)
			return
		}
	}
	h := zsEmitter{c: c, withScores: withScores, store: store, mark: -1}
	var dst []byte
	if store {
		dst = args[1]
	}
	e, o, ok := zsLookup(c, args[keyIdx], true)
	if !ok {
		return
	}
	if e == nil {
		if store {
			h.end(dst, false)
		} else {
			c.Array(0)
		}
		return
	}
	switch rangeType {
	case zsRangeRank:
		zsRangeByRank(&h, o, start, end, rev)
	case zsRangeScore:
		zsRangeByScore(&h, o, &sr, offset, limit, rev)
	case zsRangeLex:
		zsRangeByLex(&h, o, &lr, offset, limit, rev)
	}
	h.end(dst, rev)
}

// zsRangeByRank is genericZrangebyrankCommand.
func zsRangeByRank(h *zsEmitter, o *zsObj, start, end int64, rev bool) {
	llen := int64(o.n)
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
		h.begin(0)
		return
	}
	if end >= llen {
		end = llen - 1
	}
	n := int(end - start + 1)
	h.begin(n)
	var it zsIter
	if rev {
		it = o.atRank(int(llen - 1 - start))
	} else {
		it = o.atRank(int(start))
	}
	for ; n > 0 && it.valid(); n-- {
		m, s := it.entry()
		h.emit(m, s)
		it.step(rev)
	}
}

// zsRangeByScore is genericZrangebyscoreCommand.
func zsRangeByScore(h *zsEmitter, o *zsObj, r *zsRange, offset, limit int64, rev bool) {
	h.begin(-1)
	if offset < 0 || (offset > 0 && offset >= int64(o.n)) {
		return
	}
	var it zsIter
	if rev {
		it = o.lastInRange(r)
	} else {
		it = o.firstInRange(r)
	}
	o.skip(&it, int(offset), rev)
	for ; it.valid() && limit != 0; limit-- {
		m, s := it.entry()
		if rev && !r.gteMin(s) || !rev && !r.lteMax(s) {
			break
		}
		h.emit(m, s)
		it.step(rev)
	}
}

// zsRangeByLex is genericZrangebylexCommand.
func zsRangeByLex(h *zsEmitter, o *zsObj, r *zsLex, offset, limit int64, rev bool) {
	h.begin(-1)
	if offset < 0 || (offset > 0 && offset >= int64(o.n)) {
		return
	}
	var it zsIter
	if rev {
		it = o.lastInLex(r)
	} else {
		it = o.firstInLex(r)
	}
	o.skip(&it, int(offset), rev)
	for ; it.valid() && limit != 0; limit-- {
		m, s := it.entry()
		if rev && !r.gteMin(m) || !rev && !r.lteMax(m) {
			break
		}
		h.emit(m, s)
		it.step(rev)
	}
}

// ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ----

func zremrangebyrankCommand(c *Ctx)  { zsRemrangeGeneric(c, zsRangeRank) }
func zremrangebyscoreCommand(c *Ctx) { zsRemrangeGeneric(c, zsRangeScore) }
func zremrangebylexCommand(c *Ctx)   { zsRemrangeGeneric(c, zsRangeLex) }

func zsRemrangeGeneric(c *Ctx, rangeType int) {
	var start, end int64
	var sr zsRange
	var lr zsLex
	switch rangeType {
	case zsRangeRank:
		var ok bool
		if start, ok = zsGetLong(c, c.Args[2]); !ok {
			return
		}
		if end, ok = zsGetLong(c, c.Args[3]); !ok {
			return
		}
	case zsRangeScore:
		if !zsParseRange(c.Args[2], c.Args[3], &sr) {
			c.Error(zsErrMinMaxFloat)
			return
		}
	case zsRangeLex:
		if !zsParseLex(c.Args[2], c.Args[3], &lr) {
			c.Error(zsErrMinMaxLex)
			return
		}
	}
	key := c.Args[1]
	e, o, ok := zsLookup(c, key, false)
	if !ok {
		return
	}
	if e == nil {
		c.Int(0)
		return
	}
	deleted := 0
	switch rangeType {
	case zsRangeRank:
		llen := int64(o.n)
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
			c.Int(0)
			return
		}
		if end >= llen {
			end = llen - 1
		}
		deleted = o.deleteRankRange(int(start), int(end))
	case zsRangeScore:
		deleted = o.deleteScoreRange(&sr)
	case zsRangeLex:
		deleted = o.deleteLexRange(&lr)
	}
	c.Dirty(deleted)
	c.DeleteIfEmpty(key, e)
	c.Int(int64(deleted))
}

// ---- ZPOPMIN, ZPOPMAX, ZMPOP and the blocking forms ----

func zpopminCommand(c *Ctx) { zsPopMinMax(c, false) }
func zpopmaxCommand(c *Ctx) { zsPopMinMax(c, true) }

func zsPopMinMax(c *Ctx, max bool) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		var ok bool
		if count, ok = zsGetRangeLong(c, c.Args[2], 0, math.MaxInt64, zsErrPositive); !ok {
			return
		}
	}
	nested := c.proto > 2 && count != -1
	zsPop(c, c.Args[1:2], max, false, count, nested, false)
}

// zsPop is genericZpopCommand: it pops from the first existing key of keys.
func zsPop(c *Ctx, keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) {
	for _, key := range keys {
		e, o, ok := zsLookup(c, key, false)
		if !ok {
			return
		}
		if e != nil {
			zsPopFrom(c, key, e, o, max, emitKey, count, nested)
			return
		}
	}
	if nilWhenEmpty {
		c.NullArray()
	} else {
		c.Array(0)
	}
}

// zsPopFrom pops up to count (-1: one, flat) elements of the set o at key.
func zsPopFrom(c *Ctx, key []byte, e *Entry, o *zsObj, max, emitKey bool, count int64, nested bool) {
	if count == 0 {
		c.Array(0)
		return
	}
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(o.n)))
	switch {
	case !nested && !emitKey:
		c.Array(2 * n)
	case nested && !emitKey:
		c.Array(n)
	case !nested && emitKey:
		c.Array(2*n + 1)
		c.Bulk(key)
	default:
		c.Array(2)
		c.Bulk(key)
		c.Array(n)
	}
	var it zsIter
	if max {
		it = o.atRank(o.n - 1)
	} else {
		it = o.atRank(0)
	}
	for i := 0; i < n; i++ {
		m, s := it.entry()
		if nested {
			c.Array(2)
		}
		c.Bulk(m)
		c.Double(s)
		it.step(max)
	}
	if max {
		o.deleteRankRange(o.n-n, o.n-1)
	} else {
		o.deleteRankRange(0, n-1)
	}
	c.Dirty(n)
	c.DeleteIfEmpty(key, e)
}

// zsMpopArgs parses ZMPOP/BZMPOP's numkeys, MIN|MAX and COUNT
// (zmpopGenericCommand); numIdx is the position of numkeys.
func zsMpopArgs(c *Ctx, numIdx int) (keys [][]byte, max bool, count int64, ok bool) {
	numkeys, ok := zsGetRangeLong(c, c.Args[numIdx], 1, math.MaxInt64, zsErrNumkeys)
	if !ok {
		return nil, false, 0, false
	}
	whereIdx := int64(numIdx) + numkeys + 1
	if numkeys >= int64(len(c.Args)) || whereIdx >= int64(len(c.Args)) {
		c.SyntaxError()
		return nil, false, 0, false
	}
	switch w := c.Args[whereIdx]; {
	case argIs(w, "MIN"):
	case argIs(w, "MAX"):
		max = true
	default:
		c.SyntaxError()
		return nil, false, 0, false
	}
	count = -1
	for j := int(whereIdx) + 1; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		if count == -1 && argIs(c.Args[j], "COUNT") && more > 0 {
			j++
			if count, ok = zsGetRangeLong(c, c.Args[j], 1, math.MaxInt64, zsErrCount); !ok {
				return nil, false, 0, false
			}
		} else {
			c.SyntaxError()
			return nil, false, 0, false
		}
	}
	if count == -1 {
		count = 1
	}
	return c.Args[numIdx+1 : whereIdx], max, count, true
}

func zmpopCommand(c *Ctx) {
	keys, max, count, ok := zsMpopArgs(c, 1)
	if !ok {
		return
	}
	zsPop(c, keys, max, true, count, true, true)
}

func bzpopminCommand(c *Ctx) { zsBpopGeneric(c, false) }
func bzpopmaxCommand(c *Ctx) { zsBpopGeneric(c, true) }

func zsBpopGeneric(c *Ctx, max bool) {
	timeout, ok := c.ParseTimeout(c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	keys := c.Args[1 : len(c.Args)-1]
	if zsBlockingPop(c, keys, max, -1, false) {
		return
	}
	c.Block(keys, timeout)
}

func bzmpopCommand(c *Ctx) {
	keys, max, count, ok := zsMpopArgs(c, 2)
	if !ok {
		return
	}
	timeout, ok := c.ParseTimeout(c.Args[1])
	if !ok {
		return
	}
	if zsBlockingPop(c, keys, max, count, true) {
		return
	}
	c.Block(keys, timeout)
}

// zsBlockingPop serves a blocking pop from the first non-empty key
// (blockingGenericZpopCommand); false means the client must block. It has
// replied when it returns true (an error included).
func zsBlockingPop(c *Ctx, keys [][]byte, max bool, count int64, nested bool) bool {
	for _, key := range keys {
		e, o, ok := zsLookup(c, key, false)
		if !ok {
			return true
		}
		if e == nil || o.n == 0 {
			continue
		}
		if c.propagating() {
			cmd := bZPOPMIN
			if max {
				cmd = bZPOPMAX
			}
			if count < 0 {
				c.Rewrite(cmd, key)
			} else {
				var nb [20]byte
				c.Rewrite(cmd, key, strconv.AppendInt(nb[:0], count, 10))
			}
		}
		zsPopFrom(c, key, e, o, max, true, count, nested)
		return true
	}
	return false
}

// ---- ZRANDMEMBER ----

func zrandmemberCommand(c *Ctx) {
	args := c.Args
	if len(args) >= 3 {
		l, ok := parseInt(args[2])
		if !ok {
			c.NotInteger()
			return
		}
		if l == math.MinInt64 {
			c.Error(zsErrRandRange)
			return
		}
		withScores := false
		if len(args) > 4 || (len(args) == 4 && !argIs(args[3], "WITHSCORES")) {
			c.SyntaxError()
			return
		} else if len(args) == 4 {
			withScores = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.Error(zsErrOutOfRange)
				return
			}
		}
		zsRandmemberWithCount(c, l, withScores)
		return
	}
	key := args[1]
	e, o, ok := zsLookup(c, key, true)
	if !ok {
		return
	}
	if e == nil {
		c.Null()
		return
	}
	s := c.shardOf(key)
	it := o.atRank(int(s.nextRand() % uint64(o.n)))
	c.Bulk(it.member())
}

func zsRandmemberWithCount(c *Ctx, count int64, withScores bool) {
	key := c.Args[1]
	e, o, ok := zsLookup(c, key, true)
	if !ok {
		return
	}
	if e == nil || count == 0 || o.n == 0 {
		c.Array(0)
		return
	}
	rnd := c.shardOf(key)
	size := int64(o.n)
	emit := func(it *zsIter) {
		m, s := it.entry()
		if withScores && c.proto > 2 {
			c.Array(2)
		}
		c.Bulk(m)
		if withScores {
			c.Double(s)
		}
	}
	uniq := count > 0
	if !uniq {
		count = -count
	}
	// CASE 1: negative count (repetitions allowed), or a single element.
	if !uniq || count == 1 {
		if withScores && c.proto == 2 {
			c.Array(int(count * 2))
		} else {
			c.Array(int(count))
		}
		var offs []int
		if !o.isSkiplist() && count > 1 {
			offs = make([]int, 0, o.n)
			for off := 0; off < len(o.lp); {
				offs = append(offs, off)
				_, _, off = zsLpAt(o.lp, off)
			}
		}
		for ; count > 0; count-- {
			r := int(rnd.nextRand() % uint64(size))
			var it zsIter
			if offs != nil {
				it = zsIter{lp: o.lp, off: offs[r]}
			} else {
				it = o.atRank(r)
			}
			emit(&it)
		}
		return
	}
	// CASE 2: the whole set (in reverse rank order, as Redis replies it).
	if count >= size {
		h := zsEmitter{c: c, withScores: withScores, mark: -1}
		zsRangeByRank(&h, o, 0, -1, true)
		h.end(nil, true)
		return
	}
	// CASE 3/4: count distinct random elements.
	n := int(count)
	if withScores && c.proto == 2 {
		c.Array(2 * n)
	} else {
		c.Array(n)
	}
	picked := make([]int, 0, n)
	if count*3 > size {
		perm := make([]int, o.n)
		for i := range perm {
			perm[i] = i
		}
		for i := 0; i < n; i++ {
			j := i + int(rnd.nextRand()%uint64(o.n-i))
			perm[i], perm[j] = perm[j], perm[i]
		}
		picked = append(picked, perm[:n]...)
	} else {
		seen := make(map[int]struct{}, n)
		for len(picked) < n {
			r := int(rnd.nextRand() % uint64(size))
			if _, dup := seen[r]; !dup {
				seen[r] = struct{}{}
				picked = append(picked, r)
			}
		}
	}
	if !o.isSkiplist() {
		// A listpack answers in its own order (lpRandomPairsUnique).
		zsSortInts(picked)
		it := o.atRank(0)
		pos := 0
		for _, r := range picked {
			for ; pos < r; pos++ {
				it.next()
			}
			emit(&it)
		}
		return
	}
	for _, r := range picked {
		it := o.atRank(r)
		emit(&it)
	}
}

func zsSortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// ---- ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD ----

const (
	zsOpUnion = iota
	zsOpInter
	zsOpDiff
)

const (
	zsAggrSum = iota
	zsAggrMin
	zsAggrMax
)

// zsSrc is one input of the set algebra (zsetopsrc).
type zsSrc struct {
	key    []byte
	z      *zsObj
	set    Object // a set (TypeSet) input: Redis accepts those, every member with score 1
	weight float64
}

func (s *zsSrc) length() int {
	switch {
	case s.z != nil:
		return s.z.n
	case s.set != nil:
		return s.set.Len()
	}
	return 0
}

func (s *zsSrc) find(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(m)
	case s.set != nil:
		return 1, stHas(s.set, m)
	}
	return 0, false
}

// each calls fn for every element, in order for a sorted set, until fn returns false.
func (s *zsSrc) each(fn func(m []byte, score float64) bool) {
	switch {
	case s.z != nil:
		for it := s.z.atRank(0); it.valid(); it.next() {
			m, sc := it.entry()
			if !fn(m, sc) {
				return
			}
		}
	case s.set != nil:
		var buf [20]byte
		stEach(s.set, func(m stMember) bool {
			if m.isInt {
				return fn(strconv.AppendInt(buf[:0], m.v, 10), 1)
			}
			return fn(zsBytes(m.s), 1)
		})
	}
}

func zsAggregate(target *float64, v float64, aggr int) {
	switch aggr {
	case zsAggrSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case zsAggrMin:
		if v < *target {
			*target = v
		}
	case zsAggrMax:
		if v > *target {
			*target = v
		}
	}
}

func zunionCommand(c *Ctx)      { zsSetOp(c, nil, 1, zsOpUnion, false) }
func zinterCommand(c *Ctx)      { zsSetOp(c, nil, 1, zsOpInter, false) }
func zdiffCommand(c *Ctx)       { zsSetOp(c, nil, 1, zsOpDiff, false) }
func zunionstoreCommand(c *Ctx) { zsSetOp(c, c.Args[1], 2, zsOpUnion, false) }
func zinterstoreCommand(c *Ctx) { zsSetOp(c, c.Args[1], 2, zsOpInter, false) }
func zdiffstoreCommand(c *Ctx)  { zsSetOp(c, c.Args[1], 2, zsOpDiff, false) }
func zintercardCommand(c *Ctx)  { zsSetOp(c, nil, 1, zsOpInter, true) }

// zsSetOp is zunionInterDiffGenericCommand.
func zsSetOp(c *Ctx, dst []byte, numIdx int, op int, cardOnly bool) {
	args := c.Args
	setnum, ok := zsGetLong(c, args[numIdx])
	if !ok {
		return
	}
	if setnum < 1 {
		c.Error("ERR at least 1 input key is needed for '" + c.Cmd.Name + "' command")
		return
	}
	if setnum > int64(len(args)-numIdx-1) {
		c.SyntaxError()
		return
	}
	src := make([]zsSrc, setnum)
	j := numIdx + 1
	for i := range src {
		key := args[j]
		j++
		src[i].key, src[i].weight = key, 1
		var e *Entry
		if dst != nil {
			e = c.Lookup(key)
		} else {
			e = c.LookupRead(key)
		}
		if e == nil {
			continue
		}
		switch e.Type {
		case TypeZSet:
			src[i].z = zsObjOf(e)
		case TypeSet:
			src[i].set = stObj(e)
		default:
			c.WrongType()
			return
		}
	}
	aggr := zsAggrSum
	withScores := false
	limit := int64(0)
	for j < len(args) {
		remaining := len(args) - j
		opt := args[j]
		switch {
		case op != zsOpDiff && !cardOnly && remaining >= int(setnum)+1 && argIs(opt, "WEIGHTS"):
			j++
			for i := range src {
				w, ok := zsParseScore(args[j])
				if !ok {
					c.Error(zsErrWeight)
					return
				}
				src[i].weight = w
				j++
			}
		case op != zsOpDiff && !cardOnly && remaining >= 2 && argIs(opt, "AGGREGATE"):
			switch a := args[j+1]; {
			case argIs(a, "SUM"):
				aggr = zsAggrSum
			case argIs(a, "MIN"):
				aggr = zsAggrMin
			case argIs(a, "MAX"):
				aggr = zsAggrMax
			default:
				c.SyntaxError()
				return
			}
			j += 2
		case dst == nil && !cardOnly && argIs(opt, "WITHSCORES"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && argIs(opt, "LIMIT"):
			var ok bool
			if limit, ok = zsGetRangeLong(c, args[j+1], 0, math.MaxInt64, zsErrLimitNeg); !ok {
				return
			}
			j += 2
		default:
			c.SyntaxError()
			return
		}
	}
	if op != zsOpDiff {
		// Smallest input first (a stable sort, like glibc's qsort here): it
		// also fixes the order in which scores are added up.
		for a := 1; a < len(src); a++ {
			for b := a; b > 0 && src[b].length() < src[b-1].length(); b-- {
				src[b], src[b-1] = src[b-1], src[b]
			}
		}
	}

	var pairs []zsPair
	cardinality := int64(0)
	switch op {
	case zsOpInter:
		if src[0].length() == 0 {
			break
		}
		src[0].each(func(m []byte, s float64) bool {
			score := src[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			for k := 1; k < len(src); k++ {
				v, found := src[k].find(m)
				if !found {
					return true
				}
				zsAggregate(&score, v*src[k].weight, aggr)
			}
			if cardOnly {
				cardinality++
				return limit == 0 || cardinality < limit
			}
			pairs = append(pairs, zsPair{member: string(m), score: score})
			return true
		})
	case zsOpUnion:
		index := make(map[string]int)
		for i := range src {
			w := src[i].weight
			src[i].each(func(m []byte, s float64) bool {
				score := w * s
				if math.IsNaN(score) {
					score = 0
				}
				if k, found := index[string(m)]; found {
					zsAggregate(&pairs[k].score, score, aggr)
				} else {
					ms := string(m)
					index[ms] = len(pairs)
					pairs = append(pairs, zsPair{member: ms, score: score})
				}
				return true
			})
		}
	case zsOpDiff:
		if src[0].length() == 0 {
			break
		}
		src[0].each(func(m []byte, s float64) bool {
			for k := 1; k < len(src); k++ {
				if _, found := src[k].find(m); found {
					return true
				}
			}
			pairs = append(pairs, zsPair{member: string(m), score: s})
			return true
		})
	}
	if cardOnly {
		c.Int(cardinality)
		return
	}
	zsSortPairs(pairs)
	if dst != nil {
		zsStore(c, dst, pairs)
		return
	}
	if withScores && c.proto == 2 {
		c.Array(2 * len(pairs))
	} else {
		c.Array(len(pairs))
	}
	for i := range pairs {
		if withScores && c.proto > 2 {
			c.Array(2)
		}
		c.BulkString(pairs[i].member)
		if withScores {
			c.Double(pairs[i].score)
		}
	}
}

// zsSortPairs sorts by (score, member).
func zsSortPairs(p []zsPair) {
	if len(p) < 2 {
		return
	}
	zsQuickSort(p)
}

func zsPairLess(a, b *zsPair) bool {
	return a.score < b.score || (a.score == b.score && a.member < b.member)
}

func zsQuickSort(p []zsPair) {
	for len(p) > 12 {
		mid := len(p) / 2
		// median of three as pivot
		if zsPairLess(&p[mid], &p[0]) {
			p[mid], p[0] = p[0], p[mid]
		}
		if zsPairLess(&p[len(p)-1], &p[0]) {
			p[len(p)-1], p[0] = p[0], p[len(p)-1]
		}
		if zsPairLess(&p[len(p)-1], &p[mid]) {
			p[len(p)-1], p[mid] = p[mid], p[len(p)-1]
		}
		pivot := p[mid]
		i, j := 0, len(p)-1
		for i <= j {
			for zsPairLess(&p[i], &pivot) {
				i++
			}
			for zsPairLess(&pivot, &p[j]) {
				j--
			}
			if i <= j {
				p[i], p[j] = p[j], p[i]
				i++
				j--
			}
		}
		if j+1 < len(p)-i {
			zsQuickSort(p[:j+1])
			p = p[i:]
		} else {
			zsQuickSort(p[i:])
			p = p[:j+1]
		}
	}
	for a := 1; a < len(p); a++ {
		for b := a; b > 0 && zsPairLess(&p[b], &p[b-1]); b-- {
			p[b], p[b-1] = p[b-1], p[b]
		}
	}
}

// ---- ZSCAN ----

func zscanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(errInvalidCursor)
		return
	}
	e, o, ok := zsLookup(c, c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Array(2)
		c.BulkString("0")
		c.Array(0)
		return
	}
	count := int64(10)
	var pat []byte
	usePat := false
	for i := 3; i < len(c.Args); {
		opt := c.Args[i]
		more := len(c.Args) - i
		switch {
		case argIs(opt, "COUNT") && more >= 2:
			n, ok := zsGetLong(c, c.Args[i+1])
			if !ok {
				return
			}
			if n < 1 {
				c.SyntaxError()
				return
			}
			count = n
			i += 2
		case argIs(opt, "MATCH") && more >= 2:
			pat = c.Args[i+1]
			usePat = !(len(pat) == 1 && pat[0] == '*')
			i += 2
		default:
			c.SyntaxError()
			return
		}
	}
	type item struct {
		member []byte
		score  float64
	}
	var items []item
	if o.isSkiplist() {
		count = min(count, 1<<40)
		maxIter := count * 20
		var found []*Entry
		collect := func(e *Entry) { found = append(found, e) }
		for {
			cursor = o.dict.Scan(cursor, collect)
			if cursor == 0 || maxIter == 0 || int64(len(found)) >= count {
				break
			}
			maxIter--
		}
		items = make([]item, 0, len(found))
		for _, f := range found {
			items = append(items, item{zsBytes(f.Key()), f.Obj().(*zsNode).score})
		}
	} else {
		items = make([]item, 0, o.n)
		for it := o.atRank(0); it.valid(); it.next() {
			m, s := it.entry()
			items = append(items, item{m, s})
		}
		cursor = 0
	}
	keep := items[:0]
	for _, it := range items {
		if usePat && !glob.Match(pat, it.member, false) {
			continue
		}
		keep = append(keep, it)
	}
	c.Array(2)
	var buf [20]byte
	c.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	c.Array(2 * len(keep))
	for _, it := range keep {
		c.Bulk(it.member)
		zsBulkDouble(c, it.score)
	}
}
