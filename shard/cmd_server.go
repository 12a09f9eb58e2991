package shard

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/duva-db/duva/internal/glob"
)

// RedisVersion is the Redis version duva reports (HELLO, INFO): clients use it to
// decide which commands and reply shapes they may use.
const RedisVersion = "7.0.15"

// Version is duva's own version.
const Version = "0.1.0"

func init() {
	register(
		&Command{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale, Route: RouteAll, Group: "server", Summary: "Get information and statistics about the server", Since: "1.0.0", Exec: infoCommand},
		&Command{Name: "config", Arity: -2, Group: "server", Summary: "A container for server configuration commands", Since: "2.0.0", Exec: containerCommand,
			Sub: map[string]*Command{
				"get":       {Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Get the values of configuration parameters", Since: "2.0.0", Exec: configGetCommand},
				"set":       {Arity: -4, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Set configuration parameters to the given values", Since: "2.0.0", Exec: configSetCommand},
				"resetstat": {Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Route: RouteAll, Summary: "Reset the stats returned by INFO", Since: "2.0.0", Exec: configResetStatCommand},
				"rewrite":   {Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Rewrite the configuration file with the in memory configuration", Since: "2.8.0", Exec: configRewriteCommand},
				"help":      {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Exec: helpCommand},
			}},
		&Command{Name: "slowlog", Arity: -2, Group: "server", Summary: "A container for slow log commands", Since: "2.2.12", Exec: containerCommand,
			Sub: map[string]*Command{
				"get":   {Arity: -2, Flags: FlagAdmin | FlagLoading | FlagStale, Summary: "Get the slow log's entries", Since: "2.2.12", Exec: slowlogGetCommand},
				"len":   {Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale, Summary: "Get the slow log's length", Since: "2.2.12", Exec: slowlogLenCommand},
				"reset": {Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale, Summary: "Clear all entries from the slow log", Since: "2.2.12", Exec: slowlogResetCommand},
				"help":  {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "6.2.0", Exec: helpCommand},
			}},
		&Command{Name: "latency", Arity: -2, Group: "server", Summary: "A container for latency diagnostics commands", Since: "2.8.13", Exec: containerCommand,
			Sub: map[string]*Command{
				"latest":    {Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Return the latest latency samples for all events", Since: "2.8.13", Exec: latencyLatestCommand},
				"history":   {Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Return timestamp-latency samples for the event", Since: "2.8.13", Exec: latencyHistoryCommand},
				"reset":     {Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Reset latency data for one or more events", Since: "2.8.13", Exec: latencyResetCommand},
				"histogram": {Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Return the cumulative distribution of latencies of a subset of commands or all", Since: "7.0.0", Exec: latencyHistogramCommand},
				"doctor":    {Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Return a human readable latency analysis report", Since: "2.8.13", Exec: latencyDoctorCommand},
				"help":      {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "2.8.13", Exec: helpCommand},
			}},
		&Command{Name: "shutdown", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagNoMulti, Group: "server", Summary: "Synchronously save the dataset to disk and then shut down the server", Since: "1.0.0", Exec: shutdownCommand},
	)
}

// SetShutdown installs what SHUTDOWN does (main sets it; it must not block the caller's loop).
func (e *Engine) SetShutdown(fn func(save, nosave bool)) { e.shutdownFn.Store(&fn) }

func shutdownCommand(c *Ctx) {
	var save, nosave, abort bool
	flags := 0
	for _, a := range c.Args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
			flags++
		case "save":
			save = true
			flags++
		case "now", "force":
			flags++
		case "abort":
			abort = true
		default:
			c.SyntaxError()
			return
		}
	}
	if (abort && flags > 0) || (save && nosave) {
		c.SyntaxError()
		return
	}
	if abort {
		c.Error("ERR No shutdown in progress.")
		return
	}
	fn := c.e.shutdownFn.Load()
	if fn == nil {
		c.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	// Redis sends no reply: the connection closes with the server.
	c.Client.CloseAfterReply = true
	go (*fn)(save, nosave)
}

func configGetCommand(c *Ctx) {
	patterns := make([]string, 0, len(c.Args)-2)
	for _, p := range c.Args[2:] {
		patterns = append(patterns, string(p))
	}
	pairs := c.e.Config.GetAll(patterns...)
	c.Map(len(pairs))
	for _, kv := range pairs {
		c.BulkString(kv[0])
		c.BulkString(kv[1])
	}
}

// configSetCommand applies every pair or none, as Redis 7 does. Protected
// options (dir, dbfilename...) follow enable-protected-configs, where "local"
// means a loopback or unix-socket client.
func configSetCommand(c *Ctx) {
	if len(c.Args)%2 != 0 {
		c.SyntaxError()
		return
	}
	args := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		args = append(args, string(a))
	}
	if err := c.e.Config.SetArgs(args, c.Client.isLocal()); err != nil {
		c.Error(err.Error())
		return
	}
	c.e.ApplyConfig()
	c.OK()
}

func configResetStatCommand(c *Ctx) {
	c.e.workersMu.Lock()
	for _, w := range c.e.workers {
		for i := range w.stats {
			st := &w.stats[i]
			st.calls.Store(0)
			st.usec.Store(0)
			st.failed.Store(0)
			st.rejected.Store(0)
		}
	}
	c.e.workersMu.Unlock()
	for _, s := range c.e.shards {
		s.expiredKeys.Store(0)
		s.keyHits.Store(0)
		s.keyMisses.Store(0)
	}
	c.e.stats.connectionsReceived.Store(0)
	c.e.stats.rejectedConnections.Store(0)
	c.e.stats.netInput.Store(0)
	c.e.stats.netOutput.Store(0)
	c.e.errMu.Lock()
	c.e.errStats, c.e.errTotal = nil, 0
	c.e.errMu.Unlock()
	c.e.slowlog.mu.Lock()
	c.e.slowlog.entries = nil
	c.e.slowlog.mu.Unlock()
	c.OK()
}

func configRewriteCommand(c *Ctx) {
	c.Error("ERR The server is running without a config file")
}

func slowlogGetCommand(c *Ctx) {
	n := int64(10)
	if len(c.Args) == 3 {
		v, ok := parseInt(c.Args[2])
		if !ok || v < -1 {
			c.Error("ERR count should be greater than or equal to -1")
			return
		}
		n = v
	} else if len(c.Args) > 3 {
		c.ArityError()
		return
	}
	l := &c.e.slowlog
	l.mu.Lock()
	entries := append([]slowEntry(nil), l.entries...)
	l.mu.Unlock()
	if n == -1 || n > int64(len(entries)) {
		n = int64(len(entries))
	}
	c.Array(int(n))
	for i := 0; i < int(n); i++ {
		e := entries[len(entries)-1-i]
		c.Array(6)
		c.Int(e.id)
		c.Int(e.time)
		c.Int(e.usec)
		c.Array(len(e.args))
		for _, a := range e.args {
			c.BulkString(a)
		}
		c.BulkString(e.addr)
		c.BulkString(e.name)
	}
}

func slowlogLenCommand(c *Ctx) {
	c.e.slowlog.mu.Lock()
	n := len(c.e.slowlog.entries)
	c.e.slowlog.mu.Unlock()
	c.Int(int64(n))
}

func slowlogResetCommand(c *Ctx) {
	c.e.slowlog.mu.Lock()
	c.e.slowlog.entries = nil
	c.e.slowlog.mu.Unlock()
	c.OK()
}

func latencyLatestCommand(c *Ctx) {
	l := &c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.events))
	for n := range l.events {
		names = append(names, n)
	}
	sortStrings(names)
	c.Array(len(names))
	for _, n := range names {
		ev := l.events[n]
		last := ev.samples[len(ev.samples)-1]
		c.Array(4)
		c.BulkString(n)
		c.Int(last.time)
		c.Int(last.ms)
		c.Int(ev.max)
	}
}

func latencyHistoryCommand(c *Ctx) {
	l := &c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[string(c.Args[2])]
	if ev == nil {
		c.Array(0)
		return
	}
	c.Array(len(ev.samples))
	for _, s := range ev.samples {
		c.Array(2)
		c.Int(s.time)
		c.Int(s.ms)
	}
}

func latencyResetCommand(c *Ctx) {
	l := &c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	if len(c.Args) == 2 {
		n = len(l.events)
		l.events = nil
	} else {
		for _, a := range c.Args[2:] {
			if _, ok := l.events[string(a)]; ok {
				delete(l.events, string(a))
				n++
			}
		}
	}
	c.Int(int64(n))
}

// latencyHistogramCommand reports per-command call counts and a histogram of
// latencies in power-of-two microsecond buckets, like Redis 7's LATENCY HISTOGRAM.
// duva keeps total time per command rather than per-call buckets, so each command
// has one bucket: the power of two at or above its mean latency.
func latencyHistogramCommand(c *Ctx) {
	type row struct {
		name        string
		calls, usec int64
	}
	var rows []row
	want := map[string]bool{}
	for _, a := range c.Args[2:] {
		want[strings.ToLower(string(a))] = true
	}
	for id, cmd := range commandList {
		calls, usec, _, _ := c.e.commandStats(id)
		if calls == 0 || (len(want) > 0 && !want[cmd.Name]) {
			continue
		}
		rows = append(rows, row{cmd.Name, calls, usec})
	}
	c.Map(len(rows))
	for _, r := range rows {
		c.BulkString(r.name)
		c.Map(2)
		c.BulkString("calls")
		c.Int(r.calls)
		c.BulkString("histogram_usec")
		mean := r.usec / r.calls
		b := int64(1)
		for b < mean {
			b <<= 1
		}
		c.Map(1)
		c.Int(b)
		c.Int(r.calls)
	}
}

func latencyDoctorCommand(c *Ctx) {
	l := &c.e.latency
	l.mu.Lock()
	n := len(l.events)
	l.mu.Unlock()
	var s string
	if c.e.stats.latencyThresh.Load() == 0 {
		s = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	} else if n == 0 {
		s = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n"
	} else {
		s = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
		l.mu.Lock()
		i := 1
		for name, ev := range l.events {
			s += fmt.Sprintf("%d. %s: %d latency spikes (max %d milliseconds).\n", i, name, len(ev.samples), ev.max)
			i++
		}
		l.mu.Unlock()
	}
	c.Verbatim(s)
}

// commandStats sums a command's counters over every worker.
func (e *Engine) commandStats(id int) (calls, usec, rejected, failed int64) {
	e.workersMu.Lock()
	defer e.workersMu.Unlock()
	for _, w := range e.workers {
		st := &w.stats[id]
		calls += st.calls.Load()
		usec += st.usec.Load()
		rejected += st.rejected.Load()
		failed += st.failed.Load()
	}
	return
}

var infoDefault = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

func infoCommand(c *Ctx) {
	want := map[string]bool{}
	if len(c.Args) == 1 {
		for _, s := range infoDefault {
			want[s] = true
		}
	}
	for _, a := range c.Args[1:] {
		switch s := strings.ToLower(string(a)); s {
		case "all", "everything":
			for _, d := range infoDefault {
				want[d] = true
			}
			want["commandstats"] = true
			want["latencystats"] = true
		case "default":
			for _, d := range infoDefault {
				want[d] = true
			}
		default:
			want[s] = true
		}
	}
	var b strings.Builder
	section := func(name string, fn func(w func(k string, v any))) {
		if !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + name + "\r\n")
		fn(func(k string, v any) {
			b.WriteString(k)
			b.WriteByte(':')
			fmt.Fprint(&b, v)
			b.WriteString("\r\n")
		})
	}
	e := c.e
	now := time.Now()
	section("Server", func(w func(string, any)) {
		exe, _ := os.Executable()
		var un syscall.Utsname
		_ = syscall.Uname(&un)
		w("redis_version", RedisVersion)
		w("redis_git_sha1", "00000000")
		w("redis_git_dirty", 0)
		w("redis_build_id", "0")
		w("redis_mode", e.mode())
		w("os", utsString(un.Sysname[:])+" "+utsString(un.Release[:])+" "+utsString(un.Machine[:]))
		w("arch_bits", 64)
		w("monotonic_clock", "POSIX clock_gettime")
		w("multiplexing_api", "epoll")
		w("atomicvar_api", "go-sync-atomic")
		w("gcc_version", "0.0.0")
		w("process_id", os.Getpid())
		w("process_supervised", "no")
		w("run_id", e.runID)
		w("tcp_port", e.Config.Get("port")[0][1])
		w("server_time_usec", now.UnixMicro())
		up := int64(now.Sub(e.startTime) / time.Second)
		w("uptime_in_seconds", up)
		w("uptime_in_days", up/86400)
		w("hz", e.hz())
		w("configured_hz", e.hz())
		w("lru_clock", now.Unix()&(1<<24-1))
		w("executable", exe)
		w("config_file", "")
		w("io_threads_active", 0)
		w("duva_version", Version)
		w("go_version", runtime.Version())
		w("shards", len(e.shards))
	})
	section("Clients", func(w func(string, any)) {
		w("connected_clients", e.NumClients())
		w("cluster_connections", 0)
		w("maxclients", e.Limits().MaxClients)
		w("client_recent_max_input_buffer", 0)
		w("client_recent_max_output_buffer", 0)
		w("blocked_clients", e.blockedClients.Load())
		w("tracking_clients", 0)
		w("clients_in_timeout_table", 0)
	})
	section("Memory", func(w func(string, any)) {
		// used_memory is what duva accounts for (memory at start plus every
		// keyspace table's bytes, see evict.go); the Go runtime is the
		// allocator: "allocator_*" report its heap objects, the heap spans in
		// use and all the memory it holds.
		m := e.memOverview()
		used, rss, peak := m.used, m.rss, m.peak
		inuse, sys := m.heapActive, m.heapResident
		p := e.memPolicy()
		maxmem := p.max
		w("used_memory", used)
		w("used_memory_human", humanBytes(used))
		w("used_memory_rss", rss)
		w("used_memory_rss_human", humanBytes(rss))
		w("used_memory_peak", peak)
		w("used_memory_peak_human", humanBytes(peak))
		w("used_memory_peak_perc", fmt.Sprintf("%.2f%%", float64(used)*100/float64(max64(peak, 1))))
		w("used_memory_overhead", m.startup)
		w("used_memory_startup", m.startup)
		w("used_memory_dataset", m.dataset)
		w("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", float64(m.dataset)*100/float64(max64(used-m.startup, 1))))
		w("allocator_allocated", m.heapAllocated)
		w("allocator_active", inuse)
		w("allocator_resident", sys)
		w("total_system_memory", totalSystemMemory())
		w("total_system_memory_human", humanBytes(totalSystemMemory()))
		w("used_memory_lua", 31744)
		w("used_memory_vm_eval", 31744)
		w("used_memory_lua_human", "31.00K")
		w("used_memory_scripts_eval", 0)
		w("number_of_cached_scripts", 0)
		w("number_of_functions", 0)
		w("number_of_libraries", 0)
		w("used_memory_vm_functions", 32768)
		w("used_memory_vm_total", 64512)
		w("used_memory_vm_total_human", "63.00K")
		w("used_memory_functions", 0)
		w("used_memory_scripts", 0)
		w("used_memory_scripts_human", "0B")
		w("maxmemory", maxmem)
		w("maxmemory_human", humanBytes(maxmem))
		w("maxmemory_policy", e.Config.Get("maxmemory-policy")[0][1])
		w("allocator_frag_ratio", fmt.Sprintf("%.2f", ratio(inuse, m.heapAllocated)))
		w("allocator_frag_bytes", inuse-m.heapAllocated)
		w("allocator_rss_ratio", fmt.Sprintf("%.2f", float64(rss)/float64(max64(inuse, 1))))
		w("allocator_rss_bytes", rss-inuse)
		w("rss_overhead_ratio", "1.00")
		w("rss_overhead_bytes", 0)
		w("mem_fragmentation_ratio", fmt.Sprintf("%.2f", float64(rss)/float64(max64(used, 1))))
		w("mem_fragmentation_bytes", rss-used)
		w("mem_not_counted_for_evict", 0)
		w("mem_replication_backlog", 0)
		w("mem_total_replication_buffers", 0)
		w("mem_clients_slaves", 0)
		w("mem_clients_normal", 0)
		w("mem_cluster_links", 0)
		w("mem_aof_buffer", 0)
		w("mem_allocator", goAllocator())
		w("active_defrag_running", 0)
		w("lazyfree_pending_objects", 0)
		w("lazyfreed_objects", 0)
	})
	section("Persistence", e.infoPersistence)
	var totalCalls int64
	for id := range commandList {
		calls, _, _, _ := e.commandStats(id)
		totalCalls += calls
	}
	e.errMu.Lock()
	totalErrors := e.errTotal
	errNames := make([]string, 0, len(e.errStats))
	errCounts := map[string]int64{}
	for n, v := range e.errStats {
		errNames = append(errNames, n)
		errCounts[n] = v
	}
	e.errMu.Unlock()
	sortStrings(errNames)
	section("Stats", func(w func(string, any)) {
		var expired, hits, misses int64
		for _, s := range e.shards {
			expired += s.expiredKeys.Load()
			hits += s.keyHits.Load()
			misses += s.keyMisses.Load()
		}
		w("total_connections_received", e.stats.connectionsReceived.Load())
		w("total_commands_processed", totalCalls)
		w("instantaneous_ops_per_sec", e.opsPerSec())
		w("total_net_input_bytes", e.stats.netInput.Load())
		w("total_net_output_bytes", e.stats.netOutput.Load())
		w("total_net_repl_input_bytes", 0)
		w("total_net_repl_output_bytes", 0)
		w("instantaneous_input_kbps", "0.00")
		w("instantaneous_output_kbps", "0.00")
		w("instantaneous_input_repl_kbps", "0.00")
		w("instantaneous_output_repl_kbps", "0.00")
		w("rejected_connections", e.stats.rejectedConnections.Load())
		w("sync_full", 0)
		w("sync_partial_ok", 0)
		w("sync_partial_err", 0)
		w("expired_keys", expired)
		w("expired_stale_perc", "0.00")
		w("expired_time_cap_reached_count", 0)
		w("expire_cycle_cpu_milliseconds", e.expireCycleMs())
		w("evicted_keys", e.evictedKeys.Load())
		w("evicted_clients", 0)
		w("total_eviction_exceeded_time", 0)
		w("current_eviction_exceeded_time", 0)
		w("keyspace_hits", hits)
		w("keyspace_misses", misses)
		w("pubsub_channels", 0)
		w("pubsub_patterns", 0)
		w("pubsubshard_channels", 0)
		w("latest_fork_usec", 0)
		w("total_forks", 0)
		w("migrate_cached_sockets", 0)
		w("slave_expires_tracked_keys", 0)
		w("active_defrag_hits", 0)
		w("active_defrag_misses", 0)
		w("active_defrag_key_hits", 0)
		w("active_defrag_key_misses", 0)
		w("total_active_defrag_time", 0)
		w("current_active_defrag_time", 0)
		w("tracking_total_keys", 0)
		w("tracking_total_items", 0)
		w("tracking_total_prefixes", 0)
		w("unexpected_error_replies", 0)
		w("total_error_replies", totalErrors)
		w("dump_payload_sanitizations", 0)
		w("total_reads_processed", totalCalls)
		w("total_writes_processed", totalCalls)
		w("io_threaded_reads_processed", 0)
		w("io_threaded_writes_processed", 0)
		w("reply_buffer_shrinks", 0)
		w("reply_buffer_expands", 0)
	})
	section("Replication", func(w func(string, any)) {
		w("role", "master")
		w("connected_slaves", 0)
		w("master_failover_state", "no-failover")
		w("master_replid", e.runID)
		w("master_replid2", "0000000000000000000000000000000000000000")
		w("master_repl_offset", 0)
		w("second_repl_offset", -1)
		w("repl_backlog_active", 0)
		w("repl_backlog_size", 1048576)
		w("repl_backlog_first_byte_offset", 0)
		w("repl_backlog_histlen", 0)
	})
	section("CPU", func(w func(string, any)) {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		w("used_cpu_sys", fmt.Sprintf("%.6f", tv(ru.Stime)))
		w("used_cpu_user", fmt.Sprintf("%.6f", tv(ru.Utime)))
		_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
		w("used_cpu_sys_children", fmt.Sprintf("%.6f", tv(ru.Stime)))
		w("used_cpu_user_children", fmt.Sprintf("%.6f", tv(ru.Utime)))
		w("used_cpu_sys_main_thread", "0.000000")
		w("used_cpu_user_main_thread", "0.000000")
	})
	section("Modules", func(func(string, any)) {})
	section("Commandstats", func(w func(string, any)) {
		for id, cmd := range commandList {
			calls, usec, rej, failed := e.commandStats(id)
			if calls == 0 && rej == 0 && failed == 0 {
				continue
			}
			per := 0.0
			if calls > 0 {
				per = float64(usec) / float64(calls)
			}
			w("cmdstat_"+cmd.Name, fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d", calls, usec, per, rej, failed))
		}
	})
	section("Errorstats", func(w func(string, any)) {
		for _, n := range errNames {
			w("errorstat_"+n, "count="+strconv.FormatInt(errCounts[n], 10))
		}
	})
	section("Cluster", func(w func(string, any)) { w("cluster_enabled", boolInt(e.clusterOn)) })
	section("Keyspace", func(w func(string, any)) {
		for db := 0; db < e.ndb; db++ {
			keys, expires := 0, 0
			for _, s := range e.shards {
				keys += s.dbs[db].Len()
				expires += s.dbs[db].VolatileLen()
			}
			if keys > 0 {
				w("db"+strconv.Itoa(db), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", keys, expires))
			}
		}
	})
	c.Verbatim(b.String())
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func utsString(a []int8) string {
	b := make([]byte, 0, len(a))
	for _, c := range a {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case f < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case f < 1024*1024:
		return fmt.Sprintf("%.2fK", f/1024)
	case f < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", f/1024/1024)
	case f < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", f/1024/1024/1024)
	}
	return fmt.Sprintf("%.2fT", f/1024/1024/1024/1024)
}

// goAllocator names the allocator as INFO's mem_allocator does.
func goAllocator() string { return "go-" + runtime.Version() }

// heapBytes is the heap's object bytes (live, plus dead ones the GC has not
// swept yet), read without stopping the world.
func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return int64(s[0].Value.Uint64())
	}
	return 0
}

// heapInUse is the heap memory in spans in use, and all memory the Go runtime
// obtained from the OS.
func heapInUse() (inuse, sys int64) {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(s)
	for i := range s {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0, 0
		}
	}
	return int64(s[0].Value.Uint64() + s[1].Value.Uint64()), int64(s[2].Value.Uint64())
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func totalSystemMemory() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

func (e *Engine) notePeak(used int64) int64 {
	for {
		p := e.memPeak.Load()
		if used <= p {
			return p
		}
		if e.memPeak.CompareAndSwap(p, used) {
			return used
		}
	}
}

func (e *Engine) expireCycleMs() int64 {
	var ns int64
	for _, s := range e.shards {
		ns += s.expireCycleCPU.Load()
	}
	return ns / 1e6
}

// opsPerSec is the command rate over the last ~1.6 s, sampled by the ticker.
func (e *Engine) opsPerSec() int64 {
	e.opsMu.Lock()
	defer e.opsMu.Unlock()
	n := len(e.opsSamples)
	if n < 2 {
		return 0
	}
	first, last := e.opsSamples[0], e.opsSamples[n-1]
	dt := last.at.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return int64(float64(last.calls-first.calls) / dt)
}

func (e *Engine) sampleOps() {
	var total int64
	for id := range commandList {
		calls, _, _, _ := e.commandStats(id)
		total += calls
	}
	e.opsMu.Lock()
	e.opsSamples = append(e.opsSamples, opsSample{time.Now(), total})
	if len(e.opsSamples) > 16 {
		e.opsSamples = e.opsSamples[1:]
	}
	e.opsMu.Unlock()
}

// match is the glob used by KEYS, SCAN MATCH, CONFIG GET and friends.
func match(pattern, s []byte) bool { return glob.Match(pattern, s, false) }
