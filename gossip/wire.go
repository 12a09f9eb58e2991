package gossip

import (
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"net/netip"
)

// MaxMessage is the largest datagram the bus sends or accepts.
const MaxMessage = 1400

// Wire constants. See doc.go for the layout.
const (
	wireMagic0     = 'D'
	wireMagic1     = 'G'
	wireVersion    = 1 // version written
	wireMinVersion = 1 // oldest version accepted
	wireMaxVersion = 1 // newest version accepted

	hdrFixed    = 117 // header bytes before the ip
	maxIPLen    = 45  // longest textual IPv6 address
	maxHostLen  = 255
	gossipFixed = 20 + 2 + 2 + 2 + 8 + 1 // gossip entry bytes before the ip
)

// msgType is the message type byte.
//
// ONLY APPEND to this list: the values are on the wire, and they follow
// Redis's CLUSTERMSG_TYPE_* numbering so the CLUSTER INFO counters line up.
type msgType uint8

const (
	msgPing msgType = 0
	msgPong msgType = 1
	msgMeet msgType = 2
	msgFail msgType = 3

	numMsgTypes = 4
)

var msgTypeNames = [numMsgTypes]string{"ping", "pong", "meet", "fail"}

// header is the sender's view of itself, present in every message.
type header struct {
	typ          msgType
	seq          uint64 // sender's monotonic sequence (wall-clock ns based)
	ack          uint64 // for PONG: seq of the PING/MEET answered
	id           string
	shardID      string
	masterID     string // "" when master
	currentEpoch uint64
	configEpoch  uint64
	replOffset   int64
	flags        Flags
	port, cport  int
	ip           string
	hostname     string
}

// gossipEntry is the sender's view of another node.
type gossipEntry struct {
	id          string
	flags       Flags
	port, cport int
	pongRecv    int64 // ms, wall clock of the sender
	ip          string
}

// message is a decoded datagram.
type message struct {
	header
	// Slot fragment (PING, PONG, MEET): within [slotLo, slotHi] the sender
	// claims exactly ranges; outside it the message says nothing.
	slotLo, slotHi uint16
	ranges         []SlotRange
	gossip         []gossipEntry
	failID         string // FAIL: the failing node
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func headerLen(h *header) int { return hdrFixed + len(h.ip) + 1 + len(h.hostname) }

func gossipLen(g *gossipEntry) int { return gossipFixed + len(g.ip) }

func appendID(b []byte, id string) []byte {
	var raw [idLen / 2]byte
	if len(id) == idLen {
		hex.Decode(raw[:], []byte(id)) // ids are validated where they enter
	}
	return append(b, raw[:]...)
}

// encode appends m to b[:0]. It returns nil when the result would exceed
// MaxMessage; callers size the slot and gossip sections so that it never
// happens, and the tests check it.
func encode(b []byte, m *message) []byte {
	b = append(b[:0], wireMagic0, wireMagic1, wireVersion, byte(m.typ), 0, 0, 0, 0, 0, 0)
	be := binary.BigEndian
	b = be.AppendUint64(b, m.seq)
	b = be.AppendUint64(b, m.ack)
	b = appendID(b, m.id)
	b = appendID(b, m.shardID)
	b = appendID(b, m.masterID)
	b = be.AppendUint64(b, m.currentEpoch)
	b = be.AppendUint64(b, m.configEpoch)
	b = be.AppendUint64(b, uint64(m.replOffset))
	b = be.AppendUint16(b, uint16(m.flags))
	b = be.AppendUint16(b, uint16(m.port))
	b = be.AppendUint16(b, uint16(m.cport))
	b = append(b, byte(len(m.ip)))
	b = append(b, m.ip...)
	b = append(b, byte(len(m.hostname)))
	b = append(b, m.hostname...)
	switch m.typ {
	case msgFail:
		b = appendID(b, m.failID)
	default:
		b = be.AppendUint16(b, m.slotLo)
		b = be.AppendUint16(b, m.slotHi)
		b = be.AppendUint16(b, uint16(len(m.ranges)))
		for _, r := range m.ranges {
			b = be.AppendUint16(b, r.Start)
			b = be.AppendUint16(b, r.End)
		}
		b = append(b, byte(len(m.gossip)))
		for i := range m.gossip {
			g := &m.gossip[i]
			b = appendID(b, g.id)
			b = be.AppendUint16(b, uint16(g.flags))
			b = be.AppendUint16(b, uint16(g.port))
			b = be.AppendUint16(b, uint16(g.cport))
			b = be.AppendUint64(b, uint64(g.pongRecv))
			b = append(b, byte(len(g.ip)))
			b = append(b, g.ip...)
		}
	}
	if len(b) > MaxMessage {
		return nil
	}
	be.PutUint16(b[4:], uint16(len(b)))
	be.PutUint32(b[6:], crc32.Checksum(b[10:], crcTable))
	return b
}

// reader is a bounds-checked cursor; after any overrun ok is false and every
// read returns zero values, so decode never panics.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) take(n int) []byte {
	if !r.ok || n > len(r.b) {
		r.ok = false
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

// id reads a 20-byte id; all zeros decode to "".
func (r *reader) id() string {
	p := r.take(idLen / 2)
	if p == nil {
		return ""
	}
	for _, c := range p {
		if c != 0 {
			return hex.EncodeToString(p)
		}
	}
	return ""
}

// str reads a length-prefixed string of at most max bytes.
func (r *reader) str(max int) string {
	n := int(r.u8())
	if n > max {
		r.ok = false
		return ""
	}
	return string(r.take(n))
}

func validIP(s string) bool {
	if s == "" {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// decode parses and validates one datagram. Every length is bounded by the
// datagram itself, so a forged count cannot make it allocate much.
func decode(b []byte) (*message, error) {
	if len(b) < hdrFixed+2 || len(b) > MaxMessage {
		return nil, errMalformed
	}
	if b[0] != wireMagic0 || b[1] != wireMagic1 || b[2] < wireMinVersion || b[2] > wireMaxVersion {
		return nil, errMalformed
	}
	if int(binary.BigEndian.Uint16(b[4:])) != len(b) ||
		binary.BigEndian.Uint32(b[6:]) != crc32.Checksum(b[10:], crcTable) {
		return nil, errMalformed
	}
	m := &message{}
	m.typ = msgType(b[3])
	if m.typ >= numMsgTypes {
		return nil, errMalformed
	}
	r := reader{b: b[10:], ok: true}
	m.seq = r.u64()
	m.ack = r.u64()
	m.id = r.id()
	m.shardID = r.id()
	m.masterID = r.id()
	m.currentEpoch = r.u64()
	m.configEpoch = r.u64()
	m.replOffset = int64(r.u64())
	m.flags = Flags(r.u16())
	m.port = int(r.u16())
	m.cport = int(r.u16())
	m.ip = r.str(maxIPLen)
	m.hostname = r.str(maxHostLen)
	if !r.ok || m.id == "" || m.seq == 0 || !validIP(m.ip) {
		return nil, errMalformed
	}
	switch m.typ {
	case msgFail:
		m.failID = r.id()
		if m.failID == "" {
			return nil, errMalformed
		}
	default:
		m.slotLo, m.slotHi = r.u16(), r.u16()
		n := int(r.u16())
		if m.slotLo > m.slotHi || m.slotHi >= NumSlots || n*4 > len(r.b) {
			return nil, errMalformed
		}
		if n > 0 {
			m.ranges = make([]SlotRange, n)
		}
		next := int(m.slotLo)
		for i := range m.ranges {
			s, e := r.u16(), r.u16()
			if int(s) < next || s > e || e > m.slotHi {
				return nil, errMalformed
			}
			m.ranges[i] = SlotRange{s, e}
			next = int(e) + 1
		}
		ng := int(r.u8())
		if ng*gossipFixed > len(r.b) {
			return nil, errMalformed
		}
		if ng > 0 {
			m.gossip = make([]gossipEntry, ng)
		}
		for i := range m.gossip {
			g := &m.gossip[i]
			g.id = r.id()
			g.flags = Flags(r.u16())
			g.port = int(r.u16())
			g.cport = int(r.u16())
			g.pongRecv = int64(r.u64())
			g.ip = r.str(maxIPLen)
			if g.id == "" || !validIP(g.ip) {
				return nil, errMalformed
			}
		}
	}
	if !r.ok || len(r.b) != 0 {
		return nil, errMalformed
	}
	return m, nil
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, crcTable) }
