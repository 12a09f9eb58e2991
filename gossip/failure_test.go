package gossip

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitFlag polls until every observer has (or, with want false, lacks) flag
// on id, and returns how long it took.
func waitFlag(t testing.TB, observers []*testNode, id string, flag Flags, want bool, total time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	checkFor(t, total, 5*time.Millisecond, func() error {
		for _, o := range observers {
			f, ok := flagsOf(o.Cluster, id)
			if !ok {
				return fmt.Errorf("%s does not know %s", o.MyID()[:8], id[:8])
			}
			if (f&flag != 0) != want {
				return fmt.Errorf("%s sees %s as %s", o.MyID()[:8], id[:8], f)
			}
		}
		return nil
	})
	return time.Since(start)
}

func TestFailureDetectionAndRejoin(t *testing.T) {
	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	assignEvenly(t, nodes)
	waitAgree(t, nodes, 10*time.Second)
	victim, others := nodes[2], nodes[:2]
	id := victim.MyID()

	require.NoError(t, victim.Close())
	killed := time.Now()
	checkFor(t, 2*testTimeout, time.Millisecond, func() error {
		for _, o := range others {
			if f, _ := flagsOf(o.Cluster, id); f&(FlagPFail|FlagFail) == 0 {
				return fmt.Errorf("not suspected")
			}
		}
		return nil
	})
	waitFlag(t, others, id, FlagFail, true, 2*testTimeout-time.Since(killed))
	took := time.Since(killed)
	t.Logf("kill -> fail on all: %v (node-timeout %v)", took, testTimeout)
	require.LessOrEqual(t, took, 2*testTimeout)
	for _, o := range others {
		r := o.Routing()
		require.False(t, r.OK, "full coverage lost")
		in := o.Info()
		require.Equal(t, "fail", in.State)
		require.Equal(t, NumSlots-2*(NumSlots/3), in.SlotsFail)
	}

	// Restart from nodes.conf: same id, rejoins, FAIL clears everywhere
	// (after 2 x node-timeout for a master with slots, as Redis).
	back := victim.restart(t, nil)
	require.Equal(t, id, back.MyID())
	require.Equal(t, victim.Info().SlotsAssigned, back.Info().SlotsAssigned)
	waitFlag(t, others, id, FlagFail|FlagPFail, false, 4*testTimeout+2*time.Second)
	all := []*testNode{nodes[0], nodes[1], back}
	waitAgree(t, all, 5*time.Second)
	for _, o := range all {
		require.Equal(t, "ok", o.Info().State)
	}
}

func TestFailureSlotlessClearsAtOnce(t *testing.T) {
	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	victim := nodes[2]
	id := victim.MyID()
	require.NoError(t, victim.Close())
	waitFlag(t, nodes[:2], id, FlagFail, true, 2*testTimeout)
	back := victim.restart(t, nil)
	d := waitFlag(t, nodes[:2], id, FlagFail, false, 5*time.Second)
	require.Less(t, d, testTimeout, "a master without slots must clear FAIL when it answers")
	require.Equal(t, id, back.MyID())
}

func TestForgetBlacklist(t *testing.T) {
	old := blacklistTTL
	blacklistTTL = 3 * time.Second
	t.Cleanup(func() { blacklistTTL = old })

	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	a, c := nodes[0], nodes[2]
	require.NoError(t, a.Forget(c.MyID()))
	forgot := time.Now()
	// c keeps running and b keeps gossiping about it: a must not re-add it
	// while the blacklist lasts.
	for time.Since(forgot) < blacklistTTL-500*time.Millisecond {
		_, ok := flagsOf(a.Cluster, c.MyID())
		require.False(t, ok, "forgotten node came back after %v", time.Since(forgot))
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, a.Nodes(), 2)
	// After the blacklist expires, gossip brings it back.
	waitFullMesh(t, nodes, 10*time.Second)

	err := a.Forget(a.MyID())
	require.EqualError(t, err, "ERR I tried hard but I can't forget myself...")
	err = a.Forget("0123456789012345678901234567890123456789")
	require.EqualError(t, err, "ERR Unknown node 0123456789012345678901234567890123456789")
}

// TestLossNoFalseFail runs a cluster over a lossy network (10% loss, 5%
// duplication, 10% of datagrams delayed up to 30 ms, which reorders them)
// and checks that no healthy node is ever flagged FAIL, while convergence
// still happens. DUVA_GOSSIP_LONG=1 runs the faithful variant: node-timeout
// 2000 ms for 60 s.
func TestLossNoFalseFail(t *testing.T) {
	timeout, run := testTimeout, 8*time.Second
	if os.Getenv("DUVA_GOSSIP_LONG") != "" {
		timeout, run = 2000*time.Millisecond, 60*time.Second
	}
	var trs []*faultTransport
	wrap := func(tr Transport) Transport {
		f := newFaultTransport(tr, 0.10, 0.05, 0.10, 30*time.Millisecond)
		trs = append(trs, f)
		return f
	}
	nodes := startCluster(t, 6, timeout, wrap)
	waitFullMesh(t, nodes, 20*time.Second)
	assignEvenly(t, nodes)
	waitAgree(t, nodes, 20*time.Second)

	start := time.Now()
	pfails := 0
	for time.Since(start) < run {
		for _, o := range nodes {
			for _, ni := range o.Nodes() {
				require.Zero(t, ni.Flags&FlagFail, "%s flagged %s fail after %v", o.MyID()[:8], ni.ID[:8], time.Since(start))
				if ni.Flags&FlagPFail != 0 {
					pfails++
				}
			}
			require.True(t, o.Routing().OK)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var sent, dropped int64
	for _, f := range trs {
		sent += f.sent.Load()
		dropped += f.dropped.Load()
		require.LessOrEqual(t, f.maxSize.Load(), int64(MaxMessage))
	}
	t.Logf("%v: %d datagrams, %d dropped (%.1f%%), pfail samples %d", run, sent, dropped, 100*float64(dropped)/float64(sent), pfails)
	require.InDelta(t, 0.10, float64(dropped)/float64(sent), 0.03)
	// Convergence still works on the lossy network.
	require.NoError(t, nodes[0].DelSlots(0))
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error { return nodes[1].AddSlots(0) })
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, o := range nodes {
			if a := o.Routing().OwnerOf(0); a == nil || a.ID != nodes[1].MyID() {
				return fmt.Errorf("slot 0 not moved yet on %s", o.MyID()[:8])
			}
		}
		return nil
	})
}
