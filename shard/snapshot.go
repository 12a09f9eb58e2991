package shard

import (
	"encoding/binary"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// Snapshots: a point-in-time image of the whole keyspace, made by the shards
// themselves because a Go process cannot fork. BGSAVE, SAVE and the AOF rewrite
// (and later a replica's full sync) all use this one mechanism; only the
// entryWriter differs (RDB objects or RESP commands).
//
//  1. Start point: a driver goroutine takes every shard at once (a barrier, the
//     same ascending-order hand-off as a multi-shard command), bumps the
//     snapshot epoch, stamps it on every keyspace Dict (so keys created from
//     now on carry it in Entry.snap) and remembers each shard's tables.
//  2. Walk: the driver then asks one shard at a time, database by database,
//     to serialise the next ~64 KB of keys whose Entry.snap is not the epoch
//     (a Dict.Scan cursor, so rehashing cannot make it miss a key), and writes
//     those bytes out while holding nothing. Clients are served between steps.
//  3. Copy on write, key by key: a write command that looks up a key the walk
//     has not reached first serialises its old value into the shard's per-db
//     side buffer and stamps it (shardSnap.preserve); the walk appends that
//     buffer when it finishes the database. FLUSHDB/FLUSHALL give the snapshot
//     the old tables and start new ones; SWAPDB swaps tables, which the
//     snapshot tracks by identity. So the output holds exactly the keys and
//     values of the start point, and memory grows only by what changes.
//
// Keys already expired at the start point are left out. Only one snapshot runs
// at a time (persistState.busy).

// snapshotStep is how many bytes one walk step serialises before it lets the
// shard go: ~64 KB of small keys take tens of microseconds. (A variable so
// tests can interleave writes with many small steps.)
var snapshotStep = 64 << 10

// snapshotStepTime bounds one step's hold of a shard: a client command that
// needs the shard meanwhile waits for the step to end.
const snapshotStepTime = 200 * time.Microsecond

// snapshotYield is how long the walk stays away from a shard after a step
// during which clients queued for it: their loops then run a whole batch
// inline instead of one queued command per step.
const snapshotYield = 100 * time.Microsecond

// entryWriter serialises keys for a snapshot. Called by the holder of the
// key's shard.
type entryWriter interface {
	// appendDB starts database db (keys and expires: counts at the start point).
	appendDB(dst []byte, db int, keys, expires int64) []byte
	// appendEntry serialises one key with its TTL and LRU/LFU data.
	appendEntry(dst []byte, e *Entry, li lruInfo) []byte
	// appendString serialises a string key (staged by a step, see unstage).
	appendString(dst, key, val []byte, expire int64, li lruInfo) []byte
}

// snapshot is one running snapshot.
type snapshot struct {
	epoch   uint32
	now     int64       // start point, unix ms
	pol     *memPolicy  // at the start point: which LRU/LFU data the RDB keeps
	ew      entryWriter // the driver's (database headers)
	all     []int       // every shard index
	keys    []int64     // per db, at the start point
	expires []int64
	shards  []*shardSnap
	cowSize atomic.Int64 // bytes serialised by copy-on-write, for INFO
	written atomic.Int64 // keys written so far

	afterStep func()        // tests: runs between walk steps, holding no shard
	keyDelay  time.Duration // rdb-key-save-delay per key written
}

// shardSnap is a snapshot's state on one shard. Holder of the shard only.
type shardSnap struct {
	sn     *snapshot
	ew     entryWriter // this shard's own (writers keep scratch buffers)
	dicts  []*Dict     // the shard's tables at the start point, by db
	cow    [][]byte    // per db: old values of keys changed before the walk reached them
	walked []bool      // per db: walk finished
	cursor uint64
}

func (ss *shardSnap) lruInfo(e *Entry) lruInfo { return lruInfoOf(e, ss.sn.pol, ss.sn.now) }

// preserve is called before a write command changes e (found in table d) while
// a snapshot runs and has not written it yet.
func (ss *shardSnap) preserve(d *Dict, e *Entry) {
	e.snap = ss.sn.epoch
	if e.Expire() != 0 && e.Expire() <= ss.sn.now {
		return
	}
	for db, sd := range ss.dicts {
		if sd == d {
			n := len(ss.cow[db])
			ss.cow[db] = ss.ew.appendEntry(ss.cow[db], e, ss.lruInfo(e))
			ss.sn.cowSize.Add(int64(len(ss.cow[db]) - n))
			ss.sn.written.Add(1)
			return
		}
	}
	// A table made after the start point holds no key of the snapshot.
}

// step stages up to snapshotStep bytes, or snapshotStepTime of work, of db's
// unwritten keys into stage (see stageEntry). done reports the database
// finished on this shard; cow is then its side buffer, already encoded.
func (ss *shardSnap) step(db int, stage []byte) (_ []byte, cow []byte, done bool) {
	d := ss.dicts[db]
	sn := ss.sn
	ep := sn.epoch
	n := int64(0)
	emit := func(e *Entry) {
		if e.snap == ep {
			return
		}
		e.snap = ep
		if e.Expire() != 0 && e.Expire() <= sn.now {
			return
		}
		stage = ss.stageEntry(stage, e)
		n++
	}
	start := time.Now()
	for i := 0; ; i++ {
		ss.cursor = d.Scan(ss.cursor, emit)
		if ss.cursor == 0 {
			break
		}
		if len(stage) >= snapshotStep || (i&31 == 31 && time.Since(start) >= snapshotStepTime) {
			sn.written.Add(n)
			return stage, nil, false
		}
	}
	sn.written.Add(n)
	cow = ss.cow[db]
	ss.cow[db] = nil
	ss.walked[db] = true
	return stage, cow, true
}

// Staged records: a step copies a string key's bytes as they are (a memmove)
// and leaves the encoding, LZF compression included, to the driver, which
// runs holding no shard; that keeps a step's hold of the shard short. Other
// values are encoded during the step (their structure may change once the
// shard is released).
const (
	stageString  = 's' // expire u64, idle varint, freq varint, key len uvarint, key, value len uvarint, value
	stageEncoded = 'e' // len u64, bytes ready for the output
)

func (ss *shardSnap) stageEntry(dst []byte, e *Entry) []byte {
	if e.Type == TypeString {
		dst = append(dst, stageString)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(e.Expire()))
		li := ss.lruInfo(e)
		dst = binary.AppendVarint(dst, li.idle)
		dst = binary.AppendVarint(dst, int64(li.freq))
		dst = binary.AppendUvarint(dst, uint64(len(e.Key())))
		dst = append(dst, e.Key()...)
		dst = binary.AppendUvarint(dst, uint64(len(e.Str())))
		return append(dst, e.Str()...)
	}
	dst = append(dst, stageEncoded, 0, 0, 0, 0, 0, 0, 0, 0)
	mark := len(dst)
	dst = ss.ew.appendEntry(dst, e, ss.lruInfo(e))
	binary.LittleEndian.PutUint64(dst[mark-8:], uint64(len(dst)-mark))
	return dst
}

// unstage appends the output form of staged records.
func unstage(dst, stage []byte, ew entryWriter) []byte {
	for p := 0; p < len(stage); {
		tag := stage[p]
		p++
		if tag == stageEncoded {
			n := int(binary.LittleEndian.Uint64(stage[p:]))
			p += 8
			dst = append(dst, stage[p:p+n]...)
			p += n
			continue
		}
		expire := int64(binary.LittleEndian.Uint64(stage[p:]))
		p += 8
		idle, k := binary.Varint(stage[p:])
		p += k
		freq, k := binary.Varint(stage[p:])
		p += k
		kl, k := binary.Uvarint(stage[p:])
		p += k
		key := stage[p : p+int(kl)]
		p += int(kl)
		vl, k := binary.Uvarint(stage[p:])
		p += k
		val := stage[p : p+int(vl)]
		p += int(vl)
		dst = ew.appendString(dst, key, val, expire, lruInfo{idle, int(freq)})
	}
	return dst
}

// newDict makes a keyspace table for shard s (see Dict.deferFree) (FLUSHDB while a snapshot runs
// must not empty the table the snapshot walks).
func (s *Shard) newDict() *Dict {
	d := NewDict()
	d.epoch = s.epoch
	d.deferFree = true
	d.due = &s.reclaimDue
	return d
}

// reclaim makes what the holder deleted from s's tables reusable (Dict.Reclaim).
func (s *Shard) reclaim() {
	if !s.reclaimDue {
		return
	}
	s.reclaimDue = false
	for _, d := range s.dbs {
		if d.HasPending() {
			d.Reclaim()
		}
	}
}

// flushDB empties database db of s (holder only).
func (s *Shard) flushDB(db int) {
	if s.snap != nil {
		s.dbs[db] = s.newDict() // the snapshot keeps walking the old table
		return
	}
	s.dbs[db].Clear()
}

// startSnapshot sets a snapshot's start point: with every shard held it bumps
// the epoch, stamps the tables and runs onStart (a rewrite switches AOF files
// there). mk makes one entryWriter per shard plus one for the driver. w is the
// driver's worker (not an event loop's). Every started snapshot must be
// walked (walkSnapshot) or ended (endSnapshot).
func (e *Engine) startSnapshot(w *Worker, mk func() entryWriter, onStart func(sn *snapshot)) *snapshot {
	sn := &snapshot{ew: mk(), pol: e.memPolicy(), keys: make([]int64, e.ndb), expires: make([]int64, e.ndb), all: make([]int, len(e.shards))}
	for i := range sn.all {
		sn.all[i] = i
	}
	if d, _ := strconv.Atoi(e.cfg("rdb-key-save-delay")); d > 0 {
		sn.keyDelay = time.Duration(d) * time.Microsecond
	}
	adjustProcs(+1) // until endSnapshot
	w.do(sn.all, func(w *Worker) {
		sn.epoch = e.snapEpoch.Add(1)
		sn.now = w.clock.wallMs(w.clock.start())
		for _, s := range e.shards {
			ss := &shardSnap{sn: sn, ew: mk(), dicts: append([]*Dict(nil), s.dbs...), cow: make([][]byte, e.ndb), walked: make([]bool, e.ndb)}
			s.epoch = sn.epoch
			for db, d := range s.dbs {
				d.epoch = sn.epoch
				sn.keys[db] += int64(d.Len())
				sn.expires[db] += int64(d.VolatileLen())
			}
			s.snap = ss
			sn.shards = append(sn.shards, ss)
		}
		e.persist.cur.Store(sn)
		if onStart != nil {
			onStart(sn)
		}
	})
	return sn
}

// endSnapshot stops copy-on-write on every shard.
func (e *Engine) endSnapshot(w *Worker, sn *snapshot) {
	for i, s := range e.shards {
		w.do(sn.all[i:i+1], func(*Worker) { s.snap = nil })
	}
	e.persist.lastCowSize.Store(sn.cowSize.Load())
	e.persist.cur.Store(nil)
	adjustProcs(-1)
}

// walkSnapshot writes every database's keys of sn to out, then ends sn. It
// returns the number of keys written.
func (e *Engine) walkSnapshot(w *Worker, sn *snapshot, out io.Writer) (int64, error) {
	defer e.endSnapshot(w, sn)
	var buf, stage []byte
	for db := 0; db < e.ndb; db++ {
		if sn.keys[db] == 0 {
			continue // nothing to write, and nothing can be copied on write
		}
		buf = sn.ew.appendDB(buf, db, sn.keys[db], sn.expires[db])
		for i := range e.shards {
			ss := sn.shards[i]
			ss.cursor = 0
			for done := false; !done; {
				before := sn.written.Load()
				contended := false
				var cow []byte
				w.do(sn.all[i:i+1], func(*Worker) {
					stage, cow, done = ss.step(db, stage[:0])
					contended = e.shards[i].mb.ready()
				})
				buf = unstage(buf, stage, sn.ew)
				buf = append(buf, cow...)
				if contended {
					yieldFor(snapshotYield)
				}
				if sn.afterStep != nil {
					sn.afterStep()
				}
				if sn.keyDelay > 0 { // rdb-key-save-delay, outside the shard
					time.Sleep(sn.keyDelay * time.Duration(sn.written.Load()-before))
				}
				if len(buf) >= snapshotStep || done {
					if _, err := out.Write(buf); err != nil {
						return sn.written.Load(), err
					}
					buf = buf[:0]
				}
			}
		}
	}
	return sn.written.Load(), nil
}

// yieldFor gives the other goroutines d without sleeping: time.Sleep rounds
// short waits up to the timer's granularity (about a millisecond), which made
// a BGSAVE under load several times slower than it needs to be. The driver has
// a P of its own while it runs (adjustProcs), so this spins only its own P.
func yieldFor(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
		runtime.Gosched()
	}
}
