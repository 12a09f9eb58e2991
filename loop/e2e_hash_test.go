package loop_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Hash commands through go-redis, RESP2 and RESP3 (see e2e_goredis_test.go;
// DUVA_E2E_ORACLE=$(command -v redis-server) runs them against Redis).

func TestE2EGoRedisHashes(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, hashCases)
}

// bigHash fills key with n fields f0..f(n-1) = v0..v(n-1), past the listpack
// limit when n > 512.
func bigHash(t *testing.T, e *e2eEnv, key string, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	args := make([]interface{}, 0, 2*n)
	for i := 0; i < n; i++ {
		f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
		want[f] = v
		args = append(args, f, v)
	}
	require.Equal(t, int64(n), e.c.HSet(e.ctx, key, args...).Val())
	return want
}

var hashCases = []e2eCase{
	{"HSET HGET HMGET HGETALL", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(2), c.HSet(ctx, "h", "a", "1", "b", "2").Val())
		require.Equal(t, int64(1), c.HSet(ctx, "h", map[string]interface{}{"b": "two", "c": 3}).Val())
		require.Equal(t, "two", c.HGet(ctx, "h", "b").Val())
		require.Equal(t, "3", c.HGet(ctx, "h", "c").Val())
		_, err := c.HGet(ctx, "h", "nosuch").Result()
		require.ErrorIs(t, err, redis.Nil)
		_, err = c.HGet(ctx, "nokey", "a").Result()
		require.ErrorIs(t, err, redis.Nil)
		require.Equal(t, []interface{}{"1", nil, "3"}, c.HMGet(ctx, "h", "a", "nosuch", "c").Val())
		require.Equal(t, []interface{}{nil, nil}, c.HMGet(ctx, "nokey", "a", "b").Val())
		require.Equal(t, map[string]string{"a": "1", "b": "two", "c": "3"}, c.HGetAll(ctx, "h").Val())
		require.Equal(t, map[string]string{}, c.HGetAll(ctx, "nokey").Val())
		ok, err := c.HMSet(ctx, "h", "d", "4", "a", "one").Result()
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, []string{"a", "b", "c", "d"}, c.HKeys(ctx, "h").Val(), "a listpack keeps insertion order")
		require.Equal(t, []string{"one", "two", "3", "4"}, c.HVals(ctx, "h").Val())
		require.Equal(t, []string{}, c.HKeys(ctx, "nokey").Val())
		require.Equal(t, int64(4), c.HLen(ctx, "h").Val())
		require.Equal(t, int64(0), c.HLen(ctx, "nokey").Val())
		require.Equal(t, int64(3), c.HStrLen(ctx, "h", "b").Val())
		require.Equal(t, int64(0), c.HStrLen(ctx, "h", "nosuch").Val())
		require.Equal(t, "hash", c.Type(ctx, "h").Val())
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "h").Val())
		// Binary-safe fields and values.
		require.Equal(t, int64(1), c.HSet(ctx, "bin", "f\x00\r\n", "v\x00\xff").Val())
		require.Equal(t, "v\x00\xff", c.HGet(ctx, "bin", "f\x00\r\n").Val())
	}},
	{"HGETALL raw reply shape", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		c.HSet(ctx, "h", "a", "1", "b", "2")
		v, err := c.Do(ctx, "HGETALL", "h").Result()
		require.NoError(t, err)
		if e.proto == 3 {
			require.Equal(t, map[interface{}]interface{}{"a": "1", "b": "2"}, v)
		} else {
			require.Equal(t, []interface{}{"a", "1", "b", "2"}, v)
		}
		v, err = c.Do(ctx, "HGETALL", "nokey").Result()
		require.NoError(t, err)
		if e.proto == 3 {
			require.Equal(t, map[interface{}]interface{}{}, v)
		} else {
			require.Equal(t, []interface{}{}, v)
		}
	}},
	{"HSETNX HDEL HEXISTS", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.True(t, c.HSetNX(ctx, "h", "a", "1").Val())
		require.False(t, c.HSetNX(ctx, "h", "a", "2").Val())
		require.Equal(t, "1", c.HGet(ctx, "h", "a").Val())
		require.True(t, c.HExists(ctx, "h", "a").Val())
		require.False(t, c.HExists(ctx, "h", "b").Val())
		require.False(t, c.HExists(ctx, "nokey", "b").Val())
		c.HSet(ctx, "h", "b", "2", "c", "3")
		require.Equal(t, int64(2), c.HDel(ctx, "h", "a", "a", "nosuch", "b").Val())
		require.Equal(t, int64(0), c.HDel(ctx, "nokey", "a").Val())
		require.Equal(t, int64(1), c.HDel(ctx, "h", "c").Val())
		require.Equal(t, int64(0), c.Exists(ctx, "h").Val(), "an emptied hash is deleted")
	}},
	{"HINCRBY HINCRBYFLOAT", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(5), c.HIncrBy(ctx, "h", "n", 5).Val())
		require.Equal(t, int64(-2), c.HIncrBy(ctx, "h", "n", -7).Val())
		require.Equal(t, 10.5, c.HIncrByFloat(ctx, "h", "f", 10.5).Val())
		require.Equal(t, 10.75, c.HIncrByFloat(ctx, "h", "f", 0.25).Val())
		v, err := c.Do(ctx, "HINCRBYFLOAT", "h", "g", "0.1").Result()
		require.NoError(t, err)
		require.Equal(t, "0.1", v, "HINCRBYFLOAT replies a bulk string in RESP3 too")
		v, err = c.Do(ctx, "HINCRBYFLOAT", "h", "g", "0.2").Result()
		require.NoError(t, err)
		require.Equal(t, "0.3", v, "long double arithmetic, as Redis")
		c.HSet(ctx, "h", "s", "abc", "max", strconv.FormatInt(1<<62, 10))
		requireRedisErr(t, c.HIncrBy(ctx, "h", "s", 1).Err(), "ERR hash value is not an integer")
		requireRedisErr(t, c.HIncrByFloat(ctx, "h", "s", 1).Err(), "ERR hash value is not a float")
		requireRedisErr(t, c.Do(ctx, "HINCRBY", "h", "n", "x").Err(), "ERR value is not an integer or out of range")
		requireRedisErr(t, c.Do(ctx, "HINCRBYFLOAT", "h", "n", "x").Err(), "ERR value is not a valid float")
		requireRedisErr(t, c.Do(ctx, "HINCRBYFLOAT", "h", "n", "inf").Err(), "ERR value is NaN or Infinity")
		require.NoError(t, c.HIncrBy(ctx, "h", "max", 1<<62-1).Err())
		requireRedisErr(t, c.HIncrBy(ctx, "h", "max", 1).Err(), "ERR increment or decrement would overflow")
		require.Equal(t, map[string]string{"n": "-2", "f": "10.75", "g": "0.3", "s": "abc", "max": "9223372036854775807"}, c.HGetAll(ctx, "h").Val())
	}},
	{"HRANDFIELD", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		_, err := c.Do(ctx, "HRANDFIELD", "nokey").Result()
		require.ErrorIs(t, err, redis.Nil)
		require.Equal(t, []string{}, c.HRandField(ctx, "nokey", 3).Val())
		require.Equal(t, []redis.KeyValue{}, c.HRandFieldWithValues(ctx, "nokey", 3).Val())
		c.HSet(ctx, "h", "a", "1", "b", "2", "c", "3")
		f, err := c.Do(ctx, "HRANDFIELD", "h").Result()
		require.NoError(t, err)
		require.Contains(t, []interface{}{"a", "b", "c"}, f)
		// count >= size: every field, in the listpack's order.
		require.Equal(t, []string{"a", "b", "c"}, c.HRandField(ctx, "h", 10).Val())
		require.Equal(t, []redis.KeyValue{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}},
			c.HRandFieldWithValues(ctx, "h", 3).Val())
		two := c.HRandField(ctx, "h", 2).Val()
		require.Len(t, two, 2)
		require.NotEqual(t, two[0], two[1], "a positive count gives distinct fields")
		neg := c.HRandFieldWithValues(ctx, "h", -7).Val()
		require.Len(t, neg, 7, "a negative count may repeat")
		for _, kv := range neg {
			require.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3"}[kv.Key], kv.Value)
		}
		// The raw WITHVALUES shape: pairs in RESP3, a flat array in RESP2.
		v, err := c.Do(ctx, "HRANDFIELD", "h", "-2", "WITHVALUES").Result()
		require.NoError(t, err)
		arr := v.([]interface{})
		if e.proto == 3 {
			require.Len(t, arr, 2)
			for _, p := range arr {
				require.Len(t, p.([]interface{}), 2)
			}
		} else {
			require.Len(t, arr, 4)
			for _, x := range arr {
				require.IsType(t, "", x)
			}
		}
		requireRedisErr(t, c.Do(ctx, "HRANDFIELD", "h", "1", "WITHVALUE").Err(), "ERR syntax error")
		requireRedisErr(t, c.Do(ctx, "HRANDFIELD", "h", "x").Err(), "ERR value is not an integer or out of range")
		requireRedisErr(t, c.Do(ctx, "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES").Err(), "ERR value is out of range")
	}},
	{"HSCAN listpack and hashtable", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys, cursor, err := c.HScan(ctx, "nokey", 0, "", 0).Result()
		require.NoError(t, err)
		require.Equal(t, uint64(0), cursor)
		require.Empty(t, keys)
		c.HSet(ctx, "small", "a", "1", "b", "2", "ab", "3")
		keys, cursor, err = c.HScan(ctx, "small", 0, "", 1).Result()
		require.NoError(t, err)
		require.Equal(t, uint64(0), cursor, "a listpack is returned whole")
		require.Equal(t, []string{"a", "1", "b", "2", "ab", "3"}, keys)
		keys, _, err = c.HScan(ctx, "small", 0, "a*", 0).Result()
		require.NoError(t, err)
		require.Equal(t, []string{"a", "1", "ab", "3"}, keys)

		want := bigHash(t, e, "big", 600)
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "big").Val())
		got := map[string]string{}
		cursor, calls := uint64(0), 0
		for {
			keys, next, err := c.HScan(ctx, "big", cursor, "", 20).Result()
			require.NoError(t, err)
			require.Zero(t, len(keys)%2)
			for i := 0; i < len(keys); i += 2 {
				got[keys[i]] = keys[i+1]
			}
			calls++
			if next == 0 {
				break
			}
			cursor = next
			require.Less(t, calls, 10000)
		}
		require.Equal(t, want, got)
		require.Greater(t, calls, 10, "a hashtable is scanned in steps")
		requireRedisErr(t, c.Do(ctx, "HSCAN", "big", "x").Err(), "ERR invalid cursor")
		requireRedisErr(t, c.Do(ctx, "HSCAN", "big", "0", "COUNT", "0").Err(), "ERR syntax error")
	}},
	{"encodings", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		bigHash(t, e, "h", 512)
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "h").Val())
		c.HSet(ctx, "h", "one-more", "v")
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "h").Val())
		c.HDel(ctx, "h", "one-more", "f0", "f1")
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "h").Val(), "never converted back")
		c.HSet(ctx, "v", "f", strings.Repeat("x", 64))
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "v").Val())
		c.HSet(ctx, "v", "f", strings.Repeat("x", 65))
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "v").Val())
		require.Equal(t, strings.Repeat("x", 65), c.HGet(ctx, "v", "f").Val())
		// HGETALL of a hashtable: any order, everything.
		want := bigHash(t, e, "t", 700)
		require.Equal(t, want, c.HGetAll(ctx, "t").Val())
		ks := c.HKeys(ctx, "t").Val()
		sort.Strings(ks)
		require.Len(t, ks, 700)
		require.Equal(t, "f0", ks[0])
		// COPY and RENAME keep the hash.
		require.Equal(t, int64(1), c.Copy(ctx, "t", "t2", 0, false).Val())
		c.HSet(ctx, "t2", "f0", "changed")
		require.Equal(t, "v0", c.HGet(ctx, "t", "f0").Val())
		require.Equal(t, int64(700), c.HLen(ctx, "t2").Val())
		require.NoError(t, c.Rename(ctx, "t2", "t3").Err())
		require.Equal(t, "changed", c.HGet(ctx, "t3", "f0").Val())
	}},
	{"WRONGTYPE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		c.Set(ctx, "s", "x", 0)
		const wt = "WRONGTYPE Operation against a key holding the wrong kind of value"
		requireRedisErr(t, c.HSet(ctx, "s", "f", "v").Err(), wt)
		requireRedisErr(t, c.HGet(ctx, "s", "f").Err(), wt)
		requireRedisErr(t, c.HGetAll(ctx, "s").Err(), wt)
		requireRedisErr(t, c.HLen(ctx, "s").Err(), wt)
		requireRedisErr(t, c.HDel(ctx, "s", "f").Err(), wt)
		requireRedisErr(t, c.HIncrBy(ctx, "s", "f", 1).Err(), wt)
		requireRedisErr(t, c.HRandField(ctx, "s", 1).Err(), wt)
		requireRedisErr(t, c.HScan(ctx, "s", 0, "", 0).Err(), wt)
		c.HSet(ctx, "h", "f", "v")
		requireRedisErr(t, c.Get(ctx, "h").Err(), wt)
		requireRedisErr(t, c.Do(ctx, "HSET", "h", "f").Err(), "ERR wrong number of arguments for 'hset' command")
		requireRedisErr(t, c.Do(ctx, "HMSET", "h", "f", "v", "g").Err(), "ERR wrong number of arguments for 'hmset' command")
	}},
	{"pipeline across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys := manyKeys("hash:", 64)
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range keys {
				p.HSet(ctx, k, "f1", "value-"+strconv.Itoa(i), "f2", "x")
				p.HIncrBy(ctx, k, "n", int64(i))
			}
			return nil
		})
		require.NoError(t, err)
		require.Len(t, cmds, 128)
		for i, k := range keys {
			require.Equal(t, map[string]string{"f1": "value-" + strconv.Itoa(i), "f2": "x", "n": strconv.Itoa(i)}, c.HGetAll(ctx, k).Val())
		}
		require.Equal(t, int64(64), c.DBSize(ctx).Val())
		var cursor uint64
		seen := map[string]bool{}
		for {
			ks, next, err := c.ScanType(ctx, cursor, "hash:*", 100, "hash").Result()
			require.NoError(t, err)
			for _, k := range ks {
				seen[k] = true
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		require.Len(t, seen, 64)
	}},
}
