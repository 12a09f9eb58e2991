package main

// Cluster mode with the real tools: redis-cli --cluster create/check/reshard,
// redis-cli -c, redis-benchmark --cluster and go-redis's ClusterClient
// against duva processes; DUMP/RESTORE/MIGRATE between duva and a real
// redis-server. Each node runs in its own directory (its nodes.conf) with a
// small cluster-node-timeout.

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duva-db/duva/internal/testutil"
	"github.com/duva-db/duva/shard"
)

// freeUDPPort returns a loopback UDP port that was free a moment ago (the
// cluster bus of a node).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startClusterNodes starts n duva nodes in cluster mode (not yet joined).
func startClusterNodes(t *testing.T, n int) []*serverProc {
	t.Helper()
	needTools(t, "redis-cli")
	bin := needDuva(t)
	var nodes []*serverProc
	for i := 0; i < n; i++ {
		nodes = append(nodes, startServer(t, "duva", bin, func(port int) []string {
			return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
				"--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
				"--cluster-port", strconv.Itoa(freeUDPPort(t))}
		}))
	}
	return nodes
}

// createCluster runs redis-cli --cluster create on nodes, all masters, and
// waits until every node reports cluster_state:ok.
func createCluster(t *testing.T, nodes []*serverProc) {
	t.Helper()
	args := []string{"--cluster", "create"}
	for _, n := range nodes {
		args = append(args, n.addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, errOut, code := redisCLI(t, nodes[0], "", args...)
	if code != 0 || !strings.Contains(out, "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster create exited %d:\n%s\n%s", code, out, errOut)
	}
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		for _, n := range nodes {
			c := redis.NewClient(&redis.Options{Addr: n.addr, Protocol: 2, DisableIdentity: true})
			info, err := c.ClusterInfo(context.Background()).Result()
			_ = c.Close()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(nodes))) {
				return fmt.Errorf("node %s: %s", n.addr, info)
			}
		}
		return nil
	})
}

// clusterCheck runs redis-cli --cluster check and requires success.
func clusterCheck(t *testing.T, n *serverProc) {
	t.Helper()
	var out, errOut string
	var code int
	// The nodes agree within a few gossip rounds after a change.
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		out, errOut, code = redisCLI(t, n, "", "--cluster", "check", n.addr)
		if code != 0 || !strings.Contains(out, "[OK] All nodes agree about slots configuration.") ||
			!strings.Contains(out, "[OK] All 16384 slots covered.") {
			return fmt.Errorf("redis-cli --cluster check exited %d:\n%s\n%s", code, out, errOut)
		}
		return nil
	})
}

func clusterClient(t *testing.T, nodes ...*serverProc) *redis.ClusterClient {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.addr)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: 2, DisableIdentity: true, MaxRedirects: 16})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestClusterInteropCreateCheckClients(t *testing.T) {
	needTools(t, "redis-cli", "redis-benchmark")
	nodes := startClusterNodes(t, 3)
	createCluster(t, nodes)
	clusterCheck(t, nodes[0])

	// redis-cli -c follows MOVED across the nodes.
	var in strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&in, "SET key:%d value-%d\n", i, i)
	}
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&in, "GET key:%d\n", i)
	}
	out, errOut, code := redisCLI(t, nodes[0], in.String(), "-c")
	if code != 0 {
		t.Fatalf("redis-cli -c exited %d: %s", code, errOut)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "-> Redirected") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 200 {
		t.Fatalf("redis-cli -c printed %d replies, want 200:\n%s", len(lines), out)
	}
	for i := 0; i < 100; i++ {
		if lines[i] != "OK" || lines[100+i] != fmt.Sprintf("value-%d", i) {
			t.Fatalf("reply %d: %q / %q", i, lines[i], lines[100+i])
		}
	}
	if !strings.Contains(out, "-> Redirected to slot") {
		t.Fatalf("no redirect seen:\n%s", out)
	}
	// Every node holds a share.
	for _, n := range nodes {
		if s, _, _ := redisCLI(t, n, "", "DBSIZE"); strings.TrimSpace(s) == "0" {
			t.Fatalf("node %s holds no key", n.addr)
		}
	}

	// redis-benchmark --cluster.
	bout, berr, bcode := runTool(t, 60*time.Second, nil, "redis-benchmark", "--cluster", "-h", "127.0.0.1", "-p", strconv.Itoa(nodes[0].port),
		"-t", "set,get", "-n", "20000", "-q")
	if bcode != 0 || strings.Contains(strings.ToLower(bout+berr), "error") || !strings.Contains(bout, "GET:") {
		t.Fatalf("redis-benchmark --cluster exited %d:\n%s\n%s", bcode, bout, berr)
	}

	// go-redis's ClusterClient: keys on every node, same-slot MSET, pipelines.
	ctx := context.Background()
	cc := clusterClient(t, nodes[0])
	for i := 0; i < 300; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("gr:%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 300; i++ {
		if v := cc.Get(ctx, fmt.Sprintf("gr:%d", i)).Val(); v != strconv.Itoa(i) {
			t.Fatalf("gr:%d = %q", i, v)
		}
	}
	for _, tag := range []string{"{a}", "{b}", "{c}", "{d}"} {
		if err := cc.MSet(ctx, tag+"1", "x", tag+"2", "y").Err(); err != nil {
			t.Fatal(err)
		}
		if v := cc.MGet(ctx, tag+"1", tag+"2").Val(); fmt.Sprint(v) != "[x y]" {
			t.Fatalf("MGET %s: %v", tag, v)
		}
	}
	if err := cc.MSet(ctx, "{a}1", "x", "{b}1", "y").Err(); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("MSET across slots: %v, want CROSSSLOT", err)
	}
	cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < 200; i++ {
			p.Incr(ctx, fmt.Sprintf("pipe:%d", i))
		}
		return nil
	})
	if err != nil || len(cmds) != 200 {
		t.Fatalf("pipeline: %v (%d replies)", err, len(cmds))
	}
	for i := 0; i < 200; i++ {
		if v := cc.Get(ctx, fmt.Sprintf("pipe:%d", i)).Val(); v != "1" {
			t.Fatalf("pipe:%d = %q", i, v)
		}
	}
	clusterCheck(t, nodes[0])
}

func TestClusterInteropSixMasters(t *testing.T) {
	nodes := startClusterNodes(t, 6)
	createCluster(t, nodes)
	clusterCheck(t, nodes[3])
	cc := clusterClient(t, nodes[5])
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("six:%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if s, _, _ := redisCLI(t, n, "", "DBSIZE"); strings.TrimSpace(s) == "0" {
			t.Fatalf("node %s holds no key", n.addr)
		}
	}
}

func TestClusterInteropReshardUnderLoad(t *testing.T) {
	nodes := startClusterNodes(t, 3)
	createCluster(t, nodes)
	ctx := context.Background()
	myID := func(n *serverProc) string {
		s, _, _ := redisCLI(t, n, "", "CLUSTER", "MYID")
		return strings.TrimSpace(s)
	}
	id1, id2 := myID(nodes[0]), myID(nodes[1])

	// Keys in the slots redis-cli will move (the source's first 100: 0-99),
	// several per slot.
	var keys []string
	for i := 0; len(keys) < 400; i++ {
		k := "rs:" + strconv.Itoa(i)
		if shard.KeySlot([]byte(k)) < 100 {
			keys = append(keys, k)
		}
	}
	cc := clusterClient(t, nodes...)
	for _, k := range keys {
		if err := cc.Set(ctx, k, "0", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}

	// Writers: INCR every key over and over, counting acknowledged writes
	// (and failed ones, which may or may not have happened).
	type count struct{ acked, failed atomic.Int64 }
	counts := make([]count, len(keys))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				for i := w; i < len(keys); i += 4 {
					select {
					case <-stop:
						return
					default:
					}
					if err := cc.Incr(ctx, keys[i]).Err(); err != nil {
						counts[i].failed.Add(1)
					} else {
						counts[i].acked.Add(1)
					}
				}
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond)
	out, errOut, code := runTool(t, 90*time.Second, nil, "redis-cli", "--cluster", "reshard", nodes[0].addr,
		"--cluster-from", id1, "--cluster-to", id2, "--cluster-slots", "100", "--cluster-yes")
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if code != 0 || strings.Contains(out, "[ERR]") {
		t.Fatalf("redis-cli --cluster reshard exited %d:\n%s\n%s", code, tail(out, 3000), errOut)
	}

	var acked, failed int64
	for i, k := range keys {
		a, f := counts[i].acked.Load(), counts[i].failed.Load()
		acked += a
		failed += f
		v, err := cc.Get(ctx, k).Int64()
		if err != nil {
			t.Fatalf("GET %s: %v", k, err)
		}
		if v < a || v > a+f {
			t.Fatalf("%s = %d, but %d INCRs were acknowledged and %d failed", k, v, a, f)
		}
	}
	t.Logf("%d acknowledged INCRs, %d failed, during the reshard", acked, failed)
	if acked == 0 {
		t.Fatal("the writers wrote nothing")
	}

	clusterCheck(t, nodes[0])
	// The moved slots (and their keys) are node 2's now.
	c2 := redis.NewClient(&redis.Options{Addr: nodes[1].addr, Protocol: 2, DisableIdentity: true})
	defer c2.Close()
	c1 := redis.NewClient(&redis.Options{Addr: nodes[0].addr, Protocol: 2, DisableIdentity: true})
	defer c1.Close()
	for s := 0; s < 100; s++ {
		if n := c1.ClusterCountKeysInSlot(ctx, s).Val(); n != 0 {
			t.Fatalf("slot %d: %d keys left on the source", s, n)
		}
	}
	var moved int64
	for s := 0; s < 100; s++ {
		moved += c2.ClusterCountKeysInSlot(ctx, s).Val()
	}
	if moved != int64(len(keys)) {
		t.Fatalf("target holds %d keys of the moved slots, want %d", moved, len(keys))
	}
	slots := c1.ClusterSlots(ctx).Val()
	for _, r := range slots {
		if r.Start <= 99 && r.End >= 0 && r.Nodes[0].Addr != nodes[1].addr {
			t.Fatalf("slots %d-%d served by %s, want %s", r.Start, r.End, r.Nodes[0].Addr, nodes[1].addr)
		}
	}
}

// TestInteropDumpRestoreWithRedis: payloads go both ways between duva and a
// real redis-server, and MIGRATE moves keys from duva into redis-server.
func TestInteropDumpRestoreWithRedis(t *testing.T) {
	needTools(t, "redis-server")
	rs := startRedis(t)
	dv := startDuva(t)
	ctx := context.Background()
	rc := goClient(t, rs.addr)
	dc := goClient(t, dv.addr)

	copyAll := func(from, to *redis.Client) {
		t.Helper()
		keys, err := from.Keys(ctx, "*").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("KEYS: %v %d", err, len(keys))
		}
		for _, k := range keys {
			p, err := from.Dump(ctx, k).Result()
			if err != nil {
				t.Fatalf("DUMP %s: %v", k, err)
			}
			ttl := from.PTTL(ctx, k).Val()
			if ttl < 0 {
				ttl = 0
			}
			if err := to.Restore(ctx, k, ttl, p).Err(); err != nil {
				t.Fatalf("RESTORE %s: %v", k, err)
			}
		}
	}
	// Expire times are set from PTTL: compare without them.
	dataset := func(addr string) string {
		var b strings.Builder
		for _, l := range strings.Split(testutil.Dataset(t, addr, 1, true), "\n") {
			if i := strings.Index(l, " exp="); i >= 0 {
				j := strings.Index(l[i+1:], " ")
				exp := l[i+5 : i+1+j]
				if exp != "-1" {
					exp = "set"
				}
				l = l[:i] + " exp=" + exp + l[i+1+j:]
			}
			b.WriteString(l + "\n")
		}
		return b.String()
	}

	testutil.FillMixed(t, rs.addr)
	copyAll(rc, dc)
	want, got := dataset(rs.addr), dataset(dv.addr)
	if want != got {
		t.Fatalf("redis-server DUMP -> duva RESTORE differs:\n%s", testutil.DiffLines(want, got))
	}

	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	copyAll(dc, rc)
	if got := dataset(rs.addr); want != got {
		t.Fatalf("duva DUMP -> redis-server RESTORE differs:\n%s", testutil.DiffLines(want, got))
	}

	// MIGRATE from duva into redis-server (db 0 there).
	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	keys := dc.Keys(ctx, "*").Val()
	args := []interface{}{"MIGRATE", "127.0.0.1", rs.port, "", 0, 5000, "KEYS"}
	for _, k := range keys {
		args = append(args, k)
	}
	if err := dc.Do(ctx, args...).Err(); err != nil {
		t.Fatalf("MIGRATE: %v", err)
	}
	if got := dataset(rs.addr); want != got {
		t.Fatalf("duva MIGRATE -> redis-server differs:\n%s", testutil.DiffLines(want, got))
	}
	if n := dc.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("duva still holds %d keys after MIGRATE", n)
	}
}
