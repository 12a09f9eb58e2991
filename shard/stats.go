package shard

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/duva-db/duva/expiry"
)

// serverStats are server-wide counters, updated atomically from any worker.
type serverStats struct {
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64
	dirty               atomic.Int64 // changes since the last save
	netInput            atomic.Int64
	netOutput           atomic.Int64

	// hot configuration, refreshed by ApplyConfig after CONFIG SET
	requirePass   atomic.Pointer[string]
	slowlogSlower atomic.Int64 // µs; <0 disables
	latencyThresh atomic.Int64 // ms; 0 disables
	hz            atomic.Int64
}

func newRunID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ApplyConfig copies the settings read on hot paths out of the configuration.
// Call it at start and after every CONFIG SET.
func (e *Engine) ApplyConfig() {
	get := func(name string) string {
		if kv := e.Config.Get(name); len(kv) == 1 {
			return kv[0][1]
		}
		return ""
	}
	pass := get("requirepass")
	e.stats.requirePass.Store(&pass)
	n, _ := strconv.ParseInt(get("slowlog-log-slower-than"), 10, 64)
	e.stats.slowlogSlower.Store(n)
	n, _ = strconv.ParseInt(get("latency-monitor-threshold"), 10, 64)
	e.stats.latencyThresh.Store(n)
	n, _ = strconv.ParseInt(get("hz"), 10, 64)
	if n < 1 {
		n = 10
	}
	e.stats.hz.Store(n)
	n, _ = strconv.ParseInt(get("slowlog-max-len"), 10, 64)
	e.slowlog.setMax(int(n))
	e.refreshConnLimits(get)
	e.applyMemoryConfig(get)
	e.evictMore.Store(true) // a lower maxmemory takes effect at once (ticks evict)
	atoi := func(name string) int64 { n, _ := strconv.ParseInt(get(name), 10, 64); return n }
	e.enc.p.Store(&EncodingLimits{
		ListMaxListpackSize:    atoi("list-max-listpack-size"),
		HashMaxListpackEntries: atoi("hash-max-listpack-entries"),
		HashMaxListpackValue:   atoi("hash-max-listpack-value"),
		SetMaxIntsetEntries:    atoi("set-max-intset-entries"),
		ZsetMaxListpackEntries: atoi("zset-max-listpack-entries"),
		ZsetMaxListpackValue:   atoi("zset-max-listpack-value"),
	})
	if e.persist.ready.Load() {
		e.applyAOFConfig()
	}
}

func (e *Engine) requirePass() string {
	if p := e.stats.requirePass.Load(); p != nil {
		return *p
	}
	return ""
}

func (e *Engine) hz() int { return int(e.stats.hz.Load()) }

// NetIO counts network bytes for INFO stats (loops report per read and write).
func (e *Engine) NetIO(in, out int) {
	if in > 0 {
		e.stats.netInput.Add(int64(in))
	}
	if out > 0 {
		e.stats.netOutput.Add(int64(out))
	}
}

// countError records an error reply for INFO errorstats / total_error_replies:
// by its first word (ERR, WRONGTYPE, NOAUTH...), at most 128 distinct names as
// in Redis. Error replies are the cold path, so a mutex is fine.
func (e *Engine) countError(reply []byte) {
	if len(reply) == 0 || reply[0] != '-' {
		return
	}
	end := 1
	for end < len(reply) && reply[end] != ' ' && reply[end] != '\r' {
		end++
	}
	e.errMu.Lock()
	defer e.errMu.Unlock()
	if e.errStats == nil {
		e.errStats = map[string]int64{}
	}
	name := reply[1:end]
	if _, ok := e.errStats[string(name)]; ok || len(e.errStats) < 128 {
		e.errStats[string(name)]++
	}
	e.errTotal++
}

// afterCommand feeds the slow log and the latency monitor.
func (e *Engine) afterCommand(cl *Client, cmd *Command, args [][]byte, dur time.Duration) {
	us := dur.Microseconds()
	if t := e.stats.slowlogSlower.Load(); t >= 0 && us >= t && cmd.Flags&FlagSkipSlowlog == 0 {
		e.slowlog.add(cl, args, us)
	}
	if t := e.stats.latencyThresh.Load(); t > 0 && dur.Milliseconds() >= t {
		event := "command"
		if cmd.Flags&FlagFast != 0 {
			event = "fast-command"
		}
		e.latency.add(event, dur.Milliseconds())
	}
}

// slowlog is SLOWLOG's ring of slow commands. Written from any worker, so it has
// a mutex; entries are only added for commands over the threshold (cold path).
type slowlog struct {
	mu      sync.Mutex
	nextID  int64
	entries []slowEntry // newest last
	max     int
}

type slowEntry struct {
	id       int64
	time     int64
	usec     int64
	args     []string
	addr     string
	name     string
	origArgc int
}

func (s *slowlog) init() { s.max = 128 }

func (s *slowlog) setMax(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 {
		n = 0
	}
	s.max = n
	if len(s.entries) > n {
		s.entries = append(s.entries[:0], s.entries[len(s.entries)-n:]...)
	}
}

// Redis keeps at most 32 arguments and 128 bytes of each (SLOWLOG_ENTRY_MAX_*).
func (s *slowlog) add(cl *Client, args [][]byte, usec int64) {
	argc := len(args)
	if argc > 32 {
		argc = 32
	}
	a := make([]string, argc)
	for i := 0; i < argc; i++ {
		if i == 31 && len(args) > 32 {
			a[i] = "... (" + strconv.Itoa(len(args)-31) + " more arguments)"
			break
		}
		if len(args[i]) > 128 {
			a[i] = string(args[i][:128]) + "... (" + strconv.Itoa(len(args[i])-128) + " more bytes)"
		} else {
			a[i] = string(args[i])
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max == 0 {
		return
	}
	s.entries = append(s.entries, slowEntry{id: s.nextID, time: time.Now().Unix(), usec: usec, args: a, addr: cl.Addr, name: cl.Name()})
	s.nextID++
	if len(s.entries) > s.max {
		s.entries = s.entries[1:]
	}
}

// latencyMonitor keeps LATENCY samples per event, as Redis's latency.c: the latest
// 160 samples (one per second at most), the max ever.
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencyEvent
}

type latencySample struct {
	time int64 // unix seconds
	ms   int64
}

type latencyEvent struct {
	samples []latencySample
	max     int64
}

func (l *latencyMonitor) add(event string, ms int64) {
	now := time.Now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.events == nil {
		l.events = map[string]*latencyEvent{}
	}
	ev := l.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		l.events[event] = ev
	}
	if ms > ev.max {
		ev.max = ms
	}
	if n := len(ev.samples); n > 0 && ev.samples[n-1].time == now {
		if ms > ev.samples[n-1].ms {
			ev.samples[n-1].ms = ms
		}
		return
	}
	ev.samples = append(ev.samples, latencySample{now, ms})
	if len(ev.samples) > 160 {
		ev.samples = ev.samples[1:]
	}
}

// activeExpire runs one expiry cycle on s (held by w).
func (e *Engine) activeExpire(w *Worker, s *Shard) {
	start := time.Now()
	dbs := make([]expiry.DB, 0, len(s.dbs))
	for db, d := range s.dbs {
		if d.VolatileLen() > 0 {
			dbs = append(dbs, volatileDB{d, s, db, e})
		}
	}
	if len(dbs) == 0 {
		return
	}
	expiry.Cycle(dbs, start.UnixMilli(), e.hz(), expiry.SystemClock{})
	s.expireCycleCPU.Add(int64(time.Since(start)))
}

// volatileDB adapts a Dict to expiry.DB.
type volatileDB struct {
	d  *Dict
	s  *Shard
	db int
	e  *Engine
}

func (v volatileDB) VolatileLen() int { return v.d.VolatileLen() }

func (v volatileDB) ExpireOne(now int64) bool {
	e := v.d.RandomVolatile(v.s.nextRand())
	if e == nil || e.Expire() > now {
		return false
	}
	// The key's bytes as a slice without a copy: Delete and the AOF append
	// only read them, before anything can reuse the entry.
	key := unsafe.Slice(unsafe.StringData(e.Key()), len(e.Key()))
	if l := v.e.persist.log.Load(); l != nil {
		l.AppendCommand(v.db, bDEL, key) // as Redis propagates an expired key's deletion
	}
	v.d.Delete(key)
	v.s.memDirty = true
	v.s.expiredKeys.Add(1)
	return true
}

// ConnLimits are the connection settings the loops read on every event.
type ConnLimits struct {
	MaxClients       int
	Timeout          time.Duration // idle timeout; 0 = never
	QueryBufferLimit int64
	OutputHard       int64 // client-output-buffer-limit normal: hard bytes (0 = none)
	OutputSoft       int64 // soft bytes (0 = none)
	OutputSoftFor    time.Duration
}

func (e *Engine) refreshConnLimits(get func(string) string) {
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	l := &ConnLimits{
		MaxClients:       int(atoi(get("maxclients"))),
		Timeout:          time.Duration(atoi(get("timeout"))) * time.Second,
		QueryBufferLimit: atoi(get("client-query-buffer-limit")),
	}
	// "normal 0 0 0 slave ... pubsub ..."
	var f []string
	for _, w := range splitFields(get("client-output-buffer-limit")) {
		f = append(f, w)
	}
	for i := 0; i+3 < len(f); i += 4 {
		if f[i] == "normal" {
			l.OutputHard, l.OutputSoft = atoi(f[i+1]), atoi(f[i+2])
			l.OutputSoftFor = time.Duration(atoi(f[i+3])) * time.Second
		}
	}
	e.limits.Store(l)
}

// Limits returns the current connection limits.
func (e *Engine) Limits() *ConnLimits { return e.limits.Load() }

func splitFields(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}
