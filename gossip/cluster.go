package gossip

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a cluster node.
type Config struct {
	// ID is the node id for a new node; "" picks a random one. An id found
	// in ConfigFile always wins.
	ID string
	// IP is the announced ip (cluster-announce-ip); default "127.0.0.1".
	IP string
	// Hostname is the announced hostname (cluster-announce-hostname), or "".
	Hostname string
	// Port is the client port. BusPort is the bus port (cluster-port):
	// 0 means Port+10000, -1 means a free port chosen by the system (tests).
	Port, BusPort int
	// AnnouncePort and AnnounceBusPort override the ports announced to
	// other nodes (cluster-announce-port, cluster-announce-bus-port).
	AnnouncePort, AnnounceBusPort int
	// BindIP is the address the bus socket binds; "" means all interfaces.
	BindIP string
	// NodeTimeout is cluster-node-timeout; default 15s as Redis.
	NodeTimeout time.Duration
	// ConfigFile is the nodes.conf path; "" means not persisted.
	ConfigFile string
	// RequireFullCoverage is cluster-require-full-coverage.
	RequireFullCoverage bool
	// Transport carries the datagrams; nil means UDP on BindIP:BusPort.
	Transport Transport
	// Logger receives the bus log; nil means slog.Default().
	Logger *slog.Logger
	// OnChange is called after the routing snapshot changed (slot
	// ownership, nodes, addresses, migrating/importing, cluster state).
	// It is called without any lock held, from whichever goroutine made the
	// change (the bus receiver, the bus ticker or a management caller), so it
	// must be quick and safe for concurrent use.
	OnChange func()
	// CountKeysInSlot reports how many keys the local database holds in a
	// slot; SetSlot NODE uses it as Redis does. nil means 0.
	CountKeysInSlot func(slot int) int
}

// Cluster is one node of the cluster bus. All methods are safe for
// concurrent use.
type Cluster struct {
	cfg       Config
	log       *slog.Logger
	tr        Transport
	timeout   int64 // node timeout, ms
	tick      time.Duration
	pingEvery int64 // ms between PINGs to a healthy node
	retry     int64 // ms between retransmissions while a PING is unanswered

	routing atomic.Pointer[Routing]

	mu sync.Mutex // protects everything below and the node table
	// Lock order: saveMu may be taken while mu is NOT held; never the
	// other way round.
	myself        *node
	nodes         map[string]*node
	slots         [NumSlots]*node
	migrating     map[uint16]*node
	importing     map[uint16]*node
	currentEpoch  uint64
	lastVoteEpoch uint64
	blacklist     map[string]int64 // forgotten id -> ms when it expires
	seq           uint64
	stateOK       bool
	size          int // masters serving at least one slot
	sent, recv    [numMsgTypes]int64
	dropped       int64       // datagrams rejected by decode or as stale
	myRanges      []SlotRange // cache of myself's ranges; nil when stale
	routingDirty  bool
	saveDirty     bool
	saveSeq       uint64
	closed        bool
	rnd           *rand.Rand
	buf           []byte    // encode buffer
	scratch       []*node   // gossip candidate buffer
	started       time.Time // for Links create-time of myself

	saveMu    sync.Mutex // serialises config file writes
	savedSeq  uint64     // protected by saveMu
	stop      chan struct{}
	done      sync.WaitGroup
	closeOnce sync.Once
}

const (
	failReportValidityMult = 2 // CLUSTER_FAIL_REPORT_VALIDITY_MULT
	failUndoTimeMult       = 2 // CLUSTER_FAIL_UNDO_TIME_MULT
)

// blacklistTTL is how long a forgotten node stays out (CLUSTER_BLACKLIST_TTL).
// A variable so that tests can shorten it.
var blacklistTTL = 60 * time.Second

func nowMs() int64 { return time.Now().UnixMilli() }

// Open starts a cluster node: it loads cfg.ConfigFile if it exists (or
// creates it), opens the bus transport and starts the gossip goroutines.
func Open(cfg Config) (*Cluster, error) {
	if cfg.IP == "" {
		cfg.IP = "127.0.0.1"
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ID != "" && !validID(cfg.ID) {
		return nil, fmt.Errorf("gossip: invalid node id %q", cfg.ID)
	}
	if _, err := netip.ParseAddr(cfg.IP); err != nil {
		return nil, fmt.Errorf("gossip: invalid announced ip %q", cfg.IP)
	}
	c := &Cluster{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "cluster-bus"),
		timeout:   cfg.NodeTimeout.Milliseconds(),
		nodes:     make(map[string]*node),
		migrating: make(map[uint16]*node),
		importing: make(map[uint16]*node),
		blacklist: make(map[string]int64),
		rnd:       rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		buf:       make([]byte, 0, MaxMessage),
		stop:      make(chan struct{}),
		started:   time.Now(),
	}
	if c.timeout < 1 {
		c.timeout = 1
	}
	c.tick = clampDur(cfg.NodeTimeout/20, 10*time.Millisecond, 100*time.Millisecond)
	c.pingEvery = max(c.timeout/4, 1)
	c.retry = max(c.timeout/10, 1)

	tr := cfg.Transport
	if tr == nil {
		bus := cfg.BusPort
		switch {
		case bus == 0 && cfg.Port > 0:
			bus = cfg.Port + 10000
		case bus < 0:
			bus = 0
		}
		u, err := ListenUDP(net.JoinHostPort(cfg.BindIP, strconv.Itoa(bus)))
		if err != nil {
			return nil, fmt.Errorf("gossip: cluster bus: %w", err)
		}
		tr = u
	}
	c.tr = tr
	port, cport := cfg.Port, int(tr.LocalAddr().Port())
	if cfg.AnnouncePort > 0 {
		port = cfg.AnnouncePort
	}
	if cfg.AnnounceBusPort > 0 {
		cport = cfg.AnnounceBusPort
	}

	loaded, err := c.loadConfig()
	if err != nil {
		tr.Close()
		return nil, err
	}
	if !loaded {
		id := cfg.ID
		if id == "" {
			id = NewID()
		}
		me := &node{id: id, flags: FlagMyself | FlagMaster, shardID: NewID(), createTime: nowMs()}
		c.nodes[id] = me
		c.myself = me
	}
	c.myself.setAddr(cfg.IP, port, cport)
	c.myself.hostname = cfg.Hostname
	c.updateStateLocked()
	c.publishLocked()
	c.saveDirty = false
	if err := c.SaveConfig(); err != nil {
		tr.Close()
		return nil, err
	}
	c.log.Info("cluster bus started", "id", c.myself.id, "bus", tr.LocalAddr().String(), "loaded", loaded)
	c.done.Add(2)
	go c.recvLoop()
	go c.tickLoop()
	return c, nil
}

func clampDur(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}

// Close stops the goroutines and closes the transport. It does not save the
// config (every change was already saved).
func (c *Cluster) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.stop)
		err = c.tr.Close()
		c.done.Wait()
	})
	return err
}

func (c *Cluster) recvLoop() {
	defer c.done.Done()
	for {
		b, from, err := c.tr.Recv()
		if err != nil {
			select {
			case <-c.stop:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("bus receive error", "err", err)
			time.Sleep(c.tick)
			continue
		}
		m, err := decode(b)
		if err != nil {
			c.mu.Lock()
			c.dropped++
			c.mu.Unlock()
			continue
		}
		c.update(false, func() { c.handleLocked(m, from.Addr().Unmap(), from) })
	}
}

func (c *Cluster) tickLoop() {
	defer c.done.Done()
	t := time.NewTicker(c.tick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.update(false, c.cronLocked)
		}
	}
}

// update runs f under the lock, then publishes a new routing snapshot if
// needed, writes the config file if needed and calls OnChange, all with the
// lock released. It returns the error of the config write.
func (c *Cluster) update(forceSave bool, f func()) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	f()
	c.updateStateLocked()
	changed := c.publishLocked()
	var text []byte
	var seq uint64
	if (c.saveDirty || forceSave) && c.cfg.ConfigFile != "" {
		c.saveDirty = false
		c.saveSeq++
		seq = c.saveSeq
		text = c.genConfigLocked()
	}
	c.mu.Unlock()
	var err error
	if text != nil {
		err = c.writeConfig(seq, text)
	}
	if changed && c.cfg.OnChange != nil {
		c.cfg.OnChange()
	}
	return err
}

// nextSeqLocked returns the next message sequence: strictly increasing and
// never below the wall clock in ns, so a restarted node continues above the
// numbers its previous process used, and a PONG's ack tells when its PING
// was sent.
func (c *Cluster) nextSeqLocked() uint64 {
	n := uint64(time.Now().UnixNano())
	if n <= c.seq {
		n = c.seq + 1
	}
	c.seq = n
	return n
}

// ackFreshLocked reports whether ack names one of our recent PINGs to n that
// is newer than any it acknowledged before. Such a PONG cannot be a
// duplicate or a delayed copy, whatever its own sequence says.
func (c *Cluster) ackFreshLocked(n *node, ack uint64) bool {
	if ack == 0 || ack > c.seq || ack <= n.lastAck {
		return false
	}
	age := time.Now().UnixNano() - int64(ack)
	return age < 2*c.timeout*int64(time.Millisecond)
}

// ---- receiving ----

// handleLocked processes one decoded datagram (clusterProcessPacket).
func (c *Cluster) handleLocked(m *message, fromIP netip.Addr, from netip.AddrPort) {
	now := nowMs()
	if m.id == c.myself.id {
		return
	}
	c.recv[m.typ]++
	sender := c.nodes[m.id]
	if sender != nil && sender.flags&FlagHandshake != 0 {
		sender = nil
	}
	ip := m.ip
	if ip == "" {
		ip = fromIP.String()
	}
	if sender == nil {
		switch m.typ {
		case msgMeet:
			// A MEET from an unknown node: add it in handshake state with a
			// random id, as Redis does; our PING to it reveals its id.
			if c.findHandshakeLocked(from, ip, m.cport) == nil && m.cport > 0 {
				c.startHandshakeLocked(ip, m.port, m.cport, now)
			}
			c.sendLocked(nil, from, msgPong, m.seq, now)
			return
		case msgPong:
			hs := c.findHandshakeLocked(from, ip, m.cport)
			if hs == nil || !c.ackFreshLocked(hs, m.ack) {
				c.dropped++
				return
			}
			if known := c.nodes[m.id]; known != nil {
				// Learned through another path meanwhile.
				c.delNodeLocked(hs)
				sender = known
			} else if c.blacklistedLocked(m.id, now) {
				c.delNodeLocked(hs)
				return
			} else {
				c.renameLocked(hs, m.id)
				hs.flags &^= FlagHandshake | FlagMeet
				hs.flags |= m.flags & (FlagMaster | FlagSlave)
				sender = hs
				c.log.Info("handshake completed", "node", m.id, "addr", from.String())
			}
			c.saveDirty, c.routingDirty = true, true
		default:
			c.dropped++
			return
		}
	}

	freshAck := m.typ == msgPong && c.ackFreshLocked(sender, m.ack)
	if m.seq <= sender.lastSeq && !freshAck {
		c.dropped++ // duplicate or reordered: older than what we applied
		return
	}
	sender.lastSeq = m.seq
	sender.dataRecv = now
	if sender.firstRecv == 0 {
		sender.firstRecv = now
	}
	if m.currentEpoch > c.currentEpoch {
		c.currentEpoch = m.currentEpoch
		c.saveDirty = true
	}
	if m.configEpoch > c.currentEpoch {
		c.currentEpoch = m.configEpoch
		c.saveDirty = true
	}
	if m.typ == msgFail {
		c.handleFailLocked(sender, m.failID, now)
		return
	}

	// The sender's view of itself.
	if ip != sender.ip || m.port != sender.port || m.cport != sender.cport || m.hostname != sender.hostname {
		sender.setAddr(ip, m.port, m.cport)
		sender.hostname = m.hostname
		sender.flags &^= FlagNoAddr
		c.saveDirty, c.routingDirty = true, true
	}
	if role := m.flags & (FlagMaster | FlagSlave); role != 0 && sender.flags&(FlagMaster|FlagSlave) != role {
		sender.flags = sender.flags&^(FlagMaster|FlagSlave) | role
		c.saveDirty, c.routingDirty = true, true
	}
	if nf := m.flags & FlagNoFailover; sender.flags&FlagNoFailover != nf {
		sender.flags = sender.flags&^FlagNoFailover | nf
		c.saveDirty = true
	}
	if sender.masterID != m.masterID {
		sender.masterID = m.masterID
		c.saveDirty = true
	}
	sender.shardID = m.shardID
	sender.replOff = m.replOffset

	if m.typ == msgPing || m.typ == msgMeet {
		c.sendLocked(sender, from, msgPong, m.seq, now)
	}
	if freshAck {
		sender.lastAck = m.ack
		sender.pongRecv = now
		sender.pingSent = 0
		if sender.timedOut() {
			sender.flags &^= FlagPFail
			c.routingDirty = true
		} else if sender.failed() {
			c.clearFailureIfNeededLocked(sender, now)
		}
	}
	if sender.isMaster() {
		if sender.configEpoch != m.configEpoch {
			sender.configEpoch = m.configEpoch
			c.saveDirty = true
		}
		c.updateSlotsLocked(sender, m)
		c.handleEpochCollisionLocked(sender)
	}
	c.processGossipLocked(sender, m, now)
}

// updateSlotsLocked applies the sender's slot claims
// (clusterUpdateSlotsConfigWith): a claimed slot moves to the sender if it
// is unassigned or its owner has a lower configEpoch, unless we are
// importing it. Within the fragment's window, a slot we attribute to the
// sender that it no longer claims becomes unassigned.
func (c *Cluster) updateSlotsLocked(sender *node, m *message) {
	ri := 0
	for s := int(m.slotLo); s <= int(m.slotHi); s++ {
		for ri < len(m.ranges) && int(m.ranges[ri].End) < s {
			ri++
		}
		claimed := ri < len(m.ranges) && int(m.ranges[ri].Start) <= s
		cur := c.slots[s]
		if !claimed {
			if cur == sender {
				c.setOwnerLocked(s, nil)
			}
			continue
		}
		if cur == sender || c.importing[uint16(s)] != nil {
			continue
		}
		if cur == nil || cur.configEpoch < m.configEpoch {
			if cur == c.myself {
				c.log.Warn("slot taken by a node with a higher configEpoch", "slot", s, "node", sender.id, "epoch", m.configEpoch)
			}
			c.setOwnerLocked(s, sender)
		}
	}
}

// handleEpochCollisionLocked is clusterHandleConfigEpochCollision: when two
// masters share a configEpoch, the one with the lexicographically smaller id
// takes a new epoch.
func (c *Cluster) handleEpochCollisionLocked(sender *node) {
	me := c.myself
	if sender.configEpoch != me.configEpoch || !sender.isMaster() || !me.isMaster() {
		return
	}
	if sender.id <= me.id {
		return
	}
	c.currentEpoch++
	me.configEpoch = c.currentEpoch
	c.saveDirty = true
	c.log.Info("configEpoch collision resolved", "other", sender.id, "epoch", me.configEpoch)
}

func (c *Cluster) processGossipLocked(sender *node, m *message, now int64) {
	for i := range m.gossip {
		g := &m.gossip[i]
		if g.id == c.myself.id {
			continue
		}
		n := c.nodes[g.id]
		if n != nil && n.flags&FlagHandshake == 0 {
			if sender.isMaster() {
				if g.flags&(FlagPFail|FlagFail) != 0 {
					if n.failReports == nil {
						n.failReports = make(map[string]int64)
					}
					n.failReports[sender.id] = now
					c.markFailingIfNeededLocked(n, now)
				} else {
					delete(n.failReports, sender.id)
				}
			}
			continue
		}
		if n == nil && g.flags&FlagNoAddr == 0 && g.ip != "" && g.cport > 0 &&
			!c.blacklistedLocked(g.id, now) && c.findHandshakeLocked(netip.AddrPort{}, g.ip, g.cport) == nil {
			c.startHandshakeLocked(g.ip, g.port, g.cport, now)
		}
	}
}

func (c *Cluster) handleFailLocked(sender *node, id string, now int64) {
	n := c.nodes[id]
	if n == nil || n == c.myself || n.failed() || n.flags&FlagHandshake != 0 {
		return
	}
	c.log.Info("FAIL message received", "node", id, "from", sender.id)
	n.flags = n.flags&^FlagPFail | FlagFail
	n.failTime = now
	c.saveDirty, c.routingDirty = true, true
}

// countFailReportsLocked drops expired reports and counts the rest.
func (c *Cluster) countFailReportsLocked(n *node, now int64) int {
	for id, t := range n.failReports {
		if now-t > c.timeout*failReportValidityMult || c.nodes[id] == nil {
			delete(n.failReports, id)
		}
	}
	return len(n.failReports)
}

// markFailingIfNeededLocked promotes PFAIL to FAIL when a majority of the
// masters serving slots agree (markNodeAsFailingIfNeeded), and broadcasts
// FAIL.
func (c *Cluster) markFailingIfNeededLocked(n *node, now int64) {
	if !n.timedOut() || n.failed() {
		return
	}
	needed := c.size/2 + 1
	failures := c.countFailReportsLocked(n, now)
	if c.myself.isMaster() {
		failures++
	}
	if failures < needed {
		return
	}
	c.log.Info("marking node as failing (quorum reached)", "node", n.id, "reports", failures)
	n.flags = n.flags&^FlagPFail | FlagFail
	n.failTime = now
	c.saveDirty, c.routingDirty = true, true
	for _, o := range c.nodes {
		if o != c.myself && o != n && o.flags&(FlagHandshake|FlagNoAddr) == 0 && o.bus.IsValid() {
			c.sendFailLocked(o, n.id)
		}
	}
}

// clearFailureIfNeededLocked is clearNodeFailureIfNeeded: a reachable
// replica or slot-less master loses FAIL at once; a master with slots after
// node-timeout * 2 (no failover took its slots meanwhile).
func (c *Cluster) clearFailureIfNeededLocked(n *node, now int64) {
	if n.flags&FlagSlave != 0 || n.numSlots == 0 || now-n.failTime > c.timeout*failUndoTimeMult {
		c.log.Info("clear FAIL state: node is reachable again", "node", n.id)
		n.flags &^= FlagFail
		c.saveDirty, c.routingDirty = true, true
	}
}

// ---- node table ----

func (c *Cluster) startHandshakeLocked(ip string, port, cport int, now int64) *node {
	n := &node{id: NewID(), flags: FlagHandshake | FlagMeet, createTime: now}
	n.setAddr(ip, port, cport)
	if !n.bus.IsValid() {
		return nil
	}
	c.nodes[n.id] = n
	return n
}

// findHandshakeLocked finds a handshake node by datagram source or by
// announced ip and bus port.
func (c *Cluster) findHandshakeLocked(from netip.AddrPort, ip string, cport int) *node {
	for _, n := range c.nodes {
		if n.flags&FlagHandshake == 0 {
			continue
		}
		if (from.IsValid() && n.bus == from) || (n.ip == ip && n.cport == cport) {
			return n
		}
	}
	return nil
}

func (c *Cluster) renameLocked(n *node, id string) {
	delete(c.nodes, n.id)
	n.id = id
	c.nodes[id] = n
}

// delNodeLocked is clusterDelNode: it unassigns the node's slots, closes
// its migrations and drops its failure reports.
func (c *Cluster) delNodeLocked(n *node) {
	for s := range NumSlots {
		if c.slots[s] == n {
			c.setOwnerLocked(s, nil)
		}
	}
	for s, o := range c.migrating {
		if o == n {
			delete(c.migrating, s)
		}
	}
	for s, o := range c.importing {
		if o == n {
			delete(c.importing, s)
		}
	}
	for _, o := range c.nodes {
		delete(o.failReports, n.id)
	}
	delete(c.nodes, n.id)
	c.routingDirty, c.saveDirty = true, true
}

func (c *Cluster) blacklistedLocked(id string, now int64) bool {
	exp, ok := c.blacklist[id]
	return ok && now < exp
}

func (c *Cluster) setOwnerLocked(s int, n *node) {
	old := c.slots[s]
	if old == n {
		return
	}
	if old != nil {
		old.numSlots--
	}
	if n != nil {
		n.numSlots++
	}
	if old == c.myself || n == c.myself {
		c.myRanges = nil
	}
	c.slots[s] = n
	c.routingDirty, c.saveDirty = true, true
}

// ---- cron ----

// cronLocked runs every tick (clusterCron): handshakes, PINGs with
// retransmission, PFAIL detection, report expiry.
func (c *Cluster) cronLocked() {
	now := nowMs()
	hsTimeout := max(c.timeout, 1000)
	for _, n := range c.nodes {
		if n == c.myself {
			continue
		}
		if n.flags&FlagHandshake != 0 {
			if now-n.createTime > hsTimeout {
				delete(c.nodes, n.id)
				continue
			}
			if now-n.lastPingTx >= c.retry {
				c.sendPingLocked(n, now)
			}
			continue
		}
		if n.flags&FlagNoAddr != 0 || !n.bus.IsValid() {
			continue
		}
		if n.pingSent == 0 {
			if now-n.pongRecv >= c.pingEvery {
				c.sendPingLocked(n, now)
				n.pingSent = now
			}
		} else if now-n.lastPingTx >= c.retry {
			c.sendPingLocked(n, now)
		}
		if n.pingSent != 0 && n.flags&(FlagPFail|FlagFail) == 0 {
			delay := min(now-n.pingSent, now-n.dataRecv)
			if delay > c.timeout {
				c.log.Debug("node timed out (PFAIL)", "node", n.id)
				n.flags |= FlagPFail
				c.routingDirty = true
			}
		}
		if n.timedOut() {
			c.markFailingIfNeededLocked(n, now)
		}
	}
	for id, exp := range c.blacklist {
		if now >= exp {
			delete(c.blacklist, id)
		}
	}
}

// updateStateLocked is clusterUpdateState: FAIL when a slot is unassigned or
// served by a FAIL node (with full coverage required), or when the masters
// we can reach are a minority.
func (c *Cluster) updateStateLocked() {
	ok := true
	if c.cfg.RequireFullCoverage {
		for _, n := range c.slots {
			if n == nil || n.failed() {
				ok = false
				break
			}
		}
	}
	size, reachable := 0, 0
	for _, n := range c.nodes {
		if n.isMaster() && n.numSlots > 0 && n.flags&FlagHandshake == 0 {
			size++
			if n.flags&(FlagFail|FlagPFail) == 0 {
				reachable++
			}
		}
	}
	c.size = size
	if reachable < size/2+1 {
		ok = false
	}
	if ok != c.stateOK {
		c.log.Info("cluster state changed", "ok", ok)
		c.stateOK = ok
		c.routingDirty = true
	}
}

// ---- sending ----

func (c *Cluster) sendPingLocked(n *node, now int64) {
	typ := msgPing
	if n.flags&FlagMeet != 0 {
		typ = msgMeet
	}
	c.sendLocked(n, n.bus, typ, 0, now)
	n.lastPingTx = now
}

func (c *Cluster) headerLocked(typ msgType, ack uint64) message {
	me := c.myself
	var m message
	m.typ = typ
	m.seq = c.nextSeqLocked()
	m.ack = ack
	m.id = me.id
	m.shardID = me.shardID
	m.masterID = me.masterID
	m.currentEpoch = c.currentEpoch
	m.configEpoch = me.configEpoch
	m.replOffset = me.replOff
	m.flags = me.flags &^ (FlagMyself | FlagPFail | FlagFail)
	m.port, m.cport = me.port, me.cport
	m.ip = me.ip
	m.hostname = me.hostname
	return m
}

// sendLocked sends a PING, PONG or MEET to `to` (the node n when known).
// The message carries the next slot fragment for n and a gossip sample,
// sized so that the datagram never exceeds MaxMessage.
func (c *Cluster) sendLocked(n *node, to netip.AddrPort, typ msgType, ack uint64, now int64) {
	m := c.headerLocked(typ, ack)
	avail := MaxMessage - headerLen(&m.header) - 6 - 1
	cursor := 0
	if n != nil {
		cursor = n.slotCursor
	}
	ranges := c.myRangesLocked()
	first := sort.Search(len(ranges), func(i int) bool { return int(ranges[i].End) >= cursor })
	slotNeed := 4 * (len(ranges) - first)

	// Gossip: every PFAIL/FAIL node first (failure reports must spread),
	// then a random sample of max(3, nodes/10), as clusterSendPing.
	gossipBudget := avail - min(slotNeed, avail/2)
	cand := c.scratch[:0]
	var bad []*node
	for _, o := range c.nodes {
		if o == c.myself || o == n || o.flags&(FlagHandshake|FlagNoAddr) != 0 {
			continue
		}
		if o.flags&(FlagPFail|FlagFail) != 0 {
			bad = append(bad, o)
		} else {
			cand = append(cand, o)
		}
	}
	c.scratch = cand
	wanted := max(len(c.nodes)/10, 3)
	used := 0
	add := func(o *node) bool {
		g := gossipEntry{id: o.id, flags: o.flags &^ (FlagMyself | FlagMeet), port: o.port, cport: o.cport, pongRecv: o.pongRecv, ip: o.ip}
		if used+gossipLen(&g) > gossipBudget || len(m.gossip) == 255 {
			return false
		}
		used += gossipLen(&g)
		m.gossip = append(m.gossip, g)
		return true
	}
	for _, o := range bad {
		if !add(o) {
			break
		}
	}
	for i := 0; i < len(cand) && i < wanted; i++ {
		j := i + c.rnd.IntN(len(cand)-i)
		cand[i], cand[j] = cand[j], cand[i]
		if !add(cand[i]) {
			break
		}
	}
	clear(c.scratch)

	// Slots: as many ranges from the cursor as fit in what is left.
	maxRanges := (avail - used) / 4
	last := min(len(ranges), first+maxRanges)
	m.slotLo = uint16(min(cursor, NumSlots-1))
	m.ranges = ranges[first:last]
	next := 0
	if last == len(ranges) {
		m.slotHi = NumSlots - 1
	} else {
		m.slotHi = ranges[last].Start - 1
		next = int(ranges[last].Start)
	}
	if len(m.ranges) > 0 && m.ranges[0].Start < m.slotLo {
		// Cannot happen (cursors sit on range starts) but keep the
		// message valid if the ranges changed under the cursor.
		m.ranges = append([]SlotRange{{m.slotLo, m.ranges[0].End}}, m.ranges[1:]...)
	}
	if n != nil {
		n.slotCursor = next
	}
	c.transmitLocked(to, &m)
}

func (c *Cluster) sendFailLocked(n *node, id string) {
	m := c.headerLocked(msgFail, 0)
	m.failID = id
	c.transmitLocked(n.bus, &m)
}

func (c *Cluster) transmitLocked(to netip.AddrPort, m *message) {
	b := encode(c.buf, m)
	if b == nil {
		// The section sizing above makes this unreachable; the tests
		// assert it. Never send an oversized datagram.
		c.log.Error("BUG: cluster bus message over MaxMessage, not sent", "type", msgTypeNames[m.typ])
		return
	}
	c.buf = b
	if !to.IsValid() {
		return
	}
	if err := c.tr.Send(to, b); err != nil {
		c.log.Debug("bus send failed", "to", to.String(), "err", err)
		return
	}
	c.sent[m.typ]++
}

func (c *Cluster) myRangesLocked() []SlotRange {
	if c.myRanges == nil {
		var s slotSet
		for i, n := range c.slots {
			if n == c.myself {
				s.set(i)
			}
		}
		c.myRanges = s.ranges()
		if c.myRanges == nil {
			c.myRanges = []SlotRange{}
		}
	}
	return c.myRanges
}

// ---- config file ----

// loadConfig reads cfg.ConfigFile into the node table. It reports whether a
// file was loaded.
func (c *Cluster) loadConfig() (bool, error) {
	if c.cfg.ConfigFile == "" {
		return false, nil
	}
	data, err := os.ReadFile(c.cfg.ConfigFile)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(data) == 0) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("gossip: %w", err)
	}
	f, err := parseConfig(c.cfg.ConfigFile, data)
	if err != nil {
		return false, err
	}
	now := nowMs()
	for i := range f.nodes {
		cn := &f.nodes[i]
		n := &node{id: cn.id, flags: cn.flags, masterID: cn.masterID, configEpoch: cn.configEpoch,
			hostname: cn.hostname, createTime: now, shardID: cn.shardID}
		n.setAddr(cn.ip, cn.port, cn.cport)
		if cn.pingSent != 0 {
			n.pingSent = now
		}
		if cn.pongRecv != 0 {
			n.pongRecv = now
		}
		n.dataRecv = now
		c.nodes[n.id] = n
		if n.flags&FlagMyself != 0 {
			c.myself = n
		}
	}
	for i := range f.nodes {
		cn := &f.nodes[i]
		n := c.nodes[cn.id]
		for _, r := range cn.slots {
			for s := int(r.Start); s <= int(r.End); s++ {
				c.setOwnerLocked(s, n)
			}
		}
		for s, id := range cn.migrating {
			if o := c.nodes[id]; o != nil {
				c.migrating[s] = o
			}
		}
		for s, id := range cn.importing {
			if o := c.nodes[id]; o != nil {
				c.importing[s] = o
			}
		}
	}
	c.currentEpoch, c.lastVoteEpoch = f.currentEpoch, f.lastVoteEpoch
	if f.myShardID != "" {
		c.myself.shardID = f.myShardID
	}
	if c.myself.shardID == "" {
		c.myself.shardID = NewID()
	}
	// Something that changed between saves (Redis: clusterGetMaxEpoch).
	for _, n := range c.nodes {
		c.currentEpoch = max(c.currentEpoch, n.configEpoch)
	}
	c.myself.pingSent, c.myself.pongRecv = 0, 0
	return true, nil
}

// writeConfig writes text unless a newer version was already written.
func (c *Cluster) writeConfig(seq uint64, text []byte) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	if seq <= c.savedSeq {
		return nil
	}
	if err := writeFileAtomic(c.cfg.ConfigFile, text); err != nil {
		c.log.Error("cannot save the cluster config file", "file", c.cfg.ConfigFile, "err", err)
		return err
	}
	c.savedSeq = seq
	return nil
}

// SaveConfig writes nodes.conf now (CLUSTER SAVECONFIG).
func (c *Cluster) SaveConfig() error {
	if c.cfg.ConfigFile == "" {
		return nil
	}
	c.mu.Lock()
	c.saveDirty = false
	c.saveSeq++
	seq := c.saveSeq
	text := c.genConfigLocked()
	c.mu.Unlock()
	return c.writeConfig(seq, text)
}
