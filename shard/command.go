package shard

import (
	"strings"
	"sync/atomic"
)

// Flag is a command flag, as in Redis's command table.
type Flag uint32

const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagLoading
	FlagStale
	FlagFast
	FlagNoAuth // may run before AUTH (AUTH, HELLO, QUIT)
	FlagSkipSlowlog
	FlagNoMulti
	FlagAsking // runs on an importing slot without ASKING (RESTORE-ASKING)
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagWrite, "write"}, {FlagReadonly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"},
	{FlagLoading, "loading"}, {FlagStale, "stale"}, {FlagSkipSlowlog, "skip_slowlog"},
	{FlagFast, "fast"}, {FlagNoAuth, "no_auth"}, {FlagNoMulti, "no_multi"}, {FlagAsking, "asking"},
}

// Route says which shards a command needs.
type Route uint8

const (
	RouteKeys  Route = iota // the shards of its keys (FirstKey/LastKey/Step)
	RouteLocal              // none: connection or server state only
	RouteAll                // every shard (whole-keyspace commands)
)

// Command is one row of the command table: the single description that routing,
// COMMAND INFO/DOCS/COUNT/GETKEYS, statistics and (later) ACL, cluster slot checks
// and the AOF all read.
type Command struct {
	Name     string // lower case; "parent|sub" for subcommands
	Arity    int    // Redis convention: n = exactly n args (name included), -n = at least n
	Flags    Flag
	FirstKey int // 0 = no keys
	LastKey  int // negative counts from the end (-1 = last argument)
	Step     int
	Route    Route
	Group    string // Redis's command group: string, generic, server, connection, keyspace...
	Summary  string
	Since    string
	ACL      []string  // ACL categories when they cannot be derived from flags and group
	Tips     []string  // COMMAND INFO tips, e.g. "request_policy:multi_shard"
	Specs    []KeySpec // COMMAND INFO key specs; default: one derived from the key positions
	Exec     func(*Ctx)
	Sub      map[string]*Command // subcommands by lower-case name
	// Keys, when set, lists the argument positions of the keys (appended to
	// dst) for commands whose keys FirstKey/LastKey/Step cannot describe, such
	// as ZUNIONSTORE dst numkeys k1 k2 or LMPOP numkeys k1 k2. It must accept
	// any argument list (return nothing for malformed ones: the handler then
	// reports the error). FirstKey/LastKey/Step still give COMMAND INFO's
	// legacy triple.
	Keys func(args [][]byte, dst []int) []int

	id        int
	noTouch   bool // its key lookups leave LRU/LFU data alone (Redis's LOOKUP_NOTOUCH)
	parent    *Command
	infoFlags []string // COMMAND INFO flags from redisMeta; nil = derived from Flags
}

var (
	commandTable = map[string]*Command{}
	commandList  []*Command // by id, subcommands included
)

// register adds commands to the table. A duplicate name is a programming error.
// noTouchCommands look keys up without counting an access for LRU/LFU (Redis 7.0
// passes LOOKUP_NOTOUCH for these).
var noTouchCommands = map[string]bool{
	"object|encoding": true, "object|freq": true, "object|idletime": true, "object|refcount": true,
	"type": true, "exists": true, "ttl": true, "pttl": true, "expiretime": true, "pexpiretime": true,
}

func register(cmds ...*Command) {
	for _, c := range cmds {
		if _, dup := commandTable[c.Name]; dup {
			panic("shard: multiple registrations for command " + c.Name)
		}
		if c.Name != strings.ToLower(c.Name) {
			panic("shard: command names are lower case: " + c.Name)
		}
		if c.Route == RouteKeys && c.FirstKey == 0 && c.Keys == nil {
			c.Route = RouteLocal
		}
		c.noTouch = noTouchCommands[c.Name]
		c.id = len(commandList)
		commandList = append(commandList, c)
		commandTable[c.Name] = c
		for name, sub := range c.Sub {
			sub.Name = c.Name + "|" + name
			sub.parent = c
			if sub.Group == "" {
				sub.Group = c.Group
			}
			if sub.Route == RouteKeys && sub.FirstKey == 0 {
				sub.Route = RouteLocal
			}
			sub.noTouch = noTouchCommands[sub.Name]
			sub.id = len(commandList)
			commandList = append(commandList, sub)
		}
	}
}

// lookupCommand finds a command by name, case-insensitively, without allocating.
func lookupCommand(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return commandTable[string(buf[:len(name)])]
}

func (c *Command) subcommand(args [][]byte) *Command {
	if len(args) < 2 {
		return nil
	}
	var buf [32]byte
	name := args[1]
	if len(name) > len(buf) {
		return nil
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return c.Sub[string(buf[:len(name)])]
}

func (c *Command) arityOK(n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

// keyPositions lists the argument positions of args's keys, appended to dst.
func (c *Command) keyPositions(args [][]byte, dst []int) []int {
	if c.Keys != nil {
		return c.Keys(args, dst)
	}
	first, last, step := c.keyRange(args)
	if first <= 0 {
		return dst
	}
	for i := first; i <= last; i += step {
		dst = append(dst, i)
	}
	return dst
}

// keyRange resolves the key positions for these args; first == 0 means no keys.
func (c *Command) keyRange(args [][]byte) (first, last, step int) {
	if c.FirstKey == 0 || c.FirstKey >= len(args) {
		return 0, 0, 0
	}
	last = c.LastKey
	if last < 0 {
		last += len(args)
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step = c.Step
	if step < 1 {
		step = 1
	}
	return c.FirstKey, last, step
}

// cmdStat counts calls of one command made by one worker.
type cmdStat struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
}

func (c *Command) rejected(w *Worker) { w.stats[c.id].rejected.Add(1) }
