package gossip

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestParseRedisNodesConf parses a nodes.conf written by redis-server 7.0.15
// (with a replica, a FAIL node, a hostname and a noaddr node added in the
// same format).
func TestParseRedisNodesConf(t *testing.T) {
	data, err := os.ReadFile("testdata/redis-7.0.15-nodes.conf")
	require.NoError(t, err)
	f, err := parseConfig("nodes.conf", data)
	require.NoError(t, err)
	require.Len(t, f.nodes, 5)
	require.EqualValues(t, 3, f.currentEpoch)
	require.EqualValues(t, 0, f.lastVoteEpoch)
	me := f.nodes[1]
	require.Equal(t, "6af03d2346269a5fd0731b700c47dbe59bd10a6d", me.id)
	require.Equal(t, FlagMyself|FlagMaster, me.flags)
	require.Equal(t, []SlotRange{{0, 5460}}, me.slots)
	require.Equal(t, map[uint16]string{100: "c7da031a65e65c98a33da370a5f35eb1e2ff3d2f"}, me.importing)
	require.Equal(t, map[uint16]string{10924: "414212cce3623954c3a48d743611475f66597f6e"}, me.migrating)
	require.EqualValues(t, 3, me.configEpoch)
	failed := f.nodes[2]
	require.Equal(t, FlagMaster|FlagFail, failed.flags)
	require.Equal(t, []SlotRange{{10923, 10923}, {10925, 16383}}, failed.slots)
	require.Equal(t, 27003, failed.cport)
	rep := f.nodes[3]
	require.Equal(t, FlagSlave, rep.flags)
	require.Equal(t, "c7da031a65e65c98a33da370a5f35eb1e2ff3d2f", rep.masterID)
	require.Equal(t, "host-4", rep.hostname)
	require.Equal(t, FlagMaster|FlagNoAddr, f.nodes[4].flags)

	// Open a node on it: it becomes 6af0... with the file's state.
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.conf")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	c, err := Open(Config{ConfigFile: path, Port: 17001, BusPort: -1, Logger: testLogger(), NodeTimeout: time.Hour})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "6af03d2346269a5fd0731b700c47dbe59bd10a6d", c.MyID())
	r := c.Routing()
	require.True(t, r.Mine(0))
	require.Equal(t, "414212cce3623954c3a48d743611475f66597f6e", r.OwnerOf(16383).ID)
	require.Equal(t, "c7da031a65e65c98a33da370a5f35eb1e2ff3d2f", r.ImportingFrom(100).ID)
	require.Equal(t, "414212cce3623954c3a48d743611475f66597f6e", r.MigratingTo(10924).ID)
	in := c.Info()
	require.EqualValues(t, 3, in.CurrentEpoch)
	require.EqualValues(t, 3, in.MyEpoch)
	require.Equal(t, 5, in.KnownNodes)
	require.Equal(t, NumSlots-1, in.SlotsAssigned)
	require.Equal(t, 16383-10925+1+1, in.SlotsFail)
}

func TestConfigRoundTrip(t *testing.T) {
	nodes := startCluster(t, 3, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	assignEvenly(t, nodes)
	waitAgree(t, nodes, 10*time.Second)
	a, b := nodes[0], nodes[1]
	require.NoError(t, a.SetSlot(7, "migrating", b.MyID()))
	require.NoError(t, a.SetSlot(16000, "importing", b.MyID()))
	require.NoError(t, a.SaveConfig())

	data, err := os.ReadFile(a.cfg.ConfigFile)
	require.NoError(t, err)
	f, err := parseConfig("x", data)
	require.NoError(t, err)
	require.Len(t, f.nodes, 3)
	a.mu.Lock()
	gen := string(a.genConfigLocked())
	a.mu.Unlock()
	require.Equal(t, maskConfigTimes(gen), maskConfigTimes(string(data)), "file equals current state (timestamps aside)")
	require.Contains(t, string(data), fmt.Sprintf("vars currentEpoch %d lastVoteEpoch 0 myShardId %s\n", a.Info().CurrentEpoch, a.MyShardID()))
	require.Contains(t, string(data), fmt.Sprintf(" [7->-%s] [16000-<-%s]\n", b.MyID(), b.MyID()))

	// Reload in a fresh process-equivalent: same id, shard id, epochs,
	// slots, nodes and migrations.
	id, shard, epoch, cur := a.MyID(), a.MyShardID(), a.Info().MyEpoch, a.Info().CurrentEpoch
	before := ownersByID(a.Routing())
	require.NoError(t, a.Close())
	back := a.restart(t, nil)
	require.Equal(t, id, back.MyID())
	require.Equal(t, shard, back.MyShardID())
	require.Equal(t, epoch, back.Info().MyEpoch)
	require.GreaterOrEqual(t, back.Info().CurrentEpoch, cur)
	require.Equal(t, before, ownersByID(back.Routing()))
	require.Len(t, back.Nodes(), 3)
	require.Equal(t, b.MyID(), back.Routing().MigratingTo(7).ID)
	require.Equal(t, b.MyID(), back.Routing().ImportingFrom(16000).ID)
}

func TestConfigCorrupt(t *testing.T) {
	cases := []string{
		"abc 127.0.0.1:1@2 myself,master - 0 0 0 connected\n",
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 myself,bogus - 0 0 0 connected\n",
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 myself,master - 0 0 0 connected 5-3\n",
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 myself,master - 0 0 0 connected 16384\n",
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 master - 0 0 0 connected\n", // no myself
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 myself,master - 0 0\n",
		"6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:1@2 myself,master - 0 0 0 connected [5->-xyz]\n",
	}
	for i, text := range cases {
		_, err := parseConfig("nodes.conf", []byte(text))
		require.Error(t, err, "case %d", i)
		require.True(t, errors.Is(err, ErrCorruptConfig), "case %d: %v", i, err)
	}
	// Pre-4.0 address without @cport: bus port = port + 10000.
	f, err := parseConfig("x", []byte("6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:7000 myself,master - 0 0 0 connected\n"))
	require.NoError(t, err)
	require.Equal(t, 17000, f.nodes[0].cport)
	// 7.2 aux fields.
	f, err = parseConfig("x", []byte("6af03d2346269a5fd0731b700c47dbe59bd10a6d 127.0.0.1:7000@17000,,tls-port=0,shard-id=c7da031a65e65c98a33da370a5f35eb1e2ff3d2f myself,master - 0 0 0 connected\n"))
	require.NoError(t, err)
	require.Equal(t, "c7da031a65e65c98a33da370a5f35eb1e2ff3d2f", f.nodes[0].shardID)
	require.Equal(t, "", f.nodes[0].hostname)

	// Open refuses a corrupt file and leaves it alone.
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.conf")
	require.NoError(t, os.WriteFile(path, []byte(cases[1]), 0o644))
	_, err = Open(Config{ConfigFile: path, BusPort: -1, Logger: testLogger()})
	require.ErrorIs(t, err, ErrCorruptConfig)
	got, _ := os.ReadFile(path)
	require.Equal(t, cases[1], string(got))
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.conf")
	require.NoError(t, writeFileAtomic(path, []byte("one\n")))
	require.NoError(t, writeFileAtomic(path, []byte("two\n")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two\n", string(got))
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1, "no temp file left behind")

	// A failing rename (the target is a non-empty directory) leaves no
	// temp file and reports the error.
	target := filepath.Join(dir, "busy")
	require.NoError(t, os.MkdirAll(filepath.Join(target, "x"), 0o755))
	require.Error(t, writeFileAtomic(target, []byte("three\n")))
	ents, _ = os.ReadDir(dir)
	require.Len(t, ents, 2)
}

func freePort(t *testing.T) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 < 65536 {
			if l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000)); err == nil {
				l2.Close()
				return p
			}
		}
	}
}

var (
	nodeAddrRe = regexp.MustCompile(`^[0-9a-f.:]*:\d+@\d+(,[^ ]*)?$`)
	slotTokRe  = regexp.MustCompile(`^(\d+(-\d+)?|\[\d+(->-|-<-)[0-9a-f]{40}\])$`)
	flagsRe    = regexp.MustCompile(`^(myself|master|slave|fail\?|fail|handshake|noaddr|nofailover|noflags)(,(myself|master|slave|fail\?|fail|handshake|noaddr|nofailover))*$`)
)

// checkNodesLine checks one CLUSTER NODES / nodes.conf line field by field.
func checkNodesLine(t *testing.T, line string) []string {
	t.Helper()
	f := strings.Split(line, " ")
	require.GreaterOrEqual(t, len(f), 8, line)
	require.True(t, validID(f[0]), line)
	require.Regexp(t, nodeAddrRe, f[1])
	require.Regexp(t, flagsRe, f[2])
	require.True(t, f[3] == "-" || validID(f[3]), line)
	for _, i := range []int{4, 5, 6} {
		_, err := strconv.ParseUint(f[i], 10, 64)
		require.NoError(t, err, line)
	}
	require.Contains(t, []string{"connected", "disconnected"}, f[7])
	for _, s := range f[8:] {
		require.Regexp(t, slotTokRe, s)
	}
	return f
}

// TestCompareWithRealRedis starts two redis-server 7.0 cluster nodes and two
// duva nodes with the same layout, and compares CLUSTER NODES, nodes.conf
// and CLUSTER INFO field by field. It also checks that our parser reads the
// nodes.conf that Redis wrote.
func TestCompareWithRealRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	ports := []int{freePort(t), freePort(t)}
	cli := func(port int, args ...string) string {
		out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	for _, p := range ports {
		d := filepath.Join(dir, strconv.Itoa(p))
		require.NoError(t, os.MkdirAll(d, 0o755))
		cmd := exec.Command("redis-server", "--port", strconv.Itoa(p), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
			"--save", "", "--appendonly", "no", "--dir", d)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		for _, p := range ports {
			if out, err := exec.Command("redis-cli", "-p", strconv.Itoa(p), "ping").Output(); err != nil || strings.TrimSpace(string(out)) != "PONG" {
				return fmt.Errorf("redis %d not ready", p)
			}
		}
		return nil
	})
	cli(ports[0], "cluster", "meet", "127.0.0.1", strconv.Itoa(ports[1]))
	cli(ports[0], "cluster", "addslotsrange", "0", "8191")
	cli(ports[1], "cluster", "addslotsrange", "8192", "16000")
	cli(ports[1], "cluster", "addslots", "16002")
	rid1 := cli(ports[1], "cluster", "myid")
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if !strings.Contains(cli(ports[0], "cluster", "nodes"), rid1) || !strings.Contains(cli(ports[0], "cluster", "nodes"), "16002") {
			return fmt.Errorf("redis not converged")
		}
		return nil
	})
	cli(ports[0], "cluster", "setslot", "5", "migrating", rid1)
	redisNodes := cli(ports[0], "cluster", "nodes")
	redisInfo := cli(ports[0], "cluster", "info")
	cli(ports[0], "cluster", "saveconfig")
	redisConf, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(ports[0]), "nodes.conf"))
	require.NoError(t, err)

	// Our parser reads Redis's file.
	f, err := parseConfig("nodes.conf", redisConf)
	require.NoError(t, err)
	require.Len(t, f.nodes, 2)

	// The same layout in duva.
	nodes := startCluster(t, 2, testTimeout, nil)
	waitFullMesh(t, nodes, 10*time.Second)
	require.NoError(t, nodes[0].AddSlotsRange([2]int{0, 8191}))
	require.NoError(t, nodes[1].AddSlotsRange([2]int{8192, 16000}))
	require.NoError(t, nodes[1].AddSlots(16002))
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if nodes[0].Routing().OwnerOf(16002) == nil {
			return fmt.Errorf("not converged")
		}
		return nil
	})
	require.NoError(t, nodes[0].SetSlot(5, "migrating", nodes[1].MyID()))
	ourNodes := strings.TrimSpace(nodes[0].NodesText())

	// Field by field: ids and ports differ, everything else must match.
	normalize := func(text string, ids map[string]string) []string {
		var out []string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "vars ") {
				continue
			}
			fs := checkNodesLine(t, l)
			fs[0] = ids[fs[0]]
			fs[1] = "ADDR"
			if fs[3] != "-" {
				fs[3] = ids[fs[3]]
			}
			fs[4], fs[5], fs[6] = "T", "T", "E"
			for i := 8; i < len(fs); i++ {
				for id, name := range ids {
					fs[i] = strings.ReplaceAll(fs[i], id, name)
				}
			}
			out = append(out, strings.Join(fs, " "))
		}
		return sortedCopy(out)
	}
	rid0 := cli(ports[0], "cluster", "myid")
	got := normalize(ourNodes, map[string]string{nodes[0].MyID(): "A", nodes[1].MyID(): "B"})
	want := normalize(redisNodes, map[string]string{rid0: "A", rid1: "B"})
	require.Equal(t, want, got)
	t.Logf("redis:\n%s\nduva:\n%s", redisNodes, ourNodes)

	nodes[0].SaveConfig()
	ourConf, err := os.ReadFile(nodes[0].cfg.ConfigFile)
	require.NoError(t, err)
	confLines := func(b []byte, ids map[string]string) []string {
		return normalize(strings.TrimSpace(string(b)), ids)
	}
	require.Equal(t, confLines(redisConf, map[string]string{rid0: "A", rid1: "B"}),
		confLines(ourConf, map[string]string{nodes[0].MyID(): "A", nodes[1].MyID(): "B"}))
	rv := strings.Split(strings.TrimSpace(string(redisConf)), "\n")
	ov := strings.Split(strings.TrimSpace(string(ourConf)), "\n")
	require.Regexp(t, `^vars currentEpoch \d+ lastVoteEpoch \d+$`, rv[len(rv)-1])
	require.Regexp(t, `^vars currentEpoch \d+ lastVoteEpoch \d+ myShardId [0-9a-f]{40}$`, ov[len(ov)-1])

	// CLUSTER INFO: the same field names in the same order (message
	// counters appear only for types that were sent or received, in both).
	keys := func(text string) []string {
		var out []string
		for _, l := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
			if k, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(k, "cluster_stats_messages_") {
				out = append(out, k)
			}
		}
		return out
	}
	require.Equal(t, keys(redisInfo), keys(nodes[0].InfoText()))
	require.Contains(t, nodes[0].InfoText(), "cluster_stats_messages_ping_sent:")
	require.Contains(t, nodes[0].InfoText(), "cluster_stats_messages_pong_received:")
	require.True(t, strings.HasSuffix(nodes[0].InfoText(), "total_cluster_links_buffer_limit_exceeded:0\r\n"))
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// maskConfigTimes is a nodes.conf's fields with each node line's ping-sent and
// pong-recv times blanked: they move between two renderings of one state.
func maskConfigTimes(conf string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(conf), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[0] != "vars" {
			f[4], f[5] = "ping", "pong"
		}
		out = append(out, f...)
	}
	return out
}
