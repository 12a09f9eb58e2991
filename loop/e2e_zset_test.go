package loop_test

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/shard"
)

// Sorted-set commands through go-redis, RESP2 and RESP3 (see
// e2e_goredis_test.go; DUVA_E2E_ORACLE runs the same cases against a real
// redis-server, which is how the expectations were checked).

func TestZsE2EGoRedis(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, zsE2ECases)
}

// zsKeysApart returns n key names that live on n different shards of a
// 4-shard duva (shards own contiguous hash slot ranges).
func zsKeysApart(prefix string, n int) []string {
	var keys []string
	seen := map[int]bool{}
	for i := 0; len(keys) < n; i++ {
		k := prefix + strconv.Itoa(i)
		s := int(shard.KeySlot([]byte(k))) * 4 / shard.SlotCount
		if !seen[s] {
			seen[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

func zsMembers(zs []redis.Z) []string {
	out := make([]string, len(zs))
	for i, z := range zs {
		out[i] = z.Member.(string)
	}
	return out
}

var zsE2ECases = []e2eCase{
	{"ZADD options, ZSCORE, ZMSCORE, ZINCRBY", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(3), c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}).Val())
		require.Equal(t, int64(0), c.ZAdd(ctx, "z", redis.Z{Score: 10, Member: "a"}).Val(), "an update is not counted")
		require.Equal(t, int64(1), c.ZAddArgs(ctx, "z", redis.ZAddArgs{Ch: true, Members: []redis.Z{{Score: 11, Member: "a"}}}).Val())
		require.Equal(t, int64(0), c.ZAddNX(ctx, "z", redis.Z{Score: 0, Member: "a"}).Val())
		require.Equal(t, int64(0), c.ZAddXX(ctx, "z", redis.Z{Score: 0, Member: "new"}).Val())
		require.Equal(t, int64(1), c.ZAddGT(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 4, Member: "d"}).Val(), "GT adds new members")
		require.Equal(t, 11.0, c.ZScore(ctx, "z", "a").Val())
		require.Equal(t, int64(0), c.ZAddArgs(ctx, "z", redis.ZAddArgs{LT: true, Ch: true, Members: []redis.Z{{Score: 20, Member: "a"}}}).Val())
		require.Equal(t, 12.5, c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{Members: []redis.Z{{Score: 1.5, Member: "a"}}}).Val())
		require.ErrorIs(t, c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{NX: true, Members: []redis.Z{{Score: 1, Member: "a"}}}).Err(), redis.Nil)
		require.ErrorIs(t, c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{GT: true, Members: []redis.Z{{Score: -1, Member: "a"}}}).Err(), redis.Nil)
		require.Equal(t, 2.5, c.ZIncrBy(ctx, "z", 0.5, "b").Val())
		require.Equal(t, 0.1, c.ZIncrBy(ctx, "new", 0.1, "x").Val())
		require.Equal(t, 0.30000000000000004, c.ZIncrBy(ctx, "new", 0.2, "x").Val())
		require.Equal(t, -5.0, c.ZIncrBy(ctx, "created", -5, "m").Val())
		_, err := c.ZScore(ctx, "z", "nosuch").Result()
		require.ErrorIs(t, err, redis.Nil)
		_, err = c.ZScore(ctx, "nokey", "a").Result()
		require.ErrorIs(t, err, redis.Nil)
		require.Equal(t, []float64{12.5, 0, 3}, c.ZMScore(ctx, "z", "a", "nosuch", "c").Val())
		require.Equal(t, int64(4), c.ZCard(ctx, "z").Val())
		require.Equal(t, int64(0), c.ZCard(ctx, "nokey").Val())
		// infinities round-trip
		require.Equal(t, int64(2), c.ZAdd(ctx, "inf", redis.Z{Score: math.Inf(1), Member: "p"}, redis.Z{Score: math.Inf(-1), Member: "n"}).Val())
		require.Equal(t, math.Inf(1), c.ZScore(ctx, "inf", "p").Val())
		require.Equal(t, math.Inf(-1), c.ZScore(ctx, "inf", "n").Val())
		// the raw shapes: a bulk string in RESP2, a double in RESP3
		raw, err := c.Do(ctx, "ZSCORE", "z", "b").Result()
		require.NoError(t, err)
		raw2, err := c.Do(ctx, "ZMSCORE", "z", "b", "nosuch").Result()
		require.NoError(t, err)
		if e.proto == 2 {
			require.Equal(t, "2.5", raw)
			require.Equal(t, []interface{}{"2.5", nil}, raw2)
		} else {
			require.Equal(t, 2.5, raw)
			require.Equal(t, []interface{}{2.5, nil}, raw2)
		}
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"ZADD", "z", "nan", "a"}, "ERR value is not a valid float"},
			{[]interface{}{"ZADD", "z", "abc", "a"}, "ERR value is not a valid float"},
			{[]interface{}{"ZADD", "z", "1e400", "a"}, "ERR value is not a valid float"},
			{[]interface{}{"ZADD", "z", "NX", "XX", "1", "a"}, "ERR XX and NX options at the same time are not compatible"},
			{[]interface{}{"ZADD", "z", "GT", "LT", "1", "a"}, "ERR GT, LT, and/or NX options at the same time are not compatible"},
			{[]interface{}{"ZADD", "z", "INCR", "1", "a", "2", "b"}, "ERR INCR option supports a single increment-element pair"},
			{[]interface{}{"ZADD", "z", "1", "a", "2"}, "ERR syntax error"},
			{[]interface{}{"ZADD", "z", "1"}, "ERR wrong number of arguments for 'zadd' command"},
			{[]interface{}{"ZINCRBY", "inf", "-inf", "p"}, "ERR resulting score is not a number (NaN)"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
		require.Equal(t, []float64{12.5, 2.5}, c.ZMScore(ctx, "z", "a", "b").Val(), "failed commands change nothing")
		require.Equal(t, math.Inf(1), c.ZScore(ctx, "inf", "p").Val())
	}},
	{"ZRANGE family, ZCOUNT, ZLEXCOUNT, ZRANK", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"},
			redis.Z{Score: 4, Member: "d"}, redis.Z{Score: 5, Member: "e"})
		require.Equal(t, []string{"a", "b", "c", "d", "e"}, c.ZRange(ctx, "z", 0, -1).Val())
		require.Equal(t, []redis.Z{{Score: 2, Member: "b"}, {Score: 3, Member: "c"}}, c.ZRangeWithScores(ctx, "z", 1, 2).Val())
		require.Equal(t, []string{"e", "d"}, c.ZRevRange(ctx, "z", 0, 1).Val())
		require.Equal(t, []redis.Z{{Score: 5, Member: "e"}}, c.ZRevRangeWithScores(ctx, "z", 0, 0).Val())
		require.Equal(t, []string{}, c.ZRange(ctx, "z", 3, 1).Val())
		require.Equal(t, []string{}, c.ZRange(ctx, "nokey", 0, -1).Val())
		require.Equal(t, []string{"c", "d"}, c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(2", Stop: 4, ByScore: true}).Val())
		require.Equal(t, []string{"d", "c"}, c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(2", Stop: 4, ByScore: true, Rev: true}).Val())
		require.Equal(t, []redis.Z{{Score: 3, Member: "c"}, {Score: 4, Member: "d"}}, c.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "z", Start: "-inf", Stop: "+inf", ByScore: true, Offset: 2, Count: 2}).Val())
		require.Equal(t, []string{"b", "c"}, c.ZRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "2", Max: "(4"}).Val())
		require.Equal(t, []redis.Z{{Score: 4, Member: "d"}, {Score: 3, Member: "c"}}, c.ZRevRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "-inf", Max: "+inf", Offset: 1, Count: 2}).Val())
		require.Equal(t, int64(3), c.ZCount(ctx, "z", "2", "4").Val())
		require.Equal(t, int64(2), c.ZCount(ctx, "z", "(1", "(4").Val())
		require.Equal(t, int64(0), c.ZCount(ctx, "nokey", "-inf", "+inf").Val())
		require.Equal(t, int64(2), c.ZRank(ctx, "z", "c").Val())
		require.Equal(t, int64(0), c.ZRevRank(ctx, "z", "e").Val())
		require.ErrorIs(t, c.ZRank(ctx, "z", "nosuch").Err(), redis.Nil)
		require.ErrorIs(t, c.ZRevRank(ctx, "nokey", "a").Err(), redis.Nil)
		// lex ranges over equal scores
		c.ZAdd(ctx, "lex", redis.Z{Member: "a"}, redis.Z{Member: "b"}, redis.Z{Member: "c"}, redis.Z{Member: "d"})
		require.Equal(t, []string{"b", "c"}, c.ZRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "(a", Max: "[c"}).Val())
		require.Equal(t, []string{"d", "c"}, c.ZRevRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "[c", Max: "+"}).Val())
		require.Equal(t, []string{"b"}, c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "-", Stop: "+", ByLex: true, Offset: 1, Count: 1}).Val())
		require.Equal(t, int64(4), c.ZLexCount(ctx, "lex", "-", "+").Val())
		require.Equal(t, int64(2), c.ZLexCount(ctx, "lex", "[b", "(d").Val())
		// raw WITHSCORES shapes: flat in RESP2, [member, double] pairs in RESP3
		raw, err := c.Do(ctx, "ZRANGE", "z", 0, 1, "WITHSCORES").Result()
		require.NoError(t, err)
		if e.proto == 2 {
			require.Equal(t, []interface{}{"a", "1", "b", "2"}, raw)
		} else {
			require.Equal(t, []interface{}{[]interface{}{"a", 1.0}, []interface{}{"b", 2.0}}, raw)
		}
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"ZRANGEBYSCORE", "z", "a", "5"}, "ERR min or max is not a float"},
			{[]interface{}{"ZCOUNT", "z", "nan", "5"}, "ERR min or max is not a float"},
			{[]interface{}{"ZRANGEBYLEX", "lex", "a", "+"}, "ERR min or max not valid string range item"},
			{[]interface{}{"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
			{[]interface{}{"ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"}, "ERR syntax error, WITHSCORES not supported in combination with BYLEX"},
			{[]interface{}{"ZRANGE", "z", "a", "1"}, "ERR value is not an integer or out of range"},
			{[]interface{}{"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}, "ERR syntax error"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"ZPOPMIN ZPOPMAX ZMPOP and the blocking pops", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys := zsKeysApart("pop", 2)
		c.ZAdd(ctx, keys[1], redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}, redis.Z{Score: 4, Member: "d"})
		require.Equal(t, []redis.Z{{Score: 1, Member: "a"}}, c.ZPopMin(ctx, keys[1]).Val())
		require.Equal(t, []redis.Z{{Score: 4, Member: "d"}, {Score: 3, Member: "c"}}, c.ZPopMax(ctx, keys[1], 2).Val())
		require.Equal(t, []redis.Z{}, c.ZPopMin(ctx, "nokey").Val())
		key, zs, err := c.ZMPop(ctx, "min", 5, keys[0], keys[1]).Result()
		require.NoError(t, err)
		require.Equal(t, keys[1], key)
		require.Equal(t, []redis.Z{{Score: 2, Member: "b"}}, zs)
		require.Equal(t, int64(0), c.Exists(ctx, keys[1]).Val(), "an emptied sorted set is deleted")
		_, _, err = c.ZMPop(ctx, "max", 1, keys[0], keys[1]).Result()
		require.ErrorIs(t, err, redis.Nil)
		// served at once
		c.ZAdd(ctx, keys[0], redis.Z{Score: 5, Member: "x"}, redis.Z{Score: 6, Member: "y"}, redis.Z{Score: 7, Member: "w"})
		zk, err := c.BZPopMin(ctx, time.Second, keys[1], keys[0]).Result()
		require.NoError(t, err)
		require.Equal(t, &redis.ZWithKey{Z: redis.Z{Score: 5, Member: "x"}, Key: keys[0]}, zk)
		zk, err = c.BZPopMax(ctx, time.Second, keys[0]).Result()
		require.NoError(t, err)
		require.Equal(t, redis.Z{Score: 7, Member: "w"}, zk.Z)
		key, zs, err = c.BZMPop(ctx, time.Second, "max", 10, keys[1], keys[0]).Result()
		require.NoError(t, err)
		require.Equal(t, keys[0], key)
		require.Equal(t, []redis.Z{{Score: 6, Member: "y"}}, zs)
		// timing out: a nil reply (go-redis rounds timeouts up to 1s: use Do)
		require.ErrorIs(t, c.Do(ctx, "BZPOPMIN", keys[0], keys[1], "0.05").Err(), redis.Nil)
		require.ErrorIs(t, c.Do(ctx, "BZMPOP", "0.05", 1, keys[0], "MIN").Err(), redis.Nil)
		// woken by another client's ZADD (which creates the key)
		other := e.client(t, nil)
		done := make(chan *redis.ZWithKey, 1)
		go func() {
			zk, err := c.BZPopMax(context.Background(), 5*time.Second, keys[0], keys[1]).Result()
			if err != nil {
				zk = nil
			}
			done <- zk
		}()
		time.Sleep(50 * time.Millisecond)
		require.Equal(t, int64(2), other.ZAdd(ctx, keys[1], redis.Z{Score: 8, Member: "p"}, redis.Z{Score: 9, Member: "q"}).Val())
		select {
		case zk := <-done:
			require.Equal(t, &redis.ZWithKey{Z: redis.Z{Score: 9, Member: "q"}, Key: keys[1]}, zk)
		case <-time.After(5 * time.Second):
			t.Fatal("BZPOPMAX was not woken by ZADD")
		}
		require.Equal(t, []string{"p"}, other.ZRange(ctx, keys[1], 0, -1).Val())
		// a ZUNIONSTORE that creates the key wakes a BZMPOP too
		c.Del(ctx, keys[1])
		other.ZAdd(ctx, "src", redis.Z{Score: 1, Member: "m1"}, redis.Z{Score: 2, Member: "m2"})
		type popped struct {
			key string
			zs  []redis.Z
		}
		done2 := make(chan popped, 1)
		go func() {
			k, zs, _ := c.BZMPop(context.Background(), 5*time.Second, "min", 5, keys[1]).Result()
			done2 <- popped{k, zs}
		}()
		time.Sleep(50 * time.Millisecond)
		require.Equal(t, int64(2), other.ZUnionStore(ctx, keys[1], &redis.ZStore{Keys: []string{"src"}, Weights: []float64{10}}).Val())
		select {
		case p := <-done2:
			require.Equal(t, popped{keys[1], []redis.Z{{Score: 10, Member: "m1"}, {Score: 20, Member: "m2"}}}, p)
		case <-time.After(5 * time.Second):
			t.Fatal("BZMPOP was not woken by ZUNIONSTORE")
		}
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"ZPOPMIN", "z", "-1"}, "ERR value is out of range, must be positive"},
			{[]interface{}{"ZMPOP", "0", "z", "MIN"}, "ERR numkeys should be greater than 0"},
			{[]interface{}{"ZMPOP", "1", "z", "MIN", "COUNT", "0"}, "ERR count should be greater than 0"},
			{[]interface{}{"ZMPOP", "1", "z", "FOO"}, "ERR syntax error"},
			{[]interface{}{"BZPOPMIN", "z", "-1"}, "ERR timeout is negative"},
			{[]interface{}{"BZPOPMIN", "z", "x"}, "ERR timeout is not a float or out of range"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"ZUNION ZINTER ZDIFF, STORE forms and ZINTERCARD across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k := zsKeysApart("alg", 4)
		c.ZAdd(ctx, k[0], redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"})
		c.ZAdd(ctx, k[1], redis.Z{Score: 10, Member: "b"}, redis.Z{Score: 20, Member: "c"}, redis.Z{Score: 30, Member: "d"})
		c.SAdd(ctx, k[2], "a", "d", "e")
		require.Equal(t, []string{"a", "b", "c", "d"}, c.ZUnion(ctx, redis.ZStore{Keys: k[:2]}).Val())
		require.Equal(t, []redis.Z{{Score: 1, Member: "a"}, {Score: 12, Member: "b"}, {Score: 23, Member: "c"}, {Score: 30, Member: "d"}},
			c.ZUnionWithScores(ctx, redis.ZStore{Keys: k[:2]}).Val())
		require.Equal(t, []redis.Z{{Score: 2, Member: "a"}, {Score: 5, Member: "b"}, {Score: 10, Member: "c"}, {Score: 15, Member: "d"}},
			c.ZUnionWithScores(ctx, redis.ZStore{Keys: k[:2], Weights: []float64{2, 0.5}, Aggregate: "MAX"}).Val())
		require.Equal(t, []redis.Z{{Score: 2, Member: "b"}, {Score: 3, Member: "c"}},
			c.ZInterWithScores(ctx, &redis.ZStore{Keys: k[:2], Aggregate: "MIN"}).Val())
		require.Equal(t, []string{"a"}, c.ZDiff(ctx, k[0], k[1]).Val())
		require.Equal(t, []redis.Z{{Score: 2, Member: "b"}, {Score: 3, Member: "c"}}, c.ZDiffWithScores(ctx, k[0], k[2]).Val(), "a set is an input with scores 1")
		require.Equal(t, []redis.Z{{Score: 1, Member: "d"}, {Score: 1, Member: "e"}, {Score: 2, Member: "a"}, {Score: 2, Member: "b"}, {Score: 3, Member: "c"}},
			c.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{k[0], k[2]}}).Val())
		require.Equal(t, int64(4), c.ZUnionStore(ctx, k[3], &redis.ZStore{Keys: k[:2], Weights: []float64{1, 2}}).Val())
		require.Equal(t, []redis.Z{{Score: 1, Member: "a"}, {Score: 22, Member: "b"}, {Score: 43, Member: "c"}, {Score: 60, Member: "d"}},
			c.ZRangeWithScores(ctx, k[3], 0, -1).Val())
		require.Equal(t, int64(2), c.ZInterStore(ctx, k[3], &redis.ZStore{Keys: k[:2], Aggregate: "MAX"}).Val())
		require.Equal(t, []string{"b", "c"}, c.ZRange(ctx, k[3], 0, -1).Val())
		require.Equal(t, int64(1), c.ZDiffStore(ctx, k[3], k[1], k[0]).Val())
		require.Equal(t, []redis.Z{{Score: 30, Member: "d"}}, c.ZRangeWithScores(ctx, k[3], 0, -1).Val())
		require.Equal(t, int64(0), c.ZInterStore(ctx, k[3], &redis.ZStore{Keys: []string{k[0], "nokey"}}).Val())
		require.Equal(t, int64(0), c.Exists(ctx, k[3]).Val(), "an empty result deletes the destination")
		require.Equal(t, int64(2), c.ZInterCard(ctx, 0, k[0], k[1]).Val())
		require.Equal(t, int64(1), c.ZInterCard(ctx, 1, k[0], k[1]).Val())
		require.Equal(t, int64(1), c.ZInterCard(ctx, 0, k[0], k[2]).Val())
		// RESP3 gives nested pairs for WITHSCORES, RESP2 a flat array
		raw, err := c.Do(ctx, "ZINTER", 2, k[0], k[1], "WITHSCORES").Result()
		require.NoError(t, err)
		if e.proto == 2 {
			require.Equal(t, []interface{}{"b", "12", "c", "23"}, raw)
		} else {
			require.Equal(t, []interface{}{[]interface{}{"b", 12.0}, []interface{}{"c", 23.0}}, raw)
		}
		c.Set(ctx, "str", "x", 0)
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"ZUNIONSTORE", "d", "0", "z"}, "ERR at least 1 input key is needed for 'zunionstore' command"},
			{[]interface{}{"ZINTER", "0", "z"}, "ERR at least 1 input key is needed for 'zinter' command"},
			{[]interface{}{"ZUNION", "3", "a", "b"}, "ERR syntax error"},
			{[]interface{}{"ZUNION", "2", k[0], k[1], "WEIGHTS", "1", "x"}, "ERR weight value is not a float"},
			{[]interface{}{"ZUNION", "2", k[0], k[1], "AGGREGATE", "avg"}, "ERR syntax error"},
			{[]interface{}{"ZDIFF", "2", k[0], k[1], "WEIGHTS", "1", "1"}, "ERR syntax error"},
			{[]interface{}{"ZUNIONSTORE", "d", "1", k[0], "WITHSCORES"}, "ERR syntax error"},
			{[]interface{}{"ZINTERCARD", "2", k[0], k[1], "LIMIT", "-1"}, "ERR LIMIT can't be negative"},
			{[]interface{}{"ZINTER", "2", k[0], "str"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"ZRANGESTORE ZREMRANGEBY* ZRANDMEMBER", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k := zsKeysApart("rs", 2)
		for i := 1; i <= 6; i++ {
			c.ZAdd(ctx, k[0], redis.Z{Score: float64(i), Member: string(rune('a' + i - 1))})
		}
		require.Equal(t, int64(3), c.ZRangeStore(ctx, k[1], redis.ZRangeArgs{Key: k[0], Start: 0, Stop: 2}).Val())
		require.Equal(t, []string{"a", "b", "c"}, c.ZRange(ctx, k[1], 0, -1).Val())
		require.Equal(t, int64(2), c.ZRangeStore(ctx, k[1], redis.ZRangeArgs{Key: k[0], Start: "(2", Stop: "+inf", ByScore: true, Rev: true, Count: 2}).Val())
		require.Equal(t, []redis.Z{{Score: 5, Member: "e"}, {Score: 6, Member: "f"}}, c.ZRangeWithScores(ctx, k[1], 0, -1).Val())
		require.Equal(t, int64(0), c.ZRangeStore(ctx, k[1], redis.ZRangeArgs{Key: "nokey", Start: 0, Stop: -1}).Val())
		require.Equal(t, int64(0), c.Exists(ctx, k[1]).Val())

		require.Equal(t, []string{"f", "e", "d", "c", "b", "a"}, c.ZRandMember(ctx, k[0], 10).Val(), "a count above the size gives the whole set")
		require.Equal(t, []redis.Z{{Score: 6, Member: "f"}, {Score: 5, Member: "e"}, {Score: 4, Member: "d"}, {Score: 3, Member: "c"}, {Score: 2, Member: "b"}, {Score: 1, Member: "a"}},
			c.ZRandMemberWithScores(ctx, k[0], 6).Val())
		sample := c.ZRandMember(ctx, k[0], 3).Val()
		require.Len(t, sample, 3)
		seen := map[string]bool{}
		for _, m := range sample {
			require.False(t, seen[m], "ZRANDMEMBER with a positive count repeats nothing")
			seen[m] = true
			require.Contains(t, []string{"a", "b", "c", "d", "e", "f"}, m)
		}
		require.Len(t, c.ZRandMember(ctx, k[0], -20).Val(), 20)
		withScores := c.ZRandMemberWithScores(ctx, k[0], -5).Val()
		require.Len(t, withScores, 5)
		for _, z := range withScores {
			require.Equal(t, float64(z.Member.(string)[0]-'a'+1), z.Score)
		}
		one, err := c.Do(ctx, "ZRANDMEMBER", k[0]).Text()
		require.NoError(t, err)
		require.Contains(t, []string{"a", "b", "c", "d", "e", "f"}, one)
		require.ErrorIs(t, c.Do(ctx, "ZRANDMEMBER", "nokey").Err(), redis.Nil)

		require.Equal(t, int64(2), c.ZRemRangeByRank(ctx, k[0], 0, 1).Val())
		require.Equal(t, int64(2), c.ZRemRangeByScore(ctx, k[0], "(3", "5").Val())
		require.Equal(t, []string{"c", "f"}, c.ZRange(ctx, k[0], 0, -1).Val())
		c.ZAdd(ctx, "lex", redis.Z{Member: "a"}, redis.Z{Member: "b"}, redis.Z{Member: "c"})
		require.Equal(t, int64(2), c.ZRemRangeByLex(ctx, "lex", "[b", "+").Val())
		require.Equal(t, int64(1), c.ZRem(ctx, "lex", "a", "nosuch").Val())
		require.Equal(t, int64(0), c.Exists(ctx, "lex").Val())
	}},
	{"ZSCAN, encodings and conversions", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		c.ZAdd(ctx, "small", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 2, Member: "b"})
		keys, cursor, err := c.ZScan(ctx, "small", 0, "", 0).Result()
		require.NoError(t, err)
		require.Equal(t, uint64(0), cursor)
		require.Equal(t, []string{"a", "1.5", "b", "2"}, keys, "ZSCAN scores are strings in both protocols")
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "small").Val())

		big := make([]redis.Z, 300)
		for i := range big {
			big[i] = redis.Z{Score: float64(i), Member: "m" + strconv.Itoa(i)}
		}
		require.Equal(t, int64(128), c.ZAdd(ctx, "big", big[:128]...).Val())
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "big").Val())
		c.ZAdd(ctx, "big", big[128:]...)
		require.Equal(t, "skiplist", c.ObjectEncoding(ctx, "big").Val())
		got := map[string]string{}
		cursor = 0
		for calls := 0; ; calls++ {
			require.Less(t, calls, 1000)
			keys, next, err := c.ZScan(ctx, "big", cursor, "m1*", 20).Result()
			require.NoError(t, err)
			for i := 0; i < len(keys); i += 2 {
				got[keys[i]] = keys[i+1]
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		want := map[string]string{}
		for i := range big {
			if m := big[i].Member.(string); strings.HasPrefix(m, "m1") {
				want[m] = strconv.Itoa(i)
			}
		}
		require.Equal(t, want, got)
		// ranges on the skiplist
		require.Equal(t, []string{"m299", "m298"}, c.ZRevRange(ctx, "big", 0, 1).Val())
		require.Equal(t, int64(150), c.ZRank(ctx, "big", "m150").Val())
		require.Equal(t, int64(101), c.ZCount(ctx, "big", "100", "200").Val())
		// a long member converts too; the STORE commands convert back
		c.ZAdd(ctx, "long", redis.Z{Score: 1, Member: strings.Repeat("x", 64)})
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "long").Val())
		c.ZAdd(ctx, "long", redis.Z{Score: 2, Member: strings.Repeat("y", 65)})
		require.Equal(t, "skiplist", c.ObjectEncoding(ctx, "long").Val())
		c.ZRem(ctx, "long", strings.Repeat("y", 65))
		require.Equal(t, "skiplist", c.ObjectEncoding(ctx, "long").Val(), "removing never converts back")
		require.Equal(t, int64(1), c.ZUnionStore(ctx, "back", &redis.ZStore{Keys: []string{"long"}}).Val())
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "back").Val())
		require.Equal(t, int64(10), c.ZRangeStore(ctx, "back2", redis.ZRangeArgs{Key: "big", Start: 0, Stop: 9}).Val())
		require.Equal(t, "listpack", c.ObjectEncoding(ctx, "back2").Val())
		require.Equal(t, "zset", c.Type(ctx, "big").Val())
		require.Greater(t, c.MemoryUsage(ctx, "big").Val(), c.MemoryUsage(ctx, "back2").Val())
		require.True(t, c.Copy(ctx, "big", "bigcopy", 0, false).Val() == 1)
		require.Equal(t, int64(300), c.ZCard(ctx, "bigcopy").Val())
		require.Equal(t, "skiplist", c.ObjectEncoding(ctx, "bigcopy").Val())
		c.ZRem(ctx, "bigcopy", "m0")
		require.Equal(t, int64(300), c.ZCard(ctx, "big").Val(), "COPY is deep")
		// WRONGTYPE both ways
		c.Set(ctx, "str", "v", 0)
		requireRedisErr(t, c.ZAdd(ctx, "str", redis.Z{Score: 1, Member: "a"}).Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		requireRedisErr(t, c.Get(ctx, "big").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		// sorted order of the whole skiplist
		all := c.ZRangeWithScores(ctx, "big", 0, -1).Val()
		require.Len(t, all, 300)
		require.True(t, sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Score < all[j].Score }))
		require.Equal(t, "m0", zsMembers(all)[0])
	}},
}
