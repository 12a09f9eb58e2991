package gossip

import (
	"fmt"
	"sort"
	"strings"
)

// NodeInfo is one node as CLUSTER NODES describes it.
type NodeInfo struct {
	ID          string
	IP          string
	Port        int // client port
	BusPort     int
	Hostname    string
	Flags       Flags
	MasterID    string // "" for masters
	ShardID     string
	PingSent    int64 // ms, 0 when no PING is outstanding
	PongRecv    int64 // ms
	ConfigEpoch uint64
	Connected   bool
	ReplOffset  int64
	Slots       []SlotRange
}

// Nodes returns every known node, sorted by id.
func (c *Cluster) Nodes() []NodeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := nowMs()
	own := c.rangesByNodeLocked()
	var out []NodeInfo
	for _, n := range c.sortedNodesLocked() {
		out = append(out, NodeInfo{
			ID: n.id, IP: n.ip, Port: n.port, BusPort: n.cport, Hostname: n.hostname,
			Flags: n.flags, MasterID: n.masterID, ShardID: n.shardID,
			PingSent: n.pingSent, PongRecv: n.pongRecv, ConfigEpoch: n.configEpoch,
			Connected: c.linkConnectedLocked(n, now), ReplOffset: n.replOff, Slots: own[n],
		})
	}
	return out
}

func (c *Cluster) rangesByNodeLocked() map[*node][]SlotRange {
	out := make(map[*node][]SlotRange)
	for s := 0; s < NumSlots; {
		n := c.slots[s]
		e := s
		for e+1 < NumSlots && c.slots[e+1] == n {
			e++
		}
		if n != nil {
			out[n] = append(out[n], SlotRange{uint16(s), uint16(e)})
		}
		s = e + 1
	}
	return out
}

// NodesText is the CLUSTER NODES reply.
func (c *Cluster) NodesText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.nodesDescLocked(false))
}

// Info holds the CLUSTER INFO fields of Redis 7.0.
type Info struct {
	State                    string // "ok" or "fail"
	SlotsAssigned            int
	SlotsOK                  int
	SlotsPFail               int
	SlotsFail                int
	KnownNodes               int
	Size                     int
	CurrentEpoch             uint64
	MyEpoch                  uint64
	Sent, Received           map[string]int64 // per message type name ("ping", "pong", "meet", "fail")
	SentTotal, ReceivedTotal int64
	LinksBufferLimitExceeded int64 // always 0: UDP has no send buffers
}

// Info returns CLUSTER INFO's data.
func (c *Cluster) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := Info{State: "fail", KnownNodes: len(c.nodes), Size: c.size,
		CurrentEpoch: c.currentEpoch, Sent: map[string]int64{}, Received: map[string]int64{}}
	if c.stateOK {
		in.State = "ok"
	}
	for _, n := range c.slots {
		if n == nil {
			continue
		}
		in.SlotsAssigned++
		switch {
		case n.failed():
			in.SlotsFail++
		case n.timedOut():
			in.SlotsPFail++
		default:
			in.SlotsOK++
		}
	}
	me := c.myself
	in.MyEpoch = me.configEpoch
	if m := c.nodes[me.masterID]; me.flags&FlagSlave != 0 && m != nil {
		in.MyEpoch = m.configEpoch
	}
	for t := range numMsgTypes {
		if c.sent[t] > 0 {
			in.Sent[msgTypeNames[t]] = c.sent[t]
			in.SentTotal += c.sent[t]
		}
		if c.recv[t] > 0 {
			in.Received[msgTypeNames[t]] = c.recv[t]
			in.ReceivedTotal += c.recv[t]
		}
	}
	return in
}

// InfoText is the CLUSTER INFO reply ("\r\n"-separated, as Redis).
func (c *Cluster) InfoText() string {
	in := c.Info()
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_state:%s\r\n", in.State)
	fmt.Fprintf(&b, "cluster_slots_assigned:%d\r\n", in.SlotsAssigned)
	fmt.Fprintf(&b, "cluster_slots_ok:%d\r\n", in.SlotsOK)
	fmt.Fprintf(&b, "cluster_slots_pfail:%d\r\n", in.SlotsPFail)
	fmt.Fprintf(&b, "cluster_slots_fail:%d\r\n", in.SlotsFail)
	fmt.Fprintf(&b, "cluster_known_nodes:%d\r\n", in.KnownNodes)
	fmt.Fprintf(&b, "cluster_size:%d\r\n", in.Size)
	fmt.Fprintf(&b, "cluster_current_epoch:%d\r\n", in.CurrentEpoch)
	fmt.Fprintf(&b, "cluster_my_epoch:%d\r\n", in.MyEpoch)
	for _, name := range msgTypeNames {
		if v, ok := in.Sent[name]; ok {
			fmt.Fprintf(&b, "cluster_stats_messages_%s_sent:%d\r\n", name, v)
		}
	}
	fmt.Fprintf(&b, "cluster_stats_messages_sent:%d\r\n", in.SentTotal)
	for _, name := range msgTypeNames {
		if v, ok := in.Received[name]; ok {
			fmt.Fprintf(&b, "cluster_stats_messages_%s_received:%d\r\n", name, v)
		}
	}
	fmt.Fprintf(&b, "cluster_stats_messages_received:%d\r\n", in.ReceivedTotal)
	fmt.Fprintf(&b, "total_cluster_links_buffer_limit_exceeded:%d\r\n", in.LinksBufferLimitExceeded)
	return b.String()
}

// SlotNode is a node in a CLUSTER SLOTS entry.
type SlotNode struct {
	IP       string
	Port     int
	ID       string
	Hostname string
}

// SlotsEntry is one element of CLUSTER SLOTS: a range, its master first,
// then its replicas.
type SlotsEntry struct {
	Start, End int
	Nodes      []SlotNode
}

// Slots returns CLUSTER SLOTS's data, sorted by start slot. Replicas in
// FAIL are left out, as Redis does.
func (c *Cluster) Slots() []SlotsEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []SlotsEntry
	for n, rs := range c.rangesByNodeLocked() {
		if !n.isMaster() {
			continue
		}
		nodes := []SlotNode{{n.ip, n.port, n.id, n.hostname}}
		for _, r := range c.replicasLocked(n) {
			if !r.failed() {
				nodes = append(nodes, SlotNode{r.ip, r.port, r.id, r.hostname})
			}
		}
		for _, r := range rs {
			out = append(out, SlotsEntry{Start: int(r.Start), End: int(r.End), Nodes: nodes})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

func (c *Cluster) replicasLocked(m *node) []*node {
	var out []*node
	for _, n := range c.sortedNodesLocked() {
		if n.flags&FlagSlave != 0 && n.masterID == m.id {
			out = append(out, n)
		}
	}
	return out
}

// ShardNode is a node of a CLUSTER SHARDS entry.
type ShardNode struct {
	ID                string
	Port              int
	IP                string
	Endpoint          string
	Hostname          string // omitted from the reply when ""
	Role              string // "master" or "replica"
	ReplicationOffset int64
	Health            string // "online", "failed" or "loading"
}

// Shard is one element of CLUSTER SHARDS: a master with its replicas.
type Shard struct {
	ID    string // shard id
	Slots []SlotRange
	Nodes []ShardNode
}

// Shards returns CLUSTER SHARDS's data: one shard per master (including
// masters without slots, as Redis 7.0), sorted by master id.
func (c *Cluster) Shards() []Shard {
	c.mu.Lock()
	defer c.mu.Unlock()
	own := c.rangesByNodeLocked()
	shardNode := func(n *node, role string) ShardNode {
		h := "online"
		if n.failed() {
			h = "failed"
		} else if role == "replica" && n.replOff == 0 {
			h = "loading"
		}
		return ShardNode{ID: n.id, Port: n.port, IP: n.ip, Endpoint: n.ip, Hostname: n.hostname,
			Role: role, ReplicationOffset: n.replOff, Health: h}
	}
	var out []Shard
	for _, n := range c.sortedNodesLocked() {
		if !n.isMaster() || n.flags&FlagHandshake != 0 {
			continue
		}
		s := Shard{ID: n.shardID, Slots: own[n], Nodes: []ShardNode{shardNode(n, "master")}}
		for _, r := range c.replicasLocked(n) {
			s.Nodes = append(s.Nodes, shardNode(r, "replica"))
		}
		out = append(out, s)
	}
	return out
}

// Link is one entry of CLUSTER LINKS.
type Link struct {
	Direction           string // "to" or "from"
	Node                string
	CreateTime          int64 // ms
	Events              string
	SendBufferAllocated int
	SendBufferUsed      int
}

// Links returns CLUSTER LINKS's data. The bus is connectionless, so a "to"
// link exists for every known node we ping and a "from" link for every node
// we heard from; buffers are always empty.
func (c *Cluster) Links() []Link {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Link
	for _, n := range c.sortedNodesLocked() {
		if n == c.myself || n.flags&FlagHandshake != 0 {
			continue
		}
		out = append(out, Link{Direction: "to", Node: n.id, CreateTime: n.createTime, Events: "r"})
		if n.firstRecv != 0 {
			out = append(out, Link{Direction: "from", Node: n.id, CreateTime: n.firstRecv, Events: "r"})
		}
	}
	return out
}
