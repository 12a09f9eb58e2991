package config

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

type kind uint8

const (
	kindBool    kind = iota // yes/no, field *bool
	kindInt                 // Redis string2ll integer (or octal), field *int or *int64
	kindMemory              // Redis memtoull size, field *int64
	kindString              // any string, field *string
	kindEnum                // one of enum (case-insensitive), field *string holding the canonical name
	kindSpecial             // parse/format functions
)

type flag uint8

const (
	immutable flag = 1 << iota // CONFIG SET refuses it
	protected                  // CONFIG SET needs enable-protected-configs
	multiArg                   // takes several arguments (save, bind, ...)
	octal                      // integer written in octal (unixsocketperm)
	clampMax                   // values above max are clamped instead of rejected
	hidden                     // debug option: CONFIG GET shows it only by exact name (Redis's HIDDEN_CONFIG)
)

// loadState is the state of one configuration load (file plus command
// line); nil for CONFIG SET.
type loadState struct {
	saveLoaded bool // a save directive was seen: later ones append
}

// option describes one configuration option. The table below is the only
// list of options: parsing, CONFIG GET, CONFIG SET and defaults all use it.
type option struct {
	name  string
	alias string // older name still accepted and listed by CONFIG GET
	kind  kind
	flags flag
	// Inclusive bounds of kindInt and kindMemory.
	min, max int64
	enum     []string // kindEnum choices, in the order Redis lists them
	def      string   // default, written as in a configuration file
	// field returns a pointer to the Config field holding the value:
	// *bool, *int, *int64 or *string depending on kind; nil for kindSpecial.
	field func(c *Config) any
	// check validates and normalizes a kindString value (not applied to the
	// default).
	check func(c *Config, v string) (string, error)
	// post runs after every assignment, like Redis's clamping of hz.
	post func(c *Config)
	// parse and format implement kindSpecial options; format may also
	// override how another kind is shown.
	parse  func(c *Config, args []string, ls *loadState) error
	format func(c *Config) string
}

func (o *option) has(f flag) bool { return o.flags&f != 0 }

const (
	maxInt32  = math.MaxInt32
	minInt32  = math.MinInt32
	maxUint32 = math.MaxUint32
	maxInt64  = math.MaxInt64
	mb        = 1 << 20
)

var yesNoLocal = []string{"no", "yes", "local"}

// defaultParallelism is the default of shards: one per core.
var defaultParallelism = strconv.Itoa(min(runtime.NumCPU(), 1024))

// defaultEventLoops is half the cores (at least one). Measured on 2 cores with
// redis-benchmark on the same machine: one loop cost 13-14 µs of server CPU per
// GET at -P 1 against 18 µs for two (two loops wake each other's threads and
// compete with the kernel's network work and the client for the cores).
var defaultEventLoops = strconv.Itoa(max(1, min(runtime.NumCPU()/2, 1024)))

// options is the configuration table. Names, aliases, bounds, defaults,
// flags and the behavior of every Redis option were checked against
// redis-server 7.0.15 (CONFIG GET *, CONFIG SET with bad values, start-up
// with bad values). shards, event-loops and pprof-addr are duva's own.
var options = []option{
	// Network.
	{name: "port", kind: kindInt, min: 0, max: 65535, def: "6379", field: func(c *Config) any { return &c.Port }},
	{name: "bind", kind: kindSpecial, flags: multiArg, def: "127.0.0.1", parse: parseBind, format: formatBind},
	{name: "unixsocket", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.UnixSocket }},
	{name: "unixsocketperm", kind: kindInt, flags: immutable | octal, min: 0, max: 0o777, def: "0", field: func(c *Config) any { return &c.UnixSocketPerm }},
	{name: "tcp-backlog", kind: kindInt, flags: immutable, min: 0, max: maxInt32, def: "511", field: func(c *Config) any { return &c.TCPBacklog }},
	{name: "tcp-keepalive", kind: kindInt, min: 0, max: maxInt32, def: "300", field: func(c *Config) any { return &c.TCPKeepalive }},
	{name: "timeout", kind: kindInt, min: 0, max: maxInt32, def: "0", field: func(c *Config) any { return &c.Timeout }},
	{name: "protected-mode", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.ProtectedMode }},
	{name: "maxclients", kind: kindInt, min: 1, max: maxUint32, def: "10000", field: func(c *Config) any { return &c.MaxClients }},

	// General.
	{name: "daemonize", kind: kindBool, flags: immutable, def: "no", field: func(c *Config) any { return &c.Daemonize }},
	{name: "supervised", kind: kindEnum, flags: immutable, enum: []string{"upstart", "systemd", "auto", "no"}, def: "no", field: func(c *Config) any { return &c.Supervised }},
	{name: "pidfile", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.PidFile }},
	// "nothing" is Redis 7.2's addition; 7.0.15 lists only the first four.
	{name: "loglevel", kind: kindEnum, enum: []string{"debug", "verbose", "notice", "warning", "nothing"}, def: "notice", field: func(c *Config) any { return &c.LogLevel }},
	{name: "logfile", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.LogFile }},
	{name: "databases", kind: kindInt, flags: immutable, min: 1, max: maxInt32, def: "16", field: func(c *Config) any { return &c.Databases }},
	{name: "hz", kind: kindInt, min: 0, max: maxInt32, def: "10", field: func(c *Config) any { return &c.Hz }, post: clampHz},
	{name: "dynamic-hz", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.DynamicHz }},
	{name: "requirepass", kind: kindString, def: "", field: func(c *Config) any { return &c.RequirePass }},
	{name: "enable-protected-configs", kind: kindEnum, flags: immutable, enum: yesNoLocal, def: "no", field: func(c *Config) any { return &c.EnableProtectedConfigs }},
	{name: "enable-debug-command", kind: kindEnum, flags: immutable, enum: yesNoLocal, def: "no", field: func(c *Config) any { return &c.EnableDebugCommand }},
	{name: "shutdown-timeout", kind: kindInt, min: 0, max: maxInt32, def: "10", field: func(c *Config) any { return &c.ShutdownTimeout }},

	// Snapshots.
	{name: "dir", kind: kindString, flags: protected, def: ".", field: func(c *Config) any { return &c.Dir }, check: checkDir, format: formatDir},
	{name: "dbfilename", kind: kindString, flags: protected, def: "dump.rdb", field: func(c *Config) any { return &c.DBFilename }, check: baseNameCheck("dbfilename can't be a path, just a filename")},
	{name: "save", kind: kindSpecial, flags: multiArg, def: "3600 1 300 100 60 10000", parse: parseSave, format: func(c *Config) string { return c.Save }},
	{name: "stop-writes-on-bgsave-error", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.StopWritesOnBgsaveError }},
	{name: "rdbcompression", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.RDBCompression }},
	{name: "rdbchecksum", kind: kindBool, flags: immutable, def: "yes", field: func(c *Config) any { return &c.RDBChecksum }},
	{name: "rdb-save-incremental-fsync", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.RDBSaveIncrementalFsync }},

	// Append only file.
	{name: "appendonly", kind: kindBool, def: "no", field: func(c *Config) any { return &c.AppendOnly }},
	{name: "appendfilename", kind: kindString, flags: immutable, def: "appendonly.aof", field: func(c *Config) any { return &c.AppendFilename }, check: baseNameCheck("appendfilename can't be a path, just a filename")},
	{name: "appenddirname", kind: kindString, flags: immutable, def: "appendonlydir", field: func(c *Config) any { return &c.AppendDirname }, check: baseNameCheck("appenddirname can't be a path, just a dirname")},
	{name: "appendfsync", kind: kindEnum, enum: []string{"everysec", "always", "no"}, def: "everysec", field: func(c *Config) any { return &c.AppendFsync }},
	{name: "no-appendfsync-on-rewrite", kind: kindBool, def: "no", field: func(c *Config) any { return &c.NoAppendFsyncOnRewrite }},
	{name: "auto-aof-rewrite-percentage", kind: kindInt, min: 0, max: maxInt32, def: "100", field: func(c *Config) any { return &c.AutoAOFRewritePercentage }},
	{name: "auto-aof-rewrite-min-size", kind: kindMemory, min: 0, max: maxInt64, def: "64mb", field: func(c *Config) any { return &c.AutoAOFRewriteMinSize }},
	{name: "aof-load-truncated", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.AOFLoadTruncated }},
	{name: "aof-use-rdb-preamble", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.AOFUseRDBPreamble }},
	{name: "aof-timestamp-enabled", kind: kindBool, def: "no", field: func(c *Config) any { return &c.AOFTimestampEnabled }},
	{name: "aof-rewrite-incremental-fsync", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.AOFRewriteIncrementalFsync }},

	// Memory management. Redis accepts maxmemory values up to 2^64-1; the
	// field is an int64, so larger values are clamped to math.MaxInt64.
	{name: "maxmemory", kind: kindMemory, flags: clampMax, min: 0, max: maxInt64, def: "0", field: func(c *Config) any { return &c.MaxMemory }},
	{name: "maxmemory-policy", kind: kindEnum, enum: []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, def: "noeviction", field: func(c *Config) any { return &c.MaxMemoryPolicy }},
	{name: "maxmemory-samples", kind: kindInt, min: 1, max: maxInt32, def: "5", field: func(c *Config) any { return &c.MaxMemorySamples }},
	{name: "maxmemory-eviction-tenacity", kind: kindInt, min: 0, max: 100, def: "10", field: func(c *Config) any { return &c.MaxMemoryEvictionTenacity }},
	{name: "lfu-log-factor", kind: kindInt, min: 0, max: maxInt32, def: "10", field: func(c *Config) any { return &c.LFULogFactor }},
	{name: "lfu-decay-time", kind: kindInt, min: 0, max: maxInt32, def: "1", field: func(c *Config) any { return &c.LFUDecayTime }},
	{name: "active-expire-effort", kind: kindInt, min: 1, max: 10, def: "1", field: func(c *Config) any { return &c.ActiveExpireEffort }},
	{name: "activerehashing", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.ActiveRehashing }},
	{name: "lazyfree-lazy-eviction", kind: kindBool, def: "no", field: func(c *Config) any { return &c.LazyfreeLazyEviction }},
	{name: "lazyfree-lazy-expire", kind: kindBool, def: "no", field: func(c *Config) any { return &c.LazyfreeLazyExpire }},
	{name: "lazyfree-lazy-server-del", kind: kindBool, def: "no", field: func(c *Config) any { return &c.LazyfreeLazyServerDel }},
	{name: "lazyfree-lazy-user-del", kind: kindBool, def: "no", field: func(c *Config) any { return &c.LazyfreeLazyUserDel }},
	{name: "lazyfree-lazy-user-flush", kind: kindBool, def: "no", field: func(c *Config) any { return &c.LazyfreeLazyUserFlush }},

	// Client limits.
	{name: "proto-max-bulk-len", kind: kindMemory, min: 1 * mb, max: maxInt64, def: "512mb", field: func(c *Config) any { return &c.ProtoMaxBulkLen }},
	{name: "client-query-buffer-limit", kind: kindMemory, min: 1 * mb, max: maxInt64, def: "1gb", field: func(c *Config) any { return &c.ClientQueryBufferLimit }},
	{name: "client-output-buffer-limit", kind: kindSpecial, flags: multiArg, def: "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60", parse: parseCOBL, format: formatCOBL},

	// Latency monitor and slow log.
	{name: "latency-monitor-threshold", kind: kindInt, min: 0, max: maxInt64, def: "0", field: func(c *Config) any { return &c.LatencyMonitorThreshold }},
	{name: "latency-tracking", kind: kindBool, def: "yes", field: func(c *Config) any { return &c.LatencyTracking }},
	{name: "slowlog-log-slower-than", kind: kindInt, min: -1, max: maxInt64, def: "10000", field: func(c *Config) any { return &c.SlowlogLogSlowerThan }},
	{name: "slowlog-max-len", kind: kindInt, min: 0, max: maxInt64, def: "128", field: func(c *Config) any { return &c.SlowlogMaxLen }},

	// Small-collection encodings.
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size", kind: kindInt, min: math.MinInt32, max: maxInt32, def: "-2", field: func(c *Config) any { return &c.ListMaxListpackSize }},
	{name: "list-compress-depth", kind: kindInt, min: 0, max: maxInt32, def: "0", field: func(c *Config) any { return &c.ListCompressDepth }},
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", kind: kindInt, min: 0, max: maxInt64, def: "512", field: func(c *Config) any { return &c.HashMaxListpackEntries }},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", kind: kindMemory, min: 0, max: maxInt64, def: "64", field: func(c *Config) any { return &c.HashMaxListpackValue }},
	{name: "set-max-intset-entries", kind: kindInt, min: 0, max: maxInt64, def: "512", field: func(c *Config) any { return &c.SetMaxIntsetEntries }},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", kind: kindInt, min: 0, max: maxInt64, def: "128", field: func(c *Config) any { return &c.ZsetMaxListpackEntries }},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", kind: kindMemory, min: 0, max: maxInt64, def: "64", field: func(c *Config) any { return &c.ZsetMaxListpackValue }},
	{name: "hll-sparse-max-bytes", kind: kindMemory, min: 0, max: maxInt64, def: "3000", field: func(c *Config) any { return &c.HLLSparseMaxBytes }},
	{name: "stream-node-max-bytes", kind: kindMemory, min: 0, max: maxInt64, def: "4096", field: func(c *Config) any { return &c.StreamNodeMaxBytes }},
	{name: "stream-node-max-entries", kind: kindInt, min: 0, max: maxInt64, def: "100", field: func(c *Config) any { return &c.StreamNodeMaxEntries }},

	// Events, tracking, ACL log, scripts.
	{name: "notify-keyspace-events", kind: kindSpecial, def: "", parse: parseNotify, format: formatNotify},
	{name: "tracking-table-max-keys", kind: kindInt, min: 0, max: maxInt64, def: "1000000", field: func(c *Config) any { return &c.TrackingTableMaxKeys }},
	{name: "acllog-max-len", kind: kindInt, min: 0, max: maxInt64, def: "128", field: func(c *Config) any { return &c.ACLLogMaxLen }},
	{name: "busy-reply-threshold", alias: "lua-time-limit", kind: kindInt, min: 0, max: maxInt64, def: "5000", field: func(c *Config) any { return &c.BusyReplyThreshold }},

	// Cluster.
	{name: "cluster-enabled", kind: kindBool, flags: immutable, def: "no", field: func(c *Config) any { return &c.ClusterEnabled }},
	{name: "cluster-config-file", kind: kindString, flags: immutable, def: "nodes.conf", field: func(c *Config) any { return &c.ClusterConfigFile }},
	{name: "cluster-node-timeout", kind: kindInt, min: 0, max: maxInt64, def: "15000", field: func(c *Config) any { return &c.ClusterNodeTimeout }},
	{name: "cluster-port", kind: kindInt, flags: immutable, min: 0, max: 65535, def: "0", field: func(c *Config) any { return &c.ClusterPort }},
	{name: "cluster-announce-ip", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.ClusterAnnounceIP }},
	{name: "cluster-announce-hostname", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.ClusterAnnounceHostname }},
	{name: "cluster-announce-port", kind: kindInt, flags: immutable, min: 0, max: 65535, def: "0", field: func(c *Config) any { return &c.ClusterAnnouncePort }},
	{name: "cluster-announce-bus-port", kind: kindInt, flags: immutable, min: 0, max: 65535, def: "0", field: func(c *Config) any { return &c.ClusterAnnounceBusPort }},
	{name: "cluster-require-full-coverage", kind: kindBool, flags: immutable, def: "yes", field: func(c *Config) any { return &c.ClusterRequireFullCoverage }},
	{name: "cluster-allow-reads-when-down", kind: kindBool, def: "no", field: func(c *Config) any { return &c.ClusterAllowReadsWhenDown }},

	// Threads.
	{name: "io-threads", kind: kindInt, flags: immutable, min: 1, max: 128, def: "1", field: func(c *Config) any { return &c.IOThreads }},
	{name: "io-threads-do-reads", kind: kindBool, flags: immutable, def: "no", field: func(c *Config) any { return &c.IOThreadsDoReads }},

	// Debugging (hidden, as in Redis): slow loading and saving down, per key,
	// so tests can watch -LOADING and a running BGSAVE.
	{name: "key-load-delay", kind: kindInt, flags: hidden, min: minInt32, max: maxInt32, def: "0", field: func(c *Config) any { return &c.KeyLoadDelay }},
	{name: "rdb-key-save-delay", kind: kindInt, flags: hidden, min: minInt32, max: maxInt32, def: "0", field: func(c *Config) any { return &c.RDBKeySaveDelay }},

	// duva.
	{name: "shards", kind: kindInt, flags: immutable, min: 1, max: 1024, def: defaultParallelism, field: func(c *Config) any { return &c.Shards }},
	{name: "event-loops", kind: kindInt, flags: immutable, min: 1, max: 1024, def: defaultEventLoops, field: func(c *Config) any { return &c.EventLoops }},
	{name: "shard-handoff", kind: kindEnum, flags: immutable, enum: []string{"combine", "hop"}, def: "combine", field: func(c *Config) any { return &c.ShardHandoff }},
	{name: "pprof-addr", kind: kindString, flags: immutable, def: "", field: func(c *Config) any { return &c.PprofAddr }},
}

// byName maps every lower-case name and alias to its option and to the
// name it was found under.
var byName = func() map[string]entry {
	m := make(map[string]entry, 2*len(options))
	for i := range options {
		o := &options[i]
		for _, n := range []string{o.name, o.alias} {
			if n == "" {
				continue
			}
			if _, dup := m[n]; dup {
				panic("config: duplicate option " + n)
			}
			m[n] = entry{o, n}
		}
	}
	return m
}()

type entry struct {
	opt  *option
	name string // canonical name or alias
}

// lookup finds an option by name or alias, ignoring ASCII case.
func lookup(name string) (entry, bool) {
	e, ok := byName[asciiLower(name)]
	return e, ok
}

// eqFold compares ASCII case-insensitively, like C's strcasecmp.
func eqFold(a, b string) bool { return len(a) == len(b) && asciiLower(a) == asciiLower(b) }

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// clampHz applies Redis's CONFIG_MIN_HZ/CONFIG_MAX_HZ.
func clampHz(c *Config) { c.Hz = max(1, min(c.Hz, 500)) }

// apply parses args for option o and stores the result in c. ls is the load
// state when reading a configuration, nil for CONFIG SET and defaults.
// Validation hooks (check) are skipped for defaults.
func (c *Config) apply(o *option, args []string, ls *loadState, isDefault bool) error {
	if o.kind == kindSpecial {
		if err := o.parse(c, args, ls); err != nil {
			return err
		}
	} else {
		v := args[0]
		switch p := o.field(c).(type) {
		case *bool:
			b, ok := yesno(v)
			if !ok {
				return errors.New(errNotYesNo)
			}
			*p = b
		case *int:
			n, err := o.parseNumber(v)
			if err != nil {
				return err
			}
			*p = int(n)
		case *int64:
			n, err := o.parseNumber(v)
			if err != nil {
				return err
			}
			*p = n
		case *string:
			if o.kind == kindEnum {
				i := slices.IndexFunc(o.enum, func(e string) bool { return eqFold(e, v) })
				if i < 0 {
					return errors.New("argument(s) must be one of the following: " + strings.Join(o.enum, ", "))
				}
				v = o.enum[i]
			} else if o.check != nil && !isDefault {
				var err error
				if v, err = o.check(c, v); err != nil {
					return err
				}
			}
			*p = v
		}
	}
	if o.post != nil {
		o.post(c)
	}
	return nil
}

// parseNumber parses an integer or memory value and checks its bounds,
// with Redis's error texts.
func (o *option) parseNumber(s string) (int64, error) {
	var v int64
	switch {
	case o.kind == kindMemory:
		u, ok := memtoull(s)
		if !ok {
			return 0, errors.New(errNotMemory)
		}
		if o.has(clampMax) && u > uint64(o.max) {
			u = uint64(o.max)
		}
		v = int64(u) // like Redis, sizes beyond MaxInt64 turn negative and fail the bounds
	case o.has(octal):
		n, rest, overflow := strtoll(s, 8)
		if rest != "" || overflow {
			return 0, errors.New(errNotOctal)
		}
		v = n
	default:
		n, ok := string2ll(s)
		if !ok {
			return 0, errors.New(errNotInteger)
		}
		v = n
	}
	if v < o.min || v > o.max {
		base := 10
		if o.has(octal) {
			base = 8
		}
		return 0, errors.New("argument must be between " + strconv.FormatInt(o.min, base) +
			" and " + strconv.FormatInt(o.max, base) + " inclusive")
	}
	return v, nil
}

// get formats the current value like CONFIG GET does.
func (o *option) get(c *Config) string {
	if o.format != nil {
		return o.format(c)
	}
	switch p := o.field(c).(type) {
	case *bool:
		return formatBool(*p)
	case *int:
		if o.has(octal) {
			return strconv.FormatInt(int64(*p), 8)
		}
		return strconv.Itoa(*p)
	case *int64:
		return strconv.FormatInt(*p, 10)
	case *string:
		return *p
	}
	return ""
}
