package gossip

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func sampleMessage() *message {
	m := &message{}
	m.typ = msgPing
	m.seq, m.ack = 1_700_000_000_000_000_001, 42
	m.id, m.shardID, m.masterID = NewID(), NewID(), ""
	m.currentEpoch, m.configEpoch, m.replOffset = 9, 7, 12345
	m.flags = FlagMaster | FlagNoFailover
	m.port, m.cport = 7000, 17000
	m.ip, m.hostname = "127.0.0.1", "host-a"
	m.slotLo, m.slotHi = 0, NumSlots-1
	m.ranges = []SlotRange{{0, 5460}, {5462, 5462}, {16000, 16383}}
	m.gossip = []gossipEntry{
		{id: NewID(), flags: FlagMaster | FlagPFail, port: 7001, cport: 17001, pongRecv: 1700000000000, ip: "10.0.0.2"},
		{id: NewID(), flags: FlagSlave, port: 7002, cport: 17002, pongRecv: 0, ip: "::1"},
	}
	return m
}

func TestWireRoundTrip(t *testing.T) {
	m := sampleMessage()
	b := encode(nil, m)
	require.NotNil(t, b)
	got, err := decode(b)
	require.NoError(t, err)
	require.Equal(t, m, got)

	f := &message{header: m.header, failID: NewID()}
	f.typ = msgFail
	b = encode(nil, f)
	got, err = decode(b)
	require.NoError(t, err)
	require.Equal(t, f.failID, got.failID)
	require.Equal(t, f.header, got.header)
}

func TestWireRejectsCorruption(t *testing.T) {
	b := encode(nil, sampleMessage())
	// Every single-byte change is caught (length, magic, version or CRC).
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x5a
		_, err := decode(c)
		require.Error(t, err, "byte %d", i)
	}
	// Every truncation is caught.
	for n := range len(b) {
		_, err := decode(b[:n])
		require.Error(t, err, "len %d", n)
	}
	_, err := decode(append(append([]byte(nil), b...), 0))
	require.Error(t, err)
	// A datagram over MaxMessage is rejected even if otherwise valid.
	_, err = decode(make([]byte, MaxMessage+1))
	require.Error(t, err)
}

func TestWireRejectsInconsistentSections(t *testing.T) {
	cases := map[string]func(m *message){
		"unsorted ranges":   func(m *message) { m.ranges = []SlotRange{{10, 20}, {5, 6}} },
		"overlap":           func(m *message) { m.ranges = []SlotRange{{10, 20}, {20, 30}} },
		"range outside":     func(m *message) { m.slotLo, m.slotHi = 100, 200; m.ranges = []SlotRange{{50, 60}} },
		"window beyond max": func(m *message) { m.slotHi = NumSlots },
		"inverted range":    func(m *message) { m.ranges = []SlotRange{{30, 20}} },
		"bad ip":            func(m *message) { m.ip = "not-an-ip" },
		"bad gossip ip":     func(m *message) { m.gossip[0].ip = "1.2.3" },
		"no sender":         func(m *message) { m.id = "" },
		"zero seq":          func(m *message) { m.seq = 0 },
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			m := sampleMessage()
			mut(m)
			b := encode(nil, m)
			require.NotNil(t, b)
			_, err := decode(b)
			require.Error(t, err)
		})
	}
	m := sampleMessage()
	b := encode(nil, m)
	b[3] = 99 // unknown type; fix the CRC so only the type is wrong
	require.Error(t, func() error { _, err := decode(reCRC(b)); return err }())
}

func reCRC(b []byte) []byte {
	m := append([]byte(nil), b...)
	m[6], m[7], m[8], m[9] = 0, 0, 0, 0
	sum := crcOf(m[10:])
	m[6], m[7], m[8], m[9] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	return m
}

func TestEncoderNeverExceedsMax(t *testing.T) {
	m := sampleMessage()
	m.ranges = make([]SlotRange, 400) // 1600 bytes of ranges
	for i := range m.ranges {
		m.ranges[i] = SlotRange{uint16(2 * i), uint16(2 * i)}
	}
	require.Nil(t, encode(nil, m), "encode must refuse an oversized message")
}

// TestSendSizingAllSlotsFragmented builds the worst case inside a node —
// 8192 single-slot ranges, a long hostname, an IPv6 address and many PFAIL
// nodes to gossip — and checks every message it would send.
func TestSendSizingAllSlotsFragmented(t *testing.T) {
	capture := &captureTransport{}
	c, err := Open(Config{IP: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", Hostname: strings.Repeat("h", 255),
		Port: 7000, Transport: capture, Logger: testLogger(), NodeTimeout: 1e9})
	require.NoError(t, err)
	defer c.Close()
	var even []int
	for s := 0; s < NumSlots; s += 2 {
		even = append(even, s)
	}
	require.NoError(t, c.AddSlots(even...))
	c.mu.Lock()
	for i := range 300 {
		n := &node{id: NewID(), flags: FlagMaster | FlagPFail}
		n.setAddr("2001:db8::"+strings.Repeat("a", 4), 7000+i, 17000+i)
		c.nodes[n.id] = n
	}
	target := &node{id: NewID(), flags: FlagMaster}
	target.setAddr("127.0.0.1", 1, 2)
	c.nodes[target.id] = target
	got := map[uint16]bool{}
	covered := 0
	for range 200 {
		c.sendLocked(target, target.bus, msgPing, 0, nowMs())
		b := capture.last
		require.LessOrEqual(t, len(b), MaxMessage)
		m, err := decode(b)
		require.NoError(t, err)
		require.NotEmpty(t, m.gossip, "gossip must keep some room")
		for _, r := range m.ranges {
			got[r.Start] = true
		}
		covered += int(m.slotHi) - int(m.slotLo) + 1
		if covered >= NumSlots {
			break
		}
	}
	c.mu.Unlock()
	require.Len(t, got, NumSlots/2, "all ranges delivered across windows")
	require.Equal(t, NumSlots, covered, "windows tile the slot space exactly")
}

type captureTransport struct {
	mu   sync.Mutex
	last []byte
	recv chan struct{}
}

func (c *captureTransport) Recv() ([]byte, netip.AddrPort, error) {
	c.mu.Lock()
	if c.recv == nil {
		c.recv = make(chan struct{})
	}
	ch := c.recv
	c.mu.Unlock()
	<-ch
	return nil, netip.AddrPort{}, net.ErrClosed
}

func (c *captureTransport) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recv == nil {
		c.recv = make(chan struct{})
	}
	select {
	case <-c.recv:
	default:
		close(c.recv)
	}
	return nil
}

func (c *captureTransport) LocalAddr() netip.AddrPort {
	return netip.MustParseAddrPort("127.0.0.1:17000")
}

func (c *captureTransport) Send(_ netip.AddrPort, b []byte) error {
	c.last = append(c.last[:0], b...)
	return nil
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(nil, sampleMessage()))
	fm := sampleMessage()
	fm.typ = msgFail
	fm.failID = NewID()
	f.Add(encode(nil, fm))
	f.Add([]byte("DG\x01\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to the same bytes.
		again := encode(nil, m)
		if string(again) != string(b) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func TestDecodeRandomNeverPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	valid := encode(nil, sampleMessage())
	for range 50000 {
		var b []byte
		if r.IntN(2) == 0 {
			b = make([]byte, r.IntN(MaxMessage+10))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
		} else {
			// Valid frame with random mutations and a fixed-up CRC, so the
			// section parsers see hostile counts.
			b = append([]byte(nil), valid...)
			for range 1 + r.IntN(8) {
				b[10+r.IntN(len(b)-10)] = byte(r.Uint32())
			}
			b = reCRC(b)
		}
		decode(b)
	}
}
