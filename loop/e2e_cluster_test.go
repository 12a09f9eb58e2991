package loop_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/gossip"
	"github.com/duva-db/duva/internal/testutil"
	"github.com/duva-db/duva/rdb"
	"github.com/duva-db/duva/shard"
)

// Cluster mode in process: the slot check's replies (MOVED, ASK, CROSSSLOT,
// CLUSTERDOWN, TRYAGAIN), ASKING, SELECT, the cluster commands, DUMP,
// RESTORE and MIGRATE. The real tools are in ../cluster_interop_test.go.

type clusterNode struct {
	*testutil.Server
	bus int
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	for {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if port < 55535 {
			return port
		}
	}
}

func startClusterNode(t *testing.T, extra ...string) *clusterNode {
	t.Helper()
	bus := freeUDPPort(t)
	args := append([]string{"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
		"--cluster-node-timeout", "2000", "--dir", t.TempDir(), "--shards", "4"}, extra...)
	return &clusterNode{Server: testutil.StartServer(t, args...), bus: bus}
}

func (n *clusterNode) bus_() *gossip.Cluster { return n.Instance.Engine.Cluster() }

// do sends one command and returns the raw reply.
func (r *rawConn) do(args ...string) string {
	r.t.Helper()
	r.send(resp(args...))
	return r.reply()
}

// keyInSlotRange returns a key (with prefix) whose slot is in [lo, hi].
func keyInSlotRange(prefix string, lo, hi int) string {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if s := shard.KeySlot([]byte(k)); s >= lo && s <= hi {
			return k
		}
	}
}

func TestClusterDisabledReplies(t *testing.T) {
	s := testutil.StartServer(t)
	r := dialRaw(t, s.Addr)
	const off = "-ERR This instance has cluster support disabled\r\n"
	for _, cmd := range [][]string{{"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}, {"CLUSTER", "KEYSLOT", "x"}, {"ASKING"}, {"READONLY"}, {"READWRITE"}} {
		require.Equal(t, off, r.do(cmd...), "%v", cmd)
	}
	require.Contains(t, r.do("INFO", "cluster"), "cluster_enabled:0")
	require.Equal(t, "+OK\r\n", r.do("SELECT", "3"))
	require.Equal(t, "+OK\r\n", r.do("MSET", "a", "1", "b", "2"), "no slot checks outside cluster mode")
}

func TestClusterSingleNode(t *testing.T) {
	n := startClusterNode(t)
	r := dialRaw(t, n.Addr)
	require.Contains(t, r.do("INFO", "cluster"), "cluster_enabled:1")
	require.Contains(t, r.do("INFO", "server"), "redis_mode:cluster")
	require.Equal(t, "-CLUSTERDOWN Hash slot not served\r\n", r.do("GET", "foo"))
	require.Equal(t, "+PONG\r\n", r.do("PING"), "commands without keys are never redirected")
	require.Equal(t, "-ERR SELECT is not allowed in cluster mode\r\n", r.do("SELECT", "1"))
	require.Equal(t, "+OK\r\n", r.do("SELECT", "0"))
	require.Equal(t, ":12182\r\n", r.do("CLUSTER", "KEYSLOT", "foo"))
	require.Equal(t, ":12182\r\n", r.do("CLUSTER", "KEYSLOT", "{foo}.bar"))
	require.Equal(t, "-ERR Invalid or out of range slot\r\n", r.do("CLUSTER", "ADDSLOTS", "16384"))
	require.Equal(t, "-ERR wrong number of arguments for 'cluster|addslotsrange' command\r\n", r.do("CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"))
	require.Equal(t, "-ERR unknown subcommand 'foo'. Try CLUSTER HELP.\r\n", r.do("CLUSTER", "foo"))
	require.Equal(t, "-ERR Invalid TCP base port specified: x\r\n", r.do("CLUSTER", "MEET", "1.2.3.4", "x"))
	require.Equal(t, "-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n", r.do("CLUSTER", "SETSLOT", "1", "node"))
	require.Equal(t, "-ERR Invalid slot\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", "99999"))
	require.Equal(t, "-ERR Invalid slot or number of keys\r\n", r.do("CLUSTER", "GETKEYSINSLOT", "1", "-1"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", r.do("CLUSTER", "GETKEYSINSLOT", "x", "1"))
	id := n.bus_().MyID()
	require.Equal(t, fmt.Sprintf("$40\r\n%s\r\n", id), r.do("CLUSTER", "MYID"))

	// Every slot but 0: the cluster is down (full coverage required).
	require.Equal(t, "+OK\r\n", r.do("CLUSTER", "ADDSLOTSRANGE", "1", "16383"))
	require.Equal(t, "-ERR Slot 5 is already busy\r\n", r.do("CLUSTER", "ADDSLOTS", "5"))
	k0, k1 := keyInSlotRange("k", 0, 0), keyInSlotRange("k", 1, 16383)
	require.Equal(t, "-CLUSTERDOWN Hash slot not served\r\n", r.do("GET", k0))
	require.Equal(t, "-CLUSTERDOWN The cluster is down\r\n", r.do("GET", k1))
	require.Equal(t, "+OK\r\n", r.do("CONFIG", "SET", "cluster-allow-reads-when-down", "yes"))
	require.Equal(t, "$-1\r\n", r.do("GET", k1))
	require.Equal(t, "-CLUSTERDOWN The cluster is down and only accepts read commands\r\n", r.do("SET", k1, "v"))
	require.Equal(t, "+OK\r\n", r.do("CONFIG", "SET", "cluster-allow-reads-when-down", "no"))

	require.Equal(t, "+OK\r\n", r.do("CLUSTER", "ADDSLOTS", "0"))
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if !n.bus_().Routing().OK {
			return fmt.Errorf("cluster_state not ok")
		}
		return nil
	})
	require.Contains(t, r.do("CLUSTER", "INFO"), "cluster_state:ok")
	require.Equal(t, "+OK\r\n", r.do("SET", k1, "v"))
	require.Equal(t, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", r.do("MSET", "a", "1", "b", "2"))
	require.Equal(t, "+OK\r\n", r.do("MSET", "{t}a", "1", "{t}b", "2"))
	require.Equal(t, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", r.do("DEL", "a", "b"))
	require.Equal(t, "-ERR MOVE is not allowed in cluster mode\r\n", r.do("MOVE", k1, "1"))
	require.Equal(t, "-ERR SWAPDB is not allowed in cluster mode\r\n", r.do("SWAPDB", "0", "1"))
	require.Equal(t, fmt.Sprintf("*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n%s\r\n*0\r\n", n.Port, id), r.do("CLUSTER", "SLOTS"))

	// Per-slot counts: COUNTKEYSINSLOT and GETKEYSINSLOT.
	slot := shard.KeySlot([]byte("{t}"))
	for i := 0; i < 50; i++ {
		require.Equal(t, "+OK\r\n", r.do("SET", fmt.Sprintf("{t}%d", i), "x"))
	}
	require.Equal(t, ":52\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)))
	got := r.do("CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slot), "10")
	require.True(t, strings.HasPrefix(got, "*10\r\n"), got)
	require.Equal(t, 10, strings.Count(got, "{t}"))
	require.True(t, strings.HasPrefix(r.do("CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slot), "1000"), "*52\r\n"))
	require.Equal(t, ":2\r\n", r.do("DEL", "{t}a", "{t}b"))
	require.Equal(t, ":50\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)))
	require.Equal(t, ":1\r\n", r.do("PEXPIRE", "{t}1", "1"))
	time.Sleep(5 * time.Millisecond)
	require.Equal(t, "$-1\r\n", r.do("GET", "{t}1"))
	require.Equal(t, ":49\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)))
	require.Equal(t, "-ERR DB must be empty to perform CLUSTER FLUSHSLOTS.\r\n", r.do("CLUSTER", "FLUSHSLOTS"))
	require.Equal(t, "-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n", r.do("CLUSTER", "RESET"))
	require.Equal(t, "+OK\r\n", r.do("FLUSHALL"))
	require.Equal(t, ":0\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)))
	require.Equal(t, "+OK\r\n", r.do("SET", "{t}x", "1"))
	require.Equal(t, ":1\r\n", r.do("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)))
	require.Equal(t, "+OK\r\n", r.do("FLUSHDB"))
	require.Equal(t, "+OK\r\n", r.do("CLUSTER", "FLUSHSLOTS"))
	require.Equal(t, "-CLUSTERDOWN Hash slot not served\r\n", r.do("GET", k1))
	require.Contains(t, r.do("CLUSTER", "INFO"), "cluster_slots_assigned:0")
	require.Equal(t, "+OK\r\n", r.do("CLUSTER", "RESET", "HARD"))
	require.NotEqual(t, id, n.bus_().MyID())

	// HELLO 3 says cluster; SLOTS/SHARDS shapes in RESP3.
	require.Contains(t, r.do("HELLO", "3"), "$4\r\nmode\r\n$7\r\ncluster\r\n")
	require.Equal(t, "*0\r\n", r.do("CLUSTER", "SLOTS"))
}

// twoNodes makes a cluster of a (slots 0-8191) and b (8192-16383).
func twoNodes(t *testing.T) (a, b *clusterNode) {
	t.Helper()
	a, b = startClusterNode(t), startClusterNode(t)
	ra, rb := dialRaw(t, a.Addr), dialRaw(t, b.Addr)
	require.Equal(t, "+OK\r\n", ra.do("CLUSTER", "ADDSLOTSRANGE", "0", "8191"))
	require.Equal(t, "+OK\r\n", rb.do("CLUSTER", "ADDSLOTSRANGE", "8192", "16383"))
	require.Equal(t, "+OK\r\n", ra.do("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(b.Port), strconv.Itoa(b.bus)))
	waitClusterOK(t, a, b)
	return a, b
}

func waitClusterOK(t *testing.T, nodes ...*clusterNode) {
	t.Helper()
	testutil.CheckFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		for _, n := range nodes {
			r := n.bus_().Routing()
			if !r.OK || len(r.Nodes) != len(nodes) {
				return fmt.Errorf("node %d: ok=%v nodes=%d", n.Port, r.OK, len(r.Nodes))
			}
			for s := 0; s < gossip.NumSlots; s++ {
				if r.Owner[s] < 0 {
					return fmt.Errorf("node %d: slot %d unassigned", n.Port, s)
				}
			}
		}
		return nil
	})
}

func TestClusterRedirectsAndMigration(t *testing.T) {
	a, b := twoNodes(t)
	ra, rb := dialRaw(t, a.Addr), dialRaw(t, b.Addr)
	idA, idB := a.bus_().MyID(), b.bus_().MyID()

	kb := keyInSlotRange("kb", 8192, 16383)
	sb := shard.KeySlot([]byte(kb))
	require.Equal(t, fmt.Sprintf("-MOVED %d 127.0.0.1:%d\r\n", sb, b.Port), ra.do("SET", kb, "1"))
	require.Equal(t, "+OK\r\n", rb.do("SET", kb, "1"))
	require.Equal(t, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", ra.do("MGET", kb, "{x}"+kb))

	// Migrate slot s of a to b by hand, as redis-cli --cluster reshard does.
	tag := "{" + keyInSlotRange("t", 0, 8191) + "}"
	s := shard.KeySlot([]byte(tag))
	here, gone, other := tag+"here", tag+"gone", tag+"other"
	require.Equal(t, "+OK\r\n", ra.do("SET", here, "v1"))
	require.Equal(t, "+OK\r\n", ra.do("SET", other, "v2"))
	ss := strconv.Itoa(s)
	require.Equal(t, "+OK\r\n", rb.do("CLUSTER", "SETSLOT", ss, "IMPORTING", idA))
	require.Equal(t, "+OK\r\n", ra.do("CLUSTER", "SETSLOT", ss, "MIGRATING", idB))
	ask := fmt.Sprintf("-ASK %d 127.0.0.1:%d\r\n", s, b.Port)
	moved := fmt.Sprintf("-MOVED %d 127.0.0.1:%d\r\n", s, a.Port)
	require.Equal(t, "$2\r\nv1\r\n", ra.do("GET", here), "a key still here is served here")
	require.Equal(t, ask, ra.do("GET", gone))
	require.Equal(t, ask, ra.do("MGET", here, gone), "one key missing: ASK")
	require.Equal(t, moved, rb.do("GET", gone), "no ASKING: MOVED back to the owner")
	require.Equal(t, "+OK\r\n", rb.do("ASKING"))
	require.Equal(t, "$-1\r\n", rb.do("GET", gone))
	require.Equal(t, moved, rb.do("GET", gone), "ASKING covers one command")
	require.Equal(t, "+OK\r\n", rb.do("ASKING"))
	require.Equal(t, "-TRYAGAIN Multiple keys request during rehashing of slot\r\n", rb.do("MGET", gone, here))
	require.Equal(t, "+OK\r\n", rb.do("ASKING"))
	require.Equal(t, "+OK\r\n", rb.do("SET", gone, "new"))
	require.Equal(t, ":1\r\n", rb.do("CLUSTER", "COUNTKEYSINSLOT", ss))

	// MIGRATE moves the keys; then a asks for them too.
	require.Equal(t, "+OK\r\n", ra.do("MIGRATE", "127.0.0.1", strconv.Itoa(b.Port), "", "0", "5000", "KEYS", here, other))
	require.Equal(t, "+NOKEY\r\n", ra.do("MIGRATE", "127.0.0.1", strconv.Itoa(b.Port), here, "0", "5000"))
	require.Equal(t, ask, ra.do("GET", here))
	require.Equal(t, ":0\r\n", ra.do("CLUSTER", "COUNTKEYSINSLOT", ss))
	require.Equal(t, ":3\r\n", rb.do("CLUSTER", "COUNTKEYSINSLOT", ss))
	require.Equal(t, "+OK\r\n", rb.do("ASKING"))
	require.Equal(t, "*2\r\n$2\r\nv1\r\n$2\r\nv2\r\n", rb.do("MGET", here, other))

	// Hand the slot over.
	require.Equal(t, "+OK\r\n", rb.do("CLUSTER", "SETSLOT", ss, "NODE", idB))
	require.Equal(t, "+OK\r\n", ra.do("CLUSTER", "SETSLOT", ss, "NODE", idB))
	require.Equal(t, fmt.Sprintf("-MOVED %d 127.0.0.1:%d\r\n", s, b.Port), ra.do("GET", here))
	require.Equal(t, "$2\r\nv1\r\n", rb.do("GET", here))
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, n := range []*clusterNode{a, b} {
			if r := n.bus_().Routing(); r.Owner[s] < 0 || r.Nodes[r.Owner[s]].ID != idB {
				return fmt.Errorf("node %d does not see slot %d at b yet", n.Port, s)
			}
		}
		return nil
	})

	// A node refuses to give away a slot it still has keys in.
	kb2 := keyInSlotRange("kc", 8192, 16383)
	require.Equal(t, "+OK\r\n", rb.do("SET", kb2, "x"))
	s2 := strconv.Itoa(shard.KeySlot([]byte(kb2)))
	require.Equal(t, "-ERR Can't assign hashslot "+s2+" to a different node while I still hold keys for this hash slot.\r\n", rb.do("CLUSTER", "SETSLOT", s2, "NODE", idA))

	// go-redis's cluster client follows the redirects.
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{a.Addr}})
	defer cc.Close()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		require.NoError(t, cc.Set(ctx, fmt.Sprintf("gk%d", i), i, 0).Err())
	}
	for i := 0; i < 200; i++ {
		require.Equal(t, strconv.Itoa(i), cc.Get(ctx, fmt.Sprintf("gk%d", i)).Val())
	}
	require.NoError(t, cc.MSet(ctx, "{u}1", "a", "{u}2", "b").Err())
	require.Equal(t, []interface{}{"a", "b"}, cc.MGet(ctx, "{u}1", "{u}2").Val())
}

func TestClusterRecheckWhenRoutingChanges(t *testing.T) {
	// Pipelined commands around a SETSLOT NODE: each is checked against the
	// routing in force when it runs.
	a, b := twoNodes(t)
	ra := dialRaw(t, a.Addr)
	idB := b.bus_().MyID()
	tag := "{" + keyInSlotRange("r", 0, 8191) + "}"
	s := strconv.Itoa(shard.KeySlot([]byte(tag)))
	dialRaw(t, b.Addr).do("CLUSTER", "SETSLOT", s, "IMPORTING", a.bus_().MyID())
	require.Equal(t, "+OK\r\n", ra.do("CLUSTER", "SETSLOT", s, "MIGRATING", idB))
	// Pipelined: the SETs after SETSLOT NODE must be redirected.
	ra.send(resp("SET", tag+"1", "x") + resp("CLUSTER", "SETSLOT", s, "NODE", idB) + resp("SET", tag+"2", "y"))
	require.Equal(t, fmt.Sprintf("-ASK %s 127.0.0.1:%d\r\n", s, b.Port), ra.reply())
	require.Equal(t, "+OK\r\n", ra.reply())
	require.Equal(t, fmt.Sprintf("-MOVED %s 127.0.0.1:%d\r\n", s, b.Port), ra.reply())
}

func TestDumpRestoreEveryType(t *testing.T) {
	s := testutil.StartServer(t, "--shards", "4")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	testutil.FillMixed(t, s.Addr)
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	c2 := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2, DisableIdentity: true, DB: 5})
	defer c2.Close()
	for _, k := range keys {
		p, err := c.Dump(ctx, k).Result()
		require.NoError(t, err, k)
		// The absolute expire time (ABSTTL): a relative PTTL read, then
		// restored a millisecond later, would move it.
		at, err := c.Do(ctx, "PEXPIRETIME", k).Int64()
		require.NoError(t, err, k)
		if at < 0 {
			at = 0
		}
		require.NoError(t, c2.Do(ctx, "RESTORE", k, at, p, "ABSTTL").Err(), k)
	}
	want := strings.ReplaceAll(testutil.Dataset(t, s.Addr, 1, true), "db0 ", "")
	all := testutil.Dataset(t, s.Addr, 6, true)
	got := ""
	for _, l := range strings.Split(all, "\n") {
		if strings.HasPrefix(l, "db5 ") {
			got += strings.TrimPrefix(l, "db5 ") + "\n"
		}
	}
	require.Equal(t, want, got, testutil.DiffLines(want, got))

	r := dialRaw(t, s.Addr)
	p := c.Dump(ctx, "hash:small").Val()
	require.Equal(t, "-BUSYKEY Target key name already exists.\r\n", r.do("RESTORE", "hash:small", "0", p))
	require.Equal(t, "+OK\r\n", r.do("RESTORE", "hash:small", "0", p, "REPLACE"))
	require.Equal(t, "-ERR DUMP payload version or checksum are wrong\r\n", r.do("RESTORE", "nk", "0", p[:len(p)-1]+"x"))
	require.Equal(t, "-ERR Invalid TTL value, must be >= 0\r\n", r.do("RESTORE", "nk", "-1", p))
	require.Equal(t, "-ERR syntax error\r\n", r.do("RESTORE", "nk", "0", p, "FOO"))
	require.Equal(t, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", r.do("RESTORE", "nk", "0", p, "FREQ", "300"))
	require.Equal(t, "+OK\r\n", r.do("RESTORE", "nk", "100000", p, "IDLETIME", "10"))
	pttl, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(r.do("PTTL", "nk"), ":")))
	require.True(t, pttl > 90000 && pttl <= 100000, pttl)
	require.Equal(t, "+OK\r\n", r.do("RESTORE", "nk", "1", p, "ABSTTL", "REPLACE"))
	require.Equal(t, ":0\r\n", r.do("EXISTS", "nk"), "a restore already expired deletes the key")
	require.Equal(t, "$-1\r\n", r.do("DUMP", "nosuchkey"))
	require.Equal(t, "-ERR Bad data format\r\n", r.do("RESTORE", "bad", "0", "\x63\x00"+"\x0a\x00"+crcOf("\x63\x00\x0a\x00")))
}

// crcOf is the DUMP footer's CRC-64 of s, as 8 bytes little-endian.
func crcOf(s string) string {
	crc := rdb.CRC64(0, []byte(s))
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(crc >> (8 * i))
	}
	return string(b)
}

func TestMigrateBetweenServers(t *testing.T) {
	src := testutil.StartServer(t, "--shards", "4")
	dst := testutil.StartServer(t, "--shards", "2", "--requirepass", "pw")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: src.Addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	d := redis.NewClient(&redis.Options{Addr: dst.Addr, Protocol: 2, DisableIdentity: true, Password: "pw", DB: 3})
	defer d.Close()
	r := dialRaw(t, src.Addr)
	port := strconv.Itoa(dst.Port)
	require.NoError(t, c.Set(ctx, "s", "v", time.Hour).Err())
	require.NoError(t, c.RPush(ctx, "l", 1, 2, 3).Err())
	require.NoError(t, c.SAdd(ctx, "set", "a", "b").Err())
	require.Equal(t, "-ERR Target instance replied with error: NOAUTH Authentication required.\r\n", r.do("MIGRATE", "127.0.0.1", port, "s", "3", "5000"))
	require.Equal(t, "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n", r.do("MIGRATE", "127.0.0.1", port, "s", "3", "5000", "AUTH", "bad"))
	require.Equal(t, "+OK\r\n", r.do("MIGRATE", "127.0.0.1", port, "s", "3", "5000", "AUTH", "pw"))
	require.Equal(t, int64(0), c.Exists(ctx, "s").Val())
	require.Equal(t, "v", d.Get(ctx, "s").Val())
	require.True(t, d.PTTL(ctx, "s").Val() > 50*time.Minute)
	require.Equal(t, "+OK\r\n", r.do("MIGRATE", "127.0.0.1", port, "", "3", "5000", "COPY", "AUTH2", "default", "pw", "KEYS", "l", "set", "missing"))
	require.Equal(t, int64(2), c.Exists(ctx, "l", "set").Val(), "COPY keeps the keys")
	require.Equal(t, []string{"1", "2", "3"}, d.LRange(ctx, "l", 0, -1).Val())
	require.Equal(t, "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n", r.do("MIGRATE", "127.0.0.1", port, "l", "3", "5000", "AUTH", "pw"))
	require.Equal(t, int64(1), c.Exists(ctx, "l").Val())
	require.Equal(t, "+OK\r\n", r.do("MIGRATE", "127.0.0.1", port, "l", "3", "5000", "REPLACE", "AUTH", "pw"))
	require.Equal(t, int64(0), c.Exists(ctx, "l").Val())
	require.Equal(t, "+NOKEY\r\n", r.do("MIGRATE", "127.0.0.1", port, "nope", "3", "5000"))
	require.Equal(t, "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n", r.do("MIGRATE", "127.0.0.1", port, "x", "3", "5000", "KEYS", "set"))
	require.Equal(t, "-ERR syntax error\r\n", r.do("MIGRATE", "127.0.0.1", port, "set", "3", "5000", "AUTH"))
	closed := testutil.FreePort(t)
	require.Equal(t, "-IOERR error or timeout connecting to the client\r\n", r.do("MIGRATE", "127.0.0.1", strconv.Itoa(closed), "set", "0", "500"))
	require.Equal(t, int64(1), c.Exists(ctx, "set").Val())
}
