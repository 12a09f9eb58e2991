package shard

import (
	"errors"
	"strconv"
	"strings"

	"github.com/duva-db/duva/gossip"
)

// Cluster commands: CLUSTER and its subcommands, ASKING, READONLY, READWRITE.
// They are RouteLocal: the bus has its own lock, and the few that look into
// a shard (COUNTKEYSINSLOT, GETKEYSINSLOT, FLUSHSLOTS, RESET, SETSLOT NODE
// through gossip's CountKeysInSlot) take it with Engine.withShards.

func init() {
	admin := FlagAdmin | FlagStale
	cmds := []*Command{
		{Name: "cluster", Arity: -2, Group: "cluster", Summary: "A container for cluster commands", Since: "3.0.0", Exec: containerCommand,
			Sub: map[string]*Command{
				"addslots":              {Arity: -3, Flags: admin, Summary: "Assign new hash slots to receiving node", Since: "3.0.0", Exec: clusterAddSlots},
				"addslotsrange":         {Arity: -4, Flags: admin, Summary: "Assign new hash slots to receiving node", Since: "7.0.0", Exec: clusterAddSlotsRange},
				"bumpepoch":             {Arity: 2, Flags: admin, Summary: "Advance the cluster config epoch", Since: "3.0.0", Exec: clusterBumpEpoch},
				"count-failure-reports": {Arity: 3, Flags: admin, Summary: "Return the number of failure reports active for a given node", Since: "3.0.0", Exec: clusterCountFailureReports},
				"countkeysinslot":       {Arity: 3, Flags: FlagStale, Summary: "Return the number of local keys in the specified hash slot", Since: "3.0.0", Exec: clusterCountKeysInSlot},
				"delslots":              {Arity: -3, Flags: admin, Summary: "Set hash slots as unbound in receiving node", Since: "3.0.0", Exec: clusterDelSlots},
				"delslotsrange":         {Arity: -4, Flags: admin, Summary: "Set hash slots as unbound in receiving node", Since: "7.0.0", Exec: clusterDelSlotsRange},
				"flushslots":            {Arity: 2, Flags: admin, Summary: "Delete a node's own slots information", Since: "3.0.0", Exec: clusterFlushSlots},
				"forget":                {Arity: 3, Flags: admin, Summary: "Remove a node from the nodes table", Since: "3.0.0", Exec: clusterForget},
				"getkeysinslot":         {Arity: 4, Flags: FlagStale, Summary: "Return local key names in the specified hash slot", Since: "3.0.0", Exec: clusterGetKeysInSlot},
				"help":                  {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Exec: clusterHelp},
				"info":                  {Arity: 2, Flags: FlagStale, Summary: "Provides info about Redis Cluster node state", Since: "3.0.0", Exec: clusterInfo},
				"keyslot":               {Arity: 3, Flags: FlagStale, Summary: "Returns the hash slot of the specified key", Since: "3.0.0", Exec: clusterKeySlot},
				"links":                 {Arity: 2, Flags: FlagStale, Summary: "Returns a list of all TCP links to and from peer nodes in cluster", Since: "7.0.0", Exec: clusterLinks},
				"meet":                  {Arity: -4, Flags: admin, Summary: "Force a node cluster to handshake with another node", Since: "3.0.0", Exec: clusterMeet},
				"myid":                  {Arity: 2, Flags: FlagStale, Summary: "Return the node id", Since: "3.0.0", Exec: clusterMyID},
				"myshardid":             {Arity: 2, Flags: FlagStale, Summary: "Return the node shard id", Since: "7.2.0", Exec: clusterMyShardID},
				"nodes":                 {Arity: 2, Flags: FlagStale, Summary: "Get Cluster config for the node", Since: "3.0.0", Exec: clusterNodes},
				"replicas":              {Arity: 3, Flags: admin, Summary: "List replica nodes of the specified master node", Since: "5.0.0", Exec: clusterReplicas},
				"slaves":                {Arity: 3, Flags: admin, Summary: "List replica nodes of the specified master node", Since: "3.0.0", Exec: clusterReplicas},
				"reset":                 {Arity: -2, Flags: admin | FlagNoScript, Summary: "Reset a Redis Cluster node", Since: "3.0.0", Exec: clusterReset},
				"saveconfig":            {Arity: 2, Flags: admin, Summary: "Forces the node to save cluster state on disk", Since: "3.0.0", Exec: clusterSaveConfig},
				"set-config-epoch":      {Arity: 3, Flags: admin, Summary: "Set the configuration epoch in a new node", Since: "3.0.0", Exec: clusterSetConfigEpoch},
				"setslot":               {Arity: -4, Flags: admin, Summary: "Bind a hash slot to a specific node", Since: "3.0.0", Exec: clusterSetSlot},
				"shards":                {Arity: 2, Flags: FlagStale, Summary: "Get array of cluster slots to node mappings", Since: "7.0.0", Exec: clusterShardsCommand},
				"slots":                 {Arity: 2, Flags: FlagStale, Summary: "Get array of Cluster slot to node mappings", Since: "3.0.0", Exec: clusterSlots},
			}},
		{Name: "asking", Arity: 1, Flags: FlagFast, Group: "cluster", Summary: "Sent by cluster clients after an -ASK redirect", Since: "3.0.0", Exec: askingCommand},
		{Name: "readonly", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale, Group: "cluster", Summary: "Enables read queries for a connection to a cluster replica node", Since: "3.0.0", Exec: readonlyCommand},
		{Name: "readwrite", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale, Group: "cluster", Summary: "Disables read queries for a connection to a cluster replica node", Since: "3.0.0", Exec: readwriteCommand},
	}
	register(cmds...)
	for _, c := range commandList {
		if m, ok := clsMeta[c.Name]; ok {
			c.infoFlags, c.ACL, c.Tips, c.Specs = m.flags, m.acl, m.tips, m.specs
		}
	}
}

// clsMeta is what COMMAND INFO shows of the cluster commands (and of DUMP,
// RESTORE, RESTORE-ASKING, MIGRATE in cmd_migrate.go) beyond arity and key
// positions, from redis-server 7.0.15 (redis-cli --json COMMAND INFO cluster
// asking migrate dump restore restore-asking readonly readwrite); same shape
// as redisMeta. CLUSTER MYSHARDID is Redis 7.2's.
var clsMeta = map[string]struct {
	flags []string
	acl   []string
	tips  []string
	specs []KeySpec
}{
	"cluster":                       {flags: []string{}, acl: []string{"@slow"}},
	"cluster|addslots":              {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|addslotsrange":         {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|bumpepoch":             {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output"}},
	"cluster|count-failure-reports": {flags: []string{"admin", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output"}},
	"cluster|countkeysinslot":       {flags: []string{"stale"}, acl: []string{"@slow"}},
	"cluster|delslots":              {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|delslotsrange":         {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|flushslots":            {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|forget":                {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|getkeysinslot":         {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|help":                  {flags: []string{"loading", "stale"}, acl: []string{"@slow"}},
	"cluster|info":                  {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|keyslot":               {flags: []string{"stale"}, acl: []string{"@slow"}},
	"cluster|links":                 {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|meet":                  {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|myid":                  {flags: []string{"stale"}, acl: []string{"@slow"}},
	"cluster|myshardid":             {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|nodes":                 {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|replicas":              {flags: []string{"admin", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output"}},
	"cluster|slaves":                {flags: []string{"admin", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output"}},
	"cluster|reset":                 {flags: []string{"admin", "noscript", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|saveconfig":            {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|set-config-epoch":      {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|setslot":               {flags: []string{"admin", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}},
	"cluster|shards":                {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"cluster|slots":                 {flags: []string{"stale"}, acl: []string{"@slow"}, tips: []string{"nondeterministic_output"}},
	"asking":                        {flags: []string{"fast"}, acl: []string{"@fast", "@connection"}},
	"readonly":                      {flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast", "@connection"}},
	"readwrite":                     {flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast", "@connection"}},
	"dump":                          {flags: []string{"readonly"}, acl: []string{"@keyspace", "@read", "@slow"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"restore":                       {flags: []string{"write", "denyoom"}, acl: []string{"@keyspace", "@write", "@slow", "@dangerous"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"restore-asking":                {flags: []string{"write", "denyoom", "asking"}, acl: []string{"@keyspace", "@write", "@slow", "@dangerous"}, specs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, LastKey: 0, Step: 1, Limit: 0}}},
	"migrate": {flags: []string{"write", "movablekeys"}, acl: []string{"@keyspace", "@write", "@slow", "@dangerous"}, tips: []string{"nondeterministic_output"}, specs: []KeySpec{
		{Flags: []string{"RW", "access", "delete"}, Index: 3, LastKey: 0, Step: 1, Limit: 0},
		{Flags: []string{"RW", "access", "delete", "incomplete"}, Keyword: "KEYS", StartFrom: -2, LastKey: -1, Step: 1, Limit: 0},
	}},
}

// clusterBus returns the bus, or nil after replying that cluster mode is off.
func clusterBus(c *Ctx) *gossip.Cluster {
	if !c.e.clusterOn {
		c.Error(errClusterOff)
		return nil
	}
	return c.e.cluster.c
}

// reply writes a management method's result: +OK or its error text.
func (c *Ctx) clusterResult(err error) {
	if err == nil {
		c.OK()
		return
	}
	var ce *gossip.CommandError
	if errors.As(err, &ce) {
		c.Error(ce.Msg)
		return
	}
	c.Error("ERR " + err.Error())
}

// subSyntaxError is Redis's addReplySubcommandSyntaxError.
func (c *Ctx) subSyntaxError() {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try CLUSTER HELP.")
}

func parseSlots(c *Ctx, args [][]byte) ([]int, bool) {
	slots := make([]int, 0, len(args))
	for _, a := range args {
		s, err := gossip.ParseSlot(string(a))
		if err != nil {
			c.clusterResult(err)
			return nil, false
		}
		slots = append(slots, s)
	}
	return slots, true
}

func parseRanges(c *Ctx, args [][]byte) ([][2]int, bool) {
	if len(args)%2 != 0 {
		c.ArityError()
		return nil, false
	}
	slots, ok := parseSlots(c, args)
	if !ok {
		return nil, false
	}
	var ranges [][2]int
	for i := 0; i < len(slots); i += 2 {
		ranges = append(ranges, [2]int{slots[i], slots[i+1]})
	}
	return ranges, true
}

func clusterAddSlots(c *Ctx) {
	if b := clusterBus(c); b != nil {
		if slots, ok := parseSlots(c, c.Args[2:]); ok {
			c.clusterResult(b.AddSlots(slots...))
		}
	}
}

func clusterDelSlots(c *Ctx) {
	if b := clusterBus(c); b != nil {
		if slots, ok := parseSlots(c, c.Args[2:]); ok {
			c.clusterResult(b.DelSlots(slots...))
		}
	}
}

func clusterAddSlotsRange(c *Ctx) {
	if b := clusterBus(c); b != nil {
		if r, ok := parseRanges(c, c.Args[2:]); ok {
			c.clusterResult(b.AddSlotsRange(r...))
		}
	}
}

func clusterDelSlotsRange(c *Ctx) {
	if b := clusterBus(c); b != nil {
		if r, ok := parseRanges(c, c.Args[2:]); ok {
			c.clusterResult(b.DelSlotsRange(r...))
		}
	}
}

func clusterBumpEpoch(c *Ctx) {
	if b := clusterBus(c); b != nil {
		epoch, bumped := b.BumpEpoch()
		word := "STILL "
		if bumped {
			word = "BUMPED "
		}
		c.Simple(word + strconv.FormatUint(epoch, 10))
	}
}

func clusterCountFailureReports(c *Ctx) {
	if b := clusterBus(c); b != nil {
		n, err := b.CountFailureReports(string(c.Args[2]))
		if err != nil {
			c.clusterResult(err)
			return
		}
		c.Int(int64(n))
	}
}

func clusterCountKeysInSlot(c *Ctx) {
	if clusterBus(c) == nil {
		return
	}
	slot, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if slot < 0 || slot >= SlotCount {
		c.Error("ERR Invalid slot")
		return
	}
	c.Int(int64(c.e.CountKeysInSlot(int(slot))))
}

func clusterGetKeysInSlot(c *Ctx) {
	if clusterBus(c) == nil {
		return
	}
	slot, ok := parseInt(c.Args[2])
	if !ok {
		c.NotInteger()
		return
	}
	count, ok := parseInt(c.Args[3])
	if !ok {
		c.NotInteger()
		return
	}
	if slot < 0 || slot >= SlotCount || count < 0 {
		c.Error("ERR Invalid slot or number of keys")
		return
	}
	keys := c.e.keysInSlot(int(slot), int(min(count, 1<<31)))
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

func clusterFlushSlots(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.clusterResult(b.FlushSlots(c.e.db0Empty()))
	}
}

func clusterForget(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.clusterResult(b.Forget(string(c.Args[2])))
	}
}

// clusterHelpLines is Redis 7.0's CLUSTER HELP, without the replica
// commands duva does not have yet (REPLICATE, FAILOVER), plus 7.2's MYSHARDID.
var clusterHelpLines = []string{
	"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ADDSLOTS <slot> [<slot> ...]",
	"    Assign slots to current node.",
	"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Assign slots which are between <start-slot> and <end-slot> to current node.",
	"BUMPEPOCH",
	"    Advance the cluster config epoch.",
	"COUNT-FAILURE-REPORTS <node-id>",
	"    Return number of failure reports for <node-id>.",
	"COUNTKEYSINSLOT <slot>",
	"    Return the number of keys in <slot>.",
	"DELSLOTS <slot> [<slot> ...]",
	"    Delete slots information from current node.",
	"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
	"FORGET <node-id>",
	"    Remove a node from the cluster.",
	"GETKEYSINSLOT <slot> <count>",
	"    Return key names stored by current node in a slot.",
	"FLUSHSLOTS",
	"    Delete current node own slots information.",
	"INFO",
	"    Return information about the cluster.",
	"KEYSLOT <key>",
	"    Return the hash slot for <key>.",
	"MEET <ip> <port> [<bus-port>]",
	"    Connect nodes into a working cluster.",
	"MYID",
	"    Return the node id.",
	"MYSHARDID",
	"    Return the node's shard id.",
	"NODES",
	"    Return cluster configuration seen by node. Output format:",
	"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
	"RESET [HARD|SOFT]",
	"    Reset current node (default: soft).",
	"SET-CONFIG-EPOCH <epoch>",
	"    Set config epoch of current node.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
	"    Set slot state.",
	"REPLICAS <node-id>",
	"    Return <node-id> replicas.",
	"SAVECONFIG",
	"    Force saving cluster configuration on disk.",
	"SLOTS",
	"    Return information about slots range mappings. Each range is made of:",
	"    start, end, master and replicas IP addresses, ports and ids",
	"SHARDS",
	"    Return information about slot range mappings and the nodes associated with them.",
	"LINKS",
	"    Return information about all network links between this node and its peers.",
	"    Output format is an array where each array element is a map containing attributes of a link",
	"HELP",
	"    Prints this help.",
}

func clusterHelp(c *Ctx) {
	if clusterBus(c) == nil {
		return
	}
	c.Lines(clusterHelpLines)
}

func clusterInfo(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.Verbatim(b.InfoText())
	}
}

func clusterKeySlot(c *Ctx) {
	if clusterBus(c) != nil {
		c.Int(int64(KeySlot(c.Args[2])))
	}
}

func clusterLinks(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	links := b.Links()
	c.Array(len(links))
	for _, l := range links {
		c.Map(6)
		c.BulkString("direction")
		c.BulkString(l.Direction)
		c.BulkString("node")
		c.BulkString(l.Node)
		c.BulkString("create-time")
		c.Int(l.CreateTime)
		c.BulkString("events")
		c.BulkString(l.Events)
		c.BulkString("send-buffer-allocated")
		c.Int(int64(l.SendBufferAllocated))
		c.BulkString("send-buffer-used")
		c.Int(int64(l.SendBufferUsed))
	}
}

func clusterMeet(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	if len(c.Args) > 5 {
		c.subSyntaxError()
		return
	}
	port, ok := parseInt(c.Args[3])
	if !ok {
		c.Error("ERR Invalid TCP base port specified: " + string(c.Args[3]))
		return
	}
	var bus int64
	if len(c.Args) == 5 {
		if bus, ok = parseInt(c.Args[4]); !ok {
			c.Error("ERR Invalid TCP bus port specified: " + string(c.Args[4]))
			return
		}
	} else {
		bus = port + 10000
	}
	if port < 0 || port > 65535 || bus < 0 || bus > 65535 {
		c.Error("ERR Invalid node address specified: " + string(c.Args[2]) + ":" + string(c.Args[3]))
		return
	}
	c.clusterResult(b.Meet(string(c.Args[2]), int(port), int(bus)))
}

func clusterMyID(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.BulkString(b.MyID())
	}
}

func clusterMyShardID(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.BulkString(b.MyShardID())
	}
}

func clusterNodes(c *Ctx) {
	if b := clusterBus(c); b != nil {
		c.Verbatim(b.NodesText())
	}
}

func clusterReplicas(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	id := string(c.Args[2])
	nodes := b.Nodes()
	var master *gossip.NodeInfo
	for i := range nodes {
		if nodes[i].ID == id {
			master = &nodes[i]
		}
	}
	if master == nil {
		c.Error("ERR Unknown node " + id)
		return
	}
	if master.Flags&gossip.FlagMaster == 0 {
		c.Error("ERR The specified node is not a master")
		return
	}
	var lines []string
	for _, n := range nodes {
		if n.MasterID == id {
			lines = append(lines, nodeLine(b, n.ID))
		}
	}
	c.Array(len(lines))
	for _, l := range lines {
		c.BulkString(l)
	}
}

// nodeLine is id's line of CLUSTER NODES.
func nodeLine(b *gossip.Cluster, id string) string {
	for _, l := range strings.Split(b.NodesText(), "\n") {
		if strings.HasPrefix(l, id+" ") {
			return l
		}
	}
	return ""
}

func clusterReset(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	hard := false
	switch {
	case len(c.Args) > 3:
		c.subSyntaxError()
		return
	case len(c.Args) == 3 && argIs(c.Args[2], "HARD"):
		hard = true
	case len(c.Args) == 3 && !argIs(c.Args[2], "SOFT"):
		c.SyntaxError()
		return
	}
	c.clusterResult(b.Reset(hard, c.e.db0Empty()))
}

func clusterSaveConfig(c *Ctx) {
	if b := clusterBus(c); b != nil {
		if err := b.SaveConfig(); err != nil {
			c.Error("ERR error saving the cluster node config: " + err.Error())
			return
		}
		c.OK()
	}
}

func clusterSetConfigEpoch(c *Ctx) {
	if b := clusterBus(c); b != nil {
		n, ok := parseInt(c.Args[2])
		if !ok {
			c.NotInteger()
			return
		}
		c.clusterResult(b.SetConfigEpoch(n))
	}
}

func clusterSetSlot(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	slot, err := gossip.ParseSlot(string(c.Args[2]))
	if err != nil {
		c.clusterResult(err)
		return
	}
	action := c.Args[3]
	node := ""
	switch {
	case argIs(action, "STABLE") && len(c.Args) == 4:
	case (argIs(action, "MIGRATING") || argIs(action, "IMPORTING") || argIs(action, "NODE")) && len(c.Args) == 5:
		node = string(c.Args[4])
	default:
		c.clusterResult(gossip.ErrSetSlotSyntax)
		return
	}
	c.clusterResult(b.SetSlot(slot, string(action), node))
}

func clusterShardsCommand(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	shards := b.Shards()
	c.Array(len(shards))
	for _, s := range shards {
		c.Map(2)
		c.BulkString("slots")
		c.Array(2 * len(s.Slots))
		for _, r := range s.Slots {
			c.Int(int64(r.Start))
			c.Int(int64(r.End))
		}
		c.BulkString("nodes")
		c.Array(len(s.Nodes))
		for _, n := range s.Nodes {
			fields := 7
			if n.Hostname != "" {
				fields++
			}
			c.Map(fields)
			c.BulkString("id")
			c.BulkString(n.ID)
			c.BulkString("port")
			c.Int(int64(n.Port))
			c.BulkString("ip")
			c.BulkString(n.IP)
			c.BulkString("endpoint")
			c.BulkString(n.Endpoint)
			if n.Hostname != "" {
				c.BulkString("hostname")
				c.BulkString(n.Hostname)
			}
			c.BulkString("role")
			c.BulkString(n.Role)
			c.BulkString("replication-offset")
			c.Int(n.ReplicationOffset)
			c.BulkString("health")
			c.BulkString(n.Health)
		}
	}
}

func clusterSlots(c *Ctx) {
	b := clusterBus(c)
	if b == nil {
		return
	}
	slots := b.Slots()
	c.Array(len(slots))
	for _, s := range slots {
		c.Array(2 + len(s.Nodes))
		c.Int(int64(s.Start))
		c.Int(int64(s.End))
		for _, n := range s.Nodes {
			c.Array(4)
			c.BulkString(n.IP)
			c.Int(int64(n.Port))
			c.BulkString(n.ID)
			if n.Hostname != "" {
				c.Map(1)
				c.BulkString("hostname")
				c.BulkString(n.Hostname)
			} else {
				c.Map(0)
			}
		}
	}
}

func askingCommand(c *Ctx) {
	if clusterBus(c) != nil {
		c.Client.cc.asking = 2 // the next command (Exec counts down)
		c.OK()
	}
}

func readonlyCommand(c *Ctx) {
	if clusterBus(c) != nil {
		c.Client.cc.readonly = true
		c.OK()
	}
}

func readwriteCommand(c *Ctx) {
	if clusterBus(c) != nil {
		c.Client.cc.readonly = false
		c.OK()
	}
}
