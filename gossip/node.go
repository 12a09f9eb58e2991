package gossip

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
)

// NumSlots is the number of hash slots of a Redis Cluster.
const NumSlots = 16384

// Flags is a node's flag set. The bit values are Redis's CLUSTER_NODE_*
// constants, and they travel on the wire unchanged.
type Flags uint16

// Node flags (Redis cluster.h).
const (
	FlagMaster     Flags = 1 << 0
	FlagSlave      Flags = 1 << 1
	FlagPFail      Flags = 1 << 2 // "fail?": this node suspects the node
	FlagFail       Flags = 1 << 3 // agreed failure
	FlagMyself     Flags = 1 << 4
	FlagHandshake  Flags = 1 << 5 // temporary id until the first PONG
	FlagNoAddr     Flags = 1 << 6
	FlagMeet       Flags = 1 << 7 // send MEET, not PING, to this node
	FlagMigrateTo  Flags = 1 << 8 // replica migration target (unused yet)
	FlagNoFailover Flags = 1 << 9
)

// flagNames is Redis's redisNodeFlagsTable order, which CLUSTER NODES follows.
var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagMyself, "myself"},
	{FlagMaster, "master"},
	{FlagSlave, "slave"},
	{FlagPFail, "fail?"},
	{FlagFail, "fail"},
	{FlagHandshake, "handshake"},
	{FlagNoAddr, "noaddr"},
	{FlagNoFailover, "nofailover"},
}

// String renders the flags as CLUSTER NODES does: "myself,master",
// "master,fail?", or "noflags".
func (f Flags) String() string { return string(f.appendTo(nil)) }

func (f Flags) appendTo(b []byte) []byte {
	n := len(b)
	for _, e := range flagNames {
		if f&e.f != 0 {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, e.name...)
		}
	}
	if len(b) == n {
		b = append(b, "noflags"...)
	}
	return b
}

func parseFlags(s string) (Flags, bool) {
	var f Flags
	for _, p := range strings.Split(s, ",") {
		switch p {
		case "myself":
			f |= FlagMyself
		case "master":
			f |= FlagMaster
		case "slave":
			f |= FlagSlave
		case "fail?":
			f |= FlagPFail
		case "fail":
			f |= FlagFail
		case "handshake":
			f |= FlagHandshake
		case "noaddr":
			f |= FlagNoAddr
		case "nofailover":
			f |= FlagNoFailover
		case "noflags":
		default:
			return 0, false
		}
	}
	return f, true
}

// SlotRange is an inclusive range of hash slots.
type SlotRange struct{ Start, End uint16 }

// String renders "5" or "0-5460" as CLUSTER NODES does.
func (r SlotRange) String() string {
	if r.Start == r.End {
		return strconv.Itoa(int(r.Start))
	}
	return strconv.Itoa(int(r.Start)) + "-" + strconv.Itoa(int(r.End))
}

// slotSet is a bitmap of the 16384 slots.
type slotSet [NumSlots / 64]uint64

func (s *slotSet) has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }
func (s *slotSet) set(i int)      { s[i>>6] |= 1 << (uint(i) & 63) }

// ranges returns the sorted, maximal ranges of the set.
func (s *slotSet) ranges() []SlotRange {
	var out []SlotRange
	start := -1
	for i := 0; i <= NumSlots; i++ {
		in := i < NumSlots && s.has(i)
		if in && start < 0 {
			start = i
		} else if !in && start >= 0 {
			out = append(out, SlotRange{uint16(start), uint16(i - 1)})
			start = -1
		}
	}
	return out
}

// idLen is the length of node and shard ids in hex characters.
const idLen = 40

// NewID returns a random 40-character hex id, as Redis's getRandomHexChars.
func NewID() string {
	var b [idLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gossip: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// validID reports whether s is 40 lower-case hex characters, the only form
// Redis generates and the only one our wire format can carry.
func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// node is one entry of the node table. Owned by Cluster.mu.
type node struct {
	id       string
	ip       string // announced ip; "" when unknown (noaddr)
	port     int    // client port
	cport    int    // bus port
	hostname string
	bus      netip.AddrPort // ip:cport, resolved; invalid when noaddr
	flags    Flags
	masterID string // for replicas; "" for masters
	shardID  string
	replOff  int64

	configEpoch uint64
	numSlots    int

	createTime int64 // ms
	pingSent   int64 // ms; first unanswered PING, 0 when none outstanding
	lastPingTx int64 // ms; last PING/MEET transmitted (retransmission pacing)
	pongRecv   int64 // ms; last fresh PONG
	dataRecv   int64 // ms; last fresh message of any type
	failTime   int64 // ms; when FAIL was set
	firstRecv  int64 // ms; first message received from it (CLUSTER LINKS "from")

	lastSeq uint64 // highest sequence accepted from this node
	lastAck uint64 // highest of our PING sequences it acknowledged

	slotCursor int // first slot of the next slot fragment sent to this node

	failReports map[string]int64 // reporter id -> ms of the latest report
}

func (n *node) isMaster() bool { return n.flags&FlagMaster != 0 }
func (n *node) failed() bool   { return n.flags&FlagFail != 0 }
func (n *node) timedOut() bool { return n.flags&FlagPFail != 0 }

// setAddr sets ip and ports and resolves the bus address.
func (n *node) setAddr(ip string, port, cport int) {
	n.ip, n.port, n.cport = ip, port, cport
	n.bus = netip.AddrPort{}
	if a, err := netip.ParseAddr(ip); err == nil && cport > 0 && cport < 65536 {
		n.bus = netip.AddrPortFrom(a.Unmap(), uint16(cport))
	}
}
