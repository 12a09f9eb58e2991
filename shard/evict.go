package shard

import (
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Memory budget and eviction (Redis's maxmemory, evict.c).
//
// Accounting: every keyspace table counts the bytes it holds for its live keys
// (Dict.MemUsed: records, buckets, key and value bytes at their size class, TTL
// slots, and what collections report after each change). A shard's total is
// published in Shard.memUsed whenever its holder changed something (at release);
// used_memory is the sum over shards plus the memory the process had at start.
//
// Budget: the budget is global, and each shard evicts only from its own keys. A
// shard's share is what the others leave: maxmemory - startup - Σ others' usage.
// A write command that finds the total over maxmemory evicts from the shards it
// holds until the total is back under (or nothing there is evictable), so the
// shard that takes memory pays for it, and no shard evicts while the total is
// under budget, however skewed the keys are: the shares rebalance with every
// published total. If a shard has nothing it may evict (say volatile-lru and no
// key with a TTL) the other shards are asked to evict on their next tick.
//
// Which keys go: Redis's approximations. LRU and LFU sample maxmemory-samples keys
// per database into a pool of the 16 best candidates (evictionPoolPopulate) and
// evict the best; volatile-ttl the soonest to expire; the random policies a
// uniformly random key (Dict.RandomEntry is uniform). LRU keeps Redis's 24-bit
// clock in seconds, LFU the 16-bit minutes of the last decrement and the 8-bit
// logarithmic counter, in the low 24 bits of Entry.meta.

// Eviction policies, in maxmemory-policy's names.
const (
	policyNoEviction uint8 = iota
	policyAllKeysLRU
	policyAllKeysLFU
	policyAllKeysRandom
	policyVolatileLRU
	policyVolatileLFU
	policyVolatileRandom
	policyVolatileTTL
)

var policyNames = map[string]uint8{
	"noeviction": policyNoEviction, "allkeys-lru": policyAllKeysLRU, "allkeys-lfu": policyAllKeysLFU,
	"allkeys-random": policyAllKeysRandom, "volatile-lru": policyVolatileLRU, "volatile-lfu": policyVolatileLFU,
	"volatile-random": policyVolatileRandom, "volatile-ttl": policyVolatileTTL,
}

// memPolicy is the memory configuration in force; replaced as a whole by ApplyConfig.
type memPolicy struct {
	max       int64 // maxmemory; 0 = no limit
	policy    uint8
	samples   int
	tenacity  int
	lfuLog    int
	lfuDecay  int
	lfu       bool // policy is an LFU one: Entry.meta holds LFU data
	volatile  bool // only keys with a TTL may go
	random    bool
	ttl       bool
	evictable bool // policy != noeviction
}

func (e *Engine) memPolicy() *memPolicy { return e.mem.Load() }

// applyMemoryConfig reads maxmemory and friends, and sets the Go runtime's soft
// memory limit from maxmemory so the collector works harder before the process
// outgrows its budget (instead of letting the heap double under GOGC).
func (e *Engine) applyMemoryConfig(get func(string) string) {
	atoi := func(name string) int64 { n, _ := strconv.ParseInt(get(name), 10, 64); return n }
	p := &memPolicy{
		max:      atoi("maxmemory"),
		policy:   policyNames[strings.ToLower(get("maxmemory-policy"))],
		samples:  int(atoi("maxmemory-samples")),
		tenacity: int(atoi("maxmemory-eviction-tenacity")),
		lfuLog:   int(atoi("lfu-log-factor")),
		lfuDecay: int(atoi("lfu-decay-time")),
	}
	if p.samples < 1 {
		p.samples = 5
	}
	switch p.policy {
	case policyAllKeysLFU, policyVolatileLFU:
		p.lfu = true
	}
	p.volatile = p.policy >= policyVolatileLRU
	p.random = p.policy == policyAllKeysRandom || p.policy == policyVolatileRandom
	p.ttl = p.policy == policyVolatileTTL
	p.evictable = p.policy != policyNoEviction
	e.mem.Store(p)
	limit := int64(math.MaxInt64)
	if p.max > 0 {
		limit = max(p.max+p.max/5, p.max+64<<20)
	}
	if limit != e.goMemLimit {
		e.goMemLimit = limit
		debug.SetMemoryLimit(limit)
	}
}

// ---- LRU and LFU data (Entry.meta's low 24 bits) ----

const (
	lruClockMax = 1<<24 - 1 // Redis's LRU_CLOCK_MAX
	lfuInitVal  = 5         // Redis's LFU_INIT_VAL
)

// lruClock is Redis's LRU_CLOCK(): seconds, 24 bits.
func lruClock(nowMs int64) uint32 { return uint32(nowMs/1000) & lruClockMax }

// lfuMinutes is Redis's LFUGetTimeInMinutes(): 16 bits.
func lfuMinutes(nowMs int64) uint32 { return uint32(nowMs/60000) & 0xffff }

// newKeyMeta is the LRU/LFU data of a key created now (Redis's createObject).
func newKeyMeta(p *memPolicy, nowMs int64) uint32 {
	if p.lfu {
		return lfuMinutes(nowMs)<<8 | lfuInitVal
	}
	return lruClock(nowMs)
}

// idleMs is Redis's estimateObjectIdleTime, in ms.
func idleMs(lru uint32, nowMs int64) int64 {
	clock := lruClock(nowMs)
	if clock >= lru {
		return int64(clock-lru) * 1000
	}
	return int64(clock+(lruClockMax-lru)) * 1000
}

// lfuDecr is Redis's LFUDecrAndReturn: the counter after the decay due since
// the last decrement (one per lfu-decay-time minutes).
func lfuDecr(meta uint32, p *memPolicy, nowMs int64) uint32 {
	ldt, counter := meta>>8&0xffff, meta&0xff
	if p.lfuDecay <= 0 {
		return counter
	}
	now := lfuMinutes(nowMs)
	var elapsed uint32
	if now >= ldt {
		elapsed = now - ldt
	} else {
		elapsed = 65535 - ldt + now
	}
	periods := elapsed / uint32(p.lfuDecay)
	if periods > counter {
		return 0
	}
	return counter - periods
}

// lfuIncr is Redis's LFULogIncr: the counter grows with probability
// 1/((counter-LFU_INIT_VAL)*lfu-log-factor+1), saturating at 255.
func lfuIncr(counter uint32, p *memPolicy, rnd uint64) uint32 {
	if counter == 255 {
		return 255
	}
	r := float64(rnd>>11) / (1 << 53)
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if r < 1.0/(base*float64(p.lfuLog)+1) {
		counter++
	}
	return counter
}

// touch records an access to e (Redis's updateLFU / o->lru = LRU_CLOCK()).
func (s *Shard) touch(e *Entry, p *memPolicy, nowMs int64) {
	var v uint32
	if p.lfu {
		c := lfuDecr(e.meta&entryLRUMask, p, nowMs)
		v = lfuMinutes(nowMs)<<8 | lfuIncr(c, p, s.nextRand())
	} else {
		v = lruClock(nowMs)
	}
	e.meta = e.meta&^entryLRUMask | v
}

// setIdle sets e's LRU/LFU data as RESTORE's IDLETIME/FREQ and the RDB's IDLE
// and FREQ opcodes do (Redis's objectSetLRUOrLFU); a negative value is absent.
func setIdle(e *Entry, p *memPolicy, nowMs, idleSec, freq int64) {
	if p.lfu && freq >= 0 {
		e.meta = e.meta&^entryLRUMask | lfuMinutes(nowMs)<<8 | uint32(min(freq, 255))
	} else if !p.lfu && idleSec >= 0 {
		clock := int64(lruClock(nowMs))
		lru := clock - idleSec
		if lru < 0 {
			lru = int64(lruClockMax) - (idleSec - clock)
			if lru < 0 {
				lru = 0
			}
		}
		e.meta = e.meta&^entryLRUMask | uint32(lru)&entryLRUMask
	}
}

// lruInfo is what an RDB file keeps of a key's LRU/LFU data (Redis's
// rdbSaveKeyValuePair): the idle seconds under an LRU policy, the decayed LFU
// counter under an LFU policy; -1 when not saved.
type lruInfo struct {
	idle int64
	freq int
}

var noLRUInfo = lruInfo{-1, -1}

func lruInfoOf(e *Entry, p *memPolicy, nowMs int64) lruInfo {
	switch p.policy {
	case policyAllKeysLRU, policyVolatileLRU:
		return lruInfo{idleMs(e.meta&entryLRUMask, nowMs) / 1000, -1}
	case policyAllKeysLFU, policyVolatileLFU:
		return lruInfo{-1, int(lfuDecr(e.meta&entryLRUMask, p, nowMs))}
	}
	return noLRUInfo
}

// ---- accounting ----

// memNow is the bytes s's keyspace tables hold (holder only).
func (s *Shard) memNow() int64 {
	var n int64
	for _, d := range s.dbs {
		n += d.MemUsed()
	}
	return n
}

// publishMem refreshes s.memUsed after its holder changed something (holder only).
func (s *Shard) publishMem() {
	if s.memDirty {
		s.memDirty = false
		var n, keys, vol int64
		for _, d := range s.dbs {
			n += d.MemUsed()
			keys += int64(d.Len())
			vol += int64(d.VolatileLen())
		}
		s.memUsed.Store(n)
		s.nkeys.Store(keys)
		s.nvolatile.Store(vol)
	}
}

// usedMemory is used_memory: what the process had at start plus every shard's tables.
func (e *Engine) usedMemory() int64 {
	n := e.memStartup
	for _, s := range e.shards {
		n += s.memUsed.Load()
	}
	return n
}

// accountTouched updates the recorded size of the collections the command
// changed (holder only; c.touched lists entries write commands looked up or made).
func (c *Ctx) accountTouched() {
	for _, e := range c.touched {
		if e.meta&(entryLive|entryHasObj) == entryLive|entryHasObj {
			if m, ok := e.Obj().(objMemSizer); ok {
				e.dict().AccountObj(e, m.MemoryUsage(5))
			}
		}
	}
	c.touched = c.touched[:0]
}

// ---- eviction ----

// evictPoolSize is Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// evictCandidate is one entry of a shard's eviction pool: a key (copied) and its
// score; higher scores go first.
type evictCandidate struct {
	key  []byte
	db   int
	idle uint64
}

// evictPool keeps the best candidates sampled so far, ascending by idle
// (Redis's EvictionPoolLRU). Holder only.
type evictPool struct {
	c [evictPoolSize]evictCandidate
	n int
}

// insert adds a candidate if it beats the worst one of a full pool.
func (p *evictPool) insert(key []byte, db int, idle uint64) {
	k := 0
	for k < p.n && p.c[k].idle < idle {
		k++
	}
	if k == 0 && p.n == evictPoolSize {
		return // worse than everything in a full pool
	}
	if p.n < evictPoolSize {
		// Shift [k, n) right; reuse the key buffer falling off the end.
		spare := p.c[p.n].key
		copy(p.c[k+1:p.n+1], p.c[k:p.n])
		p.c[k].key = spare
		p.n++
	} else {
		// Full: drop the worst (index 0), shift [1, k) left.
		spare := p.c[0].key
		copy(p.c[0:k-1], p.c[1:k])
		k--
		p.c[k].key = spare
	}
	p.c[k].key = append(p.c[k].key[:0], key...)
	p.c[k].db, p.c[k].idle = db, idle
}

// pop removes and returns the best candidate; the key stays valid until the next insert.
func (p *evictPool) pop() (key []byte, db int, ok bool) {
	if p.n == 0 {
		return nil, 0, false
	}
	p.n--
	c := &p.c[p.n]
	return c.key, c.db, true
}

// score is the candidate's eviction score under p (Redis's idle in evictionPoolPopulate).
func score(e *Entry, p *memPolicy, nowMs int64) uint64 {
	switch {
	case p.ttl:
		return math.MaxUint64 - uint64(e.Expire())
	case p.lfu:
		return 255 - uint64(lfuDecr(e.meta&entryLRUMask, p, nowMs))
	}
	return uint64(idleMs(e.meta&entryLRUMask, nowMs))
}

// sample returns a uniformly random key of d the policy may evict, or nil.
func (s *Shard) sample(d *Dict, p *memPolicy) *Entry {
	if p.volatile {
		return d.RandomVolatile(s.nextRand())
	}
	return d.RandomEntry(s.nextRand)
}

// evictOne deletes one key of s chosen by the policy, and returns the bytes it
// freed, or -1 if s has no key the policy may evict (holder only).
func (s *Shard) evictOne(w *Worker, p *memPolicy, nowMs int64) int64 {
	if p.random {
		for k := 0; k < len(s.dbs); k++ {
			db := (s.nextDB + k) % len(s.dbs)
			if e := s.sample(s.dbs[db], p); e != nil {
				s.nextDB = db + 1
				return s.evictEntry(w, db, e)
			}
		}
		return -1
	}
	for tries := 0; tries < 64; tries++ {
		sampled := false
		for db, d := range s.dbs {
			n := d.Len()
			if p.volatile {
				n = d.VolatileLen()
			}
			if n == 0 {
				continue
			}
			sampled = true
			for k := 0; k < p.samples; k++ {
				e := s.sample(d, p)
				s.pool.insert(e.KeyBytes(), db, score(e, p, nowMs))
			}
		}
		if !sampled {
			return -1
		}
		for {
			key, db, ok := s.pool.pop()
			if !ok {
				break
			}
			e := s.dbs[db].Get(key)
			if e == nil || (p.volatile && e.vidx < 0) {
				continue // gone or changed since it was sampled
			}
			return s.evictEntry(w, db, e)
		}
	}
	return -1
}

// evictEntry deletes e (of database db) as an eviction: the running snapshot
// keeps its value, the AOF gets a DEL, evicted_keys counts it.
func (s *Shard) evictEntry(w *Worker, db int, e *Entry) int64 {
	d := s.dbs[db]
	if s.snap != nil && e.snap != s.snap.sn.epoch {
		s.snap.preserve(d, e)
	}
	freed := e.memUsage()
	if e.meta&entryHasObj != 0 {
		freed += d.objMem[e.aux]
	}
	key := e.KeyBytes() // readable until the shard is released (Dict.Reclaim)
	if l := w.e.persist.log.Load(); l != nil {
		l.AppendCommand(db, bDEL, key) // as Redis propagates an evicted key's deletion
	}
	d.Delete(key)
	s.memDirty = true
	w.e.evictedKeys.Add(1)
	return freed
}

// evictionTimeLimit is Redis's evictionTimeLimitUs for maxmemory-eviction-tenacity.
func evictionTimeLimit(tenacity int) time.Duration {
	if tenacity <= 10 {
		return time.Duration(50*max(tenacity, 0)) * time.Microsecond
	}
	if tenacity < 100 {
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// freeMemory runs before a write command with the shards in need held (Redis's
// performEvictions). It returns false when the command must be refused with -OOM:
// the total is over maxmemory and the held shards cannot bring it back. When the
// time limit stops the eviction first, the command runs and the shards' ticks go
// on evicting (Redis's EVICT_RUNNING).
func (w *Worker) freeMemory(p *memPolicy, need []int, nowMs int64) bool {
	e := w.e
	var held, others int64
	for i, s := range e.shards {
		if containsInt(need, i) {
			held += s.memNow()
		} else {
			others += s.memUsed.Load()
		}
	}
	over := e.memStartup + held + others - p.max
	if over <= 0 {
		return true
	}
	if !p.evictable {
		return false
	}
	deadline := time.Now().Add(evictionTimeLimit(p.tenacity))
	for k := 0; over > 0; k++ {
		progress := false
		for _, i := range need {
			s := e.shards[i]
			if freed := s.evictOne(w, p, nowMs); freed >= 0 {
				over -= freed
				progress = true
				if over <= 0 {
					break
				}
			}
		}
		if !progress {
			// Nothing the policy may take here: the other shards take their share,
			// if they have keys it may take; otherwise the command is refused.
			if e.evictableElsewhere(p, need) {
				e.evictMore.Store(true)
				return true
			}
			return false
		}
		if k&15 == 15 && time.Now().After(deadline) {
			e.evictMore.Store(true)
			return true
		}
	}
	return true
}

// evictableElsewhere reports whether a shard outside need holds keys the policy
// may evict (so its tick can evict them).
func (e *Engine) evictableElsewhere(p *memPolicy, need []int) bool {
	for i, s := range e.shards {
		if containsInt(need, i) {
			continue
		}
		if n := s.nkeys.Load(); (p.volatile && s.nvolatile.Load() > 0) || (!p.volatile && n > 0) {
			return true
		}
	}
	return false
}

// evictTick runs on a shard's tick while the total is over budget after a command
// left eviction unfinished (holder only).
func (w *Worker) evictTick(s *Shard) {
	w.e.notePeak(w.e.usedMemory())
	p := w.e.memPolicy()
	if p.max == 0 || !p.evictable || !w.e.evictMore.Load() {
		return
	}
	nowMs := time.Now().UnixMilli()
	deadline := time.Now().Add(time.Millisecond)
	for w.e.usedMemory()-s.memUsed.Load()+s.memNow() > p.max {
		if s.evictOne(w, p, nowMs) < 0 || time.Now().After(deadline) {
			s.publishMem()
			return
		}
	}
	s.publishMem()
	w.e.evictMore.Store(false)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
