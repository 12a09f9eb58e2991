package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Rewrite is one AOF rewrite (BGREWRITEAOF) in progress. It is used by one
// goroutine: StartRewrite, then Writer, then Commit or Abort.
type Rewrite struct {
	l        *Log
	preamble bool
	tmp      string // temp base path
	f        *os.File
	w        *bufio.Writer
	incrSeq  int64 // first incr seq that the new base does not contain
	start    time.Time
	finished bool
}

// StartRewrite begins a rewrite at the current point of the log. The caller
// must hold every shard (nothing may be appended concurrently with this call
// if the snapshot is to match): everything appended before it is in the
// snapshot the caller is about to write, everything after it goes to a new
// incr file, which is created and listed in the manifest now (Redis's
// openNewIncrAofForAppend). Pending data of the previous incr file is
// written, fsynced and the file closed by the writer goroutine, so this call
// does no write(2) of log data. preamble selects the base name:
// .base.rdb (the caller writes an RDB) or .base.aof (RESP commands).
func (l *Log) StartRewrite(preamble bool) (*Rewrite, error) {
	l.mmu.Lock()
	defer l.mmu.Unlock()
	l.mu.Lock()
	closed, busy := l.closed, l.rewriting
	l.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if busy {
		return nil, ErrRewriteInProgress
	}

	tmp := filepath.Join(l.dir, tempRewritePrefix+strconv.Itoa(os.Getpid())+aofSuffix)
	tf, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("aof: opening the temp file for AOF rewrite: %w", err)
	}
	m := l.man.clone()
	m.CurIncrSeq++
	name := incrName(l.appendfilename, m.CurIncrSeq)
	path := filepath.Join(l.dir, name)
	nf, err := l.open(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		tf.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("aof: can't open the append-only file %s: %w", name, err)
	}
	m.Incrs = append(m.Incrs, File{Name: name, Seq: m.CurIncrSeq, Type: TypeIncr})
	if err := writeManifest(l.dir, l.appendfilename, m); err != nil {
		nf.Close()
		os.Remove(path)
		tf.Close()
		os.Remove(tmp)
		return nil, err
	}
	l.man = m
	l.logger.Info(fmt.Sprintf("Creating AOF incr file %s on background rewrite", name))

	inc := &incrFile{name: name, f: nf}
	l.mu.Lock()
	l.queue = append(l.queue, chunk{f: l.active, buf: l.buf, end: l.appended, close: true})
	l.buf = l.takeFreeLocked()
	l.active = inc
	l.incrs = append(l.incrs, inc)
	l.selectedDB = -1 // every incr file starts with SELECT
	l.rewriting = true
	l.mu.Unlock()
	l.Kick()

	return &Rewrite{
		l: l, preamble: preamble, tmp: tmp, f: tf,
		w:       bufio.NewWriterSize(tf, 64<<10),
		incrSeq: m.CurIncrSeq,
		start:   time.Now(),
	}, nil
}

// Writer is where the caller streams the new base: an RDB (preamble) or
// RESP commands (see AppendRewriteCommand). Buffered; Commit flushes it.
func (r *Rewrite) Writer() io.Writer { return r.w }

// Commit makes the new base durable and current: flush and fsync it, rename
// it to <appendfilename>.<seq>.base.rdb|aof, persist a manifest that lists it
// and only the incr files created since StartRewrite (the old base and incr
// files as history), then delete the history files and persist the manifest
// again without them (Redis's backgroundRewriteDoneHandler and
// aofDelHistoryFiles). On error the old files stay current and the rewrite
// counts as failed.
func (r *Rewrite) Commit() error {
	if r.finished {
		return errors.New("aof: rewrite already finished")
	}
	r.finished = true
	l := r.l
	err := r.w.Flush()
	if err == nil {
		err = r.f.Sync()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return r.fail(fmt.Errorf("aof: writing the rewritten base: %w", err))
	}
	size := fileSize(r.tmp)

	l.mmu.Lock()
	defer l.mmu.Unlock()
	m := l.man.clone()
	var hist []File
	if m.Base != nil {
		old := *m.Base
		old.Type = TypeHistory
		hist = append(hist, old)
	}
	m.CurBaseSeq++
	name := baseName(l.appendfilename, m.CurBaseSeq, r.preamble)
	final := filepath.Join(l.dir, name)
	if err := os.Rename(r.tmp, final); err != nil {
		return r.fail(fmt.Errorf("aof: renaming the rewritten base to %s: %w", name, err))
	}
	m.Base = &File{Name: name, Seq: m.CurBaseSeq, Type: TypeBase}
	keep := m.Incrs[:0:0]
	for _, f := range m.Incrs {
		if f.Seq >= r.incrSeq {
			keep = append(keep, f)
		} else {
			f.Type = TypeHistory
			hist = append(hist, f)
		}
	}
	m.Incrs = keep
	m.History = append(hist, m.History...)
	if err := writeManifest(l.dir, l.appendfilename, m); err != nil {
		os.Remove(final)
		return r.fail(err)
	}
	l.man = m
	dur := time.Since(r.start)
	l.mu.Lock()
	l.baseSize = size
	live := l.incrs[:0]
	for _, f := range l.incrs {
		for _, k := range keep {
			if f.name == k.Name {
				live = append(live, f)
				break
			}
		}
	}
	clear(l.incrs[len(live):])
	l.incrs = live
	l.rewriting = false
	l.rwOK = true
	l.rwTime = dur
	l.mu.Unlock()
	l.logger.Info("Background AOF rewrite finished successfully")

	m2 := m.clone()
	deleteHistory(l.dir, m2, l.logger)
	if err := writeManifest(l.dir, l.appendfilename, m2); err != nil {
		// The manifest still lists the (deleted) history files: harmless,
		// history files are never loaded, and the next Open retries.
		l.logger.Warn(fmt.Sprintf("Persisting the AOF manifest without history files: %v", err))
		return nil
	}
	l.man = m2
	return nil
}

// Abort discards the new base. The manifest keeps the old base and every
// incr file, including the one StartRewrite created, so nothing is lost and
// a later rewrite folds them all.
func (r *Rewrite) Abort() {
	if r.finished {
		return
	}
	r.finished = true
	r.f.Close()
	r.fail(errors.New("aborted"))
}

func (r *Rewrite) fail(err error) error {
	os.Remove(r.tmp)
	l := r.l
	l.mu.Lock()
	l.rewriting = false
	l.rwOK = false
	l.rwTime = time.Since(r.start)
	l.mu.Unlock()
	l.logger.Warn(fmt.Sprintf("Background AOF rewrite failed: %v", err))
	return err
}
