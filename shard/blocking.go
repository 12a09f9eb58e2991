package shard

import (
	"math"
	"math/big"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/duva-db/duva/codec"
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

// ParseTimeout reads a blocking command's timeout in seconds (fractions and
// hex floats allowed, 0 = forever), as Redis 7.0's getTimeoutFromObjectOrReply
// does with strtold: a value whose milliseconds overflow a long long (inf,
// 1e400, anything from about 9.3e15 s) converts to a negative number there, so
// it gets "timeout is negative" too.
func (c *Ctx) ParseTimeout(arg []byte) (time.Duration, bool) {
	var ms float64
	inf := 0
	body := arg
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
	}
	if f, err := strconv.ParseFloat(string(arg), 64); err == nil && validFloatSyntax(body, false) {
		ms = f * 1000 // plain decimal: the common case, without allocating
	} else {
		var x big.Float
		var ok bool
		if inf, ok = parseLongDouble(arg, &x); !ok {
			c.Error("ERR timeout is not a float or out of range")
			return 0, false
		}
		ms, _ = x.Float64()
		ms *= 1000
	}
	if inf != 0 || ms < 0 || ms >= math.MaxInt64 {
		c.Error("ERR timeout is negative")
		return 0, false
	}
	ms = math.Ceil(ms)
	if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		ms = float64(math.MaxInt64 / int64(time.Millisecond)) // forever, in practice
	}
	return time.Duration(ms) * time.Millisecond, true
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

// How it works.
//
// Each shard keeps, for the keys it owns, the FIFO of clients blocked on each
// key (Shard.waiters, holder only). A client blocks by registering in the list
// of every key it names (all those shards are held by the command) and parking
// its command in its job, like a queued command: its loop waits for Notify.
//
// A blocked client can only be waiting for a key that does not exist, so a
// key becomes "ready" when it is created (Ctx.CreateObject). Right after the
// command that created it, while its shards are still held, the waiters of
// the key are tried in FIFO order: each waiter is claimed (state waiting →
// serving, so its timer cannot race) and its command runs again, inline if
// every shard it needs is held here, else as a job through the mailboxes.
// If the rerun serves it, it is done and notified; if not (another waiter
// took the data), it goes back to waiting at the same place in line.
//
// A timer per blocked client (time.AfterFunc) ends the wait by queueing a
// timeout job to the client's home shard (the first shard its command needs).
// Whoever blocks or serves the client holds that shard, so the timeout job
// runs only when nobody else touches the client: it claims the client
// (waiting → done), writes the null reply and notifies. A client that
// disconnects is marked done. Registrations of clients that are no
// longer waiting for that block are dropped when met, and swept on every shard
// tick, so nothing is left behind.

const (
	blockNone int32 = iota
	blockWaiting
	blockServing
	blockDone
)

// blockState is a client's blocking state.
type blockState struct {
	state  atomic.Int32
	gen    atomic.Uint64 // block generation; registrations and timers of older ones are stale
	home   atomic.Int32  // the shard its timeout job goes to
	timer  *time.Timer   // nil when blocked forever; loop or holder of home
	keys   []string      // the keys it waits for (db-prefixed), for re-signalling
	closed atomic.Bool   // the connection closed
}

// waiter is one registration in a key's FIFO.
type waiter struct {
	cl  *Client
	gen uint64
}

// readyKey is a key created during a command that has waiters.
type readyKey struct {
	s  *Shard
	wk string // db-prefixed key
}

// waitKey is the map key of a (db, key) pair in Shard.waiters.
func waitKey(buf []byte, db int, key []byte) []byte {
	buf = append(buf[:0], byte(db), byte(db>>8))
	return append(buf, key...)
}

// signalReady notes that key was just created as a list or sorted set, so
// clients blocked on it are served once the current command is done.
func (c *Ctx) signalReady(key []byte) {
	s := c.shardOf(key)
	if s.nwaiters == 0 {
		return
	}
	var buf [64]byte
	wk := waitKey(buf[:0], c.db, key)
	if len(s.waiters[string(wk)]) == 0 {
		return
	}
	c.ready = append(c.ready, readyKey{s: s, wk: string(wk)})
}

// block parks cl after its command called Ctx.Block: the command moves into
// cl's job, cl is registered on every key (the first time only: a rerun keeps
// its place in line) and its timer starts.
func (w *Worker) block(cl *Client, cmd *Command, args [][]byte, need []int, keys [][]byte, timeout time.Duration) {
	j := &cl.job
	if j.rerun {
		return // still registered; complete/serveReady put it back to waiting
	}
	j.load(cl, cmd, args, need)
	b := &cl.blk
	gen := b.gen.Add(1)
	b.keys = b.keys[:0]
	db := cl.DB()
	var buf [64]byte
	for _, k := range keys {
		s := w.e.shards[w.e.ShardOf(k)]
		wk := string(waitKey(buf[:0], db, k))
		if s.waiters == nil {
			s.waiters = map[string][]waiter{}
		}
		s.waiters[wk] = append(s.waiters[wk], waiter{cl: cl, gen: gen})
		s.nwaiters++
		b.keys = append(b.keys, wk)
	}
	w.e.blockedClients.Add(1)
	b.home.Store(int32(need[0]))
	b.state.Store(blockWaiting)
	b.timer = nil
	if timeout > 0 {
		e := w.e
		b.timer = time.AfterFunc(timeout, func() { e.timeouts <- timeoutReq{cl, gen} })
	}
}

// timeoutReq is a fired timer of a blocked client.
type timeoutReq struct {
	cl  *Client
	gen uint64
}

// timeoutLoop turns fired timers into timeout jobs on the clients' home
// shards. It has its own worker, so it can run those jobs itself when the
// shard is free.
func (e *Engine) timeoutLoop() {
	w := e.NewWorker()
	for {
		select {
		case <-e.tickStop:
			return
		case r := <-e.timeouts:
			j := &job{kind: jobTimeout, cl: r.cl, gen: r.gen}
			w.enqueue(e.shards[r.cl.blk.home.Load()], j)
			w.settle()
			w.clock.reset()
		}
	}
}

// runTimeout ends a wait whose time is up; the worker holds the client's home
// shard, so no block or rerun of this client is in flight.
func (w *Worker) runTimeout(j *job) {
	b := &j.cl.blk
	if b.gen.Load() == j.gen && b.state.CompareAndSwap(blockWaiting, blockDone) {
		w.e.replyTimeout(j.cl)
	}
}

// replyTimeout answers a timed-out blocking command with a null array. The
// caller won the state change to done.
func (e *Engine) replyTimeout(cl *Client) {
	e.blockedClients.Add(-1)
	j := &cl.job
	j.out = codec.AppendNullArray(j.out[:0], cl.Proto())
	j.out = cl.endReply(j.out, 0)
	j.rerun = false
	cl.finish(j)
}

// unclaim puts a client whose rerun found nothing back to waiting (its timer,
// if it fired meanwhile, has a timeout job queued behind this holder).
func (e *Engine) unclaim(cl *Client) {
	b := &cl.blk
	cl.job.rerun = false
	b.state.Store(blockWaiting)
	if b.closed.Load() && b.state.CompareAndSwap(blockWaiting, blockDone) {
		e.blockedClients.Add(-1)
	}
}

// ClientClosed cancels a blocked wait when its connection closes; its
// registrations are swept by the shards' ticks.
func (e *Engine) ClientClosed(cl *Client) {
	b := &cl.blk
	b.closed.Store(true)
	if b.state.CompareAndSwap(blockWaiting, blockDone) {
		e.blockedClients.Add(-1)
		if t := b.timer; t != nil {
			t.Stop()
		}
	}
}

// serveReady tries the waiters of keys created by the command that just ran on
// this worker, which still holds the shards in held. Waiters are tried in FIFO
// order while the key exists; each is claimed first, so its timer cannot race.
func (w *Worker) serveReady(ready []readyKey, held []int) {
	for _, r := range ready {
		s := r.s
		db := int(r.wk[0]) | int(r.wk[1])<<8
		key := []byte(r.wk[2:])
		for i := 0; i < len(s.waiters[r.wk]); {
			if e := s.dbs[db].Get(key); e == nil || (e.Expire() != 0 && e.Expire() <= time.Now().UnixMilli()) {
				break // nothing left to serve
			}
			wt := s.waiters[r.wk][i]
			b := &wt.cl.blk
			if wt.gen != b.gen.Load() || b.state.Load() == blockDone {
				s.removeWaiter(r.wk, i) // stale: served elsewhere, timed out, gone
				continue
			}
			if !b.state.CompareAndSwap(blockWaiting, blockServing) {
				i++ // claimed by a rerun in flight
				continue
			}
			j := &wt.cl.job
			j.rerun = true
			if !subset(j.need, held) {
				// It needs shards we do not hold: rerun it through the
				// mailboxes; whoever runs it re-signals what is left over.
				j.got = 0
				j.out = j.out[:0]
				w.enqueue(w.e.shards[j.need[0]], j)
				break
			}
			j.out = w.run(wt.cl, j.cmd, j.args, j.out[:0], j.need)
			if w.lastBlocked {
				w.e.unclaim(wt.cl)
				i++
				continue
			}
			s.removeWaiter(r.wk, i)
			w.finishServed(wt.cl)
		}
	}
}

// finishServed completes a rerun that served its client.
func (w *Worker) finishServed(cl *Client) {
	b := &cl.blk
	w.e.blockedClients.Add(-1)
	b.state.Store(blockDone)
	if t := b.timer; t != nil {
		t.Stop() // a timer that fired already finds a newer gen or state done
	}
	cl.job.rerun = false
	cl.finish(&cl.job)
}

// completeRerun finishes a blocked command rerun that came through a mailbox:
// the worker holds every shard in j.need. If it served, keys it waited on that
// still hold data are offered to the next waiters.
func (w *Worker) completeRerun(j *job) {
	cl := j.cl
	if w.lastBlocked {
		w.e.unclaim(cl)
		return
	}
	var again []readyKey
	for _, wk := range cl.blk.keys {
		key := []byte(wk[2:])
		s := w.e.shards[w.e.ShardOf(key)]
		if subset([]int{s.id}, j.need) && len(s.waiters[wk]) > 0 {
			again = append(again, readyKey{s: s, wk: wk})
		}
	}
	need := append([]int(nil), j.need...) // j is the client's again once finished
	w.finishServed(cl)
	if len(again) > 0 {
		w.serveReady(again, need)
	}
}

func (s *Shard) removeWaiter(wk string, i int) {
	list := s.waiters[wk]
	copy(list[i:], list[i+1:])
	list[len(list)-1] = waiter{}
	list = list[:len(list)-1]
	s.nwaiters--
	if len(list) == 0 {
		delete(s.waiters, wk)
	} else {
		s.waiters[wk] = list
	}
}

// sweepWaiters drops registrations of clients no longer waiting for them
// (served through another key, timed out, disconnected). Shard tick only.
func (s *Shard) sweepWaiters() {
	if s.nwaiters == 0 {
		return
	}
	for wk, list := range s.waiters {
		keep := list[:0]
		for _, wt := range list {
			b := &wt.cl.blk
			if wt.gen == b.gen.Load() && b.state.Load() != blockDone {
				keep = append(keep, wt)
			} else {
				s.nwaiters--
			}
		}
		for i := len(keep); i < len(list); i++ {
			list[i] = waiter{}
		}
		if len(keep) == 0 {
			delete(s.waiters, wk)
		} else {
			s.waiters[wk] = keep
		}
	}
}

func subset(a, b []int) bool {
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
