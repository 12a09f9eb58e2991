package shard

// redisMeta holds what COMMAND INFO shows of each command beyond arity and
// first/last/step: its flags as listed, ACL categories, tips and key specs. Generated from redis-server
// 7.0.15 (COMMAND INFO, via redis-cli --json) for the commands duva implements,
// so COMMAND INFO answers as Redis does; commands without an entry get one key
// spec derived from their key positions.
var redisMeta = map[string]struct {
	flags []string // as COMMAND INFO lists them (behaviour comes from Command.Flags)
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"append":                  {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"auth":                    {flags: []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, acl: []string{"@fast", "@connection"}},
	"client":                  {flags: []string{}, acl: []string{"@slow"}},
	"client|pause":            {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}},
	"client|list":             {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}, tips: []string{"nondeterministic_output"}},
	"client|trackinginfo":     {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|unblock":          {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}},
	"client|setname":          {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|caching":          {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|help":             {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|getname":          {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|unpause":          {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}},
	"client|tracking":         {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|reply":            {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|id":               {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|getredir":         {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"client|no-evict":         {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}},
	"client|kill":             {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous", "@connection"}},
	"client|info":             {flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow", "@connection"}, tips: []string{"nondeterministic_output"}},
	"command":                 {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}, tips: []string{"nondeterministic_output_order"}},
	"command|list":            {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}, tips: []string{"nondeterministic_output_order"}},
	"command|docs":            {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}, tips: []string{"nondeterministic_output_order"}},
	"command|getkeys":         {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"command|getkeysandflags": {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"command|help":            {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"command|count":           {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}},
	"command|info":            {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@connection"}, tips: []string{"nondeterministic_output_order"}},
	"config":                  {flags: []string{}, acl: []string{"@slow"}},
	"config|resetstat":        {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"config|rewrite":          {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"config|set":              {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"config|help":             {flags: []string{"loading", "stale"}, acl: []string{"@slow"}},
	"config|get":              {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"copy":                    {flags: []string{"write", "denyoom"}, acl: []string{"@keyspace", "@write", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"dbsize":                  {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, tips: []string{"request_policy:all_shards", "response_policy:agg_sum"}},
	"decr":                    {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"decrby":                  {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"del":                     {flags: []string{"write"}, acl: []string{"@keyspace", "@write", "@slow"}, tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"echo":                    {flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast", "@connection"}},
	"exists":                  {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"expire":                  {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"expireat":                {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"expiretime":              {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"flushall":                {flags: []string{"write"}, acl: []string{"@keyspace", "@write", "@slow", "@dangerous"}, tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"flushdb":                 {flags: []string{"write"}, acl: []string{"@keyspace", "@write", "@slow", "@dangerous"}, tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"get":                     {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getdel":                  {flags: []string{"write", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getex":                   {flags: []string{"write", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Notes: "RW and UPDATE because it changes the TTL", Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getrange":                {flags: []string{"readonly"}, acl: []string{"@read", "@string", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getset":                  {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"hello":                   {flags: []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, acl: []string{"@fast", "@connection"}},
	"incr":                    {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"incrby":                  {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"incrbyfloat":             {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"info":                    {flags: []string{"loading", "stale"}, acl: []string{"@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"keys":                    {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow", "@dangerous"}, tips: []string{"request_policy:all_shards", "nondeterministic_output_order"}},
	"lastsave":                {flags: []string{"loading", "stale", "fast"}, acl: []string{"@admin", "@fast", "@dangerous"}, tips: []string{"nondeterministic_output"}},
	"save":                    {flags: []string{"admin", "noscript", "no_async_loading", "no_multi"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"bgsave":                  {flags: []string{"admin", "noscript", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"bgrewriteaof":            {flags: []string{"admin", "noscript", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"latency":                 {flags: []string{}, acl: []string{"@slow"}},
	"latency|reset":           {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"latency|histogram":       {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|doctor":          {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|latest":          {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|history":         {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|graph":           {flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|help":            {flags: []string{"loading", "stale"}, acl: []string{"@slow"}},
	"memory":                  {flags: []string{}, acl: []string{"@slow"}},
	"memory|doctor":           {flags: []string{}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|usage":            {flags: []string{"readonly"}, acl: []string{"@read", "@slow"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"memory|stats":            {flags: []string{}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|help":             {flags: []string{"loading", "stale"}, acl: []string{"@slow"}},
	"memory|malloc-stats":     {flags: []string{}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|purge":            {flags: []string{}, acl: []string{"@slow"}, tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"mget":                    {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@string", "@fast"}, tips: []string{"request_policy:multi_shard"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"move":                    {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"mset":                    {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, tips: []string{"request_policy:multi_shard", "response_policy:all_succeeded"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: -1, Step: 2, Limit: 0}}},
	"msetnx":                  {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, tips: []string{"request_policy:multi_shard", "response_policy:agg_min"}, specs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, LastKey: -1, Step: 2, Limit: 0}}},
	"object":                  {flags: []string{}, acl: []string{"@slow"}},
	"object|encoding":         {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|idletime":         {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|refcount":         {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|freq":             {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|help":             {flags: []string{"loading", "stale"}, acl: []string{"@keyspace", "@slow"}},
	"persist":                 {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpire":                 {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpireat":               {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpiretime":             {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"ping":                    {flags: []string{"fast"}, acl: []string{"@fast", "@connection"}, tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"psetex":                  {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pttl":                    {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"quit":                    {flags: []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, acl: []string{"@fast", "@connection"}},
	"randomkey":               {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"request_policy:all_shards", "nondeterministic_output"}},
	"rename":                  {flags: []string{"write"}, acl: []string{"@keyspace", "@write", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"renamenx":                {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "insert"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"scan":                    {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output", "request_policy:special"}},
	"select":                  {flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast", "@connection"}},
	"set":                     {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, specs: []KeySpec{{Notes: "RW and ACCESS due to the optional `GET` argument", Flags: []string{"RW", "access", "update", "variable_flags"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setex":                   {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setnx":                   {flags: []string{"write", "denyoom", "fast"}, acl: []string{"@write", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setrange":                {flags: []string{"write", "denyoom"}, acl: []string{"@write", "@string", "@slow"}, specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"shutdown":                {flags: []string{"admin", "noscript", "loading", "stale", "no_multi", "allow_busy"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"slowlog":                 {flags: []string{}, acl: []string{"@slow"}},
	"slowlog|reset":           {flags: []string{"admin", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"slowlog|len":             {flags: []string{"admin", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
	"slowlog|help":            {flags: []string{"loading", "stale"}, acl: []string{"@slow"}},
	"slowlog|get":             {flags: []string{"admin", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"request_policy:all_nodes", "nondeterministic_output"}},
	"strlen":                  {flags: []string{"readonly", "fast"}, acl: []string{"@read", "@string", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"substr":                  {flags: []string{"readonly"}, acl: []string{"@read", "@string", "@slow"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"swapdb":                  {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast", "@dangerous"}},
	"time":                    {flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast"}, tips: []string{"nondeterministic_output"}},
	"touch":                   {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"ttl":                     {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"type":                    {flags: []string{"readonly", "fast"}, acl: []string{"@keyspace", "@read", "@fast"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"unlink":                  {flags: []string{"write", "fast"}, acl: []string{"@keyspace", "@write", "@fast"}, tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"wait":                    {flags: []string{"noscript"}, acl: []string{"@slow", "@connection"}, tips: []string{"request_policy:all_shards", "response_policy:agg_min"}},
}

// KeySpec is one of Redis 7's key specifications: begin_search by index (or,
// when Keyword is set, by keyword searched from StartFrom), then find_keys by
// range.
type KeySpec struct {
	Notes     string
	Flags     []string
	Index     int
	Keyword   string
	StartFrom int
	LastKey   int // relative to Index; -1 = the last argument
	Step      int
	Limit     int
}

func init() {
	for _, c := range commandList {
		m, ok := redisMeta[c.Name]
		if !ok {
			continue
		}
		if c.Tips == nil {
			c.Tips = m.tips
		}
		if c.ACL == nil {
			c.ACL = m.acl
		}
		if c.infoFlags == nil {
			c.infoFlags = m.flags
		}
		if c.Specs == nil {
			c.Specs = m.specs
		}
	}
}
