package gossip

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkFor polls fn every step until it returns nil or total elapses.
func checkFor(t testing.TB, total, step time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for {
		if err = fn(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", total, err)
		}
		time.Sleep(step)
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("DUVA_GOSSIP_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testNode is one in-process node of a test cluster.
type testNode struct {
	*Cluster
	cfg  Config
	port int // fake client port
	bus  int // bus port actually bound
}

type nodeOpt func(*Config)

// startNode opens a node on 127.0.0.1 with a free bus port and a nodes.conf
// in dir. wrap, if set, wraps the UDP transport (fault injection).
func startNode(t testing.TB, dir string, i int, timeout time.Duration, wrap func(Transport) Transport, opts ...nodeOpt) *testNode {
	t.Helper()
	u, err := ListenUDP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tr Transport = u
	if wrap != nil {
		tr = wrap(u)
	}
	cfg := Config{
		IP:                  "127.0.0.1",
		Port:                20000 + i,
		NodeTimeout:         timeout,
		ConfigFile:          filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
		RequireFullCoverage: true,
		Transport:           tr,
		Logger:              testLogger(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{Cluster: c, cfg: cfg, port: cfg.Port, bus: int(u.LocalAddr().Port())}
	t.Cleanup(func() { c.Close() })
	return n
}

// restart reopens a closed node with the same config file and bus port.
func (n *testNode) restart(t testing.TB, wrap func(Transport) Transport) *testNode {
	t.Helper()
	u, err := ListenUDP(fmt.Sprintf("127.0.0.1:%d", n.bus))
	if err != nil {
		t.Fatal(err)
	}
	cfg := n.cfg
	cfg.Transport = u
	if wrap != nil {
		cfg.Transport = wrap(u)
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testNode{Cluster: c, cfg: cfg, port: n.port, bus: n.bus}
}

// startCluster starts n nodes and MEETs them in a chain (i meets i+1), so
// every node must learn most others through gossip.
func startCluster(t testing.TB, n int, timeout time.Duration, wrap func(Transport) Transport) []*testNode {
	t.Helper()
	dir := t.TempDir()
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startNode(t, dir, i, timeout, wrap)
	}
	for i := 0; i+1 < n; i++ {
		if err := nodes[i].Meet("127.0.0.1", nodes[i+1].port, nodes[i+1].bus); err != nil {
			t.Fatal(err)
		}
	}
	return nodes
}

// waitFullMesh waits until every node knows every other by its real id.
func waitFullMesh(t testing.TB, nodes []*testNode, total time.Duration) {
	t.Helper()
	checkFor(t, total, 10*time.Millisecond, func() error {
		for _, a := range nodes {
			known := map[string]bool{}
			for _, ni := range a.Nodes() {
				if ni.Flags&FlagHandshake == 0 {
					known[ni.ID] = true
				}
			}
			for _, b := range nodes {
				if !known[b.MyID()] {
					return fmt.Errorf("%s does not know %s", a.MyID()[:8], b.MyID()[:8])
				}
			}
			if len(known) != len(nodes) {
				return fmt.Errorf("%s knows %d nodes, want %d", a.MyID()[:8], len(known), len(nodes))
			}
		}
		return nil
	})
}

// assignEvenly gives each node a contiguous share of the 16384 slots.
func assignEvenly(t testing.TB, nodes []*testNode) {
	t.Helper()
	per := NumSlots / len(nodes)
	for i, n := range nodes {
		lo, hi := i*per, (i+1)*per-1
		if i == len(nodes)-1 {
			hi = NumSlots - 1
		}
		if err := n.AddSlotsRange([2]int{lo, hi}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitAgree waits until every node's routing maps every slot to the same
// owner and the cluster state is ok everywhere.
func waitAgree(t testing.TB, nodes []*testNode, total time.Duration) {
	t.Helper()
	checkFor(t, total, 10*time.Millisecond, func() error {
		ref := ownersByID(nodes[0].Routing())
		for _, n := range nodes {
			r := n.Routing()
			if !r.OK {
				return fmt.Errorf("%s: state not ok", n.MyID()[:8])
			}
			got := ownersByID(r)
			for s := range got {
				if got[s] != ref[s] {
					return fmt.Errorf("%s: slot %d owned by %q, node 0 says %q", n.MyID()[:8], s, got[s], ref[s])
				}
			}
		}
		return nil
	})
}

func ownersByID(r *Routing) []string {
	out := make([]string, NumSlots)
	for s := range NumSlots {
		if a := r.OwnerOf(uint16(s)); a != nil {
			out[s] = a.ID
		}
	}
	return out
}

func flagsOf(c *Cluster, id string) (Flags, bool) {
	for _, ni := range c.Nodes() {
		if ni.ID == id {
			return ni.Flags, true
		}
	}
	return 0, false
}

// faultTransport injects datagram loss, duplication and reordering (by
// delaying some datagrams) on the sending side.
type faultTransport struct {
	Transport
	drop, dup, delay float64 // probabilities
	maxDelay         time.Duration
	mu               sync.Mutex
	rnd              *rand.Rand
	maxSize          atomic.Int64
	sent, dropped    atomic.Int64
	closed           atomic.Bool
}

func newFaultTransport(inner Transport, drop, dup, delay float64, maxDelay time.Duration) *faultTransport {
	return &faultTransport{Transport: inner, drop: drop, dup: dup, delay: delay, maxDelay: maxDelay,
		rnd: rand.New(rand.NewPCG(rand.Uint64(), 1))}
}

func (f *faultTransport) roll() (drop, dup bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop = f.rnd.Float64() < f.drop
	dup = f.rnd.Float64() < f.dup
	if f.rnd.Float64() < f.delay && f.maxDelay > 0 {
		delay = time.Duration(f.rnd.Int64N(int64(f.maxDelay)))
	}
	return
}

func (f *faultTransport) Send(addr netip.AddrPort, b []byte) error {
	if int64(len(b)) > f.maxSize.Load() {
		f.maxSize.Store(int64(len(b)))
	}
	if len(b) > MaxMessage {
		panic(fmt.Sprintf("datagram of %d bytes", len(b)))
	}
	f.sent.Add(1)
	drop, dup, delay := f.roll()
	if drop {
		f.dropped.Add(1)
		return nil
	}
	copies := 1
	if dup {
		copies = 2
	}
	for range copies {
		if delay > 0 {
			cp := append([]byte(nil), b...)
			time.AfterFunc(delay, func() {
				if !f.closed.Load() {
					f.Transport.Send(addr, cp)
				}
			})
		} else if err := f.Transport.Send(addr, b); err != nil {
			return err
		}
	}
	return nil
}

func (f *faultTransport) Close() error {
	f.closed.Store(true)
	return f.Transport.Close()
}
