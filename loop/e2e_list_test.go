package loop_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/shard"
)

// List commands through go-redis, RESP2 and RESP3 (see e2e_goredis_test.go;
// DUVA_E2E_ORACLE runs the same cases against a real redis-server).

func TestLstE2EGoRedis(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, lstE2ECases)
}

// lstKeysApart returns two key names that live on different shards of a
// 4-shard duva (shards own contiguous hash slot ranges).
func lstKeysApart(prefix string) (string, string) {
	first := prefix + "0"
	s0 := int(shard.KeySlot([]byte(first))) * 4 / shard.SlotCount
	for i := 1; ; i++ {
		k := prefix + strconv.Itoa(i)
		if int(shard.KeySlot([]byte(k)))*4/shard.SlotCount != s0 {
			return first, k
		}
	}
}

var lstE2ECases = []e2eCase{
	{"push, length, range, index, set", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(3), c.LPush(ctx, "l", "a", "b", "c").Val())
		require.Equal(t, int64(5), c.RPush(ctx, "l", "d", 5).Val())
		require.Equal(t, []string{"c", "b", "a", "d", "5"}, c.LRange(ctx, "l", 0, -1).Val())
		require.Equal(t, int64(5), c.LLen(ctx, "l").Val())
		require.Equal(t, int64(0), c.LLen(ctx, "nokey").Val())
		require.Equal(t, int64(6), c.LPushX(ctx, "l", "x").Val())
		require.Equal(t, int64(8), c.RPushX(ctx, "l", "y", "z").Val())
		require.Equal(t, int64(0), c.LPushX(ctx, "nokey", "x").Val())
		require.Equal(t, int64(0), c.Exists(ctx, "nokey").Val())
		require.Equal(t, []string{"b", "a"}, c.LRange(ctx, "l", 2, 3).Val())
		require.Equal(t, []string{"y", "z"}, c.LRange(ctx, "l", -2, 100).Val())
		require.Equal(t, []string{}, c.LRange(ctx, "l", 5, 2).Val())
		require.Equal(t, []string{}, c.LRange(ctx, "nokey", 0, -1).Val())
		require.Equal(t, "x", c.LIndex(ctx, "l", 0).Val())
		require.Equal(t, "z", c.LIndex(ctx, "l", -1).Val())
		require.ErrorIs(t, c.LIndex(ctx, "l", 100).Err(), redis.Nil)
		require.ErrorIs(t, c.LIndex(ctx, "nokey", 0).Err(), redis.Nil)
		require.Equal(t, "OK", c.LSet(ctx, "l", 1, "C").Val())
		require.Equal(t, "C", c.LIndex(ctx, "l", 1).Val())
		requireRedisErr(t, c.LSet(ctx, "l", 100, "v").Err(), "ERR index out of range")
		requireRedisErr(t, c.LSet(ctx, "nokey", 0, "v").Err(), "ERR no such key")
		require.Equal(t, "list", c.Type(ctx, "l").Val())
		require.Equal(t, "quicklist", c.ObjectEncoding(ctx, "l").Val())
		// Binary-safe values.
		require.NoError(t, c.RPush(ctx, "bin", "a\x00b", "\r\n", "").Err())
		require.Equal(t, []string{"a\x00b", "\r\n", ""}, c.LRange(ctx, "bin", 0, -1).Val())
	}},
	{"pop with and without count", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.RPush(ctx, "l", "a", "b", "c", "d", "e", "f").Err())
		require.Equal(t, "a", c.LPop(ctx, "l").Val())
		require.Equal(t, "f", c.RPop(ctx, "l").Val())
		require.Equal(t, []string{"b", "c"}, c.LPopCount(ctx, "l", 2).Val())
		require.Equal(t, []string{"e"}, c.RPopCount(ctx, "l", 1).Val())
		v, err := c.LPopCount(ctx, "l", 0).Result()
		require.NoError(t, err)
		require.Empty(t, v)
		require.Equal(t, []string{"d"}, c.RPopCount(ctx, "l", 10).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "l").Val(), "an emptied list is deleted")
		// A missing key: nil bulk without a count, nil array with one (RESP2
		// "$-1" and "*-1", RESP3 "_"): go-redis reports both as redis.Nil.
		require.ErrorIs(t, c.LPop(ctx, "l").Err(), redis.Nil)
		require.ErrorIs(t, c.RPop(ctx, "l").Err(), redis.Nil)
		require.ErrorIs(t, c.LPopCount(ctx, "l", 2).Err(), redis.Nil)
		require.ErrorIs(t, c.RPopCount(ctx, "l", 0).Err(), redis.Nil)
		r, err := c.Do(ctx, "LPOP", "l", 1).Result()
		require.ErrorIs(t, err, redis.Nil)
		require.Nil(t, r)
		requireRedisErr(t, c.Do(ctx, "LPOP", "l", -1).Err(), "ERR value is out of range, must be positive")
		requireRedisErr(t, c.Do(ctx, "LPOP", "l", 1, 2).Err(), "ERR wrong number of arguments for 'lpop' command")
	}},
	{"LREM LTRIM LINSERT", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.RPush(ctx, "l", "a", "b", "a", "c", "a").Err())
		require.Equal(t, int64(1), c.LRem(ctx, "l", -1, "a").Val())
		require.Equal(t, int64(2), c.LRem(ctx, "l", 0, "a").Val())
		require.Equal(t, []string{"b", "c"}, c.LRange(ctx, "l", 0, -1).Val())
		require.Equal(t, int64(0), c.LRem(ctx, "nokey", 0, "a").Val())
		require.Equal(t, int64(3), c.LInsertBefore(ctx, "l", "c", "x").Val())
		require.Equal(t, int64(4), c.LInsertAfter(ctx, "l", "c", "y").Val())
		require.Equal(t, int64(5), c.LInsert(ctx, "l", "BEFORE", "b", "first").Val())
		require.Equal(t, int64(-1), c.LInsertBefore(ctx, "l", "nothere", "z").Val())
		require.Equal(t, int64(0), c.LInsertBefore(ctx, "nokey", "a", "z").Val())
		require.Equal(t, []string{"first", "b", "x", "c", "y"}, c.LRange(ctx, "l", 0, -1).Val())
		requireRedisErr(t, c.LInsert(ctx, "l", "MIDDLE", "b", "z").Err(), "ERR syntax error")
		require.Equal(t, "OK", c.LTrim(ctx, "l", 1, -2).Val())
		require.Equal(t, []string{"b", "x", "c"}, c.LRange(ctx, "l", 0, -1).Val())
		require.Equal(t, "OK", c.LTrim(ctx, "l", 5, 10).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "l").Val())
		require.Equal(t, "OK", c.LTrim(ctx, "nokey", 0, 1).Val())
	}},
	{"LPOS", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.RPush(ctx, "l", "a", "b", "c", "1", "2", "3", "c", "c").Err())
		require.Equal(t, int64(2), c.LPos(ctx, "l", "c", redis.LPosArgs{}).Val())
		require.Equal(t, int64(6), c.LPos(ctx, "l", "c", redis.LPosArgs{Rank: 2}).Val())
		require.Equal(t, int64(7), c.LPos(ctx, "l", "c", redis.LPosArgs{Rank: -1}).Val())
		require.ErrorIs(t, c.LPos(ctx, "l", "c", redis.LPosArgs{MaxLen: 2}).Err(), redis.Nil)
		require.ErrorIs(t, c.LPos(ctx, "l", "x", redis.LPosArgs{}).Err(), redis.Nil)
		require.ErrorIs(t, c.LPos(ctx, "nokey", "x", redis.LPosArgs{}).Err(), redis.Nil)
		require.Equal(t, []int64{2, 6}, c.LPosCount(ctx, "l", "c", 2, redis.LPosArgs{}).Val())
		require.Equal(t, []int64{7, 6, 2}, c.LPosCount(ctx, "l", "c", 0, redis.LPosArgs{Rank: -1}).Val())
		v, err := c.LPosCount(ctx, "l", "x", 0, redis.LPosArgs{}).Result()
		require.NoError(t, err)
		require.Empty(t, v)
		v, err = c.LPosCount(ctx, "nokey", "x", 1, redis.LPosArgs{}).Result()
		require.NoError(t, err)
		require.Empty(t, v)
		requireRedisErr(t, c.LPos(ctx, "l", "c", redis.LPosArgs{Rank: 0, MaxLen: -1}).Err(), "ERR MAXLEN can't be negative")
		requireRedisErr(t, c.Do(ctx, "LPOS", "l", "c", "RANK", 0).Err(),
			"ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
	}},
	{"LMOVE RPOPLPUSH across shards and on one key", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		src, dst := lstKeysApart("mv")
		require.NoError(t, c.RPush(ctx, src, "a", "b", "c").Err())
		require.Equal(t, "a", c.LMove(ctx, src, dst, "LEFT", "RIGHT").Val())
		require.Equal(t, "c", c.RPopLPush(ctx, src, dst).Val())
		require.Equal(t, []string{"c", "a"}, c.LRange(ctx, dst, 0, -1).Val())
		require.Equal(t, "b", c.LMove(ctx, src, dst, "right", "left").Val())
		require.Equal(t, int64(0), c.Exists(ctx, src).Val())
		require.ErrorIs(t, c.LMove(ctx, src, dst, "LEFT", "LEFT").Err(), redis.Nil)
		require.ErrorIs(t, c.RPopLPush(ctx, src, dst).Err(), redis.Nil)
		// Rotation on one key.
		require.Equal(t, "b", c.LMove(ctx, dst, dst, "LEFT", "RIGHT").Val()) // b c a -> c a b
		require.Equal(t, "b", c.RPopLPush(ctx, dst, dst).Val())              // -> b c a
		require.Equal(t, "a", c.LMove(ctx, dst, dst, "RIGHT", "RIGHT").Val())
		require.Equal(t, []string{"b", "c", "a"}, c.LRange(ctx, dst, 0, -1).Val())
		requireRedisErr(t, c.LMove(ctx, dst, src, "UP", "LEFT").Err(), "ERR syntax error")
		require.NoError(t, c.Set(ctx, "str", "v", 0).Err())
		requireRedisErr(t, c.LMove(ctx, dst, "str", "LEFT", "LEFT").Err(), shard.ErrWrongType)
		require.Equal(t, []string{"b", "c", "a"}, c.LRange(ctx, dst, 0, -1).Val(), "nothing moved")
	}},
	{"LMPOP", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k1, k2 := lstKeysApart("mp")
		require.NoError(t, c.RPush(ctx, k2, "a", "b", "c", "d").Err())
		key, vals, err := c.LMPop(ctx, "left", 2, k1, k2).Result()
		require.NoError(t, err)
		require.Equal(t, k2, key)
		require.Equal(t, []string{"a", "b"}, vals)
		key, vals, err = c.LMPop(ctx, "right", 10, k1, k2).Result()
		require.NoError(t, err)
		require.Equal(t, k2, key)
		require.Equal(t, []string{"d", "c"}, vals)
		_, _, err = c.LMPop(ctx, "left", 1, k1, k2).Result()
		require.ErrorIs(t, err, redis.Nil)
		requireRedisErr(t, c.Do(ctx, "LMPOP", 0, k1, "LEFT").Err(), "ERR numkeys should be greater than 0")
		requireRedisErr(t, c.Do(ctx, "LMPOP", 1, k1, "LEFT", "COUNT", 0).Err(), "ERR count should be greater than 0")
		requireRedisErr(t, c.Do(ctx, "LMPOP", 2, k1, "LEFT").Err(), "ERR syntax error")
	}},
	{"blocking forms served at once", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k1, k2 := lstKeysApart("bl")
		require.NoError(t, c.RPush(ctx, k2, "a", "b", "c", "d", "e", "f").Err())
		require.Equal(t, []string{k2, "a"}, c.BLPop(ctx, time.Second, k1, k2).Val())
		require.Equal(t, []string{k2, "f"}, c.BRPop(ctx, 0, k1, k2).Val())
		require.Equal(t, "b", c.BLMove(ctx, k2, k1, "LEFT", "LEFT", time.Second).Val())
		require.Equal(t, "e", c.BRPopLPush(ctx, k2, k1, 0).Val())
		key, vals, err := c.BLMPop(ctx, time.Second, "left", 5, "nokey", k2).Result()
		require.NoError(t, err)
		require.Equal(t, k2, key)
		require.Equal(t, []string{"c", "d"}, vals)
		require.Equal(t, []string{"e", "b"}, c.LRange(ctx, k1, 0, -1).Val())
	}},
	{"blocking forms time out", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k1, k2 := lstKeysApart("to")
		// go-redis rounds typed blocking timeouts up to 1s: one typed call,
		// then raw commands with short timeouts.
		start := time.Now()
		require.ErrorIs(t, c.BLPop(ctx, time.Second, k1, k2).Err(), redis.Nil)
		require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
		// A null array (RESP2 "*-1") or null (RESP3 "_") for every form, even
		// the ones that answer with a bulk string when served.
		for _, args := range [][]interface{}{
			{"BRPOP", k1, "0.02"},
			{"BLMOVE", k1, k2, "LEFT", "RIGHT", "0.02"},
			{"BRPOPLPUSH", k1, k2, "0.02"},
			{"BLMPOP", "0.02", 2, k1, k2, "LEFT"},
		} {
			start := time.Now()
			r, err := c.Do(ctx, args...).Result()
			require.ErrorIs(t, err, redis.Nil, "%v", args)
			require.Nil(t, r)
			require.GreaterOrEqual(t, time.Since(start), 15*time.Millisecond)
		}
		require.Equal(t, int64(0), c.Exists(ctx, k1, k2).Val())
		requireRedisErr(t, c.Do(ctx, "BLPOP", k1, "-1").Err(), "ERR timeout is negative")
		requireRedisErr(t, c.Do(ctx, "BLPOP", k1, "abc").Err(), "ERR timeout is not a float or out of range")
	}},
	{"a blocked client is served by a push", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k1, k2 := lstKeysApart("wk")
		waiter := e.client(t, nil)
		res := make(chan []string, 1)
		go func() { res <- waiter.BLPop(ctx, 5*time.Second, k1, k2).Val() }()
		lstWaitBlocked(t, e, 1)
		require.Equal(t, int64(2), c.RPush(ctx, k2, "x", "y").Val())
		require.Equal(t, []string{k2, "x"}, <-res)
		require.Equal(t, []string{"y"}, c.LRange(ctx, k2, 0, -1).Val())
	}},
	{"blocked BLMOVE across shards is served", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		src, dst := lstKeysApart("bm")
		waiter := e.client(t, nil)
		res := make(chan string, 1)
		go func() { res <- waiter.BLMove(ctx, src, dst, "RIGHT", "LEFT", 5*time.Second).Val() }()
		lstWaitBlocked(t, e, 1)
		require.NoError(t, c.RPush(ctx, dst, "old").Err())
		require.NoError(t, c.LPush(ctx, src, "v1", "v2").Err())
		require.Equal(t, "v1", <-res)
		require.Equal(t, []string{"v1", "old"}, c.LRange(ctx, dst, 0, -1).Val())
		require.Equal(t, []string{"v2"}, c.LRange(ctx, src, 0, -1).Val())
	}},
	{"blocked BLMPOP takes up to count", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		waiter := e.client(t, nil)
		type kv struct {
			key  string
			vals []string
		}
		res := make(chan kv, 1)
		go func() {
			k, v, _ := waiter.BLMPop(ctx, 5*time.Second, "right", 3, "m1", "m2").Result()
			res <- kv{k, v}
		}()
		lstWaitBlocked(t, e, 1)
		require.NoError(t, c.RPush(ctx, "m2", "a", "b", "c", "d").Err())
		got := <-res
		require.Equal(t, "m2", got.key)
		require.Equal(t, []string{"d", "c", "b"}, got.vals)
	}},
	{"blocked clients are served in order", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		var wg sync.WaitGroup
		res := make([]string, 3)
		for i := range res {
			w := e.client(t, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := w.BRPop(ctx, 5*time.Second, "q").Val()
				if len(r) == 2 {
					res[i] = r[1]
				}
			}()
			lstWaitBlocked(t, e, i+1)
		}
		require.NoError(t, c.RPush(ctx, "q", "1", "2", "3").Err())
		wg.Wait()
		require.Equal(t, []string{"3", "2", "1"}, res) // each BRPOP takes the tail, first come first served
		require.Equal(t, int64(0), c.Exists(ctx, "q").Val())
	}},
	{"WRONGTYPE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.Set(ctx, "s", "v", 0).Err())
		for _, err := range []error{
			c.LPush(ctx, "s", "a").Err(), c.RPushX(ctx, "s", "a").Err(), c.LPop(ctx, "s").Err(),
			c.LLen(ctx, "s").Err(), c.LRange(ctx, "s", 0, -1).Err(), c.LIndex(ctx, "s", 0).Err(),
			c.LRem(ctx, "s", 0, "a").Err(), c.LPos(ctx, "s", "a", redis.LPosArgs{}).Err(),
			c.BLPop(ctx, time.Second, "s").Err(), c.LMove(ctx, "s", "d", "LEFT", "LEFT").Err(),
		} {
			requireRedisErr(t, err, shard.ErrWrongType)
		}
		require.NoError(t, c.RPush(ctx, "l", "a").Err())
		requireRedisErr(t, c.Get(ctx, "l").Err(), shard.ErrWrongType)
		requireRedisErr(t, c.Incr(ctx, "l").Err(), shard.ErrWrongType)
	}},
	{"a long list across many nodes", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		var want []string
		var args []interface{}
		for i := 0; i < 5000; i++ {
			v := strconv.Itoa(i)
			if i%500 == 0 {
				v = strings.Repeat("x", 9000) + v // a node of its own
			}
			want = append(want, v)
			args = append(args, v)
		}
		require.Equal(t, int64(5000), c.RPush(ctx, "big", args...).Val())
		require.Equal(t, want, c.LRange(ctx, "big", 0, -1).Val())
		require.Equal(t, want[2500], c.LIndex(ctx, "big", 2500).Val())
		require.Equal(t, want[4000:4010], c.LRange(ctx, "big", 4000, 4009).Val())
		require.Equal(t, "OK", c.LSet(ctx, "big", 3000, "changed").Val())
		require.Equal(t, int64(5001), c.LInsertAfter(ctx, "big", "changed", "inserted").Val())
		require.Equal(t, []string{"2999", "changed", "inserted", "3001"}, c.LRange(ctx, "big", 2999, 3002).Val())
		require.Equal(t, "OK", c.LTrim(ctx, "big", 1000, -1001).Val())
		require.Equal(t, int64(3001), c.LLen(ctx, "big").Val())
		require.Equal(t, want[1000], c.LIndex(ctx, "big", 0).Val())
		require.Equal(t, "quicklist", c.ObjectEncoding(ctx, "big").Val())
	}},
}

// lstWaitBlocked waits until INFO reports n blocked clients.
func lstWaitBlocked(t *testing.T, e *e2eEnv, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := e.c.Info(e.ctx, "clients").Val()
		if strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q in INFO clients:\n%s", strings.TrimSpace(want), info)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
