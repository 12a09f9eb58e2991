package shard

import (
	"strconv"
	"sync"
	"time"

	"github.com/duva-db/duva/gossip"
)

// Cluster mode (cluster-enabled yes): the engine side of Redis Cluster.
//
// The bus (membership, slot ownership, nodes.conf) is the gossip package;
// loop.Start opens it and hands it over with SetCluster before any client
// or the loader runs. Here live the slot check every keyed command passes
// (Redis's getNodeByQuery), the per-slot key counts, and the worker that
// cluster commands use to look into one shard.
//
// The slot check runs twice at most. Worker.Exec checks against the current
// routing snapshot before taking any shard, so a redirect costs no shard
// hand-off (clusterShards). Some answers depend on whether keys exist (a
// slot being migrated or imported), and the routing may change while a
// command waits in a mailbox; so run checks again, with the shards held,
// when the first check asked for it or the snapshot it used is no longer
// current (recheckSlot). With the shards held the verdict cannot go stale:
// MIGRATE, which moves keys away, needs the same shard.
//
// Per-slot key counts: database 0's table in every shard counts its keys per
// hash slot (Dict.slotKeys, kept by Dict.Insert and Dict.Delete), so CLUSTER
// COUNTKEYSINSLOT is O(1). CLUSTER GETKEYSINSLOT walks only the owning
// shard's table and stops as soon as it has the keys asked for (or all the
// slot has). The follow-up is Redis 7.2's layout: one table per slot, so
// GETKEYSINSLOT never looks at another slot's keys.

// clusterState is the engine's cluster half; zero when cluster mode is off.
type clusterState struct {
	c *gossip.Cluster

	mu sync.Mutex // serialises use of w
	w  *Worker    // runs cluster commands' looks into shards (do)

	mig migrateCache // MIGRATE's cached connections (cmd_migrate.go)
}

// clusterClient is a connection's cluster state. Touched by whoever runs the
// client's command (its loop, or the holder running its queued job).
type clusterClient struct {
	// asking counts down the ASKING flag: ASKING sets 2, every Exec
	// decrements it, so it is 1 exactly during the command after ASKING.
	asking   uint8
	readonly bool // READONLY (no replicas yet: kept for CLIENT LIST only)
	// routing is the snapshot the command's slot check used; nil when the
	// command was not checked (no keys, cluster mode off, the loader).
	routing *gossip.Routing
	// recheck: the verdict depends on which keys exist; decide it with the
	// shards held (run).
	recheck bool
}

// Cluster error replies, as Redis 7.0 writes them.
const (
	errCrossSlot     = "CROSSSLOT Keys in request don't hash to the same slot"
	errTryAgain      = "TRYAGAIN Multiple keys request during rehashing of slot"
	errClusterDown   = "CLUSTERDOWN The cluster is down"
	errClusterDownRO = "CLUSTERDOWN The cluster is down and only accepts read commands"
	errSlotUnbound   = "CLUSTERDOWN Hash slot not served"
	errClusterOff    = "ERR This instance has cluster support disabled"
)

// SetCluster turns cluster mode on with c as the bus. Call it once, after
// NewEngine and before Start, LoadAtStart or any client.
func (e *Engine) SetCluster(c *gossip.Cluster) {
	e.cluster.c = c
	e.cluster.w = e.NewWorker()
	e.clusterOn = true
	for _, s := range e.shards {
		s.dbs[0].slotKeys = new([SlotCount]uint32)
	}
}

// Cluster is the bus, or nil when cluster mode is off.
func (e *Engine) Cluster() *gossip.Cluster { return e.cluster.c }

// withShards runs fn holding the shards ids (ascending), on the cluster
// worker. For cluster commands, which run with no shard held.
func (e *Engine) withShards(ids []int, fn func()) {
	e.cluster.mu.Lock()
	defer e.cluster.mu.Unlock()
	e.cluster.w.do(ids, func(*Worker) { fn() })
}

// CountKeysInSlot is the number of keys of database 0 in slot (gossip's
// Config.CountKeysInSlot; CLUSTER COUNTKEYSINSLOT).
func (e *Engine) CountKeysInSlot(slot int) int {
	if !e.clusterOn || slot < 0 || slot >= SlotCount {
		return 0
	}
	id := int(e.slotShard[slot])
	n := 0
	e.withShards([]int{id}, func() { n = int(e.shards[id].dbs[0].slotKeys[slot]) })
	return n
}

// keysInSlot lists up to max keys of slot (CLUSTER GETKEYSINSLOT).
func (e *Engine) keysInSlot(slot, max int) []string {
	id := int(e.slotShard[slot])
	var keys []string
	e.withShards([]int{id}, func() {
		d := e.shards[id].dbs[0]
		want := min(max, int(d.slotKeys[slot]))
		if want == 0 {
			return
		}
		d.ForEach(func(en *Entry) bool {
			if KeySlot(keyBytes(en)) == slot {
				keys = append(keys, en.Key())
			}
			return len(keys) < want
		})
	})
	return keys
}

// db0Empty reports whether database 0 holds no key (FLUSHSLOTS, RESET).
func (e *Engine) db0Empty() bool {
	all := make([]int, len(e.shards))
	for i := range all {
		all[i] = i
	}
	n := 0
	e.withShards(all, func() {
		for _, s := range e.shards {
			n += s.dbs[0].Len()
		}
	})
	return n == 0
}

// keepSlotCounts gives database db of s its slot counters again after a
// flush replaced the table (a flush during a snapshot, see Shard.flushDB).
func (s *Shard) keepSlotCounts(db int, old *Dict) {
	if old.slotKeys != nil && s.dbs[db] != old {
		s.dbs[db].slotKeys = new([SlotCount]uint32)
	}
}

// clusterShards is shardsFor in cluster mode: it computes each key's slot
// once, checks the slot (getNodeByQuery) and returns the shard of that slot.
// msg is the error reply when the command must not run here.
func (w *Worker) clusterShards(cl *Client, cmd *Command, args [][]byte) (need []int, msg string, ok bool) {
	cl.cc.routing, cl.cc.recheck = nil, false
	if cmd.Route != RouteKeys {
		need, ok = w.shardsFor(cmd, args)
		return need, "", ok
	}
	slot, msg := w.commandSlot(cmd, args)
	if msg != "" {
		return nil, msg, true
	}
	if slot < 0 {
		need, ok = w.shardsFor(cmd, args)
		return need, "", ok
	}
	r := w.e.cluster.c.Routing()
	msg, recheck := w.e.slotVerdict(r, cl, cmd, args, slot, nil)
	if msg != "" {
		return nil, msg, true
	}
	cl.cc.routing, cl.cc.recheck = r, recheck
	w.needBuf = append(w.needBuf[:0], int(w.e.slotShard[slot]))
	return w.needBuf, "", true
}

// commandSlot is the one slot of the command's keys: -1 without keys,
// CROSSSLOT when they differ. The key positions are left in w.posBuf.
func (w *Worker) commandSlot(cmd *Command, args [][]byte) (int, string) {
	pos := w.posBuf[:0]
	if cmd.Keys != nil {
		pos = cmd.Keys(args, pos)
	} else if first, last, step := cmd.keyRange(args); first > 0 {
		for i := first; i <= last; i += step {
			pos = append(pos, i)
		}
	}
	w.posBuf = pos
	slot := -1
	for n, i := range pos {
		s := KeySlot(args[i])
		if n == 0 {
			slot = s
		} else if s != slot {
			return -1, errCrossSlot
		}
	}
	return slot, ""
}

// slotVerdict is Redis's getNodeByQuery for a command whose keys (at
// w.posBuf) all hash to slot. held is the shard holding them when the
// caller holds it, else nil: when the answer depends on which keys exist
// (the slot is migrating or importing), it then returns recheck == true.
func (e *Engine) slotVerdict(r *gossip.Routing, cl *Client, cmd *Command, args [][]byte, slot int, held *Shard) (msg string, recheck bool) {
	owner := r.Owner[slot]
	if owner < 0 {
		return errSlotUnbound, false
	}
	s16 := uint16(slot)
	migrating, importing := false, false
	if len(r.Migrating) > 0 || len(r.Importing) > 0 {
		migrating = owner == r.Self && r.MigratingTo(s16) != nil
		importing = r.ImportingFrom(s16) != nil
	}
	missing, multiple := 0, false
	if migrating || importing {
		if held == nil {
			return "", true
		}
		d := held.dbs[0]
		now := time.Now().UnixMilli()
		pos := cl.cc.keyPos(cmd, args)
		for n, i := range pos {
			if n > 0 && string(args[i]) != string(args[pos[0]]) {
				multiple = true
			}
			if en := d.Get(args[i]); en == nil || (en.Expire() != 0 && en.Expire() <= now) {
				missing++
			}
		}
	}
	if !r.OK {
		if !e.cfgBool("cluster-allow-reads-when-down") {
			return errClusterDown, false
		}
		if cmd.Flags&FlagWrite != 0 {
			return errClusterDownRO, false
		}
	}
	if (migrating || importing) && cmd.Name == "migrate" {
		return "", false
	}
	if migrating && missing > 0 {
		return redirect("ASK", slot, r.MigratingTo(s16)), false
	}
	if importing && (cl.cc.asking == 1 || cmd.Flags&FlagAsking != 0) {
		if multiple && missing > 0 {
			return errTryAgain, false
		}
		return "", false
	}
	if owner != r.Self {
		return redirect("MOVED", slot, &r.Nodes[owner]), false
	}
	return "", false
}

// keyPos lists the command's key positions again (the recheck in run cannot
// use the worker's buffer, which Exec of another command may have reused).
func (cc *clusterClient) keyPos(cmd *Command, args [][]byte) []int {
	var buf [8]int
	pos := buf[:0]
	if cmd.Keys != nil {
		return cmd.Keys(args, pos)
	}
	if first, last, step := cmd.keyRange(args); first > 0 {
		for i := first; i <= last; i += step {
			pos = append(pos, i)
		}
	}
	return pos
}

func redirect(kind string, slot int, to *gossip.Addr) string {
	b := make([]byte, 0, 48)
	b = append(b, kind...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(slot), 10)
	b = append(b, ' ')
	b = append(b, to.IP...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(to.Port), 10)
	return string(b)
}

// recheckSlot is the slot check again, from run with the command's shards
// held: when the first verdict depended on which keys exist, or the routing
// changed since. It returns the error reply, or "".
func (w *Worker) recheckSlot(cl *Client, cmd *Command, args [][]byte, need []int) string {
	r := w.e.cluster.c.Routing()
	if !cl.cc.recheck && r == cl.cc.routing {
		return ""
	}
	pos := cl.cc.keyPos(cmd, args)
	if len(pos) == 0 || len(need) != 1 {
		return ""
	}
	slot := KeySlot(args[pos[0]])
	msg, _ := w.e.slotVerdict(r, cl, cmd, args, slot, w.e.shards[need[0]])
	return msg
}

// mode is INFO's redis_mode and HELLO's mode.
func (e *Engine) mode() string {
	if e.clusterOn {
		return "cluster"
	}
	return "standalone"
}
