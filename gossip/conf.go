package gossip

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// nodesDescLocked renders CLUSTER NODES (clusterGenNodesDescription): one
// line per node, "\n"-terminated, in Redis 7.0's format:
//
//	<id> <ip>:<port>@<cport>[,<hostname>] <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
//
// forFile leaves out handshake nodes, as clusterSaveConfig does.
func (c *Cluster) nodesDescLocked(forFile bool) []byte {
	now := nowMs()
	var sets = make(map[*node][]SlotRange)
	start := -1
	for s := 0; s <= NumSlots; s++ {
		var n *node
		if s < NumSlots {
			n = c.slots[s]
		}
		if start >= 0 && (s == NumSlots || n != c.slots[start]) {
			o := c.slots[start]
			sets[o] = append(sets[o], SlotRange{uint16(start), uint16(s - 1)})
			start = -1
		}
		if start < 0 && n != nil {
			start = s
		}
	}
	list := c.sortedNodesLocked()
	var b []byte
	for _, n := range list {
		if forFile && n.flags&FlagHandshake != 0 {
			continue
		}
		b = append(b, n.id...)
		b = append(b, ' ')
		b = append(b, n.ip...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n.port), 10)
		b = append(b, '@')
		b = strconv.AppendInt(b, int64(n.cport), 10)
		if n.hostname != "" {
			b = append(b, ',')
			b = append(b, n.hostname...)
		}
		b = append(b, ' ')
		b = n.flags.appendTo(b)
		b = append(b, ' ')
		if n.masterID != "" {
			b = append(b, n.masterID...)
		} else {
			b = append(b, '-')
		}
		epoch := n.configEpoch
		if m := c.nodes[n.masterID]; n.flags&FlagSlave != 0 && m != nil {
			epoch = m.configEpoch
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, n.pingSent, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, n.pongRecv, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, epoch, 10)
		if c.linkConnectedLocked(n, now) {
			b = append(b, " connected"...)
		} else {
			b = append(b, " disconnected"...)
		}
		for _, r := range sets[n] {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(r.Start), 10)
			if r.End != r.Start {
				b = append(b, '-')
				b = strconv.AppendInt(b, int64(r.End), 10)
			}
		}
		if n == c.myself {
			for s := range NumSlots {
				if o := c.migrating[uint16(s)]; o != nil {
					b = fmt.Appendf(b, " [%d->-%s]", s, o.id)
				} else if o := c.importing[uint16(s)]; o != nil {
					b = fmt.Appendf(b, " [%d-<-%s]", s, o.id)
				}
			}
		}
		b = append(b, '\n')
	}
	return b
}

// linkConnectedLocked stands in for Redis's "node has a TCP link": over UDP
// a node is connected when it sent us a valid message within node-timeout.
func (c *Cluster) linkConnectedLocked(n *node, now int64) bool {
	return n == c.myself || (n.firstRecv != 0 && now-n.dataRecv <= c.timeout)
}

func (c *Cluster) sortedNodesLocked() []*node {
	list := make([]*node, 0, len(c.nodes))
	for _, n := range c.nodes {
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

// genConfigLocked renders nodes.conf: the node lines, then
// "vars currentEpoch <n> lastVoteEpoch <n>". myShardId is appended to the
// vars line: Redis 7.0 skips unknown vars with a warning, and 7.0 has no
// other place for a shard id (7.2 puts it in an aux field).
func (c *Cluster) genConfigLocked() []byte {
	b := c.nodesDescLocked(true)
	return fmt.Appendf(b, "vars currentEpoch %d lastVoteEpoch %d myShardId %s\n",
		c.currentEpoch, c.lastVoteEpoch, c.myself.shardID)
}

// confNode is one parsed node line.
type confNode struct {
	id, ip, hostname, masterID, shardID string
	port, cport                         int
	flags                               Flags
	pingSent, pongRecv                  int64
	configEpoch                         uint64
	connected                           bool
	slots                               []SlotRange
	migrating, importing                map[uint16]string
}

type confFile struct {
	nodes                       []confNode
	currentEpoch, lastVoteEpoch uint64
	myShardID                   string
}

// parseConfig parses a nodes.conf (clusterLoadConfig). It accepts Redis 7.0
// files, the older format without "@cport", and 7.2 aux fields
// ("ip:port@cport,hostname,shard-id=...").
func parseConfig(file string, data []byte) (*confFile, error) {
	f := &confFile{}
	seen := map[string]bool{}
	var myself bool
	for ln, line := range bytes.Split(data, []byte("\n")) {
		bad := func(format string, args ...any) error {
			return &ConfigError{File: file, Line: ln + 1, Msg: fmt.Sprintf(format, args...)}
		}
		argv := strings.Fields(string(line))
		if len(argv) == 0 {
			continue
		}
		if argv[0] == "vars" {
			for j := 1; j+1 < len(argv); j += 2 {
				var err error
				switch argv[j] {
				case "currentEpoch":
					f.currentEpoch, err = strconv.ParseUint(argv[j+1], 10, 64)
				case "lastVoteEpoch":
					f.lastVoteEpoch, err = strconv.ParseUint(argv[j+1], 10, 64)
				case "myShardId":
					f.myShardID = argv[j+1]
					if !validID(f.myShardID) {
						err = fmt.Errorf("bad shard id")
					}
				}
				if err != nil {
					return nil, bad("invalid %s %q", argv[j], argv[j+1])
				}
			}
			continue
		}
		if len(argv) < 8 {
			return nil, bad("unrecoverable error: corrupted cluster config file")
		}
		var n confNode
		n.id = argv[0]
		if !validID(n.id) {
			return nil, bad("invalid node id %q", n.id)
		}
		if seen[n.id] {
			return nil, bad("duplicate node %s", n.id)
		}
		seen[n.id] = true
		// Address: ip:port@cport[,hostname][,aux=value...]
		parts := strings.Split(argv[1], ",")
		for _, p := range parts[1:] {
			if k, v, ok := strings.Cut(p, "="); ok {
				if k == "shard-id" && validID(v) {
					n.shardID = v
				} else if k == "hostname" {
					n.hostname = v
				}
			} else if n.hostname == "" {
				n.hostname = p
			}
		}
		addr := parts[0]
		colon := strings.LastIndexByte(addr, ':')
		if colon < 0 {
			return nil, bad("invalid address %q", argv[1])
		}
		n.ip = addr[:colon]
		ports := addr[colon+1:]
		var err1, err2 error
		if p, cp, ok := strings.Cut(ports, "@"); ok {
			n.port, err1 = strconv.Atoi(p)
			n.cport, err2 = strconv.Atoi(cp)
		} else {
			n.port, err1 = strconv.Atoi(ports)
			n.cport = n.port + 10000
		}
		if err1 != nil || err2 != nil || n.port < 0 || n.port > 65535 || n.cport < 0 || n.cport > 65535 {
			return nil, bad("invalid address %q", argv[1])
		}
		var ok bool
		if n.flags, ok = parseFlags(argv[2]); !ok {
			return nil, bad("unknown flags %q", argv[2])
		}
		if n.flags&FlagMyself != 0 {
			if myself {
				return nil, bad("more than one myself node")
			}
			myself = true
		}
		if argv[3] != "-" {
			if !validID(argv[3]) {
				return nil, bad("invalid master id %q", argv[3])
			}
			n.masterID = argv[3]
		}
		var e1, e2, e3 error
		n.pingSent, e1 = strconv.ParseInt(argv[4], 10, 64)
		n.pongRecv, e2 = strconv.ParseInt(argv[5], 10, 64)
		n.configEpoch, e3 = strconv.ParseUint(argv[6], 10, 64)
		if e1 != nil || e2 != nil || e3 != nil {
			return nil, bad("invalid ping/pong/epoch fields")
		}
		n.connected = argv[7] == "connected"
		for _, a := range argv[8:] {
			if strings.HasPrefix(a, "[") {
				// [slot->-id] migrating, [slot-<-id] importing
				body := strings.TrimSuffix(a[1:], "]")
				var sl, id string
				var mig bool
				if s, i, ok := strings.Cut(body, "->-"); ok {
					sl, id, mig = s, i, true
				} else if s, i, ok := strings.Cut(body, "-<-"); ok {
					sl, id = s, i
				} else {
					return nil, bad("invalid slot state %q", a)
				}
				s, err := strconv.Atoi(sl)
				if err != nil || s < 0 || s >= NumSlots || !validID(id) {
					return nil, bad("invalid slot state %q", a)
				}
				m := &n.importing
				if mig {
					m = &n.migrating
				}
				if *m == nil {
					*m = map[uint16]string{}
				}
				(*m)[uint16(s)] = id
				continue
			}
			lo, hi, isRange := strings.Cut(a, "-")
			s, err1 := strconv.Atoi(lo)
			e := s
			var err2 error
			if isRange {
				e, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || s < 0 || e >= NumSlots || s > e {
				return nil, bad("invalid slot range %q", a)
			}
			n.slots = append(n.slots, SlotRange{uint16(s), uint16(e)})
		}
		f.nodes = append(f.nodes, n)
	}
	if !myself {
		return nil, &ConfigError{File: file, Line: 0, Msg: "myself node not found"}
	}
	return f, nil
}

// writeFileAtomic replaces path with data: temp file in the same directory,
// fsync, rename, fsync of the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
