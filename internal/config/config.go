// Package config holds duva's server configuration and behaves like
// redis-server 7.0's: the same option names, aliases, defaults (except
// where duva deliberately differs, e.g. bind defaults to 127.0.0.1), bounds,
// value syntax (yes/no booleans, memory sizes such as "1gb", enums), the
// redis.conf file syntax, `redis-server [configfile] [--name value ...]`
// command lines, CONFIG GET value formatting and CONFIG SET error texts.
//
// All options live in a single table (options.go). Each entry names the
// Config field it fills, its kind (bool, int, memory, string, enum or
// special), bounds, default, flags (immutable, protected, multi-argument)
// and optional hooks.
//
// A *Config is built by Default or Parse. Its exported fields may be read
// directly while only one goroutine uses it (typically during start-up).
// Once the server runs, CONFIG SET may change it concurrently: read through
// Get, Snapshot or SaveParams, which take the internal read lock, and use
// OnChange to react to changes.
package config

import (
	"errors"
	"github.com/duva-db/duva/internal/sds"
	"strings"
	"sync"

	"github.com/duva-db/duva/internal/glob"
)

// Config is the server configuration. Field comments give the option name
// and the default. Create it with Default or Parse: the zero Config is not
// usable.
type Config struct {
	// Network.
	Port           int      // port: 6379
	Bind           []string // bind: 127.0.0.1 (Redis: "* -::*"); several addresses allowed
	UnixSocket     string   // unixsocket: "" = off
	UnixSocketPerm int      // unixsocketperm: 0 (octal in files and CONFIG GET)
	TCPBacklog     int      // tcp-backlog: 511
	TCPKeepalive   int      // tcp-keepalive: 300 seconds
	Timeout        int      // timeout: 0 seconds (never close idle clients)
	ProtectedMode  bool     // protected-mode: yes
	MaxClients     int      // maxclients: 10000

	// General.
	Daemonize              bool   // daemonize: no
	Supervised             string // supervised: upstart|systemd|auto|no, default no
	PidFile                string // pidfile: ""
	LogLevel               string // loglevel: debug|verbose|notice|warning|nothing, default notice
	LogFile                string // logfile: "" = stdout
	Databases              int    // databases: 16
	Hz                     int    // hz: 10, clamped to 1..500 like Redis
	DynamicHz              bool   // dynamic-hz: yes
	RequirePass            string // requirepass: ""
	EnableProtectedConfigs string // enable-protected-configs: no|yes|local, default no
	EnableDebugCommand     string // enable-debug-command: no|yes|local, default no
	ShutdownTimeout        int    // shutdown-timeout: 10 seconds

	// Snapshots.
	Dir                     string // dir: "." (CONFIG GET shows the absolute path)
	KeyLoadDelay            int    // key-load-delay: µs slept per key loaded (debug; < 0: ns, as Redis)
	RDBKeySaveDelay         int    // rdb-key-save-delay: µs slept per key saved (debug; < 0: ns)
	DBFilename              string // dbfilename: dump.rdb
	Save                    string // save: "3600 1 300 100 60 10000" (see SaveParams)
	StopWritesOnBgsaveError bool   // stop-writes-on-bgsave-error: yes
	RDBCompression          bool   // rdbcompression: yes
	RDBChecksum             bool   // rdbchecksum: yes
	RDBSaveIncrementalFsync bool   // rdb-save-incremental-fsync: yes

	// Append only file.
	AppendOnly                 bool   // appendonly: no
	AppendFilename             string // appendfilename: appendonly.aof
	AppendDirname              string // appenddirname: appendonlydir
	AppendFsync                string // appendfsync: everysec|always|no, default everysec
	NoAppendFsyncOnRewrite     bool   // no-appendfsync-on-rewrite: no
	AutoAOFRewritePercentage   int    // auto-aof-rewrite-percentage: 100
	AutoAOFRewriteMinSize      int64  // auto-aof-rewrite-min-size: 64mb
	AOFLoadTruncated           bool   // aof-load-truncated: yes
	AOFUseRDBPreamble          bool   // aof-use-rdb-preamble: yes
	AOFTimestampEnabled        bool   // aof-timestamp-enabled: no
	AOFRewriteIncrementalFsync bool   // aof-rewrite-incremental-fsync: yes

	// Memory management.
	MaxMemory                 int64  // maxmemory: 0 = no limit
	MaxMemoryPolicy           string // maxmemory-policy: noeviction
	MaxMemorySamples          int    // maxmemory-samples: 5
	MaxMemoryEvictionTenacity int    // maxmemory-eviction-tenacity: 10
	LFULogFactor              int    // lfu-log-factor: 10
	LFUDecayTime              int    // lfu-decay-time: 1
	ActiveExpireEffort        int    // active-expire-effort: 1 (1..10)
	ActiveRehashing           bool   // activerehashing: yes
	LazyfreeLazyEviction      bool   // lazyfree-lazy-eviction: no
	LazyfreeLazyExpire        bool   // lazyfree-lazy-expire: no
	LazyfreeLazyServerDel     bool   // lazyfree-lazy-server-del: no
	LazyfreeLazyUserDel       bool   // lazyfree-lazy-user-del: no
	LazyfreeLazyUserFlush     bool   // lazyfree-lazy-user-flush: no

	// Client limits. The output buffer limits are {hard bytes, soft bytes,
	// soft seconds}, all 0 meaning no limit; they are set together through
	// client-output-buffer-limit.
	ProtoMaxBulkLen                int64    // proto-max-bulk-len: 512mb
	ClientQueryBufferLimit         int64    // client-query-buffer-limit: 1gb
	ClientOutputBufferLimitNormal  [3]int64 // client-output-buffer-limit normal: 0 0 0
	ClientOutputBufferLimitReplica [3]int64 // client-output-buffer-limit replica: 256mb 64mb 60
	ClientOutputBufferLimitPubSub  [3]int64 // client-output-buffer-limit pubsub: 32mb 8mb 60

	// Latency monitor and slow log.
	LatencyMonitorThreshold int64 // latency-monitor-threshold: 0 ms
	LatencyTracking         bool  // latency-tracking: yes
	SlowlogLogSlowerThan    int64 // slowlog-log-slower-than: 10000 µs (-1 disables)
	SlowlogMaxLen           int64 // slowlog-max-len: 128

	// Small-collection encodings.
	ListMaxListpackSize    int   // list-max-listpack-size: -2
	ListCompressDepth      int   // list-compress-depth: 0
	HashMaxListpackEntries int64 // hash-max-listpack-entries: 512
	HashMaxListpackValue   int64 // hash-max-listpack-value: 64
	SetMaxIntsetEntries    int64 // set-max-intset-entries: 512
	ZsetMaxListpackEntries int64 // zset-max-listpack-entries: 128
	ZsetMaxListpackValue   int64 // zset-max-listpack-value: 64
	HLLSparseMaxBytes      int64 // hll-sparse-max-bytes: 3000
	StreamNodeMaxBytes     int64 // stream-node-max-bytes: 4096
	StreamNodeMaxEntries   int64 // stream-node-max-entries: 100

	// Events, tracking, ACL log, scripts.
	NotifyKeyspaceEvents int   // notify-keyspace-events: "" (Notify* flags)
	TrackingTableMaxKeys int64 // tracking-table-max-keys: 1000000
	ACLLogMaxLen         int64 // acllog-max-len: 128
	BusyReplyThreshold   int64 // busy-reply-threshold (alias lua-time-limit): 5000 ms

	// Cluster.
	ClusterEnabled     bool   // cluster-enabled: no
	ClusterConfigFile  string // cluster-config-file: nodes.conf
	ClusterNodeTimeout int64  // cluster-node-timeout: 15000 ms
	ClusterPort        int    // cluster-port: 0 (port+10000)
	// cluster-announce-*: what this node tells the others ("" / 0: the
	// bind address, port and bus port). Fixed at start in duva (Redis can
	// change them at run time).
	ClusterAnnounceIP          string // cluster-announce-ip: ""
	ClusterAnnounceHostname    string // cluster-announce-hostname: ""
	ClusterAnnouncePort        int    // cluster-announce-port: 0
	ClusterAnnounceBusPort     int    // cluster-announce-bus-port: 0
	ClusterRequireFullCoverage bool   // cluster-require-full-coverage: yes (fixed at start in duva)
	ClusterAllowReadsWhenDown  bool   // cluster-allow-reads-when-down: no

	// Threads.
	IOThreads        int  // io-threads: 1 (Redis's; duva uses event-loops)
	IOThreadsDoReads bool // io-threads-do-reads: no

	// duva's own options.
	Shards     int    // shards: runtime.NumCPU()
	EventLoops int    // event-loops: runtime.NumCPU()
	PprofAddr  string // pprof-addr: "" = off
	// ShardHandoff picks how loops reach shards (shard-handoff: combine|hop).
	// combine: run inline when the shard is free, queue only when busy (the
	// default, measured faster); hop: always queue to the shard's goroutine, the
	// classic actor design, kept so bench/ can measure the two side by side.
	ShardHandoff string

	// ConfigFile is the absolute path of the configuration file given to
	// Parse, "" if none. It is not an option.
	ConfigFile string

	st *state
}

// state is the part of a Config that is never copied.
type state struct {
	mu    sync.RWMutex // guards the fields
	setMu sync.Mutex   // serializes CONFIG SET and guards hooks
	hooks map[*option][]func() error
}

// Default returns the default configuration.
func Default() *Config {
	c := &Config{st: &state{}}
	for i := range options {
		o := &options[i]
		args := []string{o.def}
		if o.has(multiArg) {
			args, _ = sds.SplitArgs(o.def)
		}
		if err := c.apply(o, args, nil, true); err != nil {
			panic("config: bad default for " + o.name + ": " + err.Error())
		}
	}
	return c
}

// Snapshot returns a consistent copy of the configuration. The copy has no
// OnChange hooks and is independent of c.
func (c *Config) Snapshot() *Config {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	cp := *c
	cp.Bind = append([]string(nil), c.Bind...)
	cp.st = &state{}
	return &cp
}

// SaveParams returns the save option as (seconds, changes) pairs.
func (c *Config) SaveParams() []SaveParam {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	return c.saveParams()
}

func (c *Config) saveParams() []SaveParam {
	f := strings.Fields(c.Save)
	params := make([]SaveParam, 0, len(f)/2)
	for j := 0; j+1 < len(f); j += 2 {
		secs, _, _ := strtoll(f[j], 10)
		changes, _, _ := strtoll(f[j+1], 10)
		params = append(params, SaveParam{Seconds: secs, Changes: int(changes)})
	}
	return params
}

// Get answers CONFIG GET for one pattern: the (name, value) pairs of the
// options whose name or alias matches the glob pattern, ignoring case.
// Values are formatted like Redis 7.0 (yes/no, plain byte counts, octal
// unixsocketperm, absolute dir, ...). As in Redis, a pattern without any of
// "[*?" is an exact, case-insensitive lookup that echoes the name as given.
func (c *Config) Get(pattern string) [][2]string {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	return c.get(pattern, nil)
}

// GetAll answers CONFIG GET with several patterns; a name matched by more
// than one pattern is reported once, as Redis does.
func (c *Config) GetAll(patterns ...string) [][2]string {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	seen := map[string]bool{}
	var out [][2]string
	for _, p := range patterns {
		out = append(out, c.get(p, seen)...)
	}
	return out
}

func (c *Config) get(pattern string, seen map[string]bool) [][2]string {
	var out [][2]string
	add := func(name string, o *option) {
		if seen != nil {
			k := asciiLower(name)
			if seen[k] {
				return
			}
			seen[k] = true
		}
		out = append(out, [2]string{name, o.get(c)})
	}
	if !strings.ContainsAny(pattern, "[*?") {
		if e, ok := lookup(pattern); ok {
			add(pattern, e.opt)
		}
		return out
	}
	for i := range options {
		o := &options[i]
		if o.has(hidden) {
			continue
		}
		for _, n := range []string{o.name, o.alias} {
			if n != "" && glob.MatchString(pattern, n, true) {
				add(n, o)
			}
		}
	}
	return out
}

// OnChange registers fn to run after CONFIG SET changed the option name
// (or its alias). Hooks run after the new values are in place, without the
// configuration lock held, so they may call Get or Snapshot. If a hook
// returns an error, every option of that CONFIG SET is restored, the hooks
// of the changed options run again to pick up the restored values (their
// errors ignored), and Set fails with
// "ERR CONFIG SET failed (possibly related to argument '<name>') - <error>";
// this is how e.g. a failed re-bind after "CONFIG SET port" is reported.
// Hooks must not call Set or SetArgs. It panics if name is not an option.
func (c *Config) OnChange(name string, fn func() error) {
	e, ok := lookup(name)
	if !ok {
		panic("config: OnChange for unknown option " + name)
	}
	c.st.setMu.Lock()
	defer c.st.setMu.Unlock()
	if c.st.hooks == nil {
		c.st.hooks = map[*option][]func() error{}
	}
	c.st.hooks[e.opt] = append(c.st.hooks[e.opt], fn)
}

// Set applies CONFIG SET name value, for a client that is not local (see
// SetArgs). Errors carry Redis's exact texts, "ERR ..." included.
func (c *Config) Set(name, value string) error {
	return c.SetArgs([]string{name, value}, false)
}

// SetArgs applies a full CONFIG SET: args are the name value pairs after
// "CONFIG SET". Like Redis 7.0 the change is atomic: all names are checked
// first (unknown, immutable, protected, duplicate), then all values are
// parsed, and any failure leaves the configuration untouched. local tells
// whether the client is connected over loopback or a unix socket, which
// matters when enable-protected-configs is "local".
func (c *Config) SetArgs(args []string, local bool) error {
	if len(args) < 2 {
		return errors.New("ERR wrong number of arguments for 'config|set' command")
	}
	if len(args)%2 != 0 {
		return errors.New("ERR syntax error")
	}
	c.st.setMu.Lock()
	defer c.st.setMu.Unlock()

	type change struct {
		e     entry
		value string
	}
	var changes []change
	var firstErr error
	c.st.mu.RLock()
	allowProtected := c.EnableProtectedConfigs == "yes" || (c.EnableProtectedConfigs == "local" && local)
	c.st.mu.RUnlock()
	for i := 0; i < len(args); i += 2 {
		name := args[i]
		e, ok := lookup(name)
		if !ok {
			if firstErr == nil {
				firstErr = errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'")
			}
			continue
		}
		if firstErr != nil {
			continue
		}
		switch {
		case e.opt.has(immutable):
			firstErr = setFailed(name, "can't set immutable config")
		case e.opt.has(protected) && !allowProtected:
			firstErr = setFailed(name, "can't set protected config")
		}
		for _, ch := range changes {
			if firstErr == nil && ch.e.name == e.name {
				firstErr = setFailed(name, "duplicate parameter")
			}
		}
		changes = append(changes, change{e, args[i+1]})
	}
	if firstErr != nil {
		return firstErr
	}

	c.st.mu.Lock()
	old := *c
	before := make([]string, len(changes))
	for i, ch := range changes {
		before[i] = ch.e.opt.get(c)
	}
	for _, ch := range changes {
		var vals []string
		if ch.e.opt.has(multiArg) {
			vals = splitSpaces(ch.value)
		} else {
			vals = []string{ch.value}
		}
		if err := c.apply(ch.e.opt, vals, nil, false); err != nil {
			c.restore(&old)
			c.st.mu.Unlock()
			return setFailed(ch.e.name, err.Error())
		}
	}
	var changed []change
	for i, ch := range changes {
		if ch.e.opt.get(c) != before[i] {
			changed = append(changed, ch)
		}
	}
	c.st.mu.Unlock()

	for _, ch := range changed {
		for _, fn := range c.st.hooks[ch.e.opt] {
			if err := fn(); err != nil {
				c.st.mu.Lock()
				c.restore(&old)
				c.st.mu.Unlock()
				for _, r := range changed {
					for _, fn := range c.st.hooks[r.e.opt] {
						_ = fn()
					}
				}
				return setFailed(ch.e.name, err.Error())
			}
		}
	}
	return nil
}

func setFailed(name, msg string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + msg)
}

// restore puts back the values saved in old, keeping c's state.
func (c *Config) restore(old *Config) {
	st := c.st
	*c = *old
	c.st = st
}

// splitSpaces splits a CONFIG SET value of a multi-argument option on single
// spaces, like Redis's sdssplitlen: "" gives no arguments and consecutive
// spaces give empty ones.
func splitSpaces(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}
