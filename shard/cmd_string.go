package shard

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// String commands (Redis 7.0's t_string.c semantics, replies byte for byte).
//
// Values are stored as plain bytes in Entry.Str. Redis keeps small integers in
// an "int" encoding; duva keeps the decimal text and parses it when a command
// needs the number, which gives the same replies.
//
// Hot path: GET and SET of an existing key allocate nothing. SET reuses the
// old value's capacity unless it is much larger than the new value (so a value
// that shrinks gives its memory back); INCR formats the new number in place.

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get the value of a key", Since: "1.0.0", Exec: getCommand},
		&Command{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Set the string value of a key", Since: "1.0.0", Exec: setCommand},
		&Command{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get the value of a key and optionally set its expiration", Since: "6.2.0", Exec: getexCommand},
		&Command{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get the value of a key and delete the key", Since: "6.2.0", Exec: getdelCommand},
		&Command{Name: "getset", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Set the string value of a key and return its old value", Since: "1.0.0", Exec: getsetCommand},
		&Command{Name: "setnx", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Set the value of a key, only if the key does not exist", Since: "1.0.0", Exec: setnxCommand},
		&Command{Name: "setex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Set the value and expiration of a key", Since: "2.0.0", Exec: setexCommand},
		&Command{Name: "psetex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Set the value and expiration in milliseconds of a key", Since: "2.6.0", Exec: psetexCommand},
		&Command{Name: "mset", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Summary: "Set multiple keys to multiple values", Since: "1.0.1", Exec: msetCommand},
		&Command{Name: "msetnx", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Summary: "Set multiple keys to multiple values, only if none of the keys exist", Since: "1.0.1", Exec: msetnxCommand},
		&Command{Name: "mget", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "string", Summary: "Get the values of all the given keys", Since: "1.0.0", Exec: mgetCommand},
		&Command{Name: "append", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Append a value to a key", Since: "2.0.0", Exec: appendCommand},
		&Command{Name: "strlen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get the length of the value stored in a key", Since: "2.2.0", Exec: strlenCommand},
		&Command{Name: "getrange", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get a substring of the string stored at a key", Since: "2.4.0", Exec: getrangeCommand},
		&Command{Name: "substr", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Get a substring of the string stored at a key", Since: "1.0.0", Exec: getrangeCommand},
		&Command{Name: "setrange", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Overwrite part of a string at key starting at the specified offset", Since: "2.2.0", Exec: setrangeCommand},
		&Command{Name: "incr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increment the integer value of a key by one", Since: "1.0.0", Exec: incrCommand},
		&Command{Name: "decr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Decrement the integer value of a key by one", Since: "1.0.0", Exec: decrCommand},
		&Command{Name: "incrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increment the integer value of a key by the given amount", Since: "1.0.0", Exec: incrbyCommand},
		&Command{Name: "decrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Decrement the integer value of a key by the given number", Since: "1.0.0", Exec: decrbyCommand},
		&Command{Name: "incrbyfloat", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increment the float value of a key by the given amount", Since: "2.6.0", Exec: incrbyfloatCommand},
	)
}

// stringLenOK is Redis's checkStringLength: APPEND and SETRANGE may not build a
// string longer than proto-max-bulk-len. That setting is at least 1 MB, so the
// configuration is only read for larger strings. On error it has replied.
func stringLenOK(c *Ctx, offset, add int64) bool {
	total := offset + add
	if total < offset { // overflow
		c.Error(ErrMaxStringLen)
		return false
	}
	if total <= 1<<20 {
		return true
	}
	limit, ok := parseInt([]byte(configValue(c, "proto-max-bulk-len")))
	if !ok {
		limit = 512 << 20
	}
	if total > limit {
		c.Error(ErrMaxStringLen)
		return false
	}
	return true
}

// Error texts of this file that errors.go does not have.
const (
	errOffsetRange  = "ERR offset is out of range"
	errDecrOverflow = "ERR decrement would overflow"
	errIncrFloatNaN = "ERR increment would produce NaN or Infinity"
)

// ---- storing values ----

// setString makes key hold the string v. e is key's live entry (from Lookup) or
// nil. The TTL is cleared unless keepTTL. Counts one change for the dirty counter.
func setString(c *Ctx, key []byte, e *Entry, v []byte, keepTTL bool) *Entry {
	if e == nil {
		e = c.CreateString(key, v) // counts the change
		e.Type = TypeString
		return e
	}
	c.Dirty(1)
	e.Enc = EncAuto
	e.Type = TypeString
	e.SetStr(v) // drops a collection value; reuses the blob when v fits
	if !keepTTL && e.Expire() != 0 {
		c.SetExpire(key, e, 0)
	}
	return e
}

// ---- option parsing shared by SET and GETEX ----

const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT

	setAnyExpire = setEX | setPX | setEXAT | setPXAT
)

// argIs reports whether arg equals word (given in upper case), ignoring ASCII case.
func argIs(arg []byte, word string) bool {
	if len(arg) != len(word) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		ch := arg[i]
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch != word[i] {
			return false
		}
	}
	return true
}

// parseSetOptions parses SET's options (from argv[3]) or GETEX's (from argv[2],
// getex == true), with Redis's rules on which options exclude each other. On
// error it has replied.
func parseSetOptions(c *Ctx, from int, getex bool) (flags int, expire []byte, ok bool) {
	args := c.Args
	for j := from; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case !getex && argIs(opt, "NX") && flags&setXX == 0:
			flags |= setNX
		case !getex && argIs(opt, "XX") && flags&setNX == 0:
			flags |= setXX
		case !getex && argIs(opt, "GET"):
			flags |= setGet
		case !getex && argIs(opt, "KEEPTTL") && flags&(setPersist|setAnyExpire) == 0:
			flags |= setKeepTTL
		case getex && argIs(opt, "PERSIST") && flags&(setAnyExpire|setKeepTTL) == 0:
			flags |= setPersist
		case argIs(opt, "EX") && flags&(setKeepTTL|setPersist|setEXAT|setPX|setPXAT) == 0 && hasNext:
			flags |= setEX
			expire = args[j+1]
			j++
		case argIs(opt, "PX") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPXAT) == 0 && hasNext:
			flags |= setPX
			expire = args[j+1]
			j++
		case argIs(opt, "EXAT") && flags&(setKeepTTL|setPersist|setEX|setPX|setPXAT) == 0 && hasNext:
			flags |= setEXAT
			expire = args[j+1]
			j++
		case argIs(opt, "PXAT") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPX) == 0 && hasNext:
			flags |= setPXAT
			expire = args[j+1]
			j++
		default:
			c.SyntaxError()
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// invalidExpire replies "ERR invalid expire time in '<command>' command".
func invalidExpire(c *Ctx) {
	c.Error(fmt.Sprintf(ErrInvalidExpire, c.Cmd.Name))
}

// expireArg turns the EX/PX/EXAT/PXAT argument into an absolute unix time in ms,
// as Redis's getExpireMillisecondsOrReply: it must be a positive integer, and
// the result must not overflow. On error it has replied.
func expireArg(c *Ctx, arg []byte, flags int) (int64, bool) {
	ms, ok := parseInt(arg)
	if !ok {
		c.NotInteger()
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		invalidExpire(c)
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		if ms > math.MaxInt64-c.Now {
			invalidExpire(c)
			return 0, false
		}
		ms += c.Now
	}
	return ms, true
}

// ---- commands ----

func getCommand(c *Ctx) {
	e := c.LookupRead(c.Args[1])
	switch {
	case e == nil:
		c.Null()
	case e.Type != TypeString:
		c.WrongType()
	default:
		c.Bulk(e.Str())
	}
}

// replyOldValue is GET's reply for the old value in SET ... GET and GETSET; it
// returns the live entry and false when the key holds another type (the error is sent).
func replyOldValue(c *Ctx, key []byte) (*Entry, bool) {
	e := c.LookupRead(key)
	switch {
	case e == nil:
		c.Null()
	case e.Type != TypeString:
		c.WrongType()
		return nil, false
	default:
		c.Bulk(e.Str())
	}
	return e, true
}

// setReply says how setGeneric answers: SET's +OK / null, or SETNX's :1 / :0.
type setReply uint8

const (
	replySetOK setReply = iota
	replySetNX
)

func setCommand(c *Ctx) {
	flags, expire, ok := parseSetOptions(c, 3, false)
	if !ok {
		return
	}
	setGeneric(c, flags, c.Args[1], c.Args[2], expire, replySetOK)
}

// setGeneric is Redis's setGenericCommand.
func setGeneric(c *Ctx, flags int, key, val, expire []byte, reply setReply) {
	var when int64
	if expire != nil {
		var ok bool
		if when, ok = expireArg(c, expire, flags); !ok {
			return
		}
	}
	var e *Entry
	if flags&setGet != 0 {
		var ok bool
		if e, ok = replyOldValue(c, key); !ok {
			return
		}
	} else {
		e = c.Lookup(key)
	}
	if (flags&setNX != 0 && e != nil) || (flags&setXX != 0 && e == nil) {
		if flags&setGet == 0 {
			if reply == replySetNX {
				c.Int(0)
			} else {
				c.Null()
			}
		}
		return
	}
	e = setString(c, key, e, val, flags&setKeepTTL != 0 || expire != nil)
	if expire != nil {
		c.SetExpire(key, e, when)
		if c.propagating() {
			var nb [20]byte
			c.Rewrite(bSET, key, val, bPXAT, strconv.AppendInt(nb[:0], when, 10))
		}
	}
	if flags&setGet == 0 {
		if reply == replySetNX {
			c.Int(1)
		} else {
			c.OK()
		}
	}
}

func setnxCommand(c *Ctx) { setGeneric(c, setNX, c.Args[1], c.Args[2], nil, replySetNX) }

func setexCommand(c *Ctx) { setGeneric(c, setEX, c.Args[1], c.Args[3], c.Args[2], replySetOK) }

func psetexCommand(c *Ctx) { setGeneric(c, setPX, c.Args[1], c.Args[3], c.Args[2], replySetOK) }

func getexCommand(c *Ctx) {
	flags, expire, ok := parseSetOptions(c, 2, true)
	if !ok {
		return
	}
	key := c.Args[1]
	e := c.LookupRead(key)
	if e == nil {
		c.Null()
		return
	}
	if e.Type != TypeString {
		c.WrongType()
		return
	}
	var when int64
	if expire != nil {
		if when, ok = expireArg(c, expire, flags); !ok {
			return
		}
	}
	c.Bulk(e.Str())
	switch {
	case flags&(setEXAT|setPXAT) != 0 && c.alreadyExpired(when):
		c.Remove(key) // an absolute time already passed: the key goes now
		c.Rewrite(bDEL, key)
	case expire != nil:
		c.SetExpire(key, e, when)
		c.Dirty(1)
		c.rewriteExpireAt(key, when)
	case flags&setPersist != 0 && e.Expire() != 0:
		c.SetExpire(key, e, 0)
		c.Dirty(1)
	}
}

func getdelCommand(c *Ctx) {
	key := c.Args[1]
	e := c.LookupRead(key)
	if e == nil {
		c.Null()
		return
	}
	if e.Type != TypeString {
		c.WrongType()
		return
	}
	c.Bulk(e.Str())
	c.Remove(key)
}

func getsetCommand(c *Ctx) {
	key := c.Args[1]
	e, ok := replyOldValue(c, key)
	if !ok {
		return
	}
	setString(c, key, e, c.Args[2], false)
}

func msetCommand(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.ArityError()
		return
	}
	for j := 1; j < len(c.Args); j += 2 {
		key := c.Args[j]
		setString(c, key, c.Lookup(key), c.Args[j+1], false)
	}
	c.OK()
}

func msetnxCommand(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.ArityError()
		return
	}
	for j := 1; j < len(c.Args); j += 2 {
		if c.Lookup(c.Args[j]) != nil {
			c.Int(0)
			return
		}
	}
	for j := 1; j < len(c.Args); j += 2 {
		key := c.Args[j]
		// Lookup again: the same key may be given twice (the last value wins).
		setString(c, key, c.Lookup(key), c.Args[j+1], false)
	}
	c.Int(1)
}

func mgetCommand(c *Ctx) {
	c.Array(len(c.Args) - 1)
	for _, key := range c.Args[1:] {
		if e := c.LookupRead(key); e != nil && e.Type == TypeString {
			c.Bulk(e.Str())
		} else {
			c.Null()
		}
	}
}

func appendCommand(c *Ctx) {
	key, v := c.Args[1], c.Args[2]
	e := c.Lookup(key)
	if e == nil {
		e = setString(c, key, nil, v, false)
		c.Int(int64(len(e.Str())))
		return
	}
	if e.Type != TypeString {
		c.WrongType()
		return
	}
	if !stringLenOK(c, int64(len(e.Str())), int64(len(v))) {
		return
	}
	old := len(e.Str())
	copy(e.Resize(old + len(v))[old:], v)
	e.Enc = EncRaw
	c.Dirty(1)
	c.Int(int64(len(e.Str())))
}

func strlenCommand(c *Ctx) {
	e := c.LookupRead(c.Args[1])
	switch {
	case e == nil:
		c.Int(0)
	case e.Type != TypeString:
		c.WrongType()
	default:
		c.Int(int64(len(e.Str())))
	}
}

func getrangeCommand(c *Ctx) {
	start, ok1 := parseInt(c.Args[2])
	end, ok2 := parseInt(c.Args[3])
	if !ok1 || !ok2 {
		c.NotInteger()
		return
	}
	e := c.LookupRead(c.Args[1])
	if e == nil {
		c.Bulk(nil)
		return
	}
	if e.Type != TypeString {
		c.WrongType()
		return
	}
	n := int64(len(e.Str()))
	if start < 0 && end < 0 && start > end {
		c.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.Bulk(nil)
		return
	}
	c.Bulk(e.Str()[start : end+1])
}

func setrangeCommand(c *Ctx) {
	key, v := c.Args[1], c.Args[3]
	offset, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if offset < 0 {
		c.Error(errOffsetRange)
		return
	}
	e := c.Lookup(key)
	if e == nil {
		if len(v) == 0 {
			c.Int(0)
			return
		}
		if !stringLenOK(c, offset, int64(len(v))) {
			return
		}
		e = c.Create(key)
		e.Type = TypeString
		e.Enc = EncRaw
		copy(e.Resize(int(offset) + len(v))[offset:], v)
		c.Int(int64(len(e.Str())))
		return
	}
	if e.Type != TypeString {
		c.WrongType()
		return
	}
	if len(v) == 0 {
		c.Int(int64(len(e.Str())))
		return
	}
	if !stringLenOK(c, offset, int64(len(v))) {
		return
	}
	b := e.Str() // written in place: the snapshot has the old value (lookupIn)
	if end := int(offset) + len(v); end > len(b) {
		b = e.Resize(end) // zero-filled
	}
	copy(b[offset:], v)
	e.Enc = EncRaw
	c.Dirty(1)
	c.Int(int64(len(e.Str())))
}

func incrCommand(c *Ctx) { incrDecr(c, 1) }
func decrCommand(c *Ctx) { incrDecr(c, -1) }

func incrbyCommand(c *Ctx) {
	by, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	incrDecr(c, by)
}

func decrbyCommand(c *Ctx) {
	by, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if by == math.MinInt64 {
		c.Error(errDecrOverflow)
		return
	}
	incrDecr(c, -by)
}

// incrDecr adds by to the integer at key (0 if missing), keeping its TTL.
func incrDecr(c *Ctx, by int64) {
	key := c.Args[1]
	e := c.Lookup(key)
	var v int64
	if e != nil {
		if e.Type != TypeString {
			c.WrongType()
			return
		}
		var ok bool
		if v, ok = parseInt(e.Str()); !ok {
			c.NotInteger()
			return
		}
	}
	if (by < 0 && v < 0 && by < math.MinInt64-v) || (by > 0 && v > 0 && by > math.MaxInt64-v) {
		c.Error(ErrOverflow)
		return
	}
	v += by
	if e == nil {
		var buf [20]byte
		setString(c, key, nil, strconv.AppendInt(buf[:0], v, 10), false)
	} else {
		var buf [20]byte
		e.SetStr(strconv.AppendInt(buf[:0], v, 10)) // in place: the blob is reused when it fits
		e.Enc = EncAuto
		c.Dirty(1)
	}
	c.Int(v)
}

// ---- INCRBYFLOAT ----
//
// Redis computes INCRBYFLOAT in C's long double, which on x86-64 Linux is the
// x87 80-bit format: a 64-bit mantissa and a 15-bit exponent. The result is
// printed with "%.17Lf" and trailing zeros removed. Doing the sum in float64
// would give different digits ("0.1"+"0.2" is "0.3" in Redis, not
// "0.30000000000000004"), so the arithmetic is emulated with math/big floats of
// 64-bit precision, rounding to nearest even like the x87 unit, and the range of
// the 80-bit format is checked by hand.

const (
	ldPrec      = 64    // mantissa bits of the x87 extended format
	ldMaxExp    = 16384 // |x| < 2^16384 (big.Float exponent convention: x = m * 2^exp, 0.5 <= m < 1)
	ldMinExp    = -16445
	ldMaxDigits = 5 * 1024 // MAX_LONG_DOUBLE_CHARS: longer inputs are rejected
)

// parseLongDouble parses s as Redis's string2ld does with glibc's strtold: no
// leading space, nothing after the number, decimal or hex ("0x1p4") notation,
// "inf"/"infinity" allowed, "nan" and out-of-range values rejected. inf is +1
// or -1 for infinities (x is then unset).
func parseLongDouble(s []byte, x *big.Float) (inf int, ok bool) {
	if len(s) == 0 || len(s) >= ldMaxDigits {
		return 0, false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i = 1
	}
	body := s[i:]
	if argIs(body, "INF") || argIs(body, "INFINITY") {
		if s[0] == '-' {
			return -1, true
		}
		return 1, true
	}
	hex := len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if hex {
		body = body[2:]
	}
	if !validFloatSyntax(body, hex) {
		return 0, false
	}
	base := 10
	if hex {
		base = 0 // "0x" prefix: hex mantissa, 'p' binary exponent
	}
	x.SetPrec(ldPrec).SetMode(big.ToNearestEven)
	if _, _, err := x.Parse(string(s), base); err != nil {
		return 0, false
	}
	if x.Sign() != 0 {
		exp := x.MantExp(nil)
		if exp > ldMaxExp || exp < ldMinExp {
			return 0, false // strtold: ERANGE with HUGE_VAL or a result rounded to zero
		}
	}
	return 0, true
}

// validFloatSyntax checks the number after the sign (and after "0x" for hex):
// digits with an optional point (at least one digit), then an optional
// exponent ('e' for decimal, 'p' for hex) with at least one digit.
func validFloatSyntax(b []byte, hex bool) bool {
	isDigit := func(ch byte) bool {
		if '0' <= ch && ch <= '9' {
			return true
		}
		return hex && ('a' <= ch|0x20 && ch|0x20 <= 'f')
	}
	i, digits := 0, 0
	for i < len(b) && isDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(b) {
		return true
	}
	expCh := byte('e')
	if hex {
		expCh = 'p'
	}
	if b[i]|0x20 != expCh {
		return false
	}
	i++
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	expDigits := 0
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
		expDigits++
	}
	return expDigits > 0 && i == len(b)
}

// formatLongDouble appends x as Redis's ld2string in human-friendly mode:
// "%.17Lf", trailing zeros (and a trailing point) removed, "-0" written "0".
func formatLongDouble(dst []byte, x *big.Float) []byte {
	start := len(dst)
	dst = x.Append(dst, 'f', 17)
	if bytes.IndexByte(dst[start:], '.') >= 0 {
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
		if dst[len(dst)-1] == '.' {
			dst = dst[:len(dst)-1]
		}
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

func incrbyfloatCommand(c *Ctx) {
	key := c.Args[1]
	e := c.Lookup(key)
	if e != nil && e.Type != TypeString {
		c.WrongType()
		return
	}
	var cur, incr big.Float
	curInf := 0
	if e != nil {
		var ok bool
		if curInf, ok = parseLongDouble(e.Str(), &cur); !ok {
			c.Error(ErrNotFloat)
			return
		}
	} else {
		cur.SetPrec(ldPrec)
	}
	incrInf, ok := parseLongDouble(c.Args[2], &incr)
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	if curInf != 0 || incrInf != 0 {
		// inf + x is inf, inf - inf is NaN: both rejected.
		c.Error(errIncrFloatNaN)
		return
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
	if e == nil {
		e = setString(c, key, nil, text, false)
	} else {
		e.SetStr(text)
		c.Dirty(1)
	}
	e.Enc = EncNoInt
	c.Bulk(e.Str())
	c.Rewrite(bSET, key, e.Str(), bKEEPTTL)
}
