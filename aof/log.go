package aof

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Policy is appendfsync.
type Policy int

// appendfsync values.
const (
	Always   Policy = iota // fsync before acknowledging (group commit)
	EverySec               // write promptly, fsync at most once a second
	No                     // write promptly, let the OS flush
)

func (p Policy) String() string {
	switch p {
	case Always:
		return "always"
	case EverySec:
		return "everysec"
	case No:
		return "no"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy parses an appendfsync value ("always", "everysec", "no").
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(s) {
	case "always":
		return Always, nil
	case "everysec":
		return EverySec, nil
	case "no":
		return No, nil
	}
	return 0, fmt.Errorf("aof: invalid appendfsync %q", s)
}

// file is what the Log needs from an incr file. *os.File implements it;
// tests substitute one that fails (ENOSPC, short writes, fsync errors).
type file interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

type openFunc func(path string, flag int, perm os.FileMode) (file, error)

func osOpen(path string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// incrFile is one incr file of the manifest.
type incrFile struct {
	name   string
	f      file         // writer goroutine only (after Open/StartRewrite hand it over); nil when not open
	size   atomic.Int64 // bytes in the file; written by the writer goroutine
	synced int64        // writer goroutine only: size at the last successful fsync
}

// chunk is a run of encoded commands waiting to be written to f.
type chunk struct {
	f       *incrFile
	buf     []byte
	off     int   // bytes of buf already in the file
	fileOff int64 // size of f when buf[0] was written
	end     int64 // log offset after buf
	close   bool  // fsync and close f after buf: appends moved to a new incr file
}

type waiter struct {
	off  int64
	done func()
}

// Status is a snapshot for INFO persistence.
type Status struct {
	Enabled         bool
	LastWriteOK     bool  // aof_last_write_status
	LastWriteErr    error // the error while !LastWriteOK
	CurrentSize     int64 // base + incr files (aof_current_size)
	BaseSize        int64 // base file (aof_base_size)
	PendingBytes    int64 // appended but not yet written (aof_buffer_length)
	Synced          int64 // log offset covered by fsync
	Appended        int64 // log offset after the last append
	DelayedFsync    int64 // everysec fsyncs that took longer than 2s (aof_delayed_fsync)
	Fsyncs          int64 // fsyncs issued on incr files
	Rewriting       bool
	LastRewriteOK   bool
	LastRewriteTime time.Duration
}

// Log is the live append-only file. See the package documentation for the
// threading rules.
type Log struct {
	workDir, dir, appendfilename string
	preamble                     bool
	logger                       *slog.Logger
	open                         openFunc

	kick     chan struct{}   // cap 1: "there is data"
	flushReq chan chan error // Flush
	stop     chan struct{}   // closed by Close
	done     chan struct{}   // closed when the writer exits
	stopOnce sync.Once
	closeErr error // set by the writer before done is closed

	syncs atomic.Int64 // fsyncs issued (Status.Fsyncs, tests)

	// Published copies of appended and synced (and policy == Always) for
	// SyncTarget, which event loops call after every batch without the mutex.
	pubAppended atomic.Int64
	pubSynced   atomic.Int64
	pubAlways   atomic.Bool

	// Writer goroutine only.
	wfile      *incrFile // file the last data went to (nil right after a switch)
	lastSync   time.Time
	lastErrLog time.Time

	mmu sync.Mutex // serialises manifest changes (Open, StartRewrite, Commit); taken before mu
	man *Manifest  // protected by mmu

	mu         sync.Mutex // protects everything below
	buf        []byte     // encoded commands not yet handed to the writer, for active
	free       [][]byte   // recycled buffers
	queue      []chunk    // handed to the writer, in log order
	active     *incrFile  // file new appends go to
	incrs      []*incrFile
	selectedDB int // db of the last SELECT in active (-1: none yet)
	appended   int64
	written    int64
	synced     int64
	policy     Policy
	waiters    []waiter
	lastErr    error
	delayed    int64
	closed     bool
	baseSize   int64
	rewriting  bool
	rwOK       bool
	rwTime     time.Duration
}

// Open opens (or creates) the multi-part AOF in <workDir>/<dirname> for
// appending, as Redis's aofOpenIfNeededOnServerStart does: an old-style
// <workDir>/<appendfilename> is first moved into the directory as the base
// (aofUpgradePrepare); without a base and incr files a 0-byte base
// <appendfilename>.1.base.aof is created (the empty dataset, whatever
// preamble says; the caller may run a rewrite at once to get an RDB base);
// the last incr file is opened for append, or a new one is created; the
// manifest is persisted; history files are deleted. preamble is the default
// format for rewrites (see Preamble).
func Open(workDir, dirname, appendfilename string, p Policy, preamble bool, logger *slog.Logger) (*Log, error) {
	return openLog(workDir, dirname, appendfilename, p, preamble, logger, osOpen)
}

func openLog(workDir, dirname, appendfilename string, p Policy, preamble bool, logger *slog.Logger, open openFunc) (*Log, error) {
	if logger == nil {
		logger = slog.Default()
	}
	dir := filepath.Join(workDir, dirname)
	var m *Manifest
	if dirExists(dir) {
		var err error
		if m, err = readManifest(dir, appendfilename); err != nil {
			return nil, err
		}
	}
	upgrade := needsUpgrade(workDir, dir, appendfilename, m)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("aof: can't open or create append-only dir %s: %w", dir, err)
	}
	if upgrade {
		m = &Manifest{Base: &File{Name: appendfilename, Seq: 1, Type: TypeBase}, CurBaseSeq: 1}
		if err := writeManifest(dir, appendfilename, m); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(workDir, appendfilename), filepath.Join(dir, appendfilename)); err != nil {
			return nil, fmt.Errorf("aof: moving the old AOF file %s into dir %s: %w", appendfilename, dir, err)
		}
		logger.Info(fmt.Sprintf("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", appendfilename, dirname))
	}
	if m == nil {
		m = &Manifest{}
	}
	removeTempFiles(dir)

	dirty := false
	if m.Base == nil && len(m.Incrs) == 0 {
		m.CurBaseSeq++
		name := baseName(appendfilename, m.CurBaseSeq, false)
		if err := createEmpty(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		m.Base = &File{Name: name, Seq: m.CurBaseSeq, Type: TypeBase}
		dirty = true
		logger.Info(fmt.Sprintf("Creating AOF base file %s on server start", name))
	}
	created := len(m.Incrs) == 0
	if created {
		m.CurIncrSeq++
		m.Incrs = append(m.Incrs, File{Name: incrName(appendfilename, m.CurIncrSeq), Seq: m.CurIncrSeq, Type: TypeIncr})
		dirty = true
	}
	last := m.Incrs[len(m.Incrs)-1].Name
	f, err := open(filepath.Join(dir, last), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("aof: can't open the append-only file %s: %w", last, err)
	}
	if len(m.History) > 0 {
		deleteHistory(dir, m, logger)
		dirty = true
	}
	if dirty {
		if err := writeManifest(dir, appendfilename, m); err != nil {
			f.Close()
			return nil, err
		}
	}
	if created {
		logger.Info(fmt.Sprintf("Creating AOF incr file %s on server start", last))
	} else {
		logger.Info(fmt.Sprintf("Opening AOF incr file %s on server start", last))
	}

	l := &Log{
		workDir: workDir, dir: dir, appendfilename: appendfilename,
		preamble: preamble, logger: logger, open: open,
		kick:       make(chan struct{}, 1),
		flushReq:   make(chan chan error),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		man:        m,
		selectedDB: -1,
		policy:     p,
		rwOK:       true,
		lastSync:   time.Now(),
	}
	if m.Base != nil {
		l.baseSize = fileSize(filepath.Join(dir, m.Base.Name))
	}
	for _, in := range m.Incrs {
		inc := &incrFile{name: in.Name}
		inc.size.Store(fileSize(filepath.Join(dir, in.Name)))
		inc.synced = inc.size.Load()
		l.incrs = append(l.incrs, inc)
	}
	l.active = l.incrs[len(l.incrs)-1]
	l.active.f = f
	l.pubAlways.Store(p == Always)
	go l.run()
	return l, nil
}

func createEmpty(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("aof: creating %s: %w", filepath.Base(path), err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// deleteHistory unlinks the history files and drops them from m (Redis's
// aofDelHistoryFiles); the caller persists m.
func deleteHistory(dir string, m *Manifest, logger *slog.Logger) {
	for _, h := range m.History {
		logger.Info(fmt.Sprintf("Removing the history file %s in the background", h.Name))
		if err := os.Remove(filepath.Join(dir, h.Name)); err != nil && !os.IsNotExist(err) {
			logger.Warn(fmt.Sprintf("Removing the history file %s: %v", h.Name, err))
		}
	}
	m.History = nil
}

const tempRewritePrefix = "temp-rewriteaof-bg-"

// removeTempFiles deletes rewrite bases left by a crash during a rewrite.
func removeTempFiles(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, tempRewritePrefix+"*"))
	for _, n := range names {
		os.Remove(n)
	}
}

// Preamble reports the rewrite format Open was given (aof-use-rdb-preamble).
func (l *Log) Preamble() bool { return l.preamble }

// Dir is the AOF directory (<workDir>/<dirname>).
func (l *Log) Dir() string { return l.dir }

// AppendCommand appends one command (RESP array of bulk strings), preceded
// by "SELECT db" when db differs from the db of the previous command in the
// current incr file (db < 0 never emits SELECT). It returns the log offset
// after the command, for WaitSync. It never does I/O; call Kick (or
// WaitSync) to get the data written. Safe for concurrent use; the log order
// is the order of the calls. After Close it does nothing.
func (l *Log) AppendCommand(db int, args ...[]byte) int64 {
	n, ok := l.beginAppend(db)
	if !ok {
		return n
	}
	l.buf = AppendRewriteCommand(l.buf, args...)
	return l.appendedLocked(int(n))
}

// beginAppend takes the lock for an append meant for database db and writes
// the SELECT it needs. It returns the buffer length before the append and
// true, or, after Close, the log offset and false with the lock released.
func (l *Log) beginAppend(db int) (int64, bool) {
	l.mu.Lock()
	if l.closed {
		off := l.appended
		l.mu.Unlock()
		return off, false
	}
	n := len(l.buf)
	if db >= 0 && db != l.selectedDB {
		l.buf = appendSelect(l.buf, db)
		l.selectedDB = db
	}
	return int64(n), true
}

// appendedLocked ends an append that grew l.buf from n bytes: it publishes the
// new offset, unlocks, and wakes the writer if the buffer was empty (once per
// writer round: the writer takes everything buffered when it wakes).
// REQUIRES: l.mu, released on return.
func (l *Log) appendedLocked(n int) int64 {
	l.appended += int64(len(l.buf) - n)
	off := l.appended
	l.pubAppended.Store(off)
	l.mu.Unlock()
	if n == 0 {
		l.Kick()
	}
	return off
}

// AppendRawDB appends p, whole RESP commands meant for database db, preceded
// by "SELECT db" when db differs from the previous command's (as AppendCommand).
func (l *Log) AppendRawDB(db int, p []byte) int64 {
	n, ok := l.beginAppend(db)
	if !ok {
		return n
	}
	l.buf = append(l.buf, p...)
	return l.appendedLocked(int(n))
}

// SyncTarget reports, with appendfsync always, whether appended writes wait
// for an fsync, and the offset that covers them all. Lock-free: event loops
// call it before writing every batch of replies.
func (l *Log) SyncTarget() (int64, bool) {
	if !l.pubAlways.Load() {
		return 0, false
	}
	a := l.pubAppended.Load()
	return a, a > l.pubSynced.Load()
}

// AppendRaw appends p verbatim (whole RESP commands; SELECT tracking is not
// updated) and returns the log offset after it.
func (l *Log) AppendRaw(p []byte) int64 {
	l.mu.Lock()
	if l.closed {
		off := l.appended
		l.mu.Unlock()
		return off
	}
	n := len(l.buf)
	l.buf = append(l.buf, p...)
	return l.appendedLocked(n)
}

// Kick tells the writer goroutine there is data. It never blocks.
func (l *Log) Kick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// WaitSync reports whether the log up to off is already safe, and if not
// registers done, which the writer goroutine calls exactly once when it is,
// and kicks the writer. Safe means fsynced with Always, written (write(2)
// returned, as Redis before replying) with EverySec and No. done must not
// block. Callbacks of a closed log that never became safe are not called.
func (l *Log) WaitSync(off int64, done func()) bool {
	l.mu.Lock()
	if off <= l.coveredLocked() {
		l.mu.Unlock()
		return true
	}
	l.waiters = append(l.waiters, waiter{off: off, done: done})
	l.mu.Unlock()
	l.Kick()
	return false
}

// REQUIRES: l.mu.
func (l *Log) coveredLocked() int64 {
	if l.policy == Always {
		return l.synced
	}
	return l.written
}

// SetPolicy changes appendfsync (CONFIG SET appendfsync).
func (l *Log) SetPolicy(p Policy) {
	l.mu.Lock()
	l.policy = p
	l.pubAlways.Store(p == Always)
	l.mu.Unlock()
	l.Kick()
}

// Flush writes and fsyncs everything appended so far, on the writer
// goroutine, and waits for it.
func (l *Log) Flush() error {
	ch := make(chan error, 1)
	select {
	case l.flushReq <- ch:
		return <-ch
	case <-l.done:
		return ErrClosed
	}
}

// Close writes and fsyncs everything, stops the writer and closes the file.
// Later appends are dropped.
func (l *Log) Close() error {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.stop)
	})
	<-l.done
	return l.closeErr
}

// Status returns a snapshot of the counters.
func (l *Log) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.baseSize
	for _, f := range l.incrs {
		cur += f.size.Load()
	}
	return Status{
		Enabled:         !l.closed,
		LastWriteOK:     l.lastErr == nil,
		LastWriteErr:    l.lastErr,
		CurrentSize:     cur,
		BaseSize:        l.baseSize,
		PendingBytes:    l.appended - l.written,
		Synced:          l.synced,
		Appended:        l.appended,
		DelayedFsync:    l.delayed,
		Fsyncs:          l.syncs.Load(),
		Rewriting:       l.rewriting,
		LastRewriteOK:   l.rwOK,
		LastRewriteTime: l.rwTime,
	}
}

// REQUIRES: l.mu.
func (l *Log) takeFreeLocked() []byte {
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b
	}
	return nil
}

const maxRecycled = 4 << 20 // buffers larger than this are left to the GC

// run is the writer goroutine.
// coalesceDelay is how long the writer lets appends gather after a kick when
// no reply waits for the write (appendfsync everysec and no).
const coalesceDelay = time.Millisecond

func (l *Log) run() {
	defer close(l.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.kick:
			if !l.pubAlways.Load() {
				// everysec / no: nobody waits for this write, so let a
				// millisecond of appends gather first: one write(2) then
				// carries the batches of every connection instead of one each
				// (a kill -9 loses at most that millisecond more).
				time.Sleep(coalesceDelay)
			}
			l.round(false)
		case <-t.C:
			l.round(false)
		case ch := <-l.flushReq:
			ch <- l.round(true)
		case <-l.stop:
			err := l.round(true)
			l.mu.Lock()
			files := []*incrFile{l.active}
			for _, c := range l.queue {
				files = append(files, c.f)
			}
			l.mu.Unlock()
			for _, f := range files {
				if f.f != nil {
					if cerr := f.f.Close(); err == nil {
						err = cerr
					}
					f.f = nil
				}
			}
			l.closeErr = err
			return
		}
	}
}

// round hands everything appended so far to the file(s) with as few
// write(2)s as possible, fsyncs as the policy (or force) requires, then runs
// the WaitSync callbacks that became safe. Writer goroutine only.
func (l *Log) round(force bool) error {
	l.mu.Lock()
	if len(l.buf) > 0 {
		l.queue = append(l.queue, chunk{f: l.active, buf: l.buf, end: l.appended})
		l.buf = l.takeFreeLocked()
	}
	q := l.queue
	l.queue = nil
	policy := l.policy
	written, synced := l.written, l.synced
	l.mu.Unlock()

	var err error
	i := 0
	for ; i < len(q); i++ {
		c := &q[i]
		if c.off < len(c.buf) {
			l.wfile = c.f
			if err = l.writeChunk(c); err != nil {
				break
			}
		}
		written = c.end
		if c.close {
			if err = l.fsync(c.f); err != nil {
				break
			}
			c.f.f.Close()
			c.f.f = nil
			if l.wfile == c.f {
				l.wfile = nil
			}
			synced = c.end // every closed file is fully fsynced
		}
	}
	requeue := q[i:]
	done := q[:i]

	if err == nil {
		wf := l.wfile
		switch {
		case wf == nil || wf.synced == wf.size.Load():
			synced = written
		case force || policy == Always || policy == EverySec && time.Since(l.lastSync) >= time.Second:
			start := time.Now()
			if err = l.fsync(wf); err == nil {
				synced = written
				l.lastSync = start
				if policy == EverySec && time.Since(start) > 2*time.Second {
					l.mu.Lock()
					l.delayed++
					l.mu.Unlock()
				}
			} else if policy == Always {
				// Linux may drop the dirty pages of a failed fsync, so a
				// later fsync proves nothing about them: cut the file back
				// to its last fsynced size and write this round's data
				// again, if this round's data is all that is unsynced.
				if k, ok := l.rollback(done, wf); ok {
					requeue, done = done[k:], done[:k]
					written = requeue[0].end - int64(len(requeue[0].buf))
				}
			}
		}
	}

	l.mu.Lock()
	if len(requeue) > 0 {
		l.queue = append(append([]chunk(nil), requeue...), l.queue...)
	}
	for _, c := range done {
		if c.buf != nil && cap(c.buf) <= maxRecycled && len(l.free) < 4 {
			l.free = append(l.free, c.buf[:0])
		}
	}
	l.written = written
	if synced > l.synced {
		l.synced = synced
		l.pubSynced.Store(synced)
	}
	if err != nil {
		l.lastErr = err
	} else if l.lastErr != nil {
		l.lastErr = nil
		l.logger.Warn("AOF write error looks solved, Redis can write again.")
	}
	var ready []func()
	if len(l.waiters) > 0 {
		cov := l.coveredLocked()
		k := 0
		for _, w := range l.waiters {
			if w.off <= cov {
				ready = append(ready, w.done)
			} else {
				l.waiters[k] = w
				k++
			}
		}
		clear(l.waiters[k:])
		l.waiters = l.waiters[:k]
	}
	l.mu.Unlock()

	for _, fn := range ready {
		fn()
	}
	return err
}

// rollback prepares a rewrite of the chunks of wf written in this round
// after a failed fsync: it truncates wf to its last fsynced size when the
// chunks start exactly there and reports the index of the first such chunk.
func (l *Log) rollback(done []chunk, wf *incrFile) (int, bool) {
	k := len(done)
	for k > 0 && done[k-1].f == wf && !done[k-1].close {
		k--
	}
	if k == len(done) || done[k].fileOff != wf.synced {
		return 0, false
	}
	if err := wf.f.Truncate(wf.synced); err != nil {
		return 0, false
	}
	wf.size.Store(wf.synced)
	for j := k; j < len(done); j++ {
		done[j].off = 0
	}
	return k, true
}

func (l *Log) fsync(f *incrFile) error {
	l.syncs.Add(1)
	size := f.size.Load()
	if err := f.f.Sync(); err != nil {
		l.logWriteErr(fmt.Sprintf("Fail to fsync the AOF file %s: %v", f.name, err))
		return fmt.Errorf("aof: fsync %s: %w", f.name, err)
	}
	f.synced = size
	return nil
}

// writeChunk writes the rest of c. On a short write it truncates the file
// back to its last good size (Redis's flushAppendOnlyFile) so no partial
// command stays in it; if that fails too, the written part is kept and only
// the remainder is retried.
func (l *Log) writeChunk(c *chunk) error {
	if c.off == 0 {
		c.fileOff = c.f.size.Load()
	}
	data := c.buf[c.off:]
	n, err := c.f.f.Write(data)
	if err == nil && n == len(data) {
		c.f.size.Add(int64(n))
		c.off = len(c.buf)
		return nil
	}
	if n > 0 {
		l.logWriteErr(fmt.Sprintf("Short write while writing to the AOF file: (nwritten=%d, expected=%d)", n, len(data)))
		if terr := c.f.f.Truncate(c.f.size.Load()); terr != nil {
			l.logWriteErr(fmt.Sprintf("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: %v", terr))
			c.f.size.Add(int64(n))
			c.off += n
		}
	} else {
		l.logWriteErr(fmt.Sprintf("Error writing to the AOF file: %v", err))
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	return fmt.Errorf("aof: writing %s: %w", c.f.name, err)
}

const writeErrLogRate = 30 * time.Second // AOF_WRITE_LOG_ERROR_RATE

func (l *Log) logWriteErr(msg string) {
	if now := time.Now(); now.Sub(l.lastErrLog) > writeErrLogRate {
		l.lastErrLog = now
		l.logger.Warn(msg)
	}
}
