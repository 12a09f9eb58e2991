package gossip

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseSlot parses a slot argument as Redis's getSlotOrReply.
func ParseSlot(s string) (int, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v >= NumSlots {
		return 0, ErrInvalidSlot
	}
	return int(v), nil
}

// MyID returns this node's id (CLUSTER MYID).
func (c *Cluster) MyID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.myself.id
}

// MyShardID returns this node's shard id (CLUSTER MYSHARDID).
func (c *Cluster) MyShardID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.myself.shardID
}

// checkSlotsLocked is checkSlotAssignmentsOrReply over a list of slots.
func (c *Cluster) checkSlotsLocked(slots []int, del bool) error {
	var seen slotSet
	for _, s := range slots {
		if s < 0 || s >= NumSlots {
			return ErrInvalidSlot
		}
	}
	for _, s := range slots {
		if del && c.slots[s] == nil {
			return cmdErr("Slot %d is already unassigned", s)
		} else if !del && c.slots[s] != nil {
			return cmdErr("Slot %d is already busy", s)
		}
		if seen.has(s) {
			return cmdErr("Slot %d specified multiple times", s)
		}
		seen.set(s)
	}
	return nil
}

func (c *Cluster) changeSlots(slots []int, del bool) error {
	var err error
	uerr := c.update(false, func() {
		if err = c.checkSlotsLocked(slots, del); err != nil {
			return
		}
		for _, s := range slots {
			if del {
				c.setOwnerLocked(s, nil)
			} else {
				// We are the real owner now (clusterUpdateSlots).
				delete(c.importing, uint16(s))
				c.setOwnerLocked(s, c.myself)
			}
		}
	})
	if err != nil {
		return err
	}
	return uerr
}

func expandRanges(ranges [][2]int) ([]int, error) {
	var slots []int
	for _, r := range ranges {
		if r[0] < 0 || r[0] >= NumSlots || r[1] < 0 || r[1] >= NumSlots {
			return nil, ErrInvalidSlot
		}
	}
	for _, r := range ranges {
		if r[0] > r[1] {
			return nil, cmdErr("start slot number %d is greater than end slot number %d", r[0], r[1])
		}
		for s := r[0]; s <= r[1]; s++ {
			slots = append(slots, s)
		}
	}
	return slots, nil
}

// AddSlots assigns slots to this node (CLUSTER ADDSLOTS). Nothing changes
// unless every slot is valid, unassigned and listed once.
func (c *Cluster) AddSlots(slots ...int) error { return c.changeSlots(slots, false) }

// DelSlots unassigns slots (CLUSTER DELSLOTS).
func (c *Cluster) DelSlots(slots ...int) error { return c.changeSlots(slots, true) }

// AddSlotsRange is CLUSTER ADDSLOTSRANGE; each element is {start, end}.
func (c *Cluster) AddSlotsRange(ranges ...[2]int) error {
	slots, err := expandRanges(ranges)
	if err != nil {
		return err
	}
	return c.changeSlots(slots, false)
}

// DelSlotsRange is CLUSTER DELSLOTSRANGE.
func (c *Cluster) DelSlotsRange(ranges ...[2]int) error {
	slots, err := expandRanges(ranges)
	if err != nil {
		return err
	}
	return c.changeSlots(slots, true)
}

// FlushSlots unassigns all of this node's slots (CLUSTER FLUSHSLOTS);
// dbEmpty tells whether the database holds no keys.
func (c *Cluster) FlushSlots(dbEmpty bool) error {
	if !dbEmpty {
		return ErrFlushSlotsNotEmpty
	}
	return c.update(false, func() {
		for s, n := range c.slots {
			if n == c.myself {
				c.setOwnerLocked(s, nil)
			}
		}
	})
}

// SetSlot is CLUSTER SETSLOT <slot> IMPORTING|MIGRATING|NODE <id> and
// CLUSTER SETSLOT <slot> STABLE (nodeID ignored).
func (c *Cluster) SetSlot(slot int, action, nodeID string) error {
	if slot < 0 || slot >= NumSlots {
		return ErrInvalidSlot
	}
	action = strings.ToLower(action)
	keys := 0
	if action == "node" && c.cfg.CountKeysInSlot != nil {
		keys = c.cfg.CountKeysInSlot(slot) // outside the lock: it may call the shards
	}
	s16 := uint16(slot)
	var err error
	uerr := c.update(false, func() {
		me := c.myself
		if me.flags&FlagSlave != 0 {
			err = cmdErr("Please use SETSLOT only with masters.")
			return
		}
		lookup := func(unknownFmt string) *node {
			n := c.nodes[nodeID]
			if n == nil || n.flags&FlagHandshake != 0 {
				err = cmdErr(unknownFmt, nodeID)
				return nil
			}
			if n.flags&FlagSlave != 0 {
				err = cmdErr("Target node is not a master")
				return nil
			}
			return n
		}
		switch action {
		case "migrating":
			if c.slots[slot] != me {
				err = cmdErr("I'm not the owner of hash slot %d", slot)
				return
			}
			if n := lookup("I don't know about node %s"); n != nil {
				c.migrating[s16] = n
				c.routingDirty, c.saveDirty = true, true
			}
		case "importing":
			if c.slots[slot] == me {
				err = cmdErr("I'm already the owner of hash slot %d", slot)
				return
			}
			if n := lookup("I don't know about node %s"); n != nil {
				c.importing[s16] = n
				c.routingDirty, c.saveDirty = true, true
			}
		case "stable":
			delete(c.importing, s16)
			delete(c.migrating, s16)
			c.routingDirty, c.saveDirty = true, true
		case "node":
			n := lookup("Unknown node %s")
			if n == nil {
				return
			}
			if c.slots[slot] == me && n != me && keys != 0 {
				err = cmdErr("Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot)
				return
			}
			if keys == 0 {
				delete(c.migrating, s16)
			}
			c.setOwnerLocked(slot, n)
			if n == me && c.importing[s16] != nil {
				// The slot was migrated by hand: take a new configEpoch so
				// the new owner wins everywhere (a collision, if any, is
				// resolved by the collision handling).
				if c.bumpEpochLocked() {
					c.log.Info("configEpoch updated after importing slot", "slot", slot, "epoch", me.configEpoch)
				}
				delete(c.importing, s16)
				c.broadcastPongLocked()
			}
			c.routingDirty, c.saveDirty = true, true
		default:
			err = ErrSetSlotSyntax
		}
	})
	if err != nil {
		return err
	}
	return uerr
}

// broadcastPongLocked tells every node our new configuration at once.
func (c *Cluster) broadcastPongLocked() {
	now := nowMs()
	for _, n := range c.nodes {
		if n != c.myself && n.flags&(FlagHandshake|FlagNoAddr) == 0 && n.bus.IsValid() {
			c.sendLocked(n, n.bus, msgPong, 0, now)
		}
	}
}

// Meet starts a handshake with the node at ip:port (CLUSTER MEET); busPort
// 0 means port+10000.
func (c *Cluster) Meet(ip string, port, busPort int) error {
	if busPort == 0 {
		busPort = port + 10000
	}
	a, perr := netip.ParseAddr(ip)
	if perr != nil || port <= 0 || port > 65535 || busPort <= 0 || busPort > 65535 {
		return cmdErr("Invalid node address specified: %s:%d", ip, port)
	}
	norm := a.Unmap().String()
	return c.update(false, func() {
		if c.findHandshakeLocked(netip.AddrPort{}, norm, busPort) != nil {
			return // already in progress: Redis replies OK
		}
		if n := c.startHandshakeLocked(norm, port, busPort, nowMs()); n != nil {
			c.sendPingLocked(n, nowMs())
		}
	})
}

// Forget removes a node and blacklists its id for 60 s so that gossip does
// not add it back (CLUSTER FORGET).
func (c *Cluster) Forget(id string) error {
	var err error
	uerr := c.update(true, func() {
		n := c.nodes[id]
		switch {
		case n == nil:
			err = cmdErr("Unknown node %s", id)
		case n == c.myself:
			err = ErrForgetMyself
		case c.myself.flags&FlagSlave != 0 && c.myself.masterID == id:
			err = cmdErr("Can't forget my master!")
		default:
			c.blacklist[id] = nowMs() + blacklistTTL.Milliseconds()
			c.delNodeLocked(n)
		}
	})
	if err != nil {
		return err
	}
	return uerr
}

// Reset is CLUSTER RESET [HARD|SOFT]: forget every other node, drop all
// slots and migrations; hard also takes a new id and zeroes the epochs.
// dbEmpty tells whether the database holds no keys.
func (c *Cluster) Reset(hard, dbEmpty bool) error {
	var err error
	uerr := c.update(true, func() {
		me := c.myself
		if me.isMaster() && !dbEmpty {
			err = ErrResetNotEmpty
			return
		}
		me.flags = me.flags&^FlagSlave | FlagMaster
		me.masterID = ""
		clear(c.migrating)
		clear(c.importing)
		for s := range NumSlots {
			c.setOwnerLocked(s, nil)
		}
		for _, n := range c.nodes {
			if n != me {
				c.delNodeLocked(n)
			}
		}
		if hard {
			c.currentEpoch, c.lastVoteEpoch, me.configEpoch = 0, 0, 0
			c.renameLocked(me, NewID())
			me.shardID = NewID()
			c.log.Info("node hard reset, now I'm", "id", me.id)
		}
		c.routingDirty, c.saveDirty = true, true
	})
	if err != nil {
		return err
	}
	return uerr
}

// SetConfigEpoch is CLUSTER SET-CONFIG-EPOCH.
func (c *Cluster) SetConfigEpoch(epoch int64) error {
	var err error
	uerr := c.update(true, func() {
		switch {
		case epoch < 0:
			err = cmdErr("Invalid config epoch specified: %d", epoch)
		case len(c.nodes) > 1:
			err = ErrSetEpochKnowsOthers
		case c.myself.configEpoch != 0:
			err = ErrSetEpochNonZero
		default:
			c.myself.configEpoch = uint64(epoch)
			c.currentEpoch = max(c.currentEpoch, uint64(epoch))
		}
	})
	if err != nil {
		return err
	}
	return uerr
}

// bumpEpochLocked is clusterBumpConfigEpochWithoutConsensus.
func (c *Cluster) bumpEpochLocked() bool {
	maxEpoch := c.currentEpoch
	for _, n := range c.nodes {
		maxEpoch = max(maxEpoch, n.configEpoch)
	}
	me := c.myself
	if me.configEpoch == 0 || me.configEpoch != maxEpoch {
		c.currentEpoch++
		me.configEpoch = c.currentEpoch
		c.saveDirty = true
		return true
	}
	return false
}

// BumpEpoch is CLUSTER BUMPEPOCH: it returns this node's configEpoch and
// whether it changed; the reply is "BUMPED <epoch>" or "STILL <epoch>".
func (c *Cluster) BumpEpoch() (epoch uint64, bumped bool) {
	c.update(true, func() {
		bumped = c.bumpEpochLocked()
		epoch = c.myself.configEpoch
	})
	return epoch, bumped
}

// CountFailureReports is CLUSTER COUNT-FAILURE-REPORTS.
func (c *Cluster) CountFailureReports(id string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodes[id]
	if n == nil {
		return 0, cmdErr("Unknown node %s", id)
	}
	return c.countFailReportsLocked(n, nowMs()), nil
}
