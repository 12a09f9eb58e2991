package shard

// redisMeta holds what COMMAND INFO shows of each command beyond arity, flags
// and first/last/step: its tips and its key specs. Generated from redis-server
// 7.0.15 (COMMAND INFO, via redis-cli --json) for the commands duva implements,
// so COMMAND INFO answers as Redis does; commands without an entry get one key
// spec derived from their key positions.
var redisMeta = map[string]struct {
	tips  []string
	specs []KeySpec
}{
	"append":              {specs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"client|list":         {tips: []string{"nondeterministic_output"}},
	"client|info":         {tips: []string{"nondeterministic_output"}},
	"command":             {tips: []string{"nondeterministic_output_order"}},
	"command|list":        {tips: []string{"nondeterministic_output_order"}},
	"command|docs":        {tips: []string{"nondeterministic_output_order"}},
	"command|info":        {tips: []string{"nondeterministic_output_order"}},
	"config|set":          {tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"copy":                {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"dbsize":              {tips: []string{"request_policy:all_shards", "response_policy:agg_sum"}},
	"decr":                {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"decrby":              {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"del":                 {tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"exists":              {tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"expire":              {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"expireat":            {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"expiretime":          {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"flushall":            {tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"flushdb":             {tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"get":                 {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getdel":              {specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getex":               {specs: []KeySpec{{Notes: "RW and UPDATE because it changes the TTL", Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getrange":            {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"getset":              {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"incr":                {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"incrby":              {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"incrbyfloat":         {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"info":                {tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"keys":                {tips: []string{"request_policy:all_shards", "nondeterministic_output_order"}},
	"lastsave":            {tips: []string{"nondeterministic_output"}},
	"latency|reset":       {tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"latency|histogram":   {tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|doctor":      {tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|latest":      {tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|history":     {tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"latency|graph":       {tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
	"memory|doctor":       {tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|usage":        {specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"memory|stats":        {tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|malloc-stats": {tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
	"memory|purge":        {tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"mget":                {tips: []string{"request_policy:multi_shard"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"move":                {specs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"mset":                {tips: []string{"request_policy:multi_shard", "response_policy:all_succeeded"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: -1, Step: 2, Limit: 0}}},
	"msetnx":              {tips: []string{"request_policy:multi_shard", "response_policy:agg_min"}, specs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, LastKey: -1, Step: 2, Limit: 0}}},
	"object|encoding":     {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|idletime":     {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|refcount":     {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"object|freq":         {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"persist":             {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpire":             {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpireat":           {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pexpiretime":         {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"ping":                {tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
	"psetex":              {specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"pttl":                {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"randomkey":           {tips: []string{"request_policy:all_shards", "nondeterministic_output"}},
	"rename":              {specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"renamenx":            {specs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}, {Flags: []string{"OW", "insert"}, Index: 2, LastKey: 0, Step: 1, Limit: 0}}},
	"scan":                {tips: []string{"nondeterministic_output", "request_policy:special"}},
	"set":                 {specs: []KeySpec{{Notes: "RW and ACCESS due to the optional `GET` argument", Flags: []string{"RW", "access", "update", "variable_flags"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setex":               {specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setnx":               {specs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"setrange":            {specs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"slowlog|reset":       {tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
	"slowlog|len":         {tips: []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
	"slowlog|get":         {tips: []string{"request_policy:all_nodes", "nondeterministic_output"}},
	"strlen":              {specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"substr":              {specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"time":                {tips: []string{"nondeterministic_output"}},
	"touch":               {tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"ttl":                 {tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"type":                {specs: []KeySpec{{Flags: []string{"RO"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"unlink":              {tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, specs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, LastKey: -1, Step: 1, Limit: 0}}},
	"wait":                {tips: []string{"request_policy:all_shards", "response_policy:agg_min"}},
}

// KeySpec is one of Redis 7's key specifications: begin_search by index, then
// find_keys by range.
type KeySpec struct {
	Notes   string
	Flags   []string
	Index   int
	LastKey int // relative to Index; -1 = the last argument
	Step    int
	Limit   int
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
		if c.Specs == nil {
			c.Specs = m.specs
		}
	}
}
