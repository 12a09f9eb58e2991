package loop_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

// Memory budget tests (issue 5): maxmemory, the eight eviction policies, -OOM,
// evicted_keys, LRU/LFU data, MEMORY and INFO memory. Each server runs in this
// process, so RSS is not meaningful here (interop_memory_test.go checks the RSS
// bound on the built binary); used_memory is duva's own accounting.

const oomErr = "OOM command not allowed when used memory > 'maxmemory'."

func memClient(t *testing.T, args ...string) (*redis.Client, *testutil.Server) {
	t.Helper()
	s := testutil.StartServer(t, args...)
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c, s
}

// setBudget sets maxmemory to what the server uses now plus extra bytes.
func setBudget(t *testing.T, c *redis.Client, policy string, extra int64) int64 {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-policy", policy).Err())
	max := usedMemory(t, c) + extra
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(max, 10)).Err())
	return max
}

// fill writes keys prefix0..prefixN-1 with size-byte values through a pipeline
// and returns the errors the server gave, by text.
func fill(t *testing.T, c *redis.Client, prefix string, from, to, size int, ttl time.Duration) map[string]int {
	t.Helper()
	ctx := context.Background()
	errs := map[string]int{}
	val := strings.Repeat("v", size)
	for start := from; start < to; start += 500 {
		p := c.Pipeline()
		cmds := make([]*redis.StatusCmd, 0, 500)
		for i := start; i < min(start+500, to); i++ {
			cmds = append(cmds, p.Set(ctx, prefix+strconv.Itoa(i), val, ttl))
		}
		_, _ = p.Exec(ctx)
		for _, cmd := range cmds {
			if err := cmd.Err(); err != nil {
				errs[err.Error()]++
			}
		}
	}
	return errs
}

func existing(t *testing.T, c *redis.Client, prefix string, n int) (alive []int) {
	t.Helper()
	ctx := context.Background()
	p := c.Pipeline()
	cmds := make([]*redis.IntCmd, n)
	for i := 0; i < n; i++ {
		cmds[i] = p.Exists(ctx, prefix+strconv.Itoa(i))
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	for i, cmd := range cmds {
		if cmd.Val() == 1 {
			alive = append(alive, i)
		}
	}
	return alive
}

func TestMaxmemoryNoEvictionRefusesWrites(t *testing.T) {
	c, _ := memClient(t, "--shards", "2")
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "before", "x", 0).Err())
	max := setBudget(t, c, "noeviction", 200_000)
	errs := fill(t, c, "k", 0, 20_000, 100, 0)
	require.Greater(t, errs[oomErr], 0, "writes past the budget get -OOM: %v", errs)
	require.Len(t, errs, 1, "no other error: %v", errs)
	require.LessOrEqual(t, usedMemory(t, c), max+4096, "used_memory stays at the budget")
	require.Equal(t, int64(0), infoField(t, c, "stats", "evicted_keys"))

	// Reads keep working, and so do commands that free memory.
	require.Equal(t, "x", c.Get(ctx, "before").Val())
	require.Equal(t, int64(1), c.Exists(ctx, "k0").Val())
	err := c.SAdd(ctx, "set", "m").Err()
	require.EqualError(t, err, oomErr)
	require.Equal(t, int64(1), c.Del(ctx, "k0").Val())
	// After a FLUSHALL there is room again.
	require.NoError(t, c.FlushAll(ctx).Err())
	require.NoError(t, c.Set(ctx, "after", "x", 0).Err())
	// Raising the limit at run time lets writes through at once.
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", "0").Err())
	require.Empty(t, fill(t, c, "k", 0, 20_000, 100, 0))
}

func TestEvictionAllKeysLRUKeepsRecentKeys(t *testing.T) {
	c, _ := memClient(t, "--shards", "2")
	ctx := context.Background()
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-samples", "10").Err())
	// 2000 cold keys, then (a second later, the LRU clock's resolution) 200 hot
	// ones are read; then new keys push the total over the budget.
	require.Empty(t, fill(t, c, "cold:", 0, 2000, 200, 0))
	require.Empty(t, fill(t, c, "hot:", 0, 200, 200, 0))
	time.Sleep(2100 * time.Millisecond)
	for i := 0; i < 200; i++ {
		require.NoError(t, c.Get(ctx, "hot:"+strconv.Itoa(i)).Err())
	}
	idleHot, err := c.ObjectIdleTime(ctx, "hot:1").Result()
	require.NoError(t, err)
	idleCold := c.ObjectIdleTime(ctx, "cold:1").Val()
	require.Less(t, idleHot, time.Second)
	require.GreaterOrEqual(t, idleCold, 2*time.Second)

	max := setBudget(t, c, "allkeys-lru", 100_000)
	require.Empty(t, fill(t, c, "new:", 0, 1500, 200, 0), "allkeys-lru makes room instead of refusing")
	evicted := infoField(t, c, "stats", "evicted_keys")
	require.Greater(t, evicted, int64(500))
	require.LessOrEqual(t, usedMemory(t, c), max+4096)
	require.Len(t, existing(t, c, "hot:", 200), 200, "every recently used key survives")
	cold := existing(t, c, "cold:", 2000)
	require.Less(t, len(cold), 2000-500, "cold keys went first")
}

func TestEvictionAllKeysLFUKeepsFrequentKeys(t *testing.T) {
	c, _ := memClient(t, "--shards", "2")
	ctx := context.Background()
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu").Err())
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-samples", "10").Err())
	require.Empty(t, fill(t, c, "rare:", 0, 2000, 200, 0))
	require.Empty(t, fill(t, c, "freq:", 0, 200, 200, 0))
	for round := 0; round < 30; round++ {
		p := c.Pipeline()
		for i := 0; i < 200; i++ {
			p.Get(ctx, "freq:"+strconv.Itoa(i))
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	f, err := c.ObjectFreq(ctx, "freq:7").Result()
	require.NoError(t, err)
	require.Greater(t, f, int64(5), "30 reads raise the logarithmic counter above LFU_INIT_VAL")
	require.Equal(t, int64(5), c.ObjectFreq(ctx, "rare:7").Val(), "a new key starts at LFU_INIT_VAL")

	max := setBudget(t, c, "allkeys-lfu", 100_000)
	require.Empty(t, fill(t, c, "new:", 0, 1500, 200, 0))
	require.Greater(t, infoField(t, c, "stats", "evicted_keys"), int64(500))
	require.LessOrEqual(t, usedMemory(t, c), max+4096)
	require.Len(t, existing(t, c, "freq:", 200), 200, "every frequently used key survives")
}

func TestEvictionVolatilePoliciesSpareKeysWithoutTTL(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			c, _ := memClient(t, "--shards", "2")
			ctx := context.Background()
			require.NoError(t, c.ConfigSet(ctx, "maxmemory-policy", policy).Err())
			require.Empty(t, fill(t, c, "persist:", 0, 1000, 200, 0))
			// Volatile keys: the first half expire in an hour, the rest in a day.
			require.Empty(t, fill(t, c, "vol:", 0, 500, 200, time.Hour))
			require.Empty(t, fill(t, c, "vol:", 500, 1000, 200, 24*time.Hour))
			setBudget(t, c, policy, 50_000)
			errs := fill(t, c, "new:", 0, 300, 200, 0)
			require.Empty(t, errs, "volatile keys make room")
			evicted := infoField(t, c, "stats", "evicted_keys")
			require.Greater(t, evicted, int64(100))
			require.Len(t, existing(t, c, "persist:", 1000), 1000, "keys without a TTL are never evicted")
			require.Len(t, existing(t, c, "new:", 300), 300)
			if policy == "volatile-ttl" {
				// The keys closest to expiry go first.
				alive := existing(t, c, "vol:", 1000)
				long := 0
				for _, i := range alive {
					if i >= 500 {
						long++
					}
				}
				require.Equal(t, 500, long, "no key with the longer TTL went while shorter ones were left")
			}
			// Once no key has a TTL, writes get -OOM and nothing else goes.
			errs = fill(t, c, "more:", 0, 3000, 200, 0)
			require.Greater(t, errs[oomErr], 0, "%v", errs)
			require.Len(t, existing(t, c, "persist:", 1000), 1000)
			require.Empty(t, existing(t, c, "vol:", 1000), "every volatile key was evicted first")
		})
	}
}

func TestEvictionAllKeysRandomStaysInBudget(t *testing.T) {
	c, _ := memClient(t, "--shards", "4")
	max := setBudget(t, c, "allkeys-random", 300_000)
	require.Empty(t, fill(t, c, "k", 0, 20_000, 100, 0))
	require.Greater(t, infoField(t, c, "stats", "evicted_keys"), int64(10_000))
	require.LessOrEqual(t, usedMemory(t, c), max+4096)
	n := c.DBSize(context.Background()).Val()
	require.Greater(t, n, int64(1000), "the budget is used, not emptied")
}

// TestEvictionBudgetFollowsSkew: with every key on one shard, that shard may use
// (almost) the whole budget: shares follow usage, so a skewed distribution does
// not evict from one shard while the others are under budget.
func TestEvictionBudgetFollowsSkew(t *testing.T) {
	c, _ := memClient(t, "--shards", "4")
	ctx := context.Background()
	max := setBudget(t, c, "allkeys-lru", 1_000_000)
	// About 700 KB of keys, all in hash slot of "{s}": one shard.
	require.Empty(t, fill(t, c, "{s}:", 0, 2500, 200, 0))
	require.Equal(t, int64(0), infoField(t, c, "stats", "evicted_keys"), "under the total budget nothing is evicted")
	require.Equal(t, int64(2500), c.DBSize(ctx).Val())
	// Past the budget the shard that grows pays.
	require.Empty(t, fill(t, c, "{s}:", 2500, 6000, 200, 0))
	require.Greater(t, infoField(t, c, "stats", "evicted_keys"), int64(0))
	require.LessOrEqual(t, usedMemory(t, c), max+4096)
}

// TestEvictedKeysReachTheAOF: evictions are logged as DEL, so a restart from the
// AOF holds exactly the keys the server held.
func TestEvictedKeysReachTheAOF(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--shards", "2", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	c, s := memClient(t, args...)
	ctx := context.Background()
	setBudget(t, c, "allkeys-lru", 300_000)
	require.Empty(t, fill(t, c, "k", 0, 5000, 200, 0))
	require.Greater(t, infoField(t, c, "stats", "evicted_keys"), int64(1000))
	// Lift the budget first: shard ticks may still be evicting in the background.
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", "0").Err())
	time.Sleep(100 * time.Millisecond)
	want := testutil.Dataset(t, s.Addr, 1, false)
	s.Instance.Stop("test")

	_, s2 := memClient(t, args...)
	got := testutil.Dataset(t, s2.Addr, 1, false)
	if want != got {
		t.Fatalf("restart differs (-before +after):\n%s", testutil.DiffLines(want, got))
	}
}

func TestObjectIdletimeAndFreq(t *testing.T) {
	c, _ := memClient(t)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	dump := c.Dump(ctx, "k").Val()

	// Under an LRU (or no) policy: IDLETIME is tracked, FREQ is refused.
	require.NoError(t, c.Do(ctx, "RESTORE", "idle", "0", dump, "IDLETIME", "1000").Err())
	idle, err := c.ObjectIdleTime(ctx, "idle").Result()
	require.NoError(t, err)
	require.InDelta(t, 1000, idle.Seconds(), 2)
	require.EqualError(t, c.ObjectFreq(ctx, "k").Err(), "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	// TYPE, EXISTS, TTL and OBJECT do not count as accesses.
	c.Type(ctx, "idle")
	c.Exists(ctx, "idle")
	c.TTL(ctx, "idle")
	require.InDelta(t, 1000, c.ObjectIdleTime(ctx, "idle").Val().Seconds(), 2)
	c.Get(ctx, "idle")
	require.Less(t, c.ObjectIdleTime(ctx, "idle").Val(), 2*time.Second, "GET is an access")
	require.Equal(t, redis.Nil, c.ObjectIdleTime(ctx, "nokey").Err())

	// Under an LFU policy: FREQ is tracked, IDLETIME refused.
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu").Err())
	require.NoError(t, c.Do(ctx, "RESTORE", "hot", "0", dump, "FREQ", "100").Err())
	require.Equal(t, int64(100), c.ObjectFreq(ctx, "hot").Val())
	require.NoError(t, c.Set(ctx, "new", "v", 0).Err())
	require.Equal(t, int64(5), c.ObjectFreq(ctx, "new").Val())
	require.EqualError(t, c.ObjectIdleTime(ctx, "k").Err(), "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
}

func TestMemoryReports(t *testing.T) {
	c, _ := memClient(t, "--shards", "2")
	ctx := context.Background()
	startup := infoField(t, c, "memory", "used_memory_startup")
	require.Equal(t, startup, usedMemory(t, c), "an empty server uses what it had at start")
	require.True(t, strings.HasPrefix(c.Do(ctx, "MEMORY", "DOCTOR").String(), "MEMORY DOCTOR: Hi Sam"), c.Do(ctx, "MEMORY", "DOCTOR").String())

	require.Empty(t, fill(t, c, "key:", 0, 10_000, 16, 0))
	used := usedMemory(t, c)
	perKey := float64(used-startup) / 10_000
	require.Greater(t, perKey, 16.0+6, "at least the key and value bytes")
	require.Less(t, perKey, 120.0, "per key: record, bucket, key and value (%.1f)", perKey)
	require.Equal(t, used, startup+infoField(t, c, "memory", "used_memory_dataset"))

	stats, err := c.Do(ctx, "MEMORY", "STATS").Result() // RESP3: a map
	require.NoError(t, err)
	m := map[string]any{}
	for k, v := range stats.(map[any]any) {
		m[k.(string)] = v
	}
	for _, k := range []string{"peak.allocated", "total.allocated", "startup.allocated", "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes", "db.0", "fragmentation", "allocator.allocated"} {
		require.Contains(t, m, k)
	}
	require.Equal(t, int64(10_000), m["keys.count"])
	// (Background rehashing may have resized a bucket array in between.)
	require.InDelta(t, used, m["total.allocated"], 64<<10)

	// MEMORY USAGE grows with the value and counts the TTL slot.
	require.NoError(t, c.Set(ctx, "small", "v", 0).Err())
	require.NoError(t, c.Set(ctx, "big", strings.Repeat("x", 10_000), 0).Err())
	small, big := c.MemoryUsage(ctx, "small").Val(), c.MemoryUsage(ctx, "big").Val()
	require.Greater(t, big, int64(10_000))
	require.Less(t, big, int64(10_200))
	require.Less(t, small, int64(64))
	require.NoError(t, c.Expire(ctx, "small", time.Hour).Err())
	require.Greater(t, c.MemoryUsage(ctx, "small").Val(), small)
	for i := 0; i < 200; i++ {
		c.RPush(ctx, "list", strings.Repeat("e", 100))
	}
	require.Greater(t, c.MemoryUsage(ctx, "list").Val(), int64(200*100))
	require.Equal(t, redis.Nil, c.MemoryUsage(ctx, "nokey").Err())

	// Collections count in used_memory too, and everything goes back with FLUSHALL.
	before := usedMemory(t, c)
	for i := 0; i < 100; i++ {
		require.NoError(t, c.HSet(ctx, "h"+strconv.Itoa(i), "f", strings.Repeat("x", 1000)).Err())
	}
	require.Greater(t, usedMemory(t, c)-before, int64(100*1000))
	require.NoError(t, c.FlushAll(ctx).Err())
	require.Equal(t, startup, usedMemory(t, c))
	require.GreaterOrEqual(t, infoField(t, c, "memory", "used_memory_peak"), used)

	require.Equal(t, "OK", c.Do(ctx, "MEMORY", "PURGE").Val())
	help, err := c.Do(ctx, "MEMORY", "HELP").StringSlice()
	require.NoError(t, err)
	require.Contains(t, help, "DOCTOR")
	require.EqualError(t, c.Do(ctx, "MEMORY", "NOPE").Err(), fmt.Sprintf("ERR unknown subcommand 'NOPE'. Try MEMORY HELP."))
}

// TestLRUAndLFUDataSurviveRestart: under an LRU policy the RDB keeps each key's
// idle time (RDB_OPCODE_IDLE), under an LFU policy its counter (RDB_OPCODE_FREQ),
// as Redis's dump does, and loading restores them.
func TestLRUAndLFUDataSurviveRestart(t *testing.T) {
	for _, tc := range []struct{ policy, opt, arg string }{
		{"allkeys-lru", "IDLETIME", "1000"},
		{"volatile-lfu", "FREQ", "100"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--dir", dir, "--maxmemory-policy", tc.policy}
			c, s := memClient(t, args...)
			ctx := context.Background()
			require.NoError(t, c.Set(ctx, "src", "v", 0).Err())
			require.NoError(t, c.RPush(ctx, "lsrc", "a", "b").Err())
			for _, k := range []string{"src", "lsrc"} {
				dump := c.Dump(ctx, k).Val()
				require.NoError(t, c.Do(ctx, "RESTORE", k+"2", "0", dump, tc.opt, tc.arg).Err())
			}
			require.NoError(t, c.Save(ctx).Err())
			s.Instance.Stop("test")

			c2, _ := memClient(t, args...)
			for _, k := range []string{"src2", "lsrc2"} {
				if tc.opt == "IDLETIME" {
					idle, err := c2.ObjectIdleTime(ctx, k).Result()
					require.NoError(t, err)
					require.InDelta(t, 1000, idle.Seconds(), 5, k)
					require.Less(t, c2.ObjectIdleTime(ctx, k[:len(k)-1]).Val(), 10*time.Second)
				} else {
					require.Equal(t, int64(100), c2.ObjectFreq(ctx, k).Val(), k)
					f := c2.ObjectFreq(ctx, k[:len(k)-1]).Val() // SET, then DUMP's access
					require.True(t, f >= 5 && f <= 7, "%s freq %d", k, f)
				}
			}
		})
	}
}

// TestEvictionUnderMixedLoad: 8 clients run a mix of every type's writes,
// RENAME, EXPIRE, APPEND and SETRANGE over a small budget while BGSAVE and
// BGREWRITEAOF run again and again. Nothing but -OOM-free success is expected,
// the budget holds, and a restart from the AOF (and from the last dump) holds
// exactly the keys the server held.
func TestEvictionUnderMixedLoad(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--shards", "4", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	c, s := memClient(t, args...)
	ctx := context.Background()
	max := setBudget(t, c, "allkeys-lru", 300_000)
	stop := time.Now().Add(3 * time.Second)
	errc := make(chan error, 16)
	for w := 0; w < 8; w++ {
		go func(w int) {
			cl := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
			defer cl.Close()
			rnd := uint64(w)*0x9E3779B97F4A7C15 + 1
			next := func(n int) int {
				rnd ^= rnd << 13
				rnd ^= rnd >> 7
				rnd ^= rnd << 17
				return int(rnd % uint64(n))
			}
			for i := 0; time.Now().Before(stop); i++ {
				p := cl.Pipeline()
				for k := 0; k < 50; k++ {
					key := fmt.Sprintf("%c:%d", "shlzak"[next(6)], next(5000))
					switch key[0] {
					case 's':
						p.Set(ctx, key, strings.Repeat("v", 1+next(300)), 0)
					case 'h':
						p.HSet(ctx, key, "f"+strconv.Itoa(next(200)), strings.Repeat("x", next(100)))
					case 'l':
						p.RPush(ctx, key, strings.Repeat("e", next(80)))
					case 'z':
						p.ZAdd(ctx, key, redis.Z{Score: float64(next(1000)), Member: "m" + strconv.Itoa(next(300))})
					case 'a':
						p.Append(ctx, key, strings.Repeat("a", next(50)))
						p.SetRange(ctx, key, int64(next(100)), "r")
					case 'k':
						p.SAdd(ctx, key, next(100000))
						p.Expire(ctx, key, time.Duration(1+next(100))*time.Second)
						p.Rename(ctx, key, "k:"+strconv.Itoa(next(5000)))
					}
				}
				cmds, _ := p.Exec(ctx)
				for _, cmd := range cmds {
					if err := cmd.Err(); err != nil && err.Error() != "ERR no such key" {
						errc <- fmt.Errorf("%v: %w", cmd.Args(), err)
						return
					}
				}
			}
			errc <- nil
		}(w)
	}
	go func() {
		for time.Now().Before(stop) {
			c.BgSave(ctx)
			time.Sleep(50 * time.Millisecond)
			c.BgRewriteAOF(ctx)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	for w := 0; w < 8; w++ {
		require.NoError(t, <-errc)
	}
	require.Greater(t, infoField(t, c, "stats", "evicted_keys"), int64(0))
	require.LessOrEqual(t, usedMemory(t, c), max+64<<10)

	// Let the background work finish, lift the budget, then compare a restart.
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if infoField(t, c, "persistence", "rdb_bgsave_in_progress")+infoField(t, c, "persistence", "aof_rewrite_in_progress") != 0 {
			return fmt.Errorf("background save running")
		}
		return nil
	})
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", "0").Err())
	time.Sleep(100 * time.Millisecond)
	for k := 0; k < 5000; k++ { // no TTL may run out between the two readings
		c.Persist(ctx, "k:"+strconv.Itoa(k))
	}
	want := testutil.Dataset(t, s.Addr, 1, false)
	s.Instance.Stop("test")
	_, s2 := memClient(t, args...)
	if got := testutil.Dataset(t, s2.Addr, 1, false); got != want {
		t.Fatalf("restart from the AOF differs (-before +after):\n%s", testutil.DiffLines(want, got))
	}
}
