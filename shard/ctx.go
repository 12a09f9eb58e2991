package shard

import (
	"time"

	"github.com/duva-db/duva/codec"
)

// Ctx is what a command handler sees: its arguments, the client, the reply
// buffer, and the keyspace of the shards its worker holds for it. A Ctx belongs to
// one Worker and is reused for every command it runs; handlers must not keep it.
type Ctx struct {
	e      *Engine
	w      *Worker
	Client *Client
	Cmd    *Command
	Args   [][]byte
	Out    []byte
	Now    int64 // unix ms, fixed for the whole command (Redis's cached mstime)
	db     int
	proto  int
	only   *Shard // the one shard this command needs, if just one (saves rehashing its keys)

	// blocking (see blocking.go)
	blocked      bool
	blockKeys    [][]byte
	blockTimeout time.Duration
	rerun        bool
	ready        []readyKey // keys created during this command that clients wait for

	// touched: entries write commands looked up or created, whose collection
	// size is accounted after the command (evict.go accountTouched)
	touched []*Entry

	// persistence (persist.go)
	dirty   int64  // changes made by this command (rdb_changes_since_last_save)
	prop    []byte // Rewrite: what the AOF records instead of the command
	propSet bool
}

// run executes cmd with the shards it needs already held by the calling worker.
func (w *Worker) run(cl *Client, cmd *Command, args [][]byte, out []byte, need []int) []byte {
	if w.e.clusterOn && cl.cc.routing != nil {
		if msg := w.recheckSlot(cl, cmd, args, need); msg != "" {
			w.lastBlocked = false
			cmd.rejected(w)
			return w.reject(cl, codec.AppendError(out, msg), len(out))
		}
	}
	c := &w.ctx
	c.Client, c.Cmd, c.Args, c.Out = cl, cmd, args, out
	c.only = nil
	if len(need) == 1 {
		c.only = w.e.shards[need[0]]
	}
	c.db, c.proto = cl.DB(), cl.Proto()
	c.rerun = cl.job.rerun
	mark := len(out)
	cl.lastCmd.Store(int32(cmd.id)) // before Exec: CLIENT INFO shows itself, as in Redis
	start := w.clock.start()
	c.Now = w.clock.wallMs(start)
	if cmd.Flags&FlagWrite != 0 && !cl.loader { // (a load is never refused nor evicted, as in Redis)
		if p := w.e.memPolicy(); p.max > 0 && !w.freeMemory(p, need, c.Now) && cmd.Flags&FlagDenyOOM != 0 {
			w.lastBlocked = false
			c.Client, c.Cmd, c.Args, c.Out = nil, nil, nil, nil
			cmd.rejected(w)
			return w.reject(cl, codec.AppendError(out, ErrOOM), len(out))
		}
	}
	cmd.Exec(c)
	dur := w.clock.end(start)
	if len(c.touched) > 0 {
		c.accountTouched()
	}
	if c.dirty > 0 {
		w.e.stats.dirty.Add(c.dirty)
		c.propagate(c.db, args)
		c.dirty = 0
		for _, i := range need {
			w.e.shards[i].memDirty = true
		}
	}
	if c.propSet {
		c.prop, c.propSet = c.prop[:0], false
	}
	out = c.Out
	blocked, keys, timeout := c.blocked, c.blockKeys, c.blockTimeout
	ready := c.ready
	c.Client, c.Cmd, c.Args, c.Out = nil, nil, nil, nil
	c.blocked, c.blockKeys, c.rerun, c.ready = false, nil, false, nil
	if blocked {
		out = out[:mark] // a blocked command replies later
		w.block(cl, cmd, args, need, keys, timeout)
	}

	st := &w.stats[cmd.id]
	st.calls.Add(1)
	us := dur.Microseconds()
	st.usec.Add(us)
	if len(out) > mark && out[mark] == '-' {
		st.failed.Add(1)
		w.e.countError(out[mark:])
	}
	cl.lastActive.Store(c.Now)
	w.e.afterCommand(cl, cmd, args, dur)
	if len(ready) > 0 {
		w.serveReady(ready, need)
	}
	// Set last: the reruns in serveReady set it too. Worker-local, so a
	// blocked client's timer (another goroutine) cannot race with it.
	w.lastBlocked = blocked
	if blocked {
		return out
	}
	return cl.endReply(out, mark)
}

// procStart anchors the monotonic clock readings of every worker.
var procStart = time.Now()

// batchClock reads the time the way Redis's call() does (a start and an end per
// command) with fewer clock reads: one wall+monotonic read per batch, then one
// monotonic read per command, whose end doubles as the next command's start.
// Durations therefore also count the parsing of the command (tens of ns). Wall
// time is the batch's wall clock plus the monotonic time since, so it cannot
// drift within a batch.
type batchClock struct {
	valid  bool
	wallNs int64         // unix ns at the batch start
	mono0  time.Duration // monotonic reading at the batch start
	last   time.Duration // end of the previous command in this batch
}

func (b *batchClock) start() time.Duration {
	if !b.valid {
		now := time.Now()
		b.wallNs = now.UnixNano()
		b.mono0 = now.Sub(procStart)
		b.last = b.mono0
		b.valid = true
	}
	return b.last
}

func (b *batchClock) wallMs(mono time.Duration) int64 {
	return (b.wallNs + int64(mono-b.mono0)) / int64(time.Millisecond)
}

func (b *batchClock) end(start time.Duration) time.Duration {
	b.last = time.Since(procStart)
	return b.last - start
}

// reset ends the batch: the next command reads the wall clock again.
func (b *batchClock) reset() { b.valid = false }

// Proto is the client's RESP version.
func (c *Ctx) Proto() int { return c.proto }

// DBIndex is the selected database.
func (c *Ctx) DBIndex() int { return c.db }

// shardOf returns the shard that owns key. The worker holds it for this command.
func (c *Ctx) shardOf(key []byte) *Shard {
	if c.only != nil {
		return c.only
	}
	if len(c.e.shards) == 1 {
		return c.e.shards[0]
	}
	return c.e.shards[c.e.slotShard[KeySlot(key)]]
}

// dict is the table of key's shard in the selected database.
func (c *Ctx) dict(key []byte) *Dict { return c.shardOf(key).dbs[c.db] }

// Lookup finds a live key, deleting it first if its TTL has passed (lazy expiry).
func (c *Ctx) Lookup(key []byte) *Entry { return c.lookupIn(c.shardOf(key), c.db, key) }

// lookupIn is the one way commands find keys. Besides lazy expiry, it is where
// a running snapshot gets a key's old value before a write command changes it
// (every change of a key starts with a lookup of that key by a write command).
func (c *Ctx) lookupIn(s *Shard, db int, key []byte) *Entry {
	d := s.dbs[db]
	e := d.Get(key)
	if e == nil {
		return nil
	}
	if e.Expire() != 0 && e.Expire() <= c.Now && (c.Client == nil || !c.Client.loader) {
		// (Nothing expires while loading: a replayed command must find the
		// keys the original found, as Redis's keyIsExpired does.)
		c.expire(s, db, d, key)
		return nil
	}
	if c.Cmd != nil {
		if c.Cmd.Flags&FlagWrite != 0 {
			if s.snap != nil && e.snap != s.snap.sn.epoch {
				s.snap.preserve(d, e)
			}
			if e.meta&entryHasObj != 0 {
				c.touched = append(c.touched, e)
			}
		}
		if !c.Cmd.noTouch {
			s.touch(e, c.e.memPolicy(), c.Now)
		}
	}
	return e
}

// LookupRead is Lookup for a read, counted in keyspace_hits/misses.
func (c *Ctx) LookupRead(key []byte) *Entry {
	s := c.shardOf(key)
	e := c.lookupIn(s, c.db, key)
	if e == nil {
		s.keyMisses.Add(1)
	} else {
		s.keyHits.Add(1)
	}
	return e
}

// Create adds key, which the caller found absent with Lookup.
func (c *Ctx) Create(key []byte) *Entry { return c.CreateString(key, nil) }

// CreateString adds key, absent (Lookup found nothing), holding the string val.
func (c *Ctx) CreateString(key, val []byte) *Entry {
	c.dirty++
	e := c.dict(key).InsertStr(key, val)
	e.meta |= newKeyMeta(c.e.memPolicy(), c.Now)
	return e
}

// Remove deletes key if present (expired or not); reports whether it was live.
func (c *Ctx) Remove(key []byte) bool {
	if c.Lookup(key) == nil {
		return false
	}
	c.dict(key).Delete(key)
	c.dirty++
	return true
}

// SetExpire sets (at > 0) or clears (at == 0) the TTL of entry e of key.
func (c *Ctx) SetExpire(key []byte, e *Entry, at int64) {
	if e.Expire() != at {
		c.dict(key).SetExpire(e, at)
	}
}

// Dirty counts n changes for rdb_changes_since_last_save.
func (c *Ctx) Dirty(n int) { c.dirty += int64(n) }

// Engine gives handlers the server-wide state.
func (c *Ctx) Engine() *Engine { return c.e }

// Reply helpers append to c.Out.

func (c *Ctx) OK()                 { c.Out = codec.AppendOK(c.Out) }
func (c *Ctx) Simple(s string)     { c.Out = codec.AppendSimple(c.Out, s) }
func (c *Ctx) Error(msg string)    { c.Out = codec.AppendError(c.Out, msg) }
func (c *Ctx) Int(n int64)         { c.Out = codec.AppendInt(c.Out, n) }
func (c *Ctx) Bulk(b []byte)       { c.Out = codec.AppendBulk(c.Out, b) }
func (c *Ctx) BulkString(s string) { c.Out = codec.AppendBulkString(c.Out, s) }
func (c *Ctx) BulkInt(n int64)     { c.Out = codec.AppendBulkInt(c.Out, n) }
func (c *Ctx) Null()               { c.Out = codec.AppendNull(c.Out, c.proto) }
func (c *Ctx) NullArray()          { c.Out = codec.AppendNullArray(c.Out, c.proto) }
func (c *Ctx) Array(n int)         { c.Out = codec.AppendArrayHeader(c.Out, n) }

// Lines replies with an array of status lines (the HELP subcommands).
func (c *Ctx) Lines(lines []string) {
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
}
func (c *Ctx) Map(n int)               { c.Out = codec.AppendMapHeader(c.Out, c.proto, n) }
func (c *Ctx) Set(n int)               { c.Out = codec.AppendSetHeader(c.Out, c.proto, n) }
func (c *Ctx) Double(f float64)        { c.Out = codec.AppendDouble(c.Out, c.proto, f) }
func (c *Ctx) Bool(v bool)             { c.Out = codec.AppendBool(c.Out, c.proto, v) }
func (c *Ctx) Verbatim(s string)       { c.Out = codec.AppendVerbatim(c.Out, c.proto, "txt", []byte(s)) }
func (c *Ctx) WrongType()              { c.Error(ErrWrongType) }
func (c *Ctx) SyntaxError()            { c.Error(ErrSyntax) }
func (c *Ctx) NotInteger()             { c.Error(ErrNotInteger) }
func (c *Ctx) ArityError()             { c.Out = appendArityError(c.Out, c.Cmd) }
func (c *Ctx) Errorf(prefix, s string) { c.Error(prefix + s) }
