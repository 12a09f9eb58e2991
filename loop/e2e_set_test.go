package loop_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/shard"
)

// Set commands through go-redis, RESP2 and RESP3 (see e2e_goredis_test.go;
// DUVA_E2E_ORACLE runs the same cases against a real redis-server).

func TestStE2EGoRedis(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, stE2ECases)
}

// stKeysApart returns n key names on n different shards of a 4-shard duva
// (shards own contiguous hash slot ranges).
func stKeysApart(prefix string, n int) []string {
	var keys []string
	used := map[int]bool{}
	for i := 0; len(keys) < n; i++ {
		k := prefix + strconv.Itoa(i)
		s := int(shard.KeySlot([]byte(k))) * 4 / shard.SlotCount
		if !used[s] {
			used[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

func stSorted(l []string) []string {
	l = append([]string(nil), l...)
	sort.Strings(l)
	return l
}

func stInts(from, to int) []interface{} {
	var l []interface{}
	for i := from; i <= to; i++ {
		l = append(l, i)
	}
	return l
}

var stE2ECases = []e2eCase{
	{"add, members, card, ismember", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(3), c.SAdd(ctx, "s", 3, 1, 2).Val())
		require.Equal(t, int64(1), c.SAdd(ctx, "s", 2, 4).Val())
		require.Equal(t, []string{"1", "2", "3", "4"}, c.SMembers(ctx, "s").Val(), "an intset is in ascending order")
		require.Equal(t, "intset", c.ObjectEncoding(ctx, "s").Val())
		require.Equal(t, "set", c.Type(ctx, "s").Val())
		require.Equal(t, int64(4), c.SCard(ctx, "s").Val())
		require.True(t, c.SIsMember(ctx, "s", 1).Val())
		require.False(t, c.SIsMember(ctx, "s", "a").Val())
		require.Equal(t, []bool{true, false, true}, c.SMIsMember(ctx, "s", 1, 9, "4").Val())
		require.Equal(t, []bool{false, false}, c.SMIsMember(ctx, "nokey", 1, 2).Val())
		require.Equal(t, int64(0), c.SCard(ctx, "nokey").Val())
		require.Equal(t, []string{}, c.SMembers(ctx, "nokey").Val())
		require.Equal(t, int64(2), c.SAdd(ctx, "s", "a", "", "a").Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "s").Val())
		require.ElementsMatch(t, []string{"1", "2", "3", "4", "a", ""}, c.SMembers(ctx, "s").Val())
		require.Equal(t, map[string]struct{}{"1": {}, "2": {}, "3": {}, "4": {}, "a": {}, "": {}}, c.SMembersMap(ctx, "s").Val())
		require.Equal(t, int64(2), c.SRem(ctx, "s", "a", "", "nosuch").Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "s").Val(), "never converts back")
		require.Equal(t, int64(4), c.SRem(ctx, "s", 1, 2, 3, 4).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "s").Val(), "an emptied set is deleted")
		// Binary-safe members.
		require.Equal(t, int64(3), c.SAdd(ctx, "bin", "a\x00b", "\r\n", "\xff").Val())
		require.ElementsMatch(t, []string{"a\x00b", "\r\n", "\xff"}, c.SMembers(ctx, "bin").Val())
		require.True(t, c.SIsMember(ctx, "bin", "a\x00b").Val())
	}},
	{"intset limit", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(512), c.SAdd(ctx, "big", stInts(1, 512)...).Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, "big").Val())
		require.Equal(t, int64(1), c.SAdd(ctx, "big", 513).Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "big").Val())
		// A STORE builds a new set: an intset again when it can be one.
		require.Equal(t, int64(513), c.SDiffStore(ctx, "small", "big", "nokey").Val())
		require.Equal(t, int64(1), c.SRem(ctx, "small", 513).Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "small").Val())
		require.Equal(t, int64(512), c.SUnionStore(ctx, "small2", "small").Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, "small2").Val())
		// CONFIG SET applies at the next successful add.
		require.NoError(t, c.ConfigSet(ctx, "set-max-intset-entries", "3").Err())
		defer c.ConfigSet(ctx, "set-max-intset-entries", "512")
		require.Equal(t, int64(3), c.SAdd(ctx, "c", 1, 2, 3).Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, "c").Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, "small2").Val())
		require.Equal(t, int64(1), c.SAdd(ctx, "c", 4).Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, "c").Val())
	}},
	{"pop and random members", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.ErrorIs(t, c.SPop(ctx, "nokey").Err(), redis.Nil)
		require.ErrorIs(t, c.SRandMember(ctx, "nokey").Err(), redis.Nil)
		v, err := c.SPopN(ctx, "nokey", 3).Result()
		require.NoError(t, err)
		require.Empty(t, v)
		v, err = c.SRandMemberN(ctx, "nokey", -3).Result()
		require.NoError(t, err)
		require.Empty(t, v)
		require.NoError(t, c.SAdd(ctx, "p", "a", "b", "c", "d", "e").Err())
		m := c.SRandMember(ctx, "p").Val()
		require.Contains(t, []string{"a", "b", "c", "d", "e"}, m)
		r := c.SRandMemberN(ctx, "p", -20).Val()
		require.Len(t, r, 20)
		r = c.SRandMemberN(ctx, "p", 3).Val()
		require.Len(t, r, 3)
		require.Len(t, map[string]bool{r[0]: true, r[1]: true, r[2]: true}, 3, "distinct members")
		require.ElementsMatch(t, []string{"a", "b", "c", "d", "e"}, c.SRandMemberN(ctx, "p", 10).Val())
		popped := c.SPopN(ctx, "p", 2).Val()
		require.Len(t, popped, 2)
		require.Equal(t, int64(3), c.SCard(ctx, "p").Val())
		one := c.SPop(ctx, "p").Val()
		require.NotContains(t, popped, one)
		rest := c.SPopN(ctx, "p", 10).Val()
		require.ElementsMatch(t, []string{"a", "b", "c", "d", "e"}, append(append(popped, one), rest...))
		require.Equal(t, int64(0), c.Exists(ctx, "p").Val())
		requireRedisErr(t, c.SPopN(ctx, "p", -1).Err(), "ERR value is out of range, must be positive")
		require.NoError(t, c.SAdd(ctx, "ints", 3, 1, 2).Err())
		require.Equal(t, []string{"1", "2", "3"}, c.SPopN(ctx, "ints", 3).Val(), "all of an intset, ascending")
	}},
	{"move across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k := stKeysApart("mv", 3)
		require.NoError(t, c.SAdd(ctx, k[0], 1, 2, "a").Err())
		require.True(t, c.SMove(ctx, k[0], k[1], 1).Val())
		require.False(t, c.SMove(ctx, k[0], k[1], "nosuch").Val())
		require.False(t, c.SMove(ctx, "nokey", k[1], 1).Val())
		require.True(t, c.SMove(ctx, k[0], k[0], 2).Val())
		require.Equal(t, []string{"1"}, c.SMembers(ctx, k[1]).Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, k[1]).Val())
		require.True(t, c.SMove(ctx, k[0], k[2], "a").Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, k[2]).Val())
		require.True(t, c.SMove(ctx, k[0], k[2], 2).Val())
		require.Equal(t, int64(0), c.Exists(ctx, k[0]).Val())
		require.ElementsMatch(t, []string{"a", "2"}, c.SMembers(ctx, k[2]).Val())
		require.NoError(t, c.Set(ctx, "str", "x", 0).Err())
		requireRedisErr(t, c.SMove(ctx, k[2], "str", "a").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		require.False(t, c.SMove(ctx, "nokey", "str", "a").Val())
	}},
	{"inter union diff across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k := stKeysApart("op", 4)
		a, b, h, d := k[0], k[1], k[2], k[3]
		require.NoError(t, c.SAdd(ctx, a, 1, 2, 3, 4, 5).Err())
		require.NoError(t, c.SAdd(ctx, b, 2, 3, 4, 6).Err())
		require.NoError(t, c.SAdd(ctx, h, "x", 3, "y").Err())
		require.Equal(t, []string{"2", "3", "4"}, c.SInter(ctx, a, b).Val())
		require.Equal(t, []string{"1", "2", "3", "4", "5", "6"}, c.SUnion(ctx, a, b).Val())
		require.Equal(t, []string{"1", "5"}, c.SDiff(ctx, a, b).Val())
		require.Equal(t, []string{"3"}, c.SInter(ctx, a, b, h).Val())
		require.ElementsMatch(t, []string{"1", "2", "3", "4", "5", "x", "y"}, c.SUnion(ctx, a, h).Val())
		require.ElementsMatch(t, []string{"x", "y"}, c.SDiff(ctx, h, a).Val())
		require.Equal(t, []string{}, c.SInter(ctx, a, "nokey").Val())
		require.Equal(t, int64(3), c.SInterCard(ctx, 0, a, b).Val())
		require.Equal(t, int64(2), c.SInterCard(ctx, 2, a, b).Val())
		require.Equal(t, int64(0), c.SInterCard(ctx, 0, a, "nokey").Val())
		require.Equal(t, int64(3), c.SInterStore(ctx, d, a, b).Val())
		require.Equal(t, []string{"2", "3", "4"}, c.SMembers(ctx, d).Val())
		require.Equal(t, int64(7), c.SUnionStore(ctx, d, a, h).Val())
		require.Equal(t, "hashtable", c.ObjectEncoding(ctx, d).Val())
		require.Equal(t, int64(2), c.SDiffStore(ctx, d, a, b).Val())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, d).Val())
		require.Equal(t, int64(0), c.SInterStore(ctx, d, a, "nokey").Val())
		require.Equal(t, int64(0), c.Exists(ctx, d).Val(), "an empty result deletes the destination")
		// The destination may hold any type; it is replaced, TTL included.
		require.NoError(t, c.Set(ctx, d, "x", 100e9).Err())
		require.Equal(t, int64(5), c.SUnionStore(ctx, d, a).Val())
		require.Equal(t, "set", c.Type(ctx, d).Val())
		require.Equal(t, int64(-1), int64(c.TTL(ctx, d).Val()))
		// The destination may be a source.
		require.Equal(t, int64(2), c.SDiffStore(ctx, a, a, b).Val())
		require.Equal(t, []string{"1", "5"}, c.SMembers(ctx, a).Val())
		require.NoError(t, c.Set(ctx, "str", "x", 0).Err())
		wrong := "WRONGTYPE Operation against a key holding the wrong kind of value"
		requireRedisErr(t, c.SInter(ctx, "nokey", "str").Err(), wrong)
		requireRedisErr(t, c.SUnionStore(ctx, d, a, "str").Err(), wrong)
		requireRedisErr(t, c.SInterCard(ctx, 0, a, "str").Err(), wrong)
		requireRedisErr(t, c.Do(ctx, "SINTERCARD", 0, a).Err(), "ERR numkeys should be greater than 0")
		requireRedisErr(t, c.Do(ctx, "SINTERCARD", 3, a, b).Err(), "ERR Number of keys can't be greater than number of args")
		requireRedisErr(t, c.Do(ctx, "SINTERCARD", 1, a, "LIMIT", -1).Err(), "ERR LIMIT can't be negative")
	}},
	{"sscan", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		var members []interface{}
		want := map[string]bool{}
		for i := 0; i < 1000; i++ {
			m := fmt.Sprintf("member:%d", i)
			members = append(members, m)
			want[m] = true
		}
		require.NoError(t, c.SAdd(ctx, "h", members...).Err())
		got := map[string]bool{}
		var cursor uint64
		calls := 0
		for {
			keys, next, err := c.SScan(ctx, "h", cursor, "", 50).Result()
			require.NoError(t, err)
			for _, k := range keys {
				got[k] = true
			}
			calls++
			if cursor = next; cursor == 0 {
				break
			}
			require.Less(t, calls, 1000)
		}
		require.Equal(t, want, got)
		require.Greater(t, calls, 5, "a hashtable is scanned in steps")
		keys, _, err := c.SScan(ctx, "h", 0, "member:99?", 10000).Result()
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"member:990", "member:991", "member:992", "member:993", "member:994",
			"member:995", "member:996", "member:997", "member:998", "member:999"}, keys)
		require.NoError(t, c.SAdd(ctx, "i", 5, 10, 15, 100).Err())
		keys, cur, err := c.SScan(ctx, "i", 0, "1*", 1).Result()
		require.NoError(t, err)
		require.Equal(t, uint64(0), cur, "an intset is returned whole")
		require.Equal(t, []string{"10", "15", "100"}, keys)
		keys, cur, err = c.SScan(ctx, "nokey", 0, "", 0).Result()
		require.NoError(t, err)
		require.Equal(t, uint64(0), cur)
		require.Empty(t, keys)
	}},
	{"reply shapes by protocol", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.SAdd(ctx, "s", 1, 2).Err())
		v, err := c.Do(ctx, "SMEMBERS", "s").Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{"1", "2"}, v)
		v, err = c.Do(ctx, "SPOP", "nokey", 2).Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{}, v)
		require.ErrorIs(t, c.Do(ctx, "SPOP", "nokey").Err(), redis.Nil)
		v, err = c.Do(ctx, "SMISMEMBER", "s", 1, 3).Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{int64(1), int64(0)}, v)
		v, err = c.Do(ctx, "SSCAN", "s", 0).Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{"0", []interface{}{"1", "2"}}, v)
		v, err = c.Do(ctx, "SRANDMEMBER", "s", 5).Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{"1", "2"}, v)
		// Raw bytes: "~" (RESP3 set) or "*" for SMEMBERS.
		raw := stRawDo(t, e, "SMEMBERS", "s")
		if e.proto == 3 {
			require.Equal(t, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n", raw)
		} else {
			require.Equal(t, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", raw)
		}
		require.Equal(t, "*0\r\n", stRawDo(t, e, "SRANDMEMBER", "nokey", "3"), "an empty array in both protocols")
	}},
	{"atomic across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		k := stKeysApart("at", 2)
		const n = 200
		require.NoError(t, c.SAdd(ctx, k[0], stInts(1, n)...).Err())
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				cl := e.client(t, nil)
				for i := 0; i < 300; i++ {
					from, to := k[i%2], k[(i+1)%2]
					if err := cl.SMove(ctx, from, to, (g*300+i)%n+1).Err(); err != nil {
						errs <- err
						return
					}
				}
			}(g)
		}
		// Every snapshot of the union sees all members exactly once.
		for i := 0; i < 200; i++ {
			u, err := c.SUnion(ctx, k[0], k[1]).Result()
			require.NoError(t, err)
			require.Len(t, u, n)
			cnt, err := c.SInterCard(ctx, 0, k[0], k[1]).Result()
			require.NoError(t, err)
			require.Equal(t, int64(0), cnt, "a member is never in both sets")
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int64(n), c.SCard(ctx, k[0]).Val()+c.SCard(ctx, k[1]).Val())
	}},
}

// stRawDo sends one command on a fresh connection of e's protocol and returns
// the raw reply bytes.
func stRawDo(t *testing.T, e *e2eEnv, args ...string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	br := bufio.NewReader(conn)
	send := func(args ...string) string {
		req := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			req += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		_, err := conn.Write([]byte(req))
		require.NoError(t, err)
		var out []byte
		require.NoError(t, stReadReply(br, &out))
		return string(out)
	}
	if e.proto == 3 {
		send("HELLO", "3")
	}
	return send(args...)
}

// stReadReply appends one complete RESP2/RESP3 reply from br to out.
func stReadReply(br *bufio.Reader, out *[]byte) error {
	line, err := br.ReadBytes('\n')
	if err != nil {
		return err
	}
	*out = append(*out, line...)
	n, _ := strconv.Atoi(string(line[1 : len(line)-2]))
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		*out = append(*out, buf...)
	case '*', '~', '>', '%':
		if line[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := stReadReply(br, out); err != nil {
				return err
			}
		}
	}
	return nil
}
