package loop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

// Persistence end to end: a real server writes real files (SAVE, BGSAVE, the
// AOF), a second server starts on them, and everything a client can see must be
// the same (testutil.Dataset compares every key, type, encoding, TTL and value).

const fixtures = "../testdata/fixtures/redis-7.0"

func client(t *testing.T, addr string, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func info(t *testing.T, c *redis.Client, field string) string {
	s, err := c.Info(context.Background(), "persistence").Result()
	require.NoError(t, err)
	for _, line := range strings.Split(s, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO persistence has no %s:\n%s", field, s)
	return ""
}

func waitNoSnapshot(t *testing.T, c *redis.Client) {
	testutil.CheckFor(t, time.Minute, 10*time.Millisecond, func() error {
		if info(t, c, "rdb_bgsave_in_progress") != "0" || info(t, c, "aof_rewrite_in_progress") != "0" {
			return fmt.Errorf("snapshot in progress")
		}
		return nil
	})
}

func TestPersistSaveAndRestart(t *testing.T) {
	for _, shards := range []string{"1", "4"} {
		t.Run("shards="+shards, func(t *testing.T) {
			dir := t.TempDir()
			a := testutil.StartServer(t, "--dir", dir, "--shards", shards)
			testutil.FillMixed(t, a.Addr)
			c := client(t, a.Addr, 0)
			before := testutil.Dataset(t, a.Addr, 16, true)
			require.Equal(t, "OK", c.Save(context.Background()).Val())
			require.Equal(t, "0", info(t, c, "rdb_changes_since_last_save"))
			require.Equal(t, "ok", info(t, c, "rdb_last_bgsave_status"))
			lastsave := c.LastSave(context.Background()).Val()
			require.InDelta(t, time.Now().Unix(), lastsave, 5)
			a.Instance.Stop("test")

			b := testutil.StartServer(t, "--dir", dir, "--shards", shards)
			if got := testutil.Dataset(t, b.Addr, 16, true); got != before {
				t.Fatalf("dataset changed across the restart:\n%s", testutil.DiffLines(before, got))
			}
			require.Equal(t, strconv.Itoa(strings.Count(before, "\n")), info(t, client(t, b.Addr, 0), "rdb_last_load_keys_loaded"))
		})
	}
}

// BGSAVE is a point-in-time image: what changes after the reply is not in
// the file, every key that existed at the start is, and clients are served
// while it is written.
func TestPersistBgsavePointInTime(t *testing.T) {
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir, "--shards", "4")
	ctx := context.Background()
	c := client(t, a.Addr, 0)
	const n = 200_000
	val := strings.Repeat("v", 200)
	for i := 0; i < n; i += 1000 {
		p := c.Pipeline()
		for j := i; j < i+1000; j++ {
			p.Set(ctx, "k:"+strconv.Itoa(j), val+strconv.Itoa(j), 0)
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	c.RPush(ctx, "list", "a", "b")
	c.HSet(ctx, "hash", "f", "old")
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	// Change things at once: most of this lands while the shards are still
	// being walked, so the copy-on-write path is what keeps the image exact.
	p := c.Pipeline()
	for j := n - 1; j >= 0; j -= 97 {
		p.Set(ctx, "k:"+strconv.Itoa(j), "changed", 0)
	}
	for j := 1; j < n; j += 89 {
		p.Del(ctx, "k:"+strconv.Itoa(j))
	}
	for j := 0; j < 1000; j++ {
		p.Set(ctx, "new:"+strconv.Itoa(j), "x", 0)
	}
	p.RPush(ctx, "list", "c")
	p.HSet(ctx, "hash", "f", "new")
	p.FlushDB(ctx) // the snapshot keeps walking the tables it started with
	p.Set(ctx, "after-flush", "1", 0)
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), c.DBSize(ctx).Val())
	waitNoSnapshot(t, c)
	require.Equal(t, "ok", info(t, c, "rdb_last_bgsave_status"))
	a.Instance.Stop("test")

	b := testutil.StartServer(t, "--dir", dir, "--shards", "2")
	cb := client(t, b.Addr, 0)
	require.Equal(t, int64(n+2), cb.DBSize(ctx).Val())
	for i := 0; i < n; i += 1000 {
		keys := make([]string, 0, 1000)
		for j := i; j < i+1000; j++ {
			keys = append(keys, "k:"+strconv.Itoa(j))
		}
		vals, err := cb.MGet(ctx, keys...).Result()
		require.NoError(t, err)
		for j, v := range vals {
			require.Equal(t, val+strconv.Itoa(i+j), v, keys[j])
		}
	}
	require.Equal(t, []string{"a", "b"}, cb.LRange(ctx, "list", 0, -1).Val())
	require.Equal(t, "old", cb.HGet(ctx, "hash", "f").Val())
	require.Equal(t, int64(0), cb.Exists(ctx, "new:1", "after-flush").Val())
}

// Keys whose TTL has passed by load time are skipped, as Redis does.
func TestPersistExpiredKeysSkippedAtLoad(t *testing.T) {
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir)
	ctx := context.Background()
	c := client(t, a.Addr, 0)
	c.Set(ctx, "short", "1", 300*time.Millisecond)
	c.Set(ctx, "long", "1", time.Hour)
	c.Set(ctx, "none", "1", 0)
	require.Equal(t, "OK", c.Save(ctx).Val())
	a.Instance.Stop("test")
	time.Sleep(400 * time.Millisecond)
	b := testutil.StartServer(t, "--dir", dir)
	cb := client(t, b.Addr, 0)
	require.Equal(t, int64(2), cb.DBSize(ctx).Val())
	require.Equal(t, "1", info(t, cb, "rdb_last_load_keys_expired"))
}

func TestPersistShutdownSaves(t *testing.T) {
	dir := t.TempDir()
	// Save points set: SHUTDOWN saves; SHUTDOWN NOSAVE does not.
	a := testutil.StartServer(t, "--dir", dir, "--save", "3600 1")
	ctx := context.Background()
	client(t, a.Addr, 0).Set(ctx, "k", "v1", 0)
	a.Instance.Stop("test") // what SIGTERM and SHUTDOWN do
	b := testutil.StartServer(t, "--dir", dir, "--save", "3600 1")
	cb := client(t, b.Addr, 0)
	require.Equal(t, "v1", cb.Get(ctx, "k").Val())
	cb.Set(ctx, "k", "v2", 0)
	_ = cb.Do(ctx, "SHUTDOWN", "NOSAVE").Err()
	<-b.Instance.Done()
	c := testutil.StartServer(t, "--dir", dir)
	require.Equal(t, "v1", client(t, c.Addr, 0).Get(ctx, "k").Val())
}

// A save that cannot be written is reported in INFO, writes are refused with
// -MISCONF (stop-writes-on-bgsave-error), the old dump is untouched, and all
// recovers once a save succeeds.
func TestPersistBgsaveErrorMisconf(t *testing.T) {
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir, "--save", "3600 1", "--enable-protected-configs", "yes")
	ctx := context.Background()
	c := client(t, a.Addr, 0)
	c.Set(ctx, "k", "v", 0)
	require.Equal(t, "OK", c.Save(ctx).Val())
	good, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	// Make the rename fail: the target becomes a non-empty directory (works
	// as root too, unlike a read-only directory).
	require.NoError(t, c.ConfigSet(ctx, "dbfilename", "blocked.rdb").Err())
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "blocked.rdb", "x"), 0o755))
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	waitNoSnapshot(t, c)
	require.Equal(t, "err", info(t, c, "rdb_last_bgsave_status"))
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		err := c.Set(ctx, "k2", "v", 0).Err()
		if err == nil || !strings.HasPrefix(err.Error(), "MISCONF ") {
			return fmt.Errorf("SET replied %v", err)
		}
		return nil
	})
	require.Equal(t, "v", c.Get(ctx, "k").Val(), "reads keep working")
	same, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	require.Equal(t, good, same)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "blocked.rdb")))
	require.Equal(t, "OK", c.Save(ctx).Val())
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error { return c.Set(ctx, "k2", "v", 0).Err() })
	require.Equal(t, "ok", info(t, c, "rdb_last_bgsave_status"))
}

func TestPersistCorruptRDBStopsStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir)
	testutil.FillMixed(t, a.Addr)
	require.Equal(t, "OK", client(t, a.Addr, 0).Save(ctx).Val())
	a.Instance.Stop("test")
	path := filepath.Join(dir, "dump.rdb")
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	for name, bad := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"bitflip":   append(append(append([]byte{}, good[:len(good)/3]...), good[len(good)/3]^0x55), good[len(good)/3+1:]...),
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, bad, 0o644))
			s := testutil.StartServerLoading(t, "--dir", dir)
			select {
			case <-s.Instance.Done():
			case <-time.After(time.Minute):
				t.Fatal("server did not stop on a bad RDB file")
			}
			require.Error(t, s.Instance.Err())
			require.Contains(t, s.Instance.Err().Error(), "offset")
		})
	}
}

// ---- AOF ----

// aofWorkload runs commands whose AOF form differs from what the client sent
// (relative TTLs, random pops, blocking pops, float increments), in several
// databases.
func aofWorkload(t *testing.T, addr string) {
	ctx := context.Background()
	c := client(t, addr, 0)
	c3 := client(t, addr, 3)
	require.NoError(t, c.Set(ctx, "s", "1", time.Hour).Err())
	require.NoError(t, c.SetEx(ctx, "sx", "v", time.Hour).Err())
	require.NoError(t, c.Do(ctx, "PSETEX", "px", 3600000, "v").Err())
	require.NoError(t, c.Set(ctx, "e", "v", 0).Err())
	require.NoError(t, c.Expire(ctx, "e", time.Hour).Err())
	require.NoError(t, c.Set(ctx, "gone", "v", 0).Err())
	require.NoError(t, c.Do(ctx, "PEXPIREAT", "gone", 1).Err()) // a past time deletes
	require.NoError(t, c.Set(ctx, "gx", "v", 0).Err())
	require.NoError(t, c.GetEx(ctx, "gx", time.Hour).Err())
	require.NoError(t, c.IncrByFloat(ctx, "f", 1.1).Err())
	require.NoError(t, c.IncrByFloat(ctx, "f", 2.25).Err())
	require.NoError(t, c.HIncrByFloat(ctx, "h", "x", 0.5).Err())
	for i := 0; i < 50; i++ {
		c.SAdd(ctx, "set", i)
	}
	require.NoError(t, c.SPop(ctx, "set").Err())
	require.NoError(t, c.SPopN(ctx, "set", 10).Err())
	require.NoError(t, c.SPopN(ctx, "set", 35).Err())
	c.RPush(ctx, "l", "a", "b", "c")
	require.NoError(t, c.BLPop(ctx, time.Second, "nosuch", "l").Err())
	require.NoError(t, c.BLMove(ctx, "l", "l2", "RIGHT", "LEFT", time.Second).Err())
	c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"})
	require.NoError(t, c.BZPopMin(ctx, time.Second, "z").Err())
	// A pop served while blocked: the BLPOP waits, an RPUSH wakes it.
	done := make(chan error, 1)
	go func() { done <- client(t, addr, 0).BRPop(ctx, 5*time.Second, "wait").Err() }()
	testutil.CheckFor(t, 5*time.Second, 5*time.Millisecond, func() error {
		if n := c.Info(ctx, "clients").Val(); !strings.Contains(n, "blocked_clients:1") {
			return fmt.Errorf("not blocked yet")
		}
		return nil
	})
	c.RPush(ctx, "wait", "x", "y")
	require.NoError(t, <-done)
	require.NoError(t, c3.MSet(ctx, "a", 1, "b", 2).Err())
	require.NoError(t, c3.Incr(ctx, "a").Err())
	require.NoError(t, c3.Rename(ctx, "b", "bb").Err())
	require.NoError(t, c.Do(ctx, "SWAPDB", 3, 4).Err())
	require.NoError(t, c.Do(ctx, "COPY", "s", "s-copy", "DB", 5).Err())
}

func TestPersistAOFRestart(t *testing.T) {
	for _, tc := range []struct{ fsync, preamble string }{
		{"always", "yes"}, {"everysec", "yes"}, {"no", "no"},
	} {
		t.Run(tc.fsync+"/preamble="+tc.preamble, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", tc.fsync, "--aof-use-rdb-preamble", tc.preamble, "--shards", "4"}
			a := testutil.StartServer(t, args...)
			testutil.FillMixed(t, a.Addr)
			aofWorkload(t, a.Addr)
			before := testutil.Dataset(t, a.Addr, 16, false)
			require.Contains(t, before, `db0 "s" string exp=`)
			require.NotContains(t, before, `"gone"`)
			a.Instance.Stop("test")

			b := testutil.StartServer(t, args...)
			if got := testutil.Dataset(t, b.Addr, 16, false); got != before {
				t.Fatalf("dataset changed across the restart:\n%s", testutil.DiffLines(before, got))
			}
			require.Equal(t, "1", info(t, client(t, b.Addr, 0), "aof_enabled"))
		})
	}
}

// BGREWRITEAOF compacts the log while clients write; nothing is lost.
func TestPersistAOFRewriteUnderWrites(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble, "--shards", "4"}
			a := testutil.StartServer(t, args...)
			ctx := context.Background()
			testutil.FillMixed(t, a.Addr)
			c := client(t, a.Addr, 0)
			stop := make(chan struct{})
			writerDone := make(chan int)
			go func() {
				w := client(t, a.Addr, 0)
				i := 0
				for {
					select {
					case <-stop:
						writerDone <- i
						return
					default:
					}
					if w.Incr(ctx, "counter").Err() != nil {
						writerDone <- -1
						return
					}
					w.Set(ctx, "w:"+strconv.Itoa(i%5000), i, 0)
					i++
				}
			}()
			for r := 0; r < 3; r++ {
				require.NoError(t, c.BgRewriteAOF(ctx).Err())
				time.Sleep(20 * time.Millisecond)
				waitNoSnapshot(t, c)
				require.Equal(t, "ok", info(t, c, "aof_last_bgrewrite_status"))
			}
			close(stop)
			n := <-writerDone
			require.Greater(t, n, 0)
			require.Equal(t, strconv.Itoa(n), c.Get(ctx, "counter").Val())
			before := testutil.Dataset(t, a.Addr, 16, false)
			man, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
			require.NoError(t, err)
			require.Contains(t, string(man), "seq 4 type b", "three rewrites after the first base")
			require.Equal(t, 2, strings.Count(string(man), "\n"), "history files are gone")
			a.Instance.Stop("test")
			b := testutil.StartServer(t, args...)
			if got := testutil.Dataset(t, b.Addr, 16, false); got != before {
				t.Fatalf("dataset changed across the restart:\n%s", testutil.DiffLines(before, got))
			}
		})
	}
}

// ---- Redis 7.0 fixtures ----

// manifestDataset renders a fixture manifest in testutil.Dataset's form.
func manifestDataset(t *testing.T, path string, encodings bool) string {
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var m struct {
		DBs []struct {
			DB   int `json:"db"`
			Keys []struct {
				Key       json.RawMessage `json:"key"`
				Type      string          `json:"type"`
				Encoding  string          `json:"encoding"`
				AfterLoad string          `json:"encoding_after_load"`
				ExpireMs  *int64          `json:"expire_ms"`
				Value     json.RawMessage `json:"value"`
			} `json:"keys"`
		} `json:"dbs"`
	}
	require.NoError(t, json.Unmarshal(raw, &m))
	bytesOf := func(r json.RawMessage) string {
		var s string
		if json.Unmarshal(r, &s) == nil {
			return s
		}
		var b struct {
			B64 string `json:"base64"`
		}
		require.NoError(t, json.Unmarshal(r, &b))
		d, err := base64.StdEncoding.DecodeString(b.B64)
		require.NoError(t, err)
		return string(d)
	}
	var sb strings.Builder
	for _, db := range m.DBs {
		type line struct{ key, text string }
		var lines []line
		for _, k := range db.Keys {
			key := bytesOf(k.Key)
			exp := int64(-1)
			if k.ExpireMs != nil {
				exp = *k.ExpireMs
			}
			s := fmt.Sprintf("db%d %q %s exp=%d", db.DB, key, k.Type, exp)
			if encodings {
				enc := k.Encoding
				if k.AfterLoad != "" {
					enc = k.AfterLoad
				}
				s += " enc=" + enc
			}
			s += " = "
			switch k.Type {
			case "string":
				s += fmt.Sprintf("%q", bytesOf(k.Value))
			case "list", "set":
				var items []json.RawMessage
				require.NoError(t, json.Unmarshal(k.Value, &items))
				out := make([]string, 0, len(items))
				for _, it := range items {
					out = append(out, bytesOf(it))
				}
				if k.Type == "set" {
					sort.Strings(out)
				}
				s += fmt.Sprintf("%q", out)
			case "hash":
				var pairs [][2]json.RawMessage
				require.NoError(t, json.Unmarshal(k.Value, &pairs))
				fs := map[string]string{}
				var names []string
				for _, p := range pairs {
					f := bytesOf(p[0])
					fs[f] = bytesOf(p[1])
					names = append(names, f)
				}
				sort.Strings(names)
				for _, f := range names {
					s += fmt.Sprintf("%q:%q ", f, fs[f])
				}
			case "zset":
				var pairs [][2]json.RawMessage
				require.NoError(t, json.Unmarshal(k.Value, &pairs))
				for _, p := range pairs {
					var sc float64
					if json.Unmarshal(p[1], &sc) != nil {
						var txt string
						require.NoError(t, json.Unmarshal(p[1], &txt))
						sc, err = strconv.ParseFloat(txt, 64)
						require.NoError(t, err)
					}
					s += fmt.Sprintf("%q:%v ", bytesOf(p[0]), sc)
				}
			}
			lines = append(lines, line{key, s})
		}
		sort.Slice(lines, func(i, j int) bool { return lines[i].key < lines[j].key })
		for _, l := range lines {
			sb.WriteString(l.text + "\n")
		}
	}
	return sb.String()
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

func TestPersistLoadsRedisRDBFixtures(t *testing.T) {
	for _, name := range []string{"strings", "expiry", "list", "list-compressed", "list-plain", "set", "hash", "zset", "multidb", "mixed", "empty", "nocompress", "lru", "lfu", "functions"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(fixtures, name+".rdb"), filepath.Join(dir, "dump.rdb"))
			s := testutil.StartServer(t, "--dir", dir, "--shards", "3")
			require.NoError(t, s.Instance.Err())
			want := manifestDataset(t, filepath.Join(fixtures, name+".json"), true)
			if got := testutil.Dataset(t, s.Addr, 16, true); got != want {
				t.Fatalf("loaded dataset differs from the manifest:\n%s", testutil.DiffLines(want, got))
			}
		})
	}
	t.Run("streams", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, filepath.Join(fixtures, "streams.rdb"), filepath.Join(dir, "dump.rdb"))
		s := testutil.StartServerLoading(t, "--dir", dir)
		<-s.Instance.Done()
		require.ErrorContains(t, s.Instance.Err(), "stream")
	})
}

func TestPersistLoadsRedisAOFFixtures(t *testing.T) {
	for _, tc := range []struct{ fixture, manifest string }{
		{"aof-plain", "aof-plain"}, {"aof-preamble", "aof-preamble"}, {"aof-plain-rewritten", "aof-plain-rewritten"}, {"aof-timestamp", "aof-timestamp"},
		{"classic.aof", "classic"}, {"truncated.aof", "truncated"}, {"truncated-multi.aof", "truncated-multi"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(fixtures, tc.fixture)
			if strings.HasSuffix(tc.fixture, ".aof") {
				copyFile(t, src, filepath.Join(dir, "appendonly.aof")) // old single-file layout
			} else {
				ents, err := os.ReadDir(src)
				require.NoError(t, err)
				for _, e := range ents {
					copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, "appendonlydir", e.Name()))
				}
			}
			s := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes", "--shards", "2")
			require.NoError(t, s.Instance.Err())
			want := manifestDataset(t, filepath.Join(fixtures, tc.manifest+".json"), false)
			if got := testutil.Dataset(t, s.Addr, 16, false); got != want {
				t.Fatalf("loaded dataset differs from the manifest:\n%s", testutil.DiffLines(want, got))
			}
		})
	}
}

// While the dataset loads, commands get -LOADING and INFO shows the progress;
// key-load-delay (a debug option, as in Redis) makes the load slow enough to see.
func TestPersistLoadingReply(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir)
	c := client(t, a.Addr, 0)
	p := c.Pipeline()
	for i := 0; i < 3000; i++ {
		p.Set(ctx, "k"+strconv.Itoa(i), i, 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "OK", c.Save(ctx).Val())
	a.Instance.Stop("test")

	b := testutil.StartServerLoading(t, "--dir", dir, "--key-load-delay", "500")
	cb := client(t, b.Addr, 0)
	err = cb.Get(ctx, "k1").Err()
	require.EqualError(t, err, "LOADING Redis is loading the dataset in memory")
	require.EqualError(t, cb.Set(ctx, "x", 1, 0).Err(), "LOADING Redis is loading the dataset in memory")
	require.Equal(t, "1", info(t, cb, "loading"))
	require.NotEmpty(t, info(t, cb, "loading_loaded_perc"))
	require.NotEqual(t, "0", info(t, cb, "loading_total_bytes"))
	testutil.CheckFor(t, time.Minute, 20*time.Millisecond, func() error { return cb.Get(ctx, "k1").Err() })
	require.Equal(t, "0", info(t, cb, "loading"))
	require.Equal(t, int64(3000), cb.DBSize(ctx).Val())
	require.Equal(t, "0", info(t, cb, "rdb_changes_since_last_save"))
}

// One snapshot at a time, with Redis's answers; clients are served while it runs.
func TestPersistSnapshotExclusion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes", "--rdb-key-save-delay", "200")
	c := client(t, s.Addr, 0)
	p := c.Pipeline()
	for i := 0; i < 5000; i++ {
		p.Set(ctx, "k"+strconv.Itoa(i), i, 0)
	}
	_, err := p.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	require.Equal(t, "1", info(t, c, "rdb_bgsave_in_progress"))
	require.EqualError(t, c.BgSave(ctx).Err(), "ERR Background save already in progress")
	require.EqualError(t, c.Save(ctx).Err(), "ERR Background save already in progress")
	require.Equal(t, "Background append only file rewriting scheduled", c.BgRewriteAOF(ctx).Val())
	require.Equal(t, "1", info(t, c, "aof_rewrite_scheduled"))
	start := time.Now()
	require.NoError(t, c.Set(ctx, "during", "1", 0).Err())
	require.Less(t, time.Since(start), 100*time.Millisecond, "a write waits for the snapshot")
	require.Equal(t, "1", info(t, c, "rdb_bgsave_in_progress"), "the save ended too soon to test anything")
	// The scheduled rewrite runs once the BGSAVE is done.
	testutil.CheckFor(t, time.Minute, 20*time.Millisecond, func() error {
		if info(t, c, "aof_rewrites") != "1" || info(t, c, "aof_rewrite_in_progress") != "0" {
			return fmt.Errorf("rewrite not done")
		}
		return nil
	})
	require.Equal(t, "0", info(t, c, "aof_rewrite_scheduled"))
	require.Equal(t, "Background append only file rewriting started", c.BgRewriteAOF(ctx).Val())
	require.Equal(t, "Background saving scheduled", c.Do(ctx, "BGSAVE", "SCHEDULE").Val())
	require.EqualError(t, c.Do(ctx, "BGSAVE", "NOW").Err(), "ERR syntax error")
	testutil.CheckFor(t, time.Minute, 20*time.Millisecond, func() error {
		if info(t, c, "rdb_saves") != "2" || info(t, c, "rdb_bgsave_in_progress") != "0" {
			return fmt.Errorf("scheduled BGSAVE not done")
		}
		return nil
	})
}

// When both files exist, the AOF is what is loaded (as in Redis).
func TestPersistAOFWinsOverRDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir)
	c := client(t, a.Addr, 0)
	c.Set(ctx, "k", "from-rdb", 0)
	require.Equal(t, "OK", c.Save(ctx).Val())
	a.Instance.Stop("test")

	b := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes")
	cb := client(t, b.Addr, 0)
	require.Equal(t, int64(0), cb.DBSize(ctx).Val(), "a new AOF starts empty, as Redis 7.0 does")
	cb.Set(ctx, "k", "from-aof", 0)
	b.Instance.Stop("test")
	require.FileExists(t, filepath.Join(dir, "dump.rdb"))

	r := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes")
	require.Equal(t, "from-aof", client(t, r.Addr, 0).Get(ctx, "k").Val())
}

// CONFIG SET appendonly yes writes a base of the current data at once; the
// AOF then survives a restart.
func TestPersistAppendonlyAtRuntime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testutil.StartServer(t, "--dir", dir)
	testutil.FillMixed(t, a.Addr)
	c := client(t, a.Addr, 0)
	require.NoError(t, c.ConfigSet(ctx, "appendonly", "yes").Err())
	testutil.CheckFor(t, time.Minute, 20*time.Millisecond, func() error {
		if info(t, c, "aof_enabled") != "1" || info(t, c, "aof_rewrites") != "1" {
			return fmt.Errorf("AOF not written yet")
		}
		return nil
	})
	c.Set(ctx, "after", "1", 0)
	require.NoError(t, c.ConfigSet(ctx, "appendfsync", "always").Err())
	c.Set(ctx, "after2", "1", 0)
	before := testutil.Dataset(t, a.Addr, 16, false)
	a.Instance.Stop("test")
	b := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes")
	if got := testutil.Dataset(t, b.Addr, 16, false); got != before {
		t.Fatalf("AOF made at run time lost data:\n%s", testutil.DiffLines(before, got))
	}
}

// Save points and the automatic AOF rewrite start on their own.
func TestPersistAutomaticSaveAndRewrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := testutil.StartServer(t, "--dir", dir, "--save", "1 5", "--appendonly", "yes",
		"--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "65536")
	c := client(t, s.Addr, 0)
	for i := 0; i < 10; i++ {
		c.Set(ctx, "k"+strconv.Itoa(i), strings.Repeat("x", 20000), 0)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if info(t, c, "rdb_saves") == "0" {
			return fmt.Errorf("no automatic BGSAVE yet")
		}
		if info(t, c, "aof_rewrites") == "0" {
			return fmt.Errorf("no automatic rewrite yet")
		}
		return nil
	})
	require.FileExists(t, filepath.Join(dir, "dump.rdb"))
}

// A full disk: the RDB save fails and writes are refused (MISCONF); an AOF
// write fails the same way; nothing already saved is damaged, and service
// resumes once there is room again. Needs a small tmpfs, hence root.
func TestPersistDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s := testutil.StartServer(t, "--dir", dir, "--save", "3600 1", "--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "no")
	c := client(t, s.Addr, 0)
	require.NoError(t, c.Set(ctx, "small", "1", 0).Err())
	require.Equal(t, "OK", c.Save(ctx).Val())
	good, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	// Fill the disk with a ballast file, leaving a little room.
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	require.NoError(t, err)
	_, _ = f.Write(make([]byte, 2<<20))
	f.Close()
	big := strings.Repeat("z", 64<<10)
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		werr = c.Set(ctx, "big"+strconv.Itoa(i), big, 0).Err()
	}
	require.Error(t, werr, "writes must fail once the AOF cannot be written")
	require.True(t, strings.HasPrefix(werr.Error(), "MISCONF ") || strings.Contains(werr.Error(), "timeout"), werr.Error())
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if v := info(t, c, "aof_last_write_status"); v != "err" {
			return fmt.Errorf("aof_last_write_status:%s", v)
		}
		return nil
	})
	require.Equal(t, "1", c.Get(ctx, "small").Val(), "reads keep working")
	require.Error(t, c.Save(ctx).Err(), "SAVE on a full disk")
	same, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	require.Equal(t, good, same, "the old dump is untouched")
	// Room again: the AOF catches up and writes are accepted.
	require.NoError(t, os.Remove(ballast))
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if v := info(t, c, "aof_last_write_status"); v != "ok" {
			return fmt.Errorf("aof_last_write_status:%s", v)
		}
		return c.Set(ctx, "again", "1", 0).Err()
	})
	require.Equal(t, "OK", c.Save(ctx).Val())
	before := testutil.Dataset(t, s.Addr, 16, false)
	s.Instance.Stop("test")
	r := testutil.StartServer(t, "--dir", dir, "--appendonly", "yes")
	if got := testutil.Dataset(t, r.Addr, 16, false); got != before {
		t.Fatalf("after the disk recovered, the AOF lost data:\n%s", testutil.DiffLines(before, got))
	}
}

// TestAOFBaseKeepsExpiredKeysForLaterCommands: the AOF's RDB base keeps a key
// whose TTL has passed by the time it loads, and so must the PEXPIREAT that
// rebuilds a collection's TTL while loading (Redis's checkAlreadyExpired is
// off while loading): a PERSIST later in the AOF keeps the key.
func TestAOFBaseKeepsExpiredKeysForLaterCommands(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	a := testutil.StartServer(t, args...)
	c := redis.NewClient(&redis.Options{Addr: a.Addr})
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.SAdd(ctx, "set", "m").Err())
	require.NoError(t, c.HSet(ctx, "hash", "f", "v").Err())
	require.NoError(t, c.Set(ctx, "str", "v", 0).Err())
	for _, k := range []string{"set", "hash", "str"} {
		require.NoError(t, c.PExpire(ctx, k, 500*time.Millisecond).Err())
	}
	require.NoError(t, c.BgRewriteAOF(ctx).Err())
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if n := infoField(t, c, "persistence", "aof_rewrite_in_progress"); n != 0 {
			return fmt.Errorf("rewrite running")
		}
		return nil
	})
	for _, k := range []string{"set", "hash", "str"} {
		require.Equal(t, true, c.Persist(ctx, k).Val(), k)
	}
	time.Sleep(600 * time.Millisecond) // the TTLs in the base have passed
	a.Instance.Stop("test")

	b := testutil.StartServer(t, args...)
	c2 := redis.NewClient(&redis.Options{Addr: b.Addr})
	defer c2.Close()
	for _, k := range []string{"set", "hash", "str"} {
		require.Equal(t, time.Duration(-1), c2.TTL(ctx, k).Val(), k)
	}
}
