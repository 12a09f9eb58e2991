package shard

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duva-db/duva/aof"
	"github.com/duva-db/duva/rdb"
)

// Persistence: SAVE, BGSAVE, the AOF and its rewrite, loading at start.
//
// Every file image of the dataset (RDB file, AOF base) comes from one
// mechanism, startSnapshot + walkSnapshot (snapshot.go); only one runs at a time
// (persistState.mu). The AOF is fed by Worker.run: each command that changed
// something is appended, as Redis would propagate it, while its shards are
// still held, so the log's order is the execution order of every key.

const (
	snapNone    int32 = iota
	snapSave          // SAVE (foreground)
	snapBgsave        // BGSAVE or a save point
	snapRewrite       // BGREWRITEAOF
)

// persistState is the engine's persistence bookkeeping; fields read by INFO
// from any goroutine are atomics.
type persistState struct {
	mu   sync.Mutex // held by the running snapshot's driver
	cur  atomic.Pointer[snapshot]
	kind atomic.Int32 // snapNone... while mu is held
	sw   *Worker      // the snapshot driver's worker (used under mu)

	started atomic.Int64 // unix s the running snapshot started

	lastSave      atomic.Int64 // unix s of the last successful RDB save (LASTSAVE)
	lastBgsaveOK  atomic.Bool
	lastBgsaveTry atomic.Int64 // unix s of the last BGSAVE attempt
	lastBgsaveSec atomic.Int64
	saves         atomic.Int64
	lastCowSize   atomic.Int64
	bgsaveSched   atomic.Bool // BGSAVE SCHEDULE while a rewrite runs

	log            atomic.Pointer[aof.Log] // nil when appendonly is off
	procMu         sync.Mutex              // guards aofProc
	aofProc        bool                    // the AOF writer holds an extra P (setAOFProc)
	rewriteSched   atomic.Bool
	rewrites       atomic.Int64
	rewriteFails   atomic.Int64
	lastRewriteOK  atomic.Bool
	lastRewriteSec atomic.Int64
	aofBaseSize    atomic.Int64 // AOF size after the last rewrite (auto-aof-rewrite-percentage)
	aofLastCow     atomic.Int64

	diskErr   atomic.Pointer[string] // why writes are refused (MISCONF), nil if they are not
	lastCheck atomic.Int64           // unix s of the last save point check
	ready     atomic.Bool            // loading at start is over: CONFIG SET appendonly acts

	loading        atomic.Bool
	loadStart      atomic.Int64 // unix s
	loadTotal      atomic.Int64 // bytes
	loadDone       atomic.Int64
	lastLoadKeys   atomic.Int64
	lastLoadExpire atomic.Int64
}

// Logger is where the engine logs (persistence events); set before Start.
func (e *Engine) SetLogger(l *slog.Logger) { e.log = l }

func (e *Engine) initPersist() {
	p := &e.persist
	p.sw = e.NewWorker()
	p.lastSave.Store(time.Now().Unix())
	p.lastBgsaveOK.Store(true)
	p.lastBgsaveSec.Store(-1)
	p.lastRewriteOK.Store(true)
	p.lastRewriteSec.Store(-1)
}

func (e *Engine) cfg(name string) string {
	if kv := e.Config.Get(name); len(kv) == 1 {
		return kv[0][1]
	}
	return ""
}

func (e *Engine) cfgBool(name string) bool { return e.cfg(name) == "yes" }

// rdbPath is dir/dbfilename.
func (e *Engine) rdbPath() string { return filepath.Join(e.cfg("dir"), e.cfg("dbfilename")) }

// ---- RDB save ----

// rdbSave is one RDB save: its snapshot is started (the start point is when
// SAVE or BGSAVE runs, before the reply) and then written by finishRDBSave.
type rdbSave struct {
	kind  int32
	sn    *snapshot
	dirty int64 // changes counted at the start point
	start time.Time
}

// startRDBSave sets the start point of a save. Caller holds persist.mu.
func (e *Engine) startRDBSave(kind int32) *rdbSave {
	p := &e.persist
	j := &rdbSave{kind: kind, start: time.Now()}
	p.kind.Store(kind)
	p.started.Store(j.start.Unix())
	compress := e.cfgBool("rdbcompression")
	j.sn = e.startSnapshot(p.sw, func() entryWriter { return &rdbEntries{compress: compress} }, func(*snapshot) {
		j.dirty = e.stats.dirty.Load()
	})
	return j
}

// finishRDBSave writes the save's snapshot to dbfilename: a temp file, fsync,
// rename, fsync of the directory, so a crash at any point leaves the previous
// dump intact; a failure leaves it untouched too.
func (e *Engine) finishRDBSave(j *rdbSave) error {
	p := &e.persist
	defer p.kind.Store(snapNone)
	dir := e.cfg("dir")
	final := filepath.Join(dir, e.cfg("dbfilename"))
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	keys, err := e.writeRDBFile(tmp, j.sn)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = os.Remove(tmp)
		if j.kind != snapSave {
			p.lastBgsaveOK.Store(false)
			e.logger().Warn("Background saving error", "err", err.Error())
		} else {
			e.logger().Warn("Failed saving the DB", "err", err.Error())
		}
		e.refreshDiskError()
		return err
	}
	e.stats.dirty.Add(-j.dirty)
	p.lastSave.Store(time.Now().Unix())
	p.lastBgsaveOK.Store(true)
	p.saves.Add(1)
	if j.kind != snapSave {
		p.lastBgsaveSec.Store(int64(time.Since(j.start).Seconds()))
		e.logger().Info("Background saving terminated with success", "keys", keys, "ms", time.Since(j.start).Milliseconds())
	} else {
		e.logger().Info("DB saved on disk", "keys", keys, "ms", time.Since(j.start).Milliseconds())
	}
	e.refreshDiskError()
	return nil
}

// writeRDBFile writes sn as a complete RDB file at path (fsynced, closed).
func (e *Engine) writeRDBFile(path string, sn *snapshot) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		e.endSnapshot(e.persist.sw, sn)
		return 0, err
	}
	keys, err := e.writeRDB(f, sn, false)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return keys, err
}

// writeRDB streams sn as an RDB image to f. aofBase marks an AOF preamble
// (aux aof-base 1).
func (e *Engine) writeRDB(f io.Writer, sn *snapshot, aofBase bool) (int64, error) {
	rw := rdb.NewWriter(f)
	hdr := rdb.AppendHeader(nil)
	hdr = rdb.AppendAux(hdr, "redis-ver", RedisVersion)
	hdr = rdb.AppendAux(hdr, "redis-bits", "64")
	hdr = rdb.AppendAux(hdr, "ctime", strconv.FormatInt(time.Now().Unix(), 10))
	hdr = rdb.AppendAux(hdr, "used-mem", strconv.FormatInt(heapBytes(), 10))
	base := "0"
	if aofBase {
		base = "1"
	}
	hdr = rdb.AppendAux(hdr, "aof-base", base)
	if _, err := rw.Write(hdr); err != nil {
		e.endSnapshot(e.persist.sw, sn)
		return 0, err
	}
	keys, err := e.walkSnapshot(e.persist.sw, sn, rw)
	if err != nil {
		return keys, err
	}
	return keys, rw.Finish(e.cfgBool("rdbchecksum"))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (e *Engine) logger() *slog.Logger {
	if e.log != nil {
		return e.log
	}
	return slog.Default()
}

// BackgroundSave starts a BGSAVE unless a snapshot is running: the start
// point is set before it returns, the file is written by another goroutine.
func (e *Engine) BackgroundSave() bool {
	p := &e.persist
	if !p.mu.TryLock() {
		return false
	}
	p.lastBgsaveTry.Store(time.Now().Unix())
	j := e.startRDBSave(snapBgsave)
	e.logger().Info("Background saving started")
	go func() {
		_ = e.finishRDBSave(j)
		p.mu.Unlock()
		e.runScheduled()
	}()
	return true
}

// SaveNow is SAVE: a snapshot written by the calling goroutine.
func (e *Engine) SaveNow() error {
	p := &e.persist
	if !p.mu.TryLock() {
		return errBusy
	}
	defer p.mu.Unlock()
	return e.saveRDB(snapSave)
}

// saveRDB saves synchronously. Caller holds persist.mu.
func (e *Engine) saveRDB(kind int32) error { return e.finishRDBSave(e.startRDBSave(kind)) }

var errBusy = errors.New("ERR Background save already in progress")

// runScheduled starts what waited for the finished snapshot.
func (e *Engine) runScheduled() {
	p := &e.persist
	if p.rewriteSched.Load() && p.log.Load() != nil {
		if e.BackgroundRewrite() {
			p.rewriteSched.Store(false)
		}
		return
	}
	if p.bgsaveSched.Load() {
		if e.BackgroundSave() {
			p.bgsaveSched.Store(false)
		}
	}
}

// checkSavePoints starts a BGSAVE when a save point is reached, as Redis's
// serverCron: after `seconds` with at least `changes` changes, and not within
// 5 s of a failed attempt. Also the automatic AOF rewrite. Ticker only.
func (e *Engine) checkSavePoints(now time.Time) {
	p := &e.persist
	if !p.ready.Load() || p.loading.Load() || p.kind.Load() != snapNone {
		return // (an engine that never loaded its dataset never saves on its own)
	}
	dirty := e.stats.dirty.Load()
	sec := now.Unix()
	for _, sp := range e.Config.SaveParams() {
		if dirty >= int64(sp.Changes) && sec-p.lastSave.Load() > int64(sp.Seconds) &&
			(p.lastBgsaveOK.Load() || sec-p.lastBgsaveTry.Load() > 5) {
			e.logger().Info(fmt.Sprintf("%d changes in %d seconds. Saving...", sp.Changes, sp.Seconds))
			e.BackgroundSave()
			return
		}
	}
	if l := p.log.Load(); l != nil {
		pct, _ := strconv.ParseInt(e.cfg("auto-aof-rewrite-percentage"), 10, 64)
		minSize, _ := strconv.ParseInt(e.cfg("auto-aof-rewrite-min-size"), 10, 64)
		size, base := l.Status().CurrentSize, p.aofBaseSize.Load()
		if base <= 0 {
			base = 1
		}
		if pct > 0 && size > minSize && (size-base)*100/base >= pct {
			e.logger().Info(fmt.Sprintf("Starting automatic rewriting of AOF on %d%% growth", (size-base)*100/base))
			e.BackgroundRewrite()
		}
	}
}

// ---- AOF ----

// AOF is the live append-only log, nil when appendonly is off.
func (e *Engine) AOF() *aof.Log { return e.persist.log.Load() }

func fsyncPolicy(s string) aof.Policy {
	switch s {
	case "always":
		return aof.Always
	case "no":
		return aof.No
	}
	return aof.EverySec
}

// openAOF opens the AOF at start (after loading) or when CONFIG SET appendonly
// yes turns it on; a new log gets its base from a rewrite, as in Redis.
func (e *Engine) openAOF(rewrite bool) error {
	l, err := aof.Open(e.cfg("dir"), e.cfg("appenddirname"), e.cfg("appendfilename"), fsyncPolicy(e.cfg("appendfsync")), e.cfgBool("aof-use-rdb-preamble"), e.logger())
	if err != nil {
		return err
	}
	e.persist.log.Store(l)
	e.setAOFProc(e.cfg("appendfsync") == "always")
	e.persist.aofBaseSize.Store(l.Status().CurrentSize)
	if rewrite {
		if !e.BackgroundRewrite() {
			e.persist.rewriteSched.Store(true)
		}
	}
	return nil
}

// closeAOF turns the AOF off (CONFIG SET appendonly no, shutdown).
func (e *Engine) closeAOF() error {
	l := e.persist.log.Swap(nil)
	if l == nil {
		return nil
	}
	e.setAOFProc(false)
	return l.Close()
}

// BackgroundRewrite starts BGREWRITEAOF unless a snapshot is running. The
// start point (and the switch to a new incr file) is set before it returns.
func (e *Engine) BackgroundRewrite() bool {
	p := &e.persist
	l := p.log.Load()
	if l == nil || !p.mu.TryLock() {
		return false
	}
	p.kind.Store(snapRewrite)
	start := time.Now()
	p.started.Store(start.Unix())
	preamble := e.cfgBool("aof-use-rdb-preamble")
	compress := e.cfgBool("rdbcompression")
	mk := func() entryWriter { return &aofEntries{} }
	if preamble {
		mk = func() entryWriter { return &rdbEntries{compress: compress} }
	}
	// The log moves to a new incr file at the start point (every shard held),
	// so the new base plus the new incr file hold every write exactly once.
	var rw *aof.Rewrite
	var serr error
	sn := e.startSnapshot(p.sw, mk, func(*snapshot) { rw, serr = l.StartRewrite(preamble) })
	e.logger().Info("Background append only file rewriting started")
	go func() {
		err := serr
		if err != nil {
			e.endSnapshot(p.sw, sn)
		} else {
			if preamble {
				_, err = e.writeRDB(rw.Writer(), sn, true)
			} else {
				_, err = e.walkSnapshot(p.sw, sn, rw.Writer())
			}
			if err != nil {
				rw.Abort()
			} else {
				err = rw.Commit()
			}
		}
		p.lastRewriteSec.Store(int64(time.Since(start).Seconds()))
		if err != nil {
			p.lastRewriteOK.Store(false)
			p.rewriteFails.Add(1)
			e.logger().Warn("Background AOF rewrite failed", "err", err.Error())
		} else {
			p.lastRewriteOK.Store(true)
			p.rewrites.Add(1)
			p.rewriteFails.Store(0)
			p.aofBaseSize.Store(l.Status().CurrentSize)
			e.logger().Info("Background AOF rewrite finished successfully", "ms", time.Since(start).Milliseconds())
		}
		p.kind.Store(snapNone)
		p.mu.Unlock()
		e.runScheduled()
	}()
	return true
}

// ---- propagation (Worker.run) ----

// propagating reports whether this command's effects go to the AOF.
func (c *Ctx) propagating() bool {
	return c.e.persist.log.Load() != nil && (c.Client == nil || !c.Client.loader)
}

// Rewrite replaces what the AOF records for this command (Redis's
// rewriteClientCommandVector / alsoPropagate): each call adds one command.
// Handlers use it where replaying the client's own command would not give the
// same result (relative TTLs, random picks, blocking forms, float formatting).
func (c *Ctx) Rewrite(args ...[]byte) {
	if !c.propagating() {
		return
	}
	c.propSet = true
	c.prop = appendRESPCommand(c.prop, args...)
}

// propagate appends the command that just ran (or its rewrite) to the AOF.
func (c *Ctx) propagate(db int, args [][]byte) {
	l := c.e.persist.log.Load()
	if l == nil || (c.Client != nil && c.Client.loader) {
		return
	}
	var off int64
	if c.propSet {
		off = l.AppendRawDB(db, c.prop)
	} else {
		off = l.AppendCommand(db, args...)
	}
	if c.Client != nil {
		c.Client.aofOff.Store(off) // what its reply waits for under appendfsync always
	}
}

// expire deletes key, whose TTL has passed, and propagates a DEL as Redis does.
func (c *Ctx) expire(s *Shard, db int, d *Dict, key []byte) {
	d.Delete(key)
	s.memDirty = true
	s.expiredKeys.Add(1)
	if l := c.e.persist.log.Load(); l != nil {
		l.AppendCommand(db, bDEL, key)
	}
}

var bDEL = []byte("DEL")

// appendRESPCommand encodes a command as the AOF writes it (a RESP array of
// bulk strings).
func appendRESPCommand(dst []byte, args ...[]byte) []byte {
	return aof.AppendRewriteCommand(dst, args...)
}

// ---- write refusal (MISCONF) ----

const errMisconfRDB = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

// diskError is Redis's writeCommandsDeniedByDiskError: the reason writes are
// refused, or "".
func (e *Engine) diskError() string {
	p := &e.persist
	if !p.lastBgsaveOK.Load() && e.cfgBool("stop-writes-on-bgsave-error") && len(e.Config.SaveParams()) > 0 {
		return errMisconfRDB
	}
	if l := p.log.Load(); l != nil {
		if st := l.Status(); !st.LastWriteOK {
			msg := "unknown error"
			if st.LastWriteErr != nil {
				msg = st.LastWriteErr.Error()
			}
			return "MISCONF Errors writing to the AOF file: " + msg
		}
	}
	return ""
}

// refuse is the reason cmd may not run now (Redis's processCommand checks):
// -LOADING while the dataset loads, -MISCONF for writes (and PING, as Redis)
// while the disk refuses them; "" if it may run.
func (e *Engine) refuse(cl *Client, cmd *Command) string {
	p := &e.persist
	if p.loading.Load() && cmd.Flags&FlagLoading == 0 && !cl.loader {
		return "LOADING Redis is loading the dataset in memory"
	}
	if m := p.diskErr.Load(); m != nil && !cl.loader && (cmd.Flags&FlagWrite != 0 || cmd.Name == "ping") {
		return *m
	}
	return ""
}

// persistTick runs on every engine tick: it refreshes the MISCONF state and,
// once a second, checks the save points and the AOF's growth.
func (e *Engine) persistTick() {
	e.refreshDiskError()
	now := time.Now()
	if p := &e.persist; now.Unix() != p.lastCheck.Load() {
		p.lastCheck.Store(now.Unix())
		e.checkSavePoints(now)
	}
}

func (e *Engine) refreshDiskError() {
	if m := e.diskError(); m != "" {
		if cur := e.persist.diskErr.Load(); cur == nil || *cur != m {
			e.persist.diskErr.Store(&m)
		}
	} else if e.persist.diskErr.Load() != nil {
		e.persist.diskErr.Store(nil)
	}
}

// ---- loading ----

// loader runs the commands that rebuild the dataset (RDB keys, AOF commands)
// through the ordinary command path, on its own worker and client.
type loader struct {
	e     *Engine
	w     *Worker
	cl    *Client
	done  chan struct{}
	out   []byte
	args  [][]byte
	buf   []byte
	n     int
	now   int64
	keys  int64
	stale int64
	db    int
	rdbAt bool // keys come from an AOF's RDB preamble: keep expired ones

	batches  []stringBatch // per shard
	need     [1]int
	keyDelay time.Duration // key-load-delay
}

func (e *Engine) newLoader() *loader {
	l := &loader{e: e, w: e.NewWorker(), done: make(chan struct{}, 1), now: time.Now().UnixMilli()}
	l.cl = &Client{ID: -1, loader: true, Authed: true, Addr: "loader"}
	l.cl.proto.Store(2)
	l.cl.Notify = func() { l.done <- struct{}{} }
	if d, _ := strconv.Atoi(e.cfg("key-load-delay")); d > 0 {
		l.keyDelay = time.Duration(d) * time.Microsecond
	}
	return l
}

// exec runs one command in database db; the reply is returned (valid until the next call).
func (l *loader) exec(args [][]byte) []byte {
	out, queued := l.w.Exec(l.cl, args, l.out[:0])
	if queued {
		<-l.done
		out = append(out, l.cl.TakeReply()...)
	}
	l.out = out
	if l.n++; l.n%64 == 0 {
		l.w.Flush() // let ticks and other queued work have the shard
	}
	return out
}

func (l *loader) finish() {
	for i := range l.batches {
		l.flushStrings(i)
	}
	l.w.Flush()
}

// stringBatch is string keys waiting to be inserted into one shard: most keys
// of a big dataset are strings, and building their entries directly, many per
// shard hand-off, loads them several times faster than running SET for each.
type stringBatch struct {
	buf  []byte // key and value bytes (the decoder reuses its buffers)
	ents []batchEntry
}

type batchEntry struct {
	db, keyEnd, valEnd int // key is buf[start:keyEnd], value buf[keyEnd:valEnd]
	start              int
	expire             int64
	li                 lruInfo // the file's IDLE/FREQ for the key
}

const loadBatch = 256

func (l *loader) addString(db int, key, val []byte, expire int64, li lruInfo) {
	if l.batches == nil {
		l.batches = make([]stringBatch, len(l.e.shards))
	}
	i := l.e.ShardOf(key)
	b := &l.batches[i]
	start := len(b.buf)
	b.buf = append(b.buf, key...)
	b.buf = append(b.buf, val...)
	b.ents = append(b.ents, batchEntry{db: db, start: start, keyEnd: start + len(key), valEnd: len(b.buf), expire: expire, li: li})
	if len(b.ents) >= loadBatch {
		l.flushStrings(i)
	}
}

// flushStrings inserts shard i's waiting string keys, holding the shard once.
func (l *loader) flushStrings(i int) {
	if i >= len(l.batches) || len(l.batches[i].ents) == 0 {
		return
	}
	b := &l.batches[i]
	s := l.e.shards[i]
	l.need[0] = i
	pol, now := l.e.memPolicy(), time.Now().UnixMilli()
	meta := newKeyMeta(pol, now)
	l.w.do(l.need[:1], func(*Worker) {
		for _, be := range b.ents {
			key, val := b.buf[be.start:be.keyEnd], b.buf[be.keyEnd:be.valEnd]
			d := s.dbs[be.db]
			e := d.Get(key)
			if e == nil {
				e = d.InsertStr(key, val)
				e.meta |= meta
			} else { // a key twice in one file: the last one wins
				e.SetObj(nil)
				e.Enc = EncAuto
				if e.Expire() != 0 {
					d.SetExpire(e, 0)
				}
				e.SetStr(val)
			}
			e.Type = TypeString
			setIdle(e, pol, now, be.li.idle, int64(be.li.freq))
			if be.expire != 0 {
				d.SetExpire(e, be.expire)
			}
		}
	})
	b.buf, b.ents = b.buf[:0], b.ents[:0]
}

// Aux, ResizeDB, Function and Key make the loader an rdb.Handler.
func (l *loader) Aux(key, val []byte) error { return nil }

// ResizeDB sizes every shard's table for its share of db's keys, as Redis
// sizes its dict from RESIZEDB: no rehashing while the keys arrive.
func (l *loader) ResizeDB(db int, size, expires uint64) error {
	if db >= l.e.ndb || size == 0 || l.rdbAt {
		return nil
	}
	per := int(min(size, 1<<32) / uint64(len(l.e.shards)))
	for i, s := range l.e.shards {
		l.need[0] = i
		l.w.do(l.need[:1], func(*Worker) { s.dbs[db].Reserve(per + per/8) })
	}
	return nil
}

func (l *loader) Function(code []byte) error {
	l.e.logger().Warn("RDB holds a function library: duva has no scripting, skipped")
	return nil
}

func (l *loader) Key(db int, key []byte, expireMs int64, v *rdb.Value) error {
	if db >= l.e.ndb {
		return fmt.Errorf("FATAL: Data file was created with a Redis server configured to handle more than %d databases", l.e.ndb)
	}
	if expireMs != 0 && expireMs < l.now && !l.rdbAt {
		l.stale++
		return nil
	}
	if db != l.db {
		l.cl.SetDB(db)
		l.db = db
	}
	l.keys++
	if l.keyDelay > 0 {
		time.Sleep(l.keyDelay) // key-load-delay (debug)
	}
	if v.Kind == rdb.KindString {
		l.addString(db, key, v.Str, expireMs, lruInfo{v.Idle, v.Freq})
		return nil
	}
	args, b, ok := valueCommand(l.args[:0], l.buf[:0], key, v)
	if !ok {
		return fmt.Errorf("unsupported value kind %d", v.Kind)
	}
	if len(args) <= 2 {
		return nil // an empty collection: Redis skips those too
	}
	if reply := l.exec(args); len(reply) > 0 && reply[0] == '-' {
		return fmt.Errorf("loading key %q: %s", key, strings.TrimSpace(string(reply[1:])))
	}
	if expireMs != 0 {
		m := len(b)
		b = strconv.AppendInt(b, expireMs, 10)
		args = append(args[:0], bPEXPIREAT, key, b[m:])
		l.exec(args)
	}
	if v.Idle >= 0 || v.Freq >= 0 {
		l.need[0] = l.e.ShardOf(key)
		l.w.do(l.need[:1], func(*Worker) {
			if e := l.e.shards[l.need[0]].dbs[db].Get(key); e != nil {
				setIdle(e, l.e.memPolicy(), time.Now().UnixMilli(), v.Idle, int64(v.Freq))
			}
		})
	}
	l.buf, l.args = b[:0], args[:0]
	return nil
}

// valueCommand appends to args the command that creates key holding the
// collection v (RPUSH, SADD, HSET or ZADD with every element), so loaded and
// restored values get exactly the encodings the command path gives them.
// Scores are formatted into nums (%.17g round-trips every float64). The
// arguments alias v's slices. ok is false for a kind that is not a collection.
func valueCommand(args [][]byte, nums, key []byte, v *rdb.Value) (_ [][]byte, _ []byte, ok bool) {
	switch v.Kind {
	case rdb.KindList:
		return append(append(args, bRPUSH, key), v.Elems...), nums, true
	case rdb.KindSet:
		return append(append(args, bSADD, key), v.Elems...), nums, true
	case rdb.KindHash:
		return append(append(args, bHSET, key), v.Elems...), nums, true
	case rdb.KindZSet:
		args = append(args, bZADD, key)
		start := len(nums)
		for _, sc := range v.Scores {
			nums = appendScore(nums, sc)
			nums = append(nums, ' ') // a separator: no formatted score holds a space
		}
		p := start
		for _, m := range v.Elems {
			end := p
			for nums[end] != ' ' {
				end++
			}
			args = append(args, nums[p:end:end], m)
			p = end + 1
		}
		return args, nums, true
	}
	return args, nums, false
}

var (
	bSET       = []byte("SET")
	bPXAT      = []byte("PXAT")
	bRPUSH     = []byte("RPUSH")
	bSADD      = []byte("SADD")
	bHSET      = []byte("HSET")
	bZADD      = []byte("ZADD")
	bPEXPIREAT = []byte("PEXPIREAT")
)

// RDB makes the loader an aof.Loader: the RDB preamble of an AOF base.
func (l *loader) RDB(r *bufio.Reader) error {
	l.rdbAt = true
	defer func() { l.rdbAt = false }()
	_, err := rdb.Load(r, l, rdb.Options{})
	for i := range l.batches {
		l.flushStrings(i) // the commands that follow may touch these keys
	}
	return err
}

// Command replays one AOF command.
func (l *loader) Command(args [][]byte) error {
	if argIs(args[0], "MULTI") || argIs(args[0], "EXEC") {
		return nil // aof delivers a transaction only once complete; no client sees the middle
	}
	if lookupCommand(args[0]) == nil {
		return fmt.Errorf("Unknown command '%s' reading the append only file", args[0])
	}
	l.exec(args)
	return nil
}

// LoadAtStart loads the dataset as Redis does at start: the AOF when
// appendonly is on (and opens it for appending), otherwise the RDB file if it
// exists. Clients get -LOADING meanwhile.
// BeginLoading must precede LoadAtStart (on another goroutine) so no command
// slips in before the load starts.
func (e *Engine) BeginLoading() {
	e.persist.loadStart.Store(time.Now().Unix())
	e.persist.loading.Store(true)
}

func (e *Engine) LoadAtStart() error {
	p := &e.persist
	p.loading.Store(true)
	defer p.loading.Store(false)
	// Loading is background work as much as a snapshot: one more P, so the
	// garbage collector's marking runs beside the loader, not in turns with it.
	adjustProcs(+1)
	defer adjustProcs(-1)
	// Everything loaded stays live, so collections during the load find
	// nothing to free: collect less often meanwhile (measured: 10% faster at
	// 865,000 keys, same RSS afterwards).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	l := e.newLoader()
	defer func() {
		l.finish()
		e.stats.dirty.Store(0) // the loaded data is what is on disk
	}()
	if e.cfgBool("appendonly") {
		info, err := aof.Load(e.cfg("dir"), e.cfg("appenddirname"), e.cfg("appendfilename"), aof.LoadOptions{
			LoadTruncated: e.cfgBool("aof-load-truncated"),
			Logger:        e.logger(),
			Progress: func(read, total int64) {
				p.loadDone.Store(read)
				p.loadTotal.Store(total)
			},
		}, l)
		if err != nil {
			return err
		}
		p.lastLoadKeys.Store(l.keys)
		e.logger().Info("DB loaded from append only file", "status", info.Status, "commands", info.Commands, "ms", time.Since(start).Milliseconds())
		// Nothing loaded: Open makes the layout with an empty base (the empty
		// dataset), and an old single-file AOF becomes the base as it is.
		return e.openAOF(false)
	}
	path := e.rdbPath()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening the RDB file %s: %w", path, err)
	}
	defer f.Close()
	lastLog := time.Now()
	fi, _ := f.Stat()
	if fi != nil {
		p.loadTotal.Store(fi.Size())
	}
	info, err := rdb.Load(bufio.NewReaderSize(f, 1<<20), l, rdb.Options{
		Progress: func(read int64) {
			p.loadDone.Store(read)
			if total := p.loadTotal.Load(); total > 0 && time.Since(lastLog) >= time.Second {
				lastLog = time.Now()
				e.logger().Info(fmt.Sprintf("Loading RDB: %d%% (%d of %d bytes)", read*100/total, read, total))
			}
		},
		SkipChecksum: !e.cfgBool("rdbchecksum"),
	})
	if err != nil {
		return fmt.Errorf("loading %s: %w", path, err)
	}
	p.lastLoadKeys.Store(l.keys)
	p.lastLoadExpire.Store(l.stale)
	e.logger().Info("DB loaded from disk", "keys", l.keys, "expired_skipped", l.stale, "bytes", info.Bytes, "ms", time.Since(start).Milliseconds())
	return nil
}

// ShutdownSave does what Redis does on SHUTDOWN/SIGTERM: flush the AOF, and
// save the RDB when save points are set (or save is true).
func (e *Engine) ShutdownSave(save, nosave bool) error {
	if !e.persist.ready.Load() {
		nosave = true // the dataset was never (fully) loaded: keep the files as they are
	}
	var errs []error
	if l := e.persist.log.Load(); l != nil {
		if err := l.Flush(); err != nil {
			errs = append(errs, err)
		}
	}
	if !nosave && (save || len(e.Config.SaveParams()) > 0) {
		e.logger().Info("Saving the final RDB snapshot before exiting.")
		e.persist.mu.Lock() // wait for a running snapshot
		err := e.saveRDB(snapSave)
		e.persist.mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.closeAOF(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// infoPersistence writes INFO's Persistence section with Redis 7.0's fields.
func (e *Engine) infoPersistence(w func(string, any)) {
	p := &e.persist
	now := time.Now().Unix()
	loading := p.loading.Load()
	w("loading", boolInt(loading))
	w("async_loading", 0)
	sn := p.cur.Load()
	var cow, done, total int64
	if sn != nil {
		cow = sn.cowSize.Load()
		done = sn.written.Load()
		for _, k := range sn.keys {
			total += k
		}
	}
	w("current_cow_peak", cow)
	w("current_cow_size", cow)
	w("current_cow_size_age", 0)
	w("current_fork_perc", "0.00")
	w("current_save_keys_processed", done)
	w("current_save_keys_total", total)
	if loading {
		loaded, tot := p.loadDone.Load(), p.loadTotal.Load()
		perc := 0.0
		if tot > 0 {
			perc = float64(loaded) * 100 / float64(tot)
		}
		elapsed := now - p.loadStart.Load()
		eta := int64(1)
		if loaded > 0 && elapsed > 0 {
			eta = (tot - loaded) * elapsed / loaded
		}
		w("loading_start_time", p.loadStart.Load())
		w("loading_total_bytes", tot)
		w("loading_rdb_used_mem", 0)
		w("loading_loaded_bytes", loaded)
		w("loading_loaded_perc", fmt.Sprintf("%.2f", perc))
		w("loading_eta_seconds", eta)
	}
	kind := p.kind.Load()
	w("rdb_changes_since_last_save", e.stats.dirty.Load())
	w("rdb_bgsave_in_progress", boolInt(kind == snapBgsave))
	w("rdb_last_save_time", p.lastSave.Load())
	w("rdb_last_bgsave_status", okErr(p.lastBgsaveOK.Load()))
	w("rdb_last_bgsave_time_sec", p.lastBgsaveSec.Load())
	cur := int64(-1)
	if kind == snapBgsave {
		cur = now - p.started.Load()
	}
	w("rdb_current_bgsave_time_sec", cur)
	w("rdb_saves", p.saves.Load())
	w("rdb_last_cow_size", p.lastCowSize.Load())
	w("rdb_last_load_keys_expired", p.lastLoadExpire.Load())
	w("rdb_last_load_keys_loaded", p.lastLoadKeys.Load())
	l := p.log.Load()
	w("aof_enabled", boolInt(l != nil))
	w("aof_rewrite_in_progress", boolInt(kind == snapRewrite))
	w("aof_rewrite_scheduled", boolInt(p.rewriteSched.Load()))
	w("aof_last_rewrite_time_sec", p.lastRewriteSec.Load())
	cur = -1
	if kind == snapRewrite {
		cur = now - p.started.Load()
	}
	w("aof_current_rewrite_time_sec", cur)
	w("aof_last_bgrewrite_status", okErr(p.lastRewriteOK.Load()))
	w("aof_rewrites", p.rewrites.Load())
	w("aof_rewrites_consecutive_failures", p.rewriteFails.Load())
	var st aof.Status
	if l != nil {
		st = l.Status()
	}
	w("aof_last_write_status", okErr(l == nil || st.LastWriteOK))
	w("aof_last_cow_size", p.aofLastCow.Load())
	w("module_fork_in_progress", 0)
	w("module_fork_last_cow_size", 0)
	if l != nil {
		w("aof_current_size", st.CurrentSize)
		w("aof_base_size", st.BaseSize)
		w("aof_pending_rewrite", boolInt(p.rewriteSched.Load()))
		w("aof_buffer_length", st.PendingBytes)
		w("aof_pending_bio_fsync", 0)
		w("aof_delayed_fsync", st.DelayedFsync)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// PersistReady ends the start: from now on CONFIG SET appendonly opens or
// closes the AOF.
func (e *Engine) PersistReady() { e.persist.ready.Store(true) }

// applyAOFConfig follows CONFIG SET appendonly / appendfsync.
func (e *Engine) applyAOFConfig() {
	on := e.cfgBool("appendonly")
	l := e.persist.log.Load()
	switch {
	case on && l == nil:
		if err := e.openAOF(true); err != nil {
			e.logger().Warn("Redis needs to enable the AOF but can't open the append only file", "err", err.Error())
		}
	case !on && l != nil:
		if err := e.closeAOF(); err != nil {
			e.logger().Warn("closing the AOF", "err", err.Error())
		}
	case l != nil:
		l.SetPolicy(fsyncPolicy(e.cfg("appendfsync")))
		e.setAOFProc(e.cfg("appendfsync") == "always")
	}
}

// setAOFProc gives the AOF writer a P of its own while appendfsync is always:
// replies wait for its fsyncs, so it must run as soon as it is woken. With
// everysec or no nobody waits for it, and an extra P would only cost the loops
// the idle-P wake-ups (measured: SET -P 16 with everysec, 0.85x Redis with the
// extra P).
func (e *Engine) setAOFProc(on bool) {
	e.persist.procMu.Lock()
	defer e.persist.procMu.Unlock()
	if on != e.persist.aofProc {
		e.persist.aofProc = on
		if on {
			adjustProcs(+1)
		} else {
			adjustProcs(-1)
		}
	}
}

// AOFSyncTarget is what a loop asks before it writes a client's replies: the
// AOF offset the client's last write command reached, if appendfsync is always
// and no fsync covers it yet (the replies must wait for it). It clears the
// client's record. Loop goroutine only.
func (e *Engine) AOFSyncTarget(cl *Client) (int64, bool) {
	off := cl.aofOff.Swap(0)
	if off == 0 {
		return 0, false
	}
	if l := e.persist.log.Load(); l != nil {
		if target, need := l.SyncTarget(); need && off <= target {
			return off, true
		}
	}
	return 0, false
}

// AOFWaitSync returns true if off is durable, else arranges for done to be
// called (from the AOF writer) once it is.
func (e *Engine) AOFWaitSync(off int64, done func()) bool {
	if l := e.persist.log.Load(); l != nil {
		return l.WaitSync(off, done)
	}
	return true
}

// rewriteExpireAt records a TTL change as PEXPIREAT with the absolute time, so
// a replay does not extend it.
func (c *Ctx) rewriteExpireAt(key []byte, at int64) {
	if c.propagating() {
		var nb [20]byte
		c.Rewrite(bPEXPIREAT, key, strconv.AppendInt(nb[:0], at, 10))
	}
}

// rewriteKeyed records cmd key items... (nothing when items is empty).
func (c *Ctx) rewriteKeyed(cmd, key []byte, items [][]byte) {
	if len(items) == 0 || !c.propagating() {
		return
	}
	c.Rewrite(append([][]byte{cmd, key}, items...)...)
}

// appendTo appends the member's bytes.
func (m stMember) appendTo(dst []byte) []byte {
	if m.isInt {
		return strconv.AppendInt(dst, m.v, 10)
	}
	return append(dst, m.s...)
}

var (
	bLPOP    = []byte("LPOP")
	bRPOP    = []byte("RPOP")
	bLMPOP   = []byte("LMPOP")
	bLMOVE   = []byte("LMOVE")
	bLEFT    = []byte("LEFT")
	bRIGHT   = []byte("RIGHT")
	bCOUNT   = []byte("COUNT")
	bOne     = []byte("1")
	bZPOPMIN = []byte("ZPOPMIN")
	bZPOPMAX = []byte("ZPOPMAX")
	bSREM    = []byte("SREM")
	bKEEPTTL = []byte("KEEPTTL")
)

// Loading reports that the dataset is being loaded (clients get -LOADING).
func (e *Engine) Loading() bool { return e.persist.loading.Load() }

// saveSoon starts a BGSAVE, or schedules one behind the running snapshot.
func (e *Engine) saveSoon() {
	if !e.BackgroundSave() {
		e.persist.bgsaveSched.Store(true)
		e.runScheduledIfIdle()
	}
}

// runScheduledIfIdle covers a snapshot that ended between a failed start and
// setting the schedule flag.
func (e *Engine) runScheduledIfIdle() {
	if e.persist.kind.Load() == snapNone {
		e.runScheduled()
	}
}
