package shard

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/gossip"
	"github.com/duva-db/duva/internal/config"
)

func clusterEngine(t *testing.T) *Engine {
	t.Helper()
	cfg := config.Default()
	cfg.Shards = 2
	e := NewEngine(cfg)
	e.ApplyConfig()
	c, err := gossip.Open(gossip.Config{Port: 7000, BusPort: -1, NodeTimeout: time.Second, RequireFullCoverage: true,
		CountKeysInSlot: e.CountKeysInSlot, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	e.SetCluster(c)
	e.Start()
	t.Cleanup(e.Stop)
	require.NoError(t, c.AddSlotsRange([2]int{0, SlotCount - 1}))
	require.Eventually(t, func() bool { return c.Routing().OK }, 5*time.Second, time.Millisecond)
	return e
}

// A command queued behind a busy shard is checked again when it runs: the
// slot was unassigned meanwhile, so it must not write.
func TestClusterRecheckQueuedCommand(t *testing.T) {
	e := clusterEngine(t)
	w := e.NewWorker()
	w.spins = 0
	sc := newStressClient(e, w)
	key := "somekey"
	slot := KeySlot([]byte(key))
	s := e.shards[e.slotShard[slot]]
	require.True(t, s.tryAcquire()) // the test holds the key's shard

	out, queued := w.Exec(sc.cl, [][]byte{[]byte("SET"), []byte(key), []byte("v")}, nil)
	require.True(t, queued, "reply %q", out)
	require.NoError(t, e.Cluster().DelSlots(slot))

	holder := e.NewWorker()
	holder.release(s)
	holder.settle()
	<-sc.done
	require.Equal(t, "-CLUSTERDOWN Hash slot not served\r\n", string(sc.cl.TakeReply()))
	require.Equal(t, 0, e.CountKeysInSlot(slot))
}

func TestClusterSlotCountsFollowInsertAndDelete(t *testing.T) {
	e := clusterEngine(t)
	w := e.NewWorker()
	sc := newStressClient(e, w)
	require.Equal(t, "+OK\r\n", sc.do("MSET", "{a}1", "x", "{a}2", "y"))
	require.Equal(t, "+OK\r\n", sc.do("RENAME", "{a}1", "{a}3"))
	slot := KeySlot([]byte("{a}"))
	require.Equal(t, 2, e.CountKeysInSlot(slot))
	require.ElementsMatch(t, []string{"{a}2", "{a}3"}, e.keysInSlot(slot, 10))
	require.Len(t, e.keysInSlot(slot, 1), 1)
	require.Equal(t, ":2\r\n", sc.do("DEL", "{a}2", "{a}3"))
	require.Equal(t, 0, e.CountKeysInSlot(slot))
	require.Empty(t, e.keysInSlot(slot, 10))
}
