package gossip

import "sort"

// Addr is a node's client address as the routing snapshot knows it.
type Addr struct {
	ID   string
	IP   string
	Port int
}

// Routing is an immutable snapshot of slot ownership, replaced as a whole
// (behind an atomic pointer) on every change. Never modify it. Its lookup
// methods allocate nothing.
type Routing struct {
	// Owner[slot] is the index in Nodes of the slot's owner, or -1.
	Owner [NumSlots]int16
	// Nodes are the known nodes (not in handshake), sorted by id.
	Nodes []Addr
	// Self is the index of this node in Nodes.
	Self int16
	// Migrating and Importing map a slot to the index in Nodes of the
	// target / source node (CLUSTER SETSLOT MIGRATING / IMPORTING).
	Migrating, Importing map[uint16]int16
	// OK is cluster_state:ok.
	OK bool
}

// OwnerOf returns the owner of slot, or nil when unassigned.
func (r *Routing) OwnerOf(slot uint16) *Addr {
	if int(slot) >= NumSlots {
		return nil
	}
	i := r.Owner[slot]
	if i < 0 {
		return nil
	}
	return &r.Nodes[i]
}

// Mine reports whether this node serves slot.
func (r *Routing) Mine(slot uint16) bool {
	return int(slot) < NumSlots && r.Owner[slot] == r.Self
}

// MigratingTo returns the target of a slot this node is migrating, or nil.
func (r *Routing) MigratingTo(slot uint16) *Addr {
	if i, ok := r.Migrating[slot]; ok {
		return &r.Nodes[i]
	}
	return nil
}

// ImportingFrom returns the source of a slot this node is importing, or nil.
func (r *Routing) ImportingFrom(slot uint16) *Addr {
	if i, ok := r.Importing[slot]; ok {
		return &r.Nodes[i]
	}
	return nil
}

// Routing returns the current snapshot. It takes no lock.
func (c *Cluster) Routing() *Routing { return c.routing.Load() }

// publishLocked builds and stores a new snapshot if something changed. It
// reports whether it did.
func (c *Cluster) publishLocked() bool {
	if !c.routingDirty && c.routing.Load() != nil {
		return false
	}
	c.routingDirty = false
	r := &Routing{OK: c.stateOK, Migrating: map[uint16]int16{}, Importing: map[uint16]int16{}}
	list := make([]*node, 0, len(c.nodes))
	for _, n := range c.nodes {
		if n.flags&FlagHandshake == 0 {
			list = append(list, n)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	idx := make(map[*node]int16, len(list))
	r.Nodes = make([]Addr, len(list))
	for i, n := range list {
		idx[n] = int16(i)
		r.Nodes[i] = Addr{ID: n.id, IP: n.ip, Port: n.port}
	}
	r.Self = idx[c.myself]
	for s, n := range c.slots {
		r.Owner[s] = -1
		if n != nil {
			r.Owner[s] = idx[n]
		}
	}
	for s, n := range c.migrating {
		r.Migrating[s] = idx[n]
	}
	for s, n := range c.importing {
		r.Importing[s] = idx[n]
	}
	c.routing.Store(r)
	return true
}
