package shard

import (
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/internal/config"
)

// Engine is the data side of the server: the shards, the command table and the
// state every connection shares (client registry, statistics, configuration).
// Event loops call Worker.Exec; nothing else touches shard data.
type Engine struct {
	Config *config.Config

	shards    []*Shard
	slotShard [SlotCount]uint16 // hash slot -> shard index (contiguous ranges)
	ndb       int

	clientsMu sync.Mutex // guards clients; never held while a shard is held
	clients   map[int64]*Client
	nextID    atomic.Int64

	stats      serverStats
	workersMu  sync.Mutex
	workers    []*Worker // every worker ever made, for INFO commandstats
	slowlog    slowlog
	latency    latencyMonitor
	startTime  time.Time
	runID      string
	shutdownFn atomic.Pointer[func(save, nosave bool)]

	limits         atomic.Pointer[ConnLimits]
	timeouts       chan timeoutReq // fired timers of blocked clients (blocking.go)
	memPeak        atomic.Int64
	blockedClients atomic.Int64
	enc            encodingLimits

	errMu    sync.Mutex // guards errStats, errTotal
	errStats map[string]int64
	errTotal int64

	opsMu      sync.Mutex
	opsSamples []opsSample

	// hop: every keyed command is queued to its shard's own goroutine (the
	// classic actor hand-off) instead of running inline when the shard is free.
	// Only for measuring the two designs side by side (shard-handoff hop).
	hop bool

	// clusterOn is cluster-enabled: the one branch Exec takes for slot
	// checks; cluster holds the rest (cluster.go).
	clusterOn bool
	cluster   clusterState

	log       *slog.Logger
	snapEpoch atomic.Uint32

	// memory budget (evict.go)
	mem         atomic.Pointer[memPolicy]
	goMemLimit  int64       // last debug.SetMemoryLimit; ApplyConfig's caller only
	memStartup  int64       // heap in use when the engine was built (used_memory_startup)
	evictMore   atomic.Bool // the total is over budget: shard ticks evict
	evictedKeys atomic.Int64
	persist     persistState // persist.go

	started  atomic.Bool
	tickStop chan struct{}
	tickDone chan struct{}
	tickW    *Worker
}

// Shard owns a part of the keyspace: every key whose hash slot maps to it, in all databases.
//
// Ownership: exactly one goroutine at a time holds a shard (held == true, set by a
// successful compare-and-swap). Only the holder may touch dbs, stats and the
// mailbox's consumer side. A holder either runs work inline or hands the shard to a
// queued job (see job.advance); whoever releases a shard must look at its mailbox
// again afterwards (Worker.recheck), and whoever queues a job must try to take the
// shard itself, so no job is ever stranded.
type Shard struct {
	id   int
	held atomic.Bool
	mb   *ring
	dbs  []*Dict // one per logical database; holder only

	wake chan struct{} // hop mode: wakes the shard's goroutine

	waiters  map[string][]waiter // clients blocked on keys of this shard, by db-prefixed key; holder only
	nwaiters int                 // registrations in waiters (including stale ones)

	tickQueued atomic.Bool // a tick job is in mb
	tick       job

	snap  *shardSnap // the running snapshot's state here, nil if none; holder only
	epoch uint32     // epoch of the latest snapshot; holder only

	rng uint64 // holder only

	// reclaimDue: a keyspace table of this shard has deleted records or blobs
	// waiting for Dict.Reclaim, done when the holder releases the shard. Holder only.
	reclaimDue bool

	// memory accounting and eviction (evict.go)
	memDirty  bool      // holder changed keys: publish at release; holder only
	pool      evictPool // holder only
	nextDB    int       // random policies' next database; holder only
	memUsed   atomic.Int64
	nkeys     atomic.Int64
	nvolatile atomic.Int64

	// statistics written by the holder, read by INFO from anywhere
	expiredKeys    atomic.Int64
	expireCycleCPU atomic.Int64 // ns spent in active expiry
	keyHits        atomic.Int64
	keyMisses      atomic.Int64
}

// NewEngine builds the shards from cfg (Shards, Databases, MaxClients).
func NewEngine(cfg *config.Config) *Engine {
	n := cfg.Shards
	if n < 1 {
		n = 1
	}
	e := &Engine{
		Config:    cfg,
		ndb:       cfg.Databases,
		clients:   make(map[int64]*Client),
		startTime: time.Now(),
		runID:     newRunID(),
		tickStop:  make(chan struct{}),
		tickDone:  make(chan struct{}),
		hop:       cfg.ShardHandoff == "hop",
		timeouts:  make(chan timeoutReq, 1024),
	}
	e.slowlog.init()
	// A client has at most one job in flight, and each shard at most one tick job,
	// so a mailbox never holds more than maxclients+loops+1 jobs. Size it above that;
	// push still copes with a full ring (see enqueue) if maxclients is raised later.
	capacity := cfg.MaxClients + 64
	for i := 0; i < n; i++ {
		s := &Shard{id: i, mb: newRing(capacity), rng: uint64(i)*0x9E3779B97F4A7C15 + 1}
		s.dbs = make([]*Dict, e.ndb)
		for d := range s.dbs {
			s.dbs[d] = s.newDict()
		}
		s.tick = job{kind: jobTick, shard: s}
		s.wake = make(chan struct{}, 1)
		e.shards = append(e.shards, s)
	}
	for slot := 0; slot < SlotCount; slot++ {
		e.slotShard[slot] = uint16(slot * n / SlotCount)
	}
	e.tickW = e.NewWorker()
	e.initPersist()
	e.memStartup = heapBytes()
	e.ApplyConfig()
	return e
}

// NumShards is the number of shards.
func (e *Engine) NumShards() int { return len(e.shards) }

// Databases is the number of logical databases.
func (e *Engine) Databases() int { return e.ndb }

// ShardOf returns the index of the shard that owns key.
func (e *Engine) ShardOf(key []byte) int { return int(e.slotShard[KeySlot(key)]) }

// Start runs the periodic shard tick (active expiry, incremental rehash) at hz.
func (e *Engine) Start() {
	if !e.started.CompareAndSwap(false, true) {
		return // already running
	}
	go e.ticker()
	go e.timeoutLoop()
	if e.hop {
		for _, s := range e.shards {
			go e.shardLoop(s, e.NewWorker())
		}
	}
}

// shardLoop is a shard's own goroutine in hop mode: it drains the mailbox
// whenever woken.
func (e *Engine) shardLoop(s *Shard, w *Worker) {
	for {
		select {
		case <-e.tickStop:
			return
		case <-s.wake:
		}
		if s.tryAcquire() {
			w.drain(s)
		}
		w.settle()
		w.clock.reset()
	}
}

func (s *Shard) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stop ends the ticker.
func (e *Engine) Stop() {
	select {
	case <-e.tickStop:
		return
	default:
	}
	close(e.tickStop)
	if e.started.Load() {
		<-e.tickDone
	}
}

func (e *Engine) ticker() {
	defer close(e.tickDone)
	for {
		hz := e.hz()
		t := time.NewTimer(time.Second / time.Duration(hz))
		select {
		case <-e.tickStop:
			t.Stop()
			return
		case <-t.C:
		}
		w := e.tickW
		for _, s := range e.shards {
			if s.tryAcquire() {
				w.runTick(s)
				w.release(s)
			} else if s.tickQueued.CompareAndSwap(false, true) {
				w.enqueue(s, &s.tick)
			}
		}
		w.settle()
		w.clock.reset()
		e.sampleOps()
		e.persistTick()
	}
}

type opsSample struct {
	at    time.Time
	calls int64
}

// tryAcquire takes the shard if nobody holds it.
func (s *Shard) tryAcquire() bool {
	return !s.held.Load() && s.held.CompareAndSwap(false, true)
}

// acquireSpin tries a few times before giving up: holds are short (one command),
// so a brief spin usually wins and avoids queueing and a wake-up.
func (s *Shard) acquireSpin(spins int) bool {
	for i := 0; ; i++ {
		if s.tryAcquire() {
			return true
		}
		if i >= spins {
			return false
		}
		for k := 0; k < 16 && s.held.Load(); k++ {
		}
	}
}

func (s *Shard) nextRand() uint64 {
	// xorshift64*: cheap randomness for sampling, holder only.
	x := s.rng
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	s.rng = x
	return x * 2685821657736338717
}

// jobKind says what a queued job does once it holds its shards.
type jobKind uint8

const (
	jobCommand jobKind = iota // run one client command
	jobTick                   // a shard's periodic maintenance
	jobTimeout                // a blocked client's timeout (blocking.go)
	jobFunc                   // a function needing shards, from Worker.do
)

// job is work queued in a shard mailbox because a shard it needs was held
// elsewhere. A command job holds need[:got] and waits in need[got]'s mailbox;
// shards are always taken in ascending order, so waits never form a cycle.
// A client owns at most one command job (Client.job) at a time.
type job struct {
	kind  jobKind
	shard *Shard // jobTick: the shard to maintain

	cl    *Client
	cmd   *Command
	args  [][]byte
	buf   []byte // backing store of args (copied out of the network buffer)
	need  []int
	needA [4]int
	got   int
	out   []byte // the reply, read by the client's loop after notify

	rerun bool   // run it as a retry of a blocked command (blocking.go)
	gen   uint64 // jobTimeout: the block generation the timer belongs to

	fn   func(*Worker) // jobFunc: run while holding need
	done chan struct{} // jobFunc: signalled when fn has run
}

// Worker is the execution context of one goroutine that runs commands: an event
// loop, or the ticker. It is not safe for concurrent use.
type Worker struct {
	e       *Engine
	cur     *Shard   // shard held across consecutive single-shard commands (inline fast path)
	recheck []*Shard // released shards whose mailboxes must be looked at again
	ctx     Ctx
	needBuf []int
	posBuf  []int
	heldBuf []int
	stats   []cmdStat // per command id; written by this worker, read atomically by INFO
	spins   int
	clock   batchClock
	// lastBlocked: the last command run by this worker blocked its client.
	lastBlocked bool
}

// NewWorker makes a worker; each event loop needs its own.
func (e *Engine) NewWorker() *Worker {
	w := &Worker{e: e, stats: make([]cmdStat, len(commandList)), spins: 4}
	w.ctx.e = e
	w.ctx.w = w
	e.workersMu.Lock()
	e.workers = append(e.workers, w)
	e.workersMu.Unlock()
	return w
}

// Exec runs one command for cl and appends its reply to out.
//
// It returns queued == true when a shard the command needs is held elsewhere: the
// command has then been copied into cl's job, and cl.Notify is called (from any
// goroutine) once its reply is in cl.TakeReply. The caller must not run cl's next
// command before that, so a client's replies keep the order of its requests.
func (w *Worker) Exec(cl *Client, args [][]byte, out []byte) (_ []byte, queued bool) {
	if cl.cc.asking != 0 { // ASKING covers one command (cluster.go)
		cl.cc.asking--
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		return w.reject(cl, appendUnknownCommand(out, args), len(out)), false
	}
	if e := w.e; e.requirePass() != "" && !cl.Authed && cmd.Flags&FlagNoAuth == 0 {
		cmd.rejected(w)
		return w.reject(cl, appendNoAuth(out), len(out)), false
	}
	if !cmd.arityOK(len(args)) {
		cmd.rejected(w)
		return w.reject(cl, appendArityError(out, cmd), len(out)), false
	}
	if cmd.Sub != nil {
		if sub := cmd.subcommand(args); sub != nil {
			cmd = sub
			if !cmd.arityOK(len(args)) {
				cmd.rejected(w)
				return w.reject(cl, appendArityError(out, cmd), len(out)), false
			}
		}
	}
	if r := w.e.refuse(cl, cmd); r != "" {
		cmd.rejected(w)
		return w.reject(cl, codec.AppendError(out, r), len(out)), false
	}
	var need []int
	var ok bool
	if w.e.clusterOn && !cl.loader {
		var msg string
		if need, msg, ok = w.clusterShards(cl, cmd, args); msg != "" {
			cmd.rejected(w)
			return w.reject(cl, codec.AppendError(out, msg), len(out)), false
		}
	} else {
		need, ok = w.shardsFor(cmd, args)
	}
	if !ok {
		return appendSyntaxError(out), false
	}
	if w.e.hop && len(need) > 0 {
		w.releaseCur()
		w.queue(cl, cmd, args, need, 0)
		return out, true
	}
	switch len(need) {
	case 0:
		w.releaseCur()
		return w.run(cl, cmd, args, out, need), false
	case 1:
		s := w.e.shards[need[0]]
		if w.cur != s {
			w.releaseCur()
			if !s.acquireSpin(w.spins) {
				w.queue(cl, cmd, args, need, 0)
				return out, true
			}
			w.cur = s
		}
		out = w.run(cl, cmd, args, out, need)
		return out, w.lastBlocked
	}
	w.releaseCur()
	for i, id := range need {
		if !w.e.shards[id].tryAcquire() {
			w.queue(cl, cmd, args, need, i)
			return out, true
		}
	}
	out = w.run(cl, cmd, args, out, need)
	// Read before releasing: once the shards are free, other workers run
	// commands that could change it.
	blocked := w.lastBlocked
	for _, id := range need {
		w.release(w.e.shards[id])
	}
	w.settle()
	return out, blocked
}

// reject finishes a reply written before the command could run (unknown
// command, arity, NOAUTH): it counts the error and applies CLIENT REPLY.
func (w *Worker) reject(cl *Client, out []byte, mark int) []byte {
	w.e.countError(out[mark:])
	return cl.endReply(out, mark)
}

// Flush ends a batch: it releases the shard kept for the fast path and runs
// whatever was queued meanwhile on shards this worker released. Loops call it at
// the end of every read event.
func (w *Worker) Flush() {
	w.releaseCur()
	w.settle()
	w.clock.reset()
}

func (w *Worker) releaseCur() {
	if w.cur != nil {
		w.release(w.cur)
		w.cur = nil
	}
}

// release gives s up and remembers to look at its mailbox again.
func (w *Worker) release(s *Shard) {
	s.reclaim() // what the holder deleted is reusable only once it lets go
	s.publishMem()
	s.held.Store(false)
	w.recheck = append(w.recheck, s)
}

// settle runs every job queued on shards this worker released (or queued to),
// taking each such shard if it is free. Its loop ends because each pass either
// finds an empty mailbox or leaves the shard to another holder, who rechecks in turn.
func (w *Worker) settle() {
	if w.e.hop {
		for _, s := range w.recheck {
			if s.mb.ready() {
				s.signal()
			}
		}
		w.recheck = w.recheck[:0]
		return
	}
	for len(w.recheck) > 0 {
		s := w.recheck[len(w.recheck)-1]
		w.recheck = w.recheck[:len(w.recheck)-1]
		if s.mb.ready() && s.tryAcquire() {
			w.drain(s)
		}
	}
}

// drain runs s's queued jobs; the caller holds s. On return s is released or
// has been handed to a job that waits for another shard.
func (w *Worker) drain(s *Shard) {
	for {
		j := s.mb.pop()
		if j == nil {
			w.release(s)
			return
		}
		if j.kind == jobTick {
			s.tickQueued.Store(false)
			w.runTick(s)
			continue
		}
		if j.kind == jobTimeout {
			w.runTimeout(j)
			continue
		}
		// s is now j's (it was need[got]); take the rest in ascending order.
		j.got++
		if !w.advance(j) {
			return // j keeps s and waits in a higher shard's mailbox
		}
		// Complete while still holding j's shards (a blocked command's rerun
		// may serve the next waiters on them), but read j.need first: once
		// completed, j belongs to its client again.
		held := append(w.heldBuf[:0], j.need...)
		w.heldBuf = held
		w.complete(j)
		for _, id := range held {
			if id != s.id {
				w.release(w.e.shards[id])
			}
		}
	}
}

// advance takes j's remaining shards; when all are held it runs j's command and
// returns true. Otherwise j is queued at the first shard it could not take.
func (w *Worker) advance(j *job) bool {
	for j.got < len(j.need) {
		next := w.e.shards[j.need[j.got]]
		if !next.tryAcquire() {
			w.enqueue(next, j)
			return false
		}
		j.got++
	}
	if j.kind == jobFunc {
		j.fn(w)
		return true
	}
	j.out = w.run(j.cl, j.cmd, j.args, j.out[:0], j.need)
	return true
}

// do runs fn while holding the shards need (ascending), waiting in a mailbox
// when one is busy; fn then runs on the goroutine that hands the shards over,
// with that goroutine's worker. For goroutines that are not event loops (the
// snapshot driver, the loader); w must be their own worker.
func (w *Worker) do(need []int, fn func(*Worker)) {
	defer w.clock.reset()
	w.releaseCur() // a shard kept from an earlier Exec would wait for itself
	w.settle()
	for i, id := range need {
		if !w.e.shards[id].acquireSpin(w.spins) {
			// need[:i] are held: the job takes them over.
			j := &job{kind: jobFunc, fn: fn, done: make(chan struct{}, 1)}
			j.need = append(j.needA[:0], need...)
			j.got = i
			w.enqueue(w.e.shards[id], j)
			w.settle()
			<-j.done
			return
		}
	}
	fn(w)
	for _, id := range need {
		w.release(w.e.shards[id])
	}
	w.settle()
}

// queue copies the command into cl's job, which already holds need[:got], and
// parks it at need[got].
func (w *Worker) queue(cl *Client, cmd *Command, args [][]byte, need []int, got int) {
	j := &cl.job
	j.load(cl, cmd, args, need)
	j.got = got
	w.enqueue(w.e.shards[need[got]], j)
	w.settle()
}

// load copies a command into the job (its own buffer), unless args already are
// the job's (a queued command that blocks, or a rerun).
func (j *job) load(cl *Client, cmd *Command, args [][]byte, need []int) {
	j.kind = jobCommand
	j.cl = cl
	j.cmd = cmd
	if len(args) == 0 || len(j.args) == 0 || &args[0] != &j.args[0] {
		j.buf = j.buf[:0]
		for _, a := range args {
			j.buf = append(j.buf, a...)
		}
		j.args = j.args[:0]
		off := 0
		for _, a := range args {
			j.args = append(j.args, j.buf[off:off+len(a):off+len(a)])
			off += len(a)
		}
	}
	if len(need) == 0 || &need[0] != &j.needA[0] {
		j.need = append(j.needA[:0], need...)
	}
}

// enqueue puts j in s's mailbox and makes sure someone will run it.
func (w *Worker) enqueue(s *Shard, j *job) {
	for !s.mb.push(j) {
		// Full: only possible if maxclients was raised past the ring's size at run time.
		runtime.Gosched()
	}
	w.recheck = append(w.recheck, s)
}

// complete hands a finished command job back to its client, unless the command
// blocked (its client is then woken by blocking.go when served or timed out).
func (w *Worker) complete(j *job) {
	if j.kind == jobFunc {
		j.done <- struct{}{}
		return
	}
	if j.rerun {
		w.completeRerun(j)
		return
	}
	if w.lastBlocked {
		return // the client is woken when served or timed out (blocking.go)
	}
	j.cl.finish(j)
}

func (w *Worker) runTick(s *Shard) {
	s.sweepWaiters()
	if w.e.persist.loading.Load() {
		// Nothing expires while loading (as in Redis), and the tables the
		// loader sized for the incoming keys must not be shrunk meanwhile.
		return
	}
	w.e.activeExpire(w, s)
	w.evictTick(s)
	// Active rehashing, as Redis's activerehashing: up to 1 ms per database
	// with a resize in progress, so a table emptied by expiry shrinks (and
	// gives its bucket pages back) even when no command touches it.
	for _, d := range s.dbs {
		if !d.RehashStep(100) {
			continue
		}
		s.memDirty = true // bucket arrays count in used_memory
		deadline := time.Now().Add(time.Millisecond)
		for d.RehashStep(100) && time.Now().Before(deadline) {
		}
	}
}

// shardsFor lists the shards cmd needs, ascending and unique; ok is false when a
// key position is missing (syntax error the handler would also report).
func (w *Worker) shardsFor(cmd *Command, args [][]byte) ([]int, bool) {
	need := w.needBuf[:0]
	switch cmd.Route {
	case RouteLocal:
		return need, true
	case RouteAll:
		for i := range w.e.shards {
			need = append(need, i)
		}
		w.needBuf = need
		return need, true
	}
	if len(w.e.shards) == 1 {
		// Still check there is a key, so every command sees the same validation.
		w.needBuf = append(need, 0)
		return w.needBuf, true
	}
	if cmd.Keys != nil {
		w.posBuf = cmd.Keys(args, w.posBuf[:0])
		for _, i := range w.posBuf {
			need = insertSorted(need, w.e.ShardOf(args[i]))
		}
		w.needBuf = need
		return need, true
	}
	first, last, step := cmd.keyRange(args)
	if first <= 0 {
		return need, true
	}
	for i := first; i <= last; i += step {
		id := w.e.ShardOf(args[i])
		need = insertSorted(need, id)
	}
	w.needBuf = need
	return need, true
}

func insertSorted(s []int, v int) []int {
	i := len(s)
	for i > 0 && s[i-1] >= v {
		if s[i-1] == v {
			return s
		}
		i--
	}
	s = append(s, 0)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}
