package gossip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testTimeout = 500 * time.Millisecond

func TestMeetChainAndSlots(t *testing.T) {
	for _, n := range []int{3, 6} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			nodes := startCluster(t, n, testTimeout, nil)
			waitFullMesh(t, nodes, 10*time.Second)
			for _, nd := range nodes {
				require.False(t, nd.Routing().OK, "no slots assigned yet")
			}
			assignEvenly(t, nodes)
			waitAgree(t, nodes, 10*time.Second)
			// Every view attributes each share to the node that added it.
			per := NumSlots / n
			for _, nd := range nodes {
				r := nd.Routing()
				for i, owner := range nodes {
					require.Equal(t, owner.MyID(), r.OwnerOf(uint16(i*per)).ID)
				}
				require.Equal(t, nd.MyID(), r.Nodes[r.Self].ID)
				info := nd.Info()
				require.Equal(t, "ok", info.State)
				require.Equal(t, NumSlots, info.SlotsAssigned)
				require.Equal(t, n, info.KnownNodes)
				require.Equal(t, n, info.Size)
			}
			// Slots deleted on one node disappear from every view.
			require.NoError(t, nodes[0].DelSlots(0, 1))
			checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
				for _, nd := range nodes {
					if a := nd.Routing().OwnerOf(1); a != nil {
						return fmt.Errorf("slot 1 still owned by %s", a.ID)
					}
					if nd.Routing().OK {
						return fmt.Errorf("state still ok")
					}
				}
				return nil
			})
		})
	}
}

func TestConfigEpochCollision(t *testing.T) {
	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	// All three start at configEpoch 0: collisions must resolve.
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		seen := map[uint64]string{}
		for _, nd := range nodes {
			for _, ni := range nd.Nodes() {
				if prev, ok := seen[ni.ConfigEpoch]; ok && prev != ni.ID {
					return fmt.Errorf("epoch %d shared by %s and %s", ni.ConfigEpoch, prev[:8], ni.ID[:8])
				}
				seen[ni.ConfigEpoch] = ni.ID
			}
		}
		return nil
	})
	// Every view agrees on every node's epoch.
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		want := map[string]uint64{}
		for _, nd := range nodes {
			want[nd.MyID()] = nd.Info().MyEpoch
		}
		for _, nd := range nodes {
			for _, ni := range nd.Nodes() {
				if ni.ConfigEpoch != want[ni.ID] {
					return fmt.Errorf("view of %s: epoch %d want %d", ni.ID[:8], ni.ConfigEpoch, want[ni.ID])
				}
			}
		}
		return nil
	})
}

func TestSlotConflictHigherEpochWins(t *testing.T) {
	dir := t.TempDir()
	a := startNode(t, dir, 0, testTimeout, nil)
	b := startNode(t, dir, 1, testTimeout, nil)
	c := startNode(t, dir, 2, testTimeout, nil)
	require.NoError(t, a.AddSlotsRange([2]int{0, 200}))
	require.NoError(t, b.AddSlotsRange([2]int{150, 300}))
	require.NoError(t, a.SetConfigEpoch(3))
	require.NoError(t, b.SetConfigEpoch(7))
	require.NoError(t, c.SetConfigEpoch(1))
	nodes := []*testNode{a, b, c}
	require.NoError(t, a.Meet("127.0.0.1", b.port, b.bus))
	require.NoError(t, b.Meet("127.0.0.1", c.port, c.bus))
	waitFullMesh(t, nodes, 10*time.Second)
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, nd := range nodes {
			r := nd.Routing()
			for s := range 301 {
				want := a.MyID()
				if s >= 150 {
					want = b.MyID()
				}
				got := r.OwnerOf(uint16(s))
				if got == nil || got.ID != want {
					return fmt.Errorf("%s: slot %d owner %v, want %s", nd.MyID()[:8], s, got, want[:8])
				}
			}
		}
		return nil
	})
	// a lost 150..200 in its own view too.
	require.False(t, a.Routing().Mine(150))
	require.True(t, a.Routing().Mine(149))
}

func TestFragmentedSlotsPropagate(t *testing.T) {
	dir := t.TempDir()
	var tra, trb *faultTransport
	a := startNode(t, dir, 0, testTimeout, func(tr Transport) Transport {
		tra = newFaultTransport(tr, 0, 0, 0, 0)
		return tra
	})
	b := startNode(t, dir, 1, testTimeout, func(tr Transport) Transport {
		trb = newFaultTransport(tr, 0, 0, 0, 0)
		return trb
	})
	// Every other slot: 8192 single-slot ranges, 32 KB as ranges.
	var even []int
	for s := 0; s < NumSlots; s += 2 {
		even = append(even, s)
	}
	require.NoError(t, a.AddSlots(even...))
	var odd []int
	for s := 1; s < NumSlots; s += 2 {
		odd = append(odd, s)
	}
	require.NoError(t, b.AddSlots(odd...))
	require.NoError(t, a.Meet("127.0.0.1", b.port, b.bus))
	waitAgree(t, []*testNode{a, b}, 20*time.Second)
	for s := range NumSlots {
		owner := b.Routing().OwnerOf(uint16(s)).ID
		want := a.MyID()
		if s%2 == 1 {
			want = b.MyID()
		}
		require.Equal(t, want, owner, "slot %d", s)
	}
	require.LessOrEqual(t, tra.maxSize.Load(), int64(MaxMessage))
	require.LessOrEqual(t, trb.maxSize.Load(), int64(MaxMessage))
	require.Greater(t, tra.maxSize.Load(), int64(1300), "fragments should fill datagrams")
}

func TestRoutingLookupsDoNotAllocate(t *testing.T) {
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	assignEvenly(t, nodes)
	require.NoError(t, nodes[0].SetSlot(5, "migrating", nodes[1].MyID()))
	waitAgree(t, nodes, 10*time.Second)
	r := nodes[0].Routing()
	var sink int
	allocs := testing.AllocsPerRun(1000, func() {
		for s := uint16(0); s < 64; s++ {
			if a := r.OwnerOf(s); a != nil {
				sink += a.Port
			}
			if r.Mine(s) {
				sink++
			}
			if a := r.MigratingTo(s); a != nil {
				sink++
			}
			if a := r.ImportingFrom(s); a != nil {
				sink++
			}
		}
		rr := nodes[0].Routing()
		sink += int(rr.Self)
	})
	require.Zero(t, allocs)
	require.NotNil(t, r.MigratingTo(5))
	require.Equal(t, nodes[1].MyID(), r.MigratingTo(5).ID)
}

func TestOnChangeCalled(t *testing.T) {
	calls := make(chan struct{}, 100)
	dir := t.TempDir()
	a := startNode(t, dir, 0, testTimeout, nil, func(c *Config) {
		c.OnChange = func() {
			select {
			case calls <- struct{}{}:
			default:
			}
		}
	})
	require.NoError(t, a.AddSlots(1))
	select {
	case <-calls:
	case <-time.After(time.Second):
		t.Fatal("OnChange not called")
	}
	require.True(t, a.Routing().Mine(1))
}

func TestNodesTextFormat(t *testing.T) {
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	require.NoError(t, nodes[0].AddSlotsRange([2]int{0, 5460}))
	require.NoError(t, nodes[0].AddSlots(5462))
	require.NoError(t, nodes[0].SetSlot(100, "migrating", nodes[1].MyID()))
	require.NoError(t, nodes[0].SetSlot(9000, "importing", nodes[1].MyID()))
	text := nodes[0].NodesText()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 8)
		require.True(t, validID(f[0]))
		if f[0] == nodes[0].MyID() {
			want := fmt.Sprintf("%s 127.0.0.1:%d@%d myself,master - 0 0 %d connected 0-5460 5462 [100->-%s] [9000-<-%s]",
				f[0], nodes[0].port, nodes[0].bus, nodes[0].Info().MyEpoch, nodes[1].MyID(), nodes[1].MyID())
			require.Equal(t, want, l)
		} else {
			require.Equal(t, nodes[1].MyID(), f[0])
			require.Equal(t, fmt.Sprintf("127.0.0.1:%d@%d", nodes[1].port, nodes[1].bus), f[1])
			require.Equal(t, "master", f[2])
			require.Equal(t, "-", f[3])
			require.Equal(t, "connected", f[7])
		}
	}
}
