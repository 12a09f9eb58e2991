package gossip

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCommandErrors checks the reply texts against Redis 7.0.15 (captured
// with redis-cli against a real server).
func TestCommandErrors(t *testing.T) {
	keys := 0
	dir := t.TempDir()
	a := startNode(t, dir, 0, testTimeout, nil, func(c *Config) {
		c.CountKeysInSlot = func(int) int { return keys }
	})
	b := startNode(t, dir, 1, testTimeout, nil)
	unknown := "1234567890123456789012345678901234567890"

	// Alone, the epoch can be set once.
	require.EqualError(t, a.SetConfigEpoch(-1), "ERR Invalid config epoch specified: -1")
	require.NoError(t, a.SetConfigEpoch(5))
	require.EqualError(t, a.SetConfigEpoch(6), "ERR Node config epoch is already non-zero")

	require.NoError(t, a.AddSlots(100))
	errs := []struct {
		err  error
		want string
	}{
		{a.AddSlots(100), "ERR Slot 100 is already busy"},
		{a.AddSlots(7, 7), "ERR Slot 7 specified multiple times"},
		{a.AddSlots(16384), "ERR Invalid or out of range slot"},
		{a.AddSlots(-1), "ERR Invalid or out of range slot"},
		{a.AddSlotsRange([2]int{10, 5}), "ERR start slot number 10 is greater than end slot number 5"},
		{a.AddSlotsRange([2]int{0, 16384}), "ERR Invalid or out of range slot"},
		{a.AddSlotsRange([2]int{99, 101}), "ERR Slot 100 is already busy"},
		{a.DelSlots(5), "ERR Slot 5 is already unassigned"},
		{a.DelSlotsRange([2]int{100, 101}), "ERR Slot 101 is already unassigned"},
		{a.FlushSlots(false), "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."},
		{a.Meet("1.2.3", 5, 0), "ERR Invalid node address specified: 1.2.3:5"},
		{a.Meet("127.0.0.1", 70000, 0), "ERR Invalid node address specified: 127.0.0.1:70000"},
		{a.Forget(unknown), "ERR Unknown node " + unknown},
		{a.Forget(a.MyID()), "ERR I tried hard but I can't forget myself..."},
		{a.SetSlot(16384, "stable", ""), "ERR Invalid or out of range slot"},
		{a.SetSlot(101, "migrating", unknown), "ERR I'm not the owner of hash slot 101"},
		{a.SetSlot(100, "migrating", unknown), "ERR I don't know about node " + unknown},
		{a.SetSlot(100, "importing", unknown), "ERR I'm already the owner of hash slot 100"},
		{a.SetSlot(101, "importing", unknown), "ERR I don't know about node " + unknown},
		{a.SetSlot(101, "node", unknown), "ERR Unknown node " + unknown},
		{a.SetSlot(101, "foo", ""), "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"},
		{a.Reset(false, false), "ERR CLUSTER RESET can't be called with master nodes containing keys"},
	}
	for i, e := range errs {
		require.EqualError(t, e.err, e.want, "case %d", i)
		require.IsType(t, &CommandError{}, e.err)
	}
	_, err := a.CountFailureReports(unknown)
	require.EqualError(t, err, "ERR Unknown node "+unknown)
	_, err = ParseSlot("abc")
	require.Equal(t, ErrInvalidSlot, err)
	s, err := ParseSlot("16383")
	require.NoError(t, err)
	require.Equal(t, 16383, s)

	// Once another node is known, SET-CONFIG-EPOCH is refused.
	require.NoError(t, a.Meet("127.0.0.1", b.port, b.bus))
	waitFullMesh(t, []*testNode{a, b}, 10*time.Second)
	require.EqualError(t, b.SetConfigEpoch(1), "ERR The user can assign a config epoch only when the node does not know any other node.")
	n, err := a.CountFailureReports(b.MyID())
	require.NoError(t, err)
	require.Zero(t, n)

	// SETSLOT NODE refuses to give away a slot with keys.
	keys = 3
	require.EqualError(t, a.SetSlot(100, "node", b.MyID()),
		"ERR Can't assign hashslot 100 to a different node while I still hold keys for this hash slot.")
	keys = 0
}

func TestBumpEpoch(t *testing.T) {
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	a := nodes[0]
	e1, bumped := a.BumpEpoch()
	if bumped {
		// Now a holds the highest epoch: a second bump is refused.
		e2, bumped2 := a.BumpEpoch()
		require.False(t, bumped2)
		require.Equal(t, e1, e2)
	} else {
		require.Equal(t, a.Info().CurrentEpoch, e1)
	}
	require.Equal(t, e1, a.Info().MyEpoch)
	// Propagates: the other node learns the new epoch.
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		for _, ni := range nodes[1].Nodes() {
			if ni.ID == a.MyID() && ni.ConfigEpoch != e1 {
				return fmt.Errorf("epoch %d, want %d", ni.ConfigEpoch, e1)
			}
		}
		if nodes[1].Info().CurrentEpoch < e1 {
			return fmt.Errorf("currentEpoch not updated")
		}
		return nil
	})
}

// TestManualMigration follows redis-cli --cluster reshard's SETSLOT dance:
// IMPORTING on the target, MIGRATING on the source, NODE on both. The
// target bumps its configEpoch, so every node agrees on the new owner.
func TestManualMigration(t *testing.T) {
	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	assignEvenly(t, nodes)
	waitAgree(t, nodes, 10*time.Second)
	src, dst := nodes[0], nodes[1]
	require.NoError(t, dst.SetSlot(10, "importing", src.MyID()))
	require.NoError(t, src.SetSlot(10, "migrating", dst.MyID()))
	require.Equal(t, src.MyID(), dst.Routing().ImportingFrom(10).ID)
	require.Equal(t, dst.MyID(), src.Routing().MigratingTo(10).ID)
	require.Contains(t, dst.NodesText(), fmt.Sprintf("[10-<-%s]", src.MyID()))
	before := dst.Info().MyEpoch
	require.NoError(t, dst.SetSlot(10, "node", dst.MyID()))
	require.Greater(t, dst.Info().MyEpoch, before, "epoch bumped after importing")
	require.Nil(t, dst.Routing().ImportingFrom(10))
	require.NoError(t, src.SetSlot(10, "node", dst.MyID()))
	require.Nil(t, src.Routing().MigratingTo(10))
	waitAgree(t, nodes, 10*time.Second)
	for _, n := range nodes {
		require.Equal(t, dst.MyID(), n.Routing().OwnerOf(10).ID)
	}
	require.NoError(t, src.SetSlot(11, "migrating", dst.MyID()))
	require.NoError(t, src.SetSlot(11, "stable", ""))
	require.Nil(t, src.Routing().MigratingTo(11))
}

func TestResetAndFlushSlots(t *testing.T) {
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	a := nodes[0]
	require.NoError(t, a.AddSlotsRange([2]int{0, 99}))
	require.NoError(t, a.FlushSlots(true))
	require.Nil(t, a.Routing().OwnerOf(0))

	require.NoError(t, a.AddSlots(1))
	id := a.MyID()
	require.NoError(t, a.Reset(false, true))
	require.Equal(t, id, a.MyID(), "soft reset keeps the id")
	require.Len(t, a.Nodes(), 1)
	require.Nil(t, a.Routing().OwnerOf(1))

	require.NoError(t, a.Meet("127.0.0.1", nodes[1].port, nodes[1].bus))
	waitFullMesh(t, nodes, 10*time.Second)
	a.BumpEpoch()
	require.NoError(t, a.Reset(true, true))
	require.NotEqual(t, id, a.MyID(), "hard reset takes a new id")
	in := a.Info()
	require.Zero(t, in.CurrentEpoch)
	require.Zero(t, in.MyEpoch)
	require.Equal(t, 1, in.KnownNodes)
	data, err := os.ReadFile(a.cfg.ConfigFile)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), a.MyID()+" "), "reset saved the config")
}

func TestSlotsShardsLinks(t *testing.T) {
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	require.NoError(t, nodes[0].AddSlotsRange([2]int{0, 100}, [2]int{200, 300}))
	require.NoError(t, nodes[1].AddSlotsRange([2]int{101, 199}))
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if len(nodes[0].Slots()) != 3 {
			return fmt.Errorf("not converged")
		}
		return nil
	})
	sl := nodes[0].Slots()
	require.Equal(t, 0, sl[0].Start)
	require.Equal(t, 100, sl[0].End)
	require.Equal(t, nodes[0].MyID(), sl[0].Nodes[0].ID)
	require.Equal(t, nodes[0].port, sl[0].Nodes[0].Port)
	require.Equal(t, "127.0.0.1", sl[0].Nodes[0].IP)
	require.Equal(t, nodes[1].MyID(), sl[1].Nodes[0].ID)
	require.Equal(t, 200, sl[2].Start)

	sh := nodes[0].Shards()
	require.Len(t, sh, 2)
	for _, s := range sh {
		require.Len(t, s.Nodes, 1)
		require.Equal(t, "master", s.Nodes[0].Role)
		require.Equal(t, "online", s.Nodes[0].Health)
		require.True(t, validID(s.ID))
		if s.Nodes[0].ID == nodes[0].MyID() {
			require.Equal(t, []SlotRange{{0, 100}, {200, 300}}, s.Slots)
			require.Equal(t, nodes[0].MyShardID(), s.ID)
		} else {
			require.Equal(t, nodes[1].MyShardID(), s.ID, "shard id learned through gossip")
		}
	}
	links := nodes[0].Links()
	require.Len(t, links, 2)
	require.Equal(t, "to", links[0].Direction)
	require.Equal(t, "from", links[1].Direction)
	require.Equal(t, nodes[1].MyID(), links[0].Node)
	require.NotZero(t, links[1].CreateTime)
}
