package shard

import (
	"fmt"
	"runtime/debug"
	"strconv"
)

// MEMORY STATS, DOCTOR, PURGE, MALLOC-STATS and HELP (Redis 7.0's object.c), and
// the figures INFO memory shares with them. MEMORY USAGE is in cmd_keys.go.

func init() {
	register(&Command{Name: "memory", Arity: -2, Group: "server", Summary: "A container for memory diagnostics commands", Since: "4.0.0",
		Exec: func(c *Ctx) { c.Out = appendUnknownSubcommand(c.Out, c.Args[1], "memory") },
		Sub: map[string]*Command{
			"usage":        {Arity: -3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Summary: "Estimate the memory usage of a key", Since: "4.0.0", Exec: memoryUsageCommand},
			"stats":        {Arity: 2, Route: RouteAll, Summary: "Show memory usage details", Since: "4.0.0", Exec: memoryStatsCommand},
			"doctor":       {Arity: 2, Route: RouteAll, Summary: "Outputs memory problems report", Since: "4.0.0", Exec: memoryDoctorCommand},
			"purge":        {Arity: 2, Summary: "Ask the allocator to release memory", Since: "4.0.0", Exec: memoryPurgeCommand},
			"malloc-stats": {Arity: 2, Summary: "Show allocator internal stats", Since: "4.0.0", Exec: memoryMallocStatsCommand},
			"help":         {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "4.0.0", Exec: memoryHelpCommand},
		}})
}

// memOverview is what INFO memory and MEMORY STATS report.
type memOverview struct {
	used, startup, dataset, peak int64
	rss                          int64
	heapAllocated, heapActive    int64 // Go heap objects; spans in use
	heapResident                 int64 // all memory the Go runtime holds
	keys                         int64
}

func (e *Engine) memOverview() memOverview {
	var m memOverview
	for _, s := range e.shards {
		m.dataset += s.memUsed.Load()
		m.keys += s.nkeys.Load()
	}
	m.startup = e.memStartup
	m.used = m.startup + m.dataset
	m.peak = e.notePeak(m.used)
	m.rss = rssBytes()
	m.heapAllocated = heapBytes()
	m.heapActive, m.heapResident = heapInUse()
	return m
}

func ratio(a, b int64) float64 { return float64(a) / float64(max64(b, 1)) }

// freshMemOverview is memOverview with every shard's figures refreshed first
// (RouteAll: the caller holds every shard).
func (c *Ctx) freshMemOverview() memOverview {
	for _, s := range c.e.shards {
		s.memDirty = true
		s.publishMem()
	}
	return c.e.memOverview()
}

func memoryStatsCommand(c *Ctx) {
	m := c.freshMemOverview()
	type dbOverhead struct{ main, expires int64 }
	dbs := make([]dbOverhead, c.e.ndb)
	hasKeys := make([]bool, c.e.ndb)
	for _, s := range c.e.shards {
		for i, d := range s.dbs {
			dbs[i].main += d.overheadMain()
			dbs[i].expires += d.overheadExpires()
			hasKeys[i] = hasKeys[i] || d.Len() > 0
		}
	}
	n := 0
	for _, h := range hasKeys {
		if h {
			n++
		}
	}
	var overheadDB int64
	for _, o := range dbs {
		overheadDB += o.main + o.expires
	}
	overhead := m.startup + overheadDB
	dataset := m.used - overhead
	c.Map(27 + n)
	kv := func(k string, v int64) { c.BulkString(k); c.Int(v) }
	kd := func(k string, v float64) { c.BulkString(k); c.Double(v) }
	kv("peak.allocated", m.peak)
	kv("total.allocated", m.used)
	kv("startup.allocated", m.startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", 0)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for i, h := range hasKeys {
		if h {
			c.BulkString("db." + strconv.Itoa(i))
			c.Map(2)
			kv("overhead.hashtable.main", dbs[i].main)
			kv("overhead.hashtable.expires", dbs[i].expires)
		}
	}
	kv("overhead.total", overhead)
	kv("keys.count", m.keys)
	if m.keys > 0 {
		kv("keys.bytes-per-key", (m.used-m.startup)/m.keys)
	} else {
		kv("keys.bytes-per-key", 0)
	}
	kv("dataset.bytes", dataset)
	kd("dataset.percentage", float64(dataset)*100/float64(max64(m.used-m.startup, 1)))
	kd("peak.percentage", float64(m.used)*100/float64(max64(m.peak, 1)))
	kv("allocator.allocated", m.heapAllocated)
	kv("allocator.active", m.heapActive)
	kv("allocator.resident", m.heapResident)
	kd("allocator-fragmentation.ratio", ratio(m.heapActive, m.heapAllocated))
	kv("allocator-fragmentation.bytes", m.heapActive-m.heapAllocated)
	kd("allocator.rss-ratio", ratio(m.heapResident, m.heapActive))
	kv("allocator.rss-bytes", m.heapResident-m.heapActive)
	kd("rss-overhead.ratio", ratio(m.rss, m.heapResident))
	kv("rss-overhead.bytes", m.rss-m.heapResident)
	kd("fragmentation", ratio(m.rss, m.used))
	kv("fragmentation.bytes", m.rss-m.used)
}

// memoryDoctorCommand reports as Redis's getMemoryDoctorReport does, on the
// figures duva has: an (almost) empty instance, a past peak far above the current
// use, and a resident set much larger than what duva accounts for.
func memoryDoctorCommand(c *Ctx) {
	m := c.freshMemOverview()
	var report string
	bigPeak := float64(m.peak)/float64(max64(m.used, 1)) > 1.5
	highFrag := ratio(m.rss, m.used) > 1.4 && m.rss-m.used > 10<<20
	switch {
	case m.dataset < 5<<20: // Redis: used < 5 MB, of which about 1 MB at start
		report = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	case !bigPeak && !highFrag:
		report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	default:
		report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
		if bigPeak {
			report += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
		}
		if highFrag {
			report += fmt.Sprintf(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. In duva, memory freed by deleted keys is kept for new keys of the same size; a workload whose key and value sizes changed leaves it unused. Note: The currently used allocator is \"%s\".\n\n", goAllocator())
		}
		report += "I'm here to keep you safe, Sam. I want to help you.\n"
	}
	c.Verbatim(report)
}

// memoryPurgeCommand returns freed heap memory to the OS. debug.FreeOSMemory runs
// a full collection first, so it runs beside the event loop, not on it.
func memoryPurgeCommand(c *Ctx) {
	go debug.FreeOSMemory()
	c.OK()
}

func memoryMallocStatsCommand(c *Ctx) {
	c.BulkString("Stats not supported for the current allocator")
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Return memory problems reports.",
	"MALLOC-STATS",
	"    Return internal statistics report from the memory allocator.",
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
	"HELP",
	"    Prints this help.",
}

func memoryHelpCommand(c *Ctx) {
	c.Lines(memoryHelp)
}
