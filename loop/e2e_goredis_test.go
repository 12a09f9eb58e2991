package loop_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

// The go-redis end-to-end tests run every case twice, with a RESP2 and a RESP3
// client, against duva with 4 shards so that multi-key commands cross shards.
//
// With DUVA_E2E_ORACLE=/usr/bin/redis-server they run against a real
// redis-server instead (duva-only checks are skipped), which is how every
// expected reply below was checked to be Redis's and not a guess:
//
//	DUVA_E2E_ORACLE=$(command -v redis-server) go test -run 'E2E' ./loop/
var e2eOracle = os.Getenv("DUVA_E2E_ORACLE")

var e2eProtos = []int{2, 3}

// e2eServer is the server under test: duva in-process, or the oracle.
type e2eServer struct {
	Addr string
	Duva *testutil.Server // nil when running against the oracle
}

// startE2E starts duva with "--shards 4" and args, or, in oracle mode, a real
// redis-server with args on a free loopback port.
func startE2E(t *testing.T, args ...string) *e2eServer {
	t.Helper()
	if e2eOracle == "" {
		s := testutil.StartServer(t, append([]string{"--shards", "4"}, args...)...)
		return &e2eServer{Addr: s.Addr, Duva: s}
	}
	port := testutil.FreePort(t)
	full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no"}, args...)
	cmd := exec.Command(e2eOracle, full...)
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	})
	return &e2eServer{Addr: addr}
}

// duvaBug skips the rest of a subtest that shows a known duva divergence from
// Redis; against the oracle the subtest runs, proving the expectation.
func duvaBug(t *testing.T, what string) {
	t.Helper()
	if e2eOracle == "" {
		t.Skip("duva bug: " + what)
	}
}

// onlyDuva skips checks of behaviour that Redis 7.0 does not have (e.g. CLIENT
// SETINFO, added in 7.2) when running against the oracle.
func onlyDuva(t *testing.T, why string) {
	t.Helper()
	if e2eOracle != "" {
		t.Skip("not in redis-server 7.0: " + why)
	}
}

// newGoRedis returns a go-redis client speaking proto; mod may adjust options.
func newGoRedis(t *testing.T, addr string, proto int, mod func(*redis.Options)) *redis.Client {
	t.Helper()
	o := &redis.Options{Addr: addr, Protocol: proto, MaxRetries: -1, PoolSize: 4,
		DialTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	if mod != nil {
		mod(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// e2eEnv is what a table case gets: a client of one protocol on a flushed server.
type e2eEnv struct {
	ctx   context.Context
	c     *redis.Client
	addr  string
	proto int
}

// client opens another client of the same protocol (e.g. with Options.DB).
func (e *e2eEnv) client(t *testing.T, mod func(*redis.Options)) *redis.Client {
	return newGoRedis(t, e.addr, e.proto, mod)
}

type e2eCase struct {
	name string
	run  func(t *testing.T, e *e2eEnv)
}

// runE2ECases runs every case once per protocol, each after a FLUSHALL.
func runE2ECases(t *testing.T, s *e2eServer, cases []e2eCase) {
	for _, proto := range e2eProtos {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			c := newGoRedis(t, s.Addr, proto, nil)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					require.NoError(t, c.FlushAll(ctx).Err())
					tc.run(t, &e2eEnv{ctx: ctx, c: c, addr: s.Addr, proto: proto})
				})
			}
		})
	}
}

// requireRedisErr checks that err is the server error reply want (no "-").
func requireRedisErr(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	var rerr redis.Error
	require.True(t, errors.As(err, &rerr), "not a server error reply: %v", err)
	require.Equal(t, want, err.Error())
}

// requireTTL checks that d is a remaining time to live in (0, max].
func requireTTL(t *testing.T, d, max time.Duration) {
	t.Helper()
	require.Greater(t, d, time.Duration(0))
	require.LessOrEqual(t, d, max)
}

// manyKeys returns n distinct key names; 16 or more are sure to span 4 shards.
func manyKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = prefix + strconv.Itoa(i)
	}
	return keys
}

func pairs(keys []string, val func(i int) string) []interface{} {
	out := make([]interface{}, 0, 2*len(keys))
	for i, k := range keys {
		out = append(out, k, val(i))
	}
	return out
}

func TestE2EGoRedisStrings(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, stringCases)
}

func TestE2EGoRedisKeys(t *testing.T) {
	t.Parallel()
	s := startE2E(t)
	runE2ECases(t, s, keyCases)
}

var stringCases = []e2eCase{
	{"SET modes and GET option", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, "OK", c.Set(ctx, "k", "v", 0).Val())
		old, err := c.SetArgs(ctx, "k", "v2", redis.SetArgs{Get: true}).Result()
		require.NoError(t, err)
		require.Equal(t, "v", old)
		// NX on an existing key: not set, nil reply.
		require.ErrorIs(t, c.SetArgs(ctx, "k", "v3", redis.SetArgs{Mode: "NX"}).Err(), redis.Nil)
		require.Equal(t, "v2", c.Get(ctx, "k").Val())
		// XX GET on an existing key: set, old value.
		old, err = c.SetArgs(ctx, "k", "v3", redis.SetArgs{Mode: "XX", Get: true}).Result()
		require.NoError(t, err)
		require.Equal(t, "v2", old)
		require.Equal(t, "v3", c.Get(ctx, "k").Val())
		// XX on a missing key: not set.
		require.ErrorIs(t, c.SetArgs(ctx, "nokey", "v", redis.SetArgs{Mode: "XX"}).Err(), redis.Nil)
		require.ErrorIs(t, c.SetArgs(ctx, "nokey", "v", redis.SetArgs{Mode: "XX", Get: true}).Err(), redis.Nil)
		require.Equal(t, int64(0), c.Exists(ctx, "nokey").Val())
		// NX GET (allowed together since 7.0): missing key is set, reply nil.
		require.ErrorIs(t, c.SetArgs(ctx, "nx", "1", redis.SetArgs{Mode: "NX", Get: true}).Err(), redis.Nil)
		require.Equal(t, "1", c.Get(ctx, "nx").Val())
		// NX GET on an existing key: not set, old value.
		old, err = c.SetArgs(ctx, "nx", "2", redis.SetArgs{Mode: "NX", Get: true}).Result()
		require.NoError(t, err)
		require.Equal(t, "1", old)
		require.Equal(t, "1", c.Get(ctx, "nx").Val())
		require.True(t, c.SetNX(ctx, "snx", "a", 0).Val())
		require.False(t, c.SetNX(ctx, "snx", "b", 0).Val())
		require.True(t, c.SetXX(ctx, "snx", "c", 0).Val())
		require.Equal(t, "c", c.Get(ctx, "snx").Val())
	}},
	{"SET expiry options", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.SetArgs(ctx, "ex", "v", redis.SetArgs{TTL: 100 * time.Second}).Err()) // EX 100
		requireTTL(t, c.TTL(ctx, "ex").Val(), 100*time.Second)
		require.NoError(t, c.SetArgs(ctx, "px", "v", redis.SetArgs{TTL: 1500 * time.Millisecond}).Err()) // PX 1500
		requireTTL(t, c.PTTL(ctx, "px").Val(), 1500*time.Millisecond)
		at := time.Now().Add(time.Hour).Truncate(time.Second)
		require.NoError(t, c.SetArgs(ctx, "exat", "v", redis.SetArgs{ExpireAt: at}).Err()) // EXAT
		require.Equal(t, time.Duration(at.Unix())*time.Second, c.ExpireTime(ctx, "exat").Val())
		pxat := time.Now().Add(time.Hour).UnixMilli()
		require.Equal(t, "OK", c.Do(ctx, "SET", "pxat", "v", "PXAT", pxat).Val())
		require.Equal(t, time.Duration(pxat)*time.Millisecond, c.PExpireTime(ctx, "pxat").Val())
		// KEEPTTL keeps the TTL, a plain SET drops it.
		require.NoError(t, c.SetArgs(ctx, "ex", "v2", redis.SetArgs{KeepTTL: true}).Err())
		requireTTL(t, c.TTL(ctx, "ex").Val(), 100*time.Second)
		require.Equal(t, "v2", c.Get(ctx, "ex").Val())
		require.NoError(t, c.Set(ctx, "ex", "v3", 0).Err())
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "ex").Val())
		// SET with a TTL through Set's expiration argument.
		require.NoError(t, c.Set(ctx, "setttl", "v", 20*time.Second).Err())
		requireTTL(t, c.TTL(ctx, "setttl").Val(), 20*time.Second)
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"SET", "k", "v", "EX", "0"}, "ERR invalid expire time in 'set' command"},
			{[]interface{}{"SET", "k", "v", "EX", "-1"}, "ERR invalid expire time in 'set' command"},
			{[]interface{}{"SET", "k", "v", "PX", "0"}, "ERR invalid expire time in 'set' command"},
			{[]interface{}{"SET", "k", "v", "PXAT", "0"}, "ERR invalid expire time in 'set' command"},
			{[]interface{}{"SET", "k", "v", "EXAT", "-1"}, "ERR invalid expire time in 'set' command"},
			{[]interface{}{"SET", "k", "v", "EX", "abc"}, "ERR value is not an integer or out of range"},
			{[]interface{}{"SET", "k", "v", "NX", "XX"}, "ERR syntax error"},
			{[]interface{}{"SET", "k", "v", "KEEPTTL", "EX", "10"}, "ERR syntax error"},
			{[]interface{}{"SET", "k", "v", "EX", "10", "PX", "100"}, "ERR syntax error"},
			{[]interface{}{"SET", "k", "v", "foo"}, "ERR syntax error"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
		require.Equal(t, int64(0), c.Exists(ctx, "k").Val(), "a failed SET sets nothing")
	}},
	{"GET GETEX GETDEL GETSET", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		_, err := c.Get(ctx, "missing").Result()
		require.ErrorIs(t, err, redis.Nil)
		_, err = c.Do(ctx, "GET", "missing").Result()
		require.ErrorIs(t, err, redis.Nil)
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
		require.Equal(t, "v", c.GetEx(ctx, "k", -1).Val()) // GETEX k: no change
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "k").Val())
		require.Equal(t, "v", c.GetEx(ctx, "k", 100*time.Second).Val()) // EX
		requireTTL(t, c.TTL(ctx, "k").Val(), 100*time.Second)
		require.Equal(t, "v", c.GetEx(ctx, "k", 0).Val()) // PERSIST
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "k").Val())
		require.Equal(t, "v", c.GetEx(ctx, "k", 2500*time.Millisecond).Val()) // PX
		requireTTL(t, c.PTTL(ctx, "k").Val(), 2500*time.Millisecond)
		at := time.Now().Add(time.Hour).Unix()
		require.Equal(t, "v", c.Do(ctx, "GETEX", "k", "EXAT", at).Val())
		require.Equal(t, time.Duration(at)*time.Second, c.ExpireTime(ctx, "k").Val())
		pat := time.Now().Add(time.Hour).UnixMilli()
		require.Equal(t, "v", c.Do(ctx, "GETEX", "k", "PXAT", pat).Val())
		require.Equal(t, time.Duration(pat)*time.Millisecond, c.PExpireTime(ctx, "k").Val())
		require.ErrorIs(t, c.GetEx(ctx, "missing", time.Minute).Err(), redis.Nil)
		require.Equal(t, int64(0), c.Exists(ctx, "missing").Val())
		requireRedisErr(t, c.Do(ctx, "GETEX", "k", "PERSIST", "EX", "10").Err(), "ERR syntax error")
		requireRedisErr(t, c.Do(ctx, "GETEX", "k", "foo").Err(), "ERR syntax error")
		requireRedisErr(t, c.Do(ctx, "GETEX", "k", "EX", "-5").Err(), "ERR invalid expire time in 'getex' command")
		requireRedisErr(t, c.Do(ctx, "GETEX", "k", "PX", "0").Err(), "ERR invalid expire time in 'getex' command")
		require.Equal(t, "v", c.GetDel(ctx, "k").Val())
		require.ErrorIs(t, c.GetDel(ctx, "k").Err(), redis.Nil)
		require.Equal(t, int64(0), c.Exists(ctx, "k").Val())
		require.ErrorIs(t, c.GetSet(ctx, "g", "1").Err(), redis.Nil)
		require.Equal(t, "1", c.GetSet(ctx, "g", "2").Val())
		require.Equal(t, "2", c.Get(ctx, "g").Val())
		// GETSET drops the TTL.
		require.NoError(t, c.Expire(ctx, "g", time.Minute).Err())
		require.Equal(t, "2", c.GetSet(ctx, "g", "3").Val())
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "g").Val())
	}},
	{"SETEX PSETEX", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, "OK", c.SetEx(ctx, "se", "v", 10*time.Second).Val())
		requireTTL(t, c.TTL(ctx, "se").Val(), 10*time.Second)
		require.Equal(t, "OK", c.Do(ctx, "PSETEX", "pse", 1500, "v").Val())
		requireTTL(t, c.PTTL(ctx, "pse").Val(), 1500*time.Millisecond)
		require.Equal(t, "v", c.Get(ctx, "pse").Val())
		requireRedisErr(t, c.Do(ctx, "SETEX", "se", "0", "v").Err(), "ERR invalid expire time in 'setex' command")
		requireRedisErr(t, c.Do(ctx, "SETEX", "se", "-1", "v").Err(), "ERR invalid expire time in 'setex' command")
		requireRedisErr(t, c.Do(ctx, "SETEX", "se", "abc", "v").Err(), "ERR value is not an integer or out of range")
		requireRedisErr(t, c.Do(ctx, "PSETEX", "pse", "0", "v").Err(), "ERR invalid expire time in 'psetex' command")
	}},
	{"MSET MSETNX MGET across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys := manyKeys("m:", 16)
		require.Equal(t, "OK", c.MSet(ctx, pairs(keys, func(i int) string { return strconv.Itoa(i) })...).Val())
		vals, err := c.MGet(ctx, "m:0", "nope", "m:15", "m:7", "nope2").Result()
		require.NoError(t, err)
		require.Equal(t, []interface{}{"0", nil, "15", "7", nil}, vals)
		// MSET replaces values and clears TTLs.
		require.NoError(t, c.Expire(ctx, "m:3", time.Minute).Err())
		require.NoError(t, c.MSet(ctx, "m:3", "x", "m:4", "y").Err())
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "m:3").Val())
		require.Equal(t, []interface{}{"x", "y"}, c.MGet(ctx, "m:3", "m:4").Val())
		// MSETNX is all or nothing, even when the keys are on different shards.
		fresh := manyKeys("n:", 16)
		require.True(t, c.MSetNX(ctx, pairs(fresh, func(int) string { return "1" })...).Val())
		newer := append(manyKeys("o:", 15), "n:9") // one existing key among 16
		require.False(t, c.MSetNX(ctx, pairs(newer, func(int) string { return "2" })...).Val())
		require.Equal(t, int64(0), c.Exists(ctx, newer[:15]...).Val(), "MSETNX must not set any key")
		require.Equal(t, "1", c.Get(ctx, "n:9").Val())
		require.Equal(t, int64(32), c.DBSize(ctx).Val())
		requireRedisErr(t, c.Do(ctx, "MSET", "a").Err(), "ERR wrong number of arguments for 'mset' command")
		requireRedisErr(t, c.Do(ctx, "MSET", "a", "1", "b").Err(), "ERR wrong number of arguments for 'mset' command")
		requireRedisErr(t, c.Do(ctx, "MSETNX", "a", "1", "b").Err(), "ERR wrong number of arguments for 'msetnx' command")
	}},
	{"APPEND STRLEN GETRANGE SETRANGE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(5), c.Append(ctx, "ap", "hello").Val())
		require.Equal(t, int64(11), c.Append(ctx, "ap", " world").Val())
		require.Equal(t, "hello world", c.Get(ctx, "ap").Val())
		require.Equal(t, int64(11), c.StrLen(ctx, "ap").Val())
		require.Equal(t, int64(0), c.StrLen(ctx, "missing").Val())
		for _, tc := range []struct {
			start, end int64
			want       string
		}{
			{0, 4, "hello"}, {-5, -1, "world"}, {5, 2, ""}, {100, 200, ""},
			{-100, -50, "h"}, {0, -100, "h"}, // both ends clamp to 0 (Redis 7.0) {-100, 100, "hello world"}, {6, 6, "w"},
		} {
			require.Equal(t, tc.want, c.GetRange(ctx, "ap", tc.start, tc.end).Val(), "GETRANGE %d %d", tc.start, tc.end)
		}
		require.Equal(t, "", c.GetRange(ctx, "missing", 0, 10).Val())
		// Integer-encoded values behave as strings.
		require.NoError(t, c.Set(ctx, "num", 12345, 0).Err())
		require.Equal(t, int64(7), c.Append(ctx, "num", "67").Val())
		require.Equal(t, "234", c.GetRange(ctx, "num", 1, 3).Val())
		require.Equal(t, int64(7), c.SetRange(ctx, "sr", 5, "hi").Val())
		require.Equal(t, "\x00\x00\x00\x00\x00hi", c.Get(ctx, "sr").Val())
		require.Equal(t, int64(7), c.SetRange(ctx, "sr", 0, "HELLO").Val())
		require.Equal(t, "HELLOhi", c.Get(ctx, "sr").Val())
		require.Equal(t, int64(0), c.SetRange(ctx, "sr2", 0, "").Val())
		require.Equal(t, int64(0), c.Exists(ctx, "sr2").Val(), "SETRANGE with empty value creates nothing")
		requireRedisErr(t, c.SetRange(ctx, "sr", -1, "x").Err(), "ERR offset is out of range")
		requireRedisErr(t, c.SetRange(ctx, "sr", 536870912, "x").Err(), "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	}},
	{"INCR DECR INCRBY DECRBY", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, int64(1), c.Incr(ctx, "i").Val())
		require.Equal(t, int64(6), c.IncrBy(ctx, "i", 5).Val())
		require.Equal(t, int64(5), c.Decr(ctx, "i").Val())
		require.Equal(t, int64(2), c.DecrBy(ctx, "i", 3).Val())
		require.Equal(t, int64(-1), c.Decr(ctx, "d").Val())
		require.Equal(t, "2", c.Get(ctx, "i").Val())
		// INCR keeps the TTL.
		require.NoError(t, c.Expire(ctx, "i", time.Minute).Err())
		require.Equal(t, int64(3), c.Incr(ctx, "i").Val())
		requireTTL(t, c.TTL(ctx, "i").Val(), time.Minute)
		require.Equal(t, int64(-9223372036854775808), c.IncrBy(ctx, "min", -9223372036854775808).Val())
		require.NoError(t, c.Set(ctx, "big", "9223372036854775807", 0).Err())
		require.NoError(t, c.Set(ctx, "small", "-9223372036854775808", 0).Err())
		for _, v := range []string{"abc", "1.5", "012", " 12", "12a", ""} {
			require.NoError(t, c.Set(ctx, "bad", v, 0).Err())
			requireRedisErr(t, c.Incr(ctx, "bad").Err(), "ERR value is not an integer or out of range")
		}
		for _, tc := range []struct {
			err  error
			want string
		}{
			{c.Incr(ctx, "big").Err(), "ERR increment or decrement would overflow"},
			{c.IncrBy(ctx, "big", 1).Err(), "ERR increment or decrement would overflow"},
			{c.Decr(ctx, "small").Err(), "ERR increment or decrement would overflow"},
			{c.DecrBy(ctx, "small", 1).Err(), "ERR increment or decrement would overflow"},
			{c.DecrBy(ctx, "i", -9223372036854775808).Err(), "ERR decrement would overflow"},
			{c.Do(ctx, "INCRBY", "i", "abc").Err(), "ERR value is not an integer or out of range"},
			{c.Do(ctx, "INCRBY", "i", "9223372036854775808").Err(), "ERR value is not an integer or out of range"},
		} {
			requireRedisErr(t, tc.err, tc.want)
		}
		require.Equal(t, "9223372036854775807", c.Get(ctx, "big").Val(), "overflow leaves the value")
	}},
	{"INCRBYFLOAT", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.Equal(t, 10.5, c.IncrByFloat(ctx, "f", 10.5).Val())
		require.Equal(t, 10.6, c.IncrByFloat(ctx, "f", 0.1).Val())
		require.Equal(t, "10.6", c.Get(ctx, "f").Val())
		require.Equal(t, 210.6, c.IncrByFloat(ctx, "f", 2e2).Val())
		require.NoError(t, c.Set(ctx, "f2", "5.0e3", 0).Err())
		require.Equal(t, "5000", c.Do(ctx, "INCRBYFLOAT", "f2", "0").Val()) // bulk string in both protocols
		require.NoError(t, c.Set(ctx, "f3", "3", 0).Err())
		require.Equal(t, "4", c.Do(ctx, "INCRBYFLOAT", "f3", "1.0").Val())
		require.Equal(t, "0", c.Do(ctx, "INCRBYFLOAT", "f3", "-4").Val())
		require.Equal(t, "1.5", c.Do(ctx, "INCRBYFLOAT", "f4", "1.50").Val())
		requireRedisErr(t, c.Do(ctx, "INCRBYFLOAT", "f", "inf").Err(), "ERR increment would produce NaN or Infinity")
		requireRedisErr(t, c.Do(ctx, "INCRBYFLOAT", "f", "abc").Err(), "ERR value is not a valid float")
		require.NoError(t, c.Set(ctx, "s", "abc", 0).Err())
		requireRedisErr(t, c.IncrByFloat(ctx, "s", 1).Err(), "ERR value is not a valid float")
	}},
}

var keyCases = []e2eCase{
	{"DEL UNLINK EXISTS TYPE across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys := manyKeys("d:", 16)
		require.NoError(t, c.MSet(ctx, pairs(keys, func(int) string { return "v" })...).Err())
		require.Equal(t, int64(16), c.DBSize(ctx).Val())
		require.Equal(t, int64(4), c.Exists(ctx, "d:1", "d:1", "d:2", "zz", "d:1").Val(), "EXISTS counts repeats")
		require.Equal(t, int64(0), c.Exists(ctx, "zz").Val())
		require.Equal(t, "string", c.Type(ctx, "d:1").Val())
		require.Equal(t, "none", c.Type(ctx, "zz").Val())
		require.Equal(t, int64(8), c.Del(ctx, append(keys[:8:8], "zz", "d:0")...).Val())
		require.Equal(t, int64(8), c.Unlink(ctx, append(keys[8:], "zz")...).Val())
		require.Equal(t, int64(0), c.DBSize(ctx).Val())
		require.Equal(t, int64(0), c.Del(ctx, "zz").Val())
	}},
	{"KEYS glob patterns", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		all := []string{"hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h?llo", "other"}
		require.NoError(t, c.MSet(ctx, pairs(all, func(int) string { return "1" })...).Err())
		for _, tc := range []struct {
			pattern string
			want    []string
		}{
			{"*", all},
			{"h?llo", []string{"hello", "hallo", "hxllo", "h*llo", "h?llo"}},
			{"h[ae]llo", []string{"hello", "hallo"}},
			{"h[^e]llo", []string{"hallo", "hxllo", "h*llo", "h?llo"}},
			{"h[a-b]llo", []string{"hallo"}},
			{"h*llo", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h?llo"}},
			{`h\*llo`, []string{"h*llo"}},
			{`h\?llo`, []string{"h?llo"}},
			{`h[\^e]llo`, []string{"hello"}},
			{"nothing*", []string{}},
			{"[", []string{}},
		} {
			got, err := c.Keys(ctx, tc.pattern).Result()
			require.NoError(t, err)
			require.ElementsMatch(t, tc.want, got, "KEYS %q", tc.pattern)
		}
	}},
	{"SCAN MATCH COUNT TYPE to the end", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		keys := manyKeys("scan:", 300)
		require.NoError(t, c.MSet(ctx, pairs(keys, func(int) string { return "v" })...).Err())
		require.NoError(t, c.Set(ctx, "other", "v", 0).Err())
		require.NoError(t, c.Set(ctx, "scan:ttl", "v", time.Hour).Err())
		keys = append(keys, "scan:ttl")
		scanAll := func(match string, count int64, typ string) map[string]bool {
			seen := map[string]bool{}
			var cursor uint64
			for i := 0; ; i++ {
				require.Less(t, i, 10000, "SCAN does not end")
				var page []string
				var err error
				if typ == "" {
					page, cursor, err = c.Scan(ctx, cursor, match, count).Result()
				} else {
					page, cursor, err = c.ScanType(ctx, cursor, match, count, typ).Result()
				}
				require.NoError(t, err)
				for _, k := range page {
					seen[k] = true
				}
				if cursor == 0 {
					return seen
				}
			}
		}
		set := func(ks ...string) map[string]bool {
			m := map[string]bool{}
			for _, k := range ks {
				m[k] = true
			}
			return m
		}
		require.Equal(t, set(append(keys, "other")...), scanAll("", 10, ""))
		require.Equal(t, set(append(keys, "other")...), scanAll("", 0, "")) // default COUNT
		require.Equal(t, set(keys...), scanAll("scan:*", 7, ""))
		var ones []string
		for _, k := range keys {
			if strings.HasPrefix(k, "scan:1") {
				ones = append(ones, k)
			}
		}
		require.Equal(t, set(ones...), scanAll("scan:1*", 1000, ""))
		require.Equal(t, set(append(keys, "other")...), scanAll("", 50, "string"))
		require.Empty(t, scanAll("", 50, "list"))
		require.Empty(t, scanAll("", 50, "nosuchtype"))
		// go-redis's iterator walks the cursor too.
		it := c.Scan(ctx, 0, "scan:*", 20).Iterator()
		seen := map[string]bool{}
		for it.Next(ctx) {
			seen[it.Val()] = true
		}
		require.NoError(t, it.Err())
		require.Equal(t, set(keys...), seen)
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"SCAN", "0", "COUNT", "0"}, "ERR syntax error"},
			{[]interface{}{"SCAN", "0", "COUNT", "-1"}, "ERR syntax error"},
			{[]interface{}{"SCAN", "abc"}, "ERR invalid cursor"},
			{[]interface{}{"SCAN", "0", "foo"}, "ERR syntax error"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"RANDOMKEY", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.ErrorIs(t, c.RandomKey(ctx).Err(), redis.Nil)
		require.NoError(t, c.Set(ctx, "only", "1", 0).Err())
		require.Equal(t, "only", c.RandomKey(ctx).Val())
		keys := manyKeys("r:", 32)
		require.NoError(t, c.MSet(ctx, pairs(keys, func(int) string { return "v" })...).Err())
		valid := map[string]bool{"only": true}
		for _, k := range keys {
			valid[k] = true
		}
		for i := 0; i < 50; i++ {
			k, err := c.RandomKey(ctx).Result()
			require.NoError(t, err)
			require.True(t, valid[k], "RANDOMKEY returned %q", k)
		}
	}},
	{"RENAME RENAMENX across shards", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		requireRedisErr(t, c.Rename(ctx, "zz", "yy").Err(), "ERR no such key")
		requireRedisErr(t, c.RenameNX(ctx, "zz", "yy").Err(), "ERR no such key")
		src, dsts := "ren:src", manyKeys("ren:dst", 8) // 8 destinations: some on other shards
		require.NoError(t, c.Set(ctx, src, "v", time.Hour).Err())
		for _, d := range dsts {
			require.Equal(t, "OK", c.Rename(ctx, src, d).Val())
			require.Equal(t, int64(0), c.Exists(ctx, src).Val())
			require.Equal(t, "v", c.Get(ctx, d).Val())
			requireTTL(t, c.TTL(ctx, d).Val(), time.Hour) // the TTL moves along
			src = d
		}
		require.Equal(t, "OK", c.Rename(ctx, src, src).Val())
		require.NoError(t, c.Set(ctx, "ren:other", "o", 0).Err())
		require.Equal(t, "OK", c.Rename(ctx, src, "ren:other").Val(), "RENAME overwrites")
		require.Equal(t, "v", c.Get(ctx, "ren:other").Val())
		requireTTL(t, c.TTL(ctx, "ren:other").Val(), time.Hour)
		require.NoError(t, c.Set(ctx, "ren:a", "a", 0).Err())
		require.False(t, c.RenameNX(ctx, "ren:a", "ren:other").Val())
		require.Equal(t, "a", c.Get(ctx, "ren:a").Val())
		require.False(t, c.RenameNX(ctx, "ren:a", "ren:a").Val())
		for _, d := range dsts {
			require.True(t, c.RenameNX(ctx, "ren:a", d+"x").Val())
			require.Equal(t, "a", c.Get(ctx, d+"x").Val())
			require.NoError(t, c.Rename(ctx, d+"x", "ren:a").Err())
		}
	}},
	{"COPY with DB and REPLACE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.Set(ctx, "cp", "v", time.Hour).Err())
		require.Equal(t, int64(1), c.Copy(ctx, "cp", "cp2", 0, false).Val())
		require.Equal(t, "v", c.Get(ctx, "cp2").Val())
		requireTTL(t, c.TTL(ctx, "cp2").Val(), time.Hour)
		require.NoError(t, c.Set(ctx, "cp", "w", 0).Err())
		require.Equal(t, int64(0), c.Copy(ctx, "cp", "cp2", 0, false).Val())
		require.Equal(t, "v", c.Get(ctx, "cp2").Val())
		require.Equal(t, int64(1), c.Copy(ctx, "cp", "cp2", 0, true).Val())
		require.Equal(t, "w", c.Get(ctx, "cp2").Val())
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "cp2").Val())
		require.Equal(t, int64(0), c.Copy(ctx, "missing", "cp3", 0, false).Val())
		// To another database, under the same name too.
		db1 := e.client(t, func(o *redis.Options) { o.DB = 1 })
		require.Equal(t, int64(1), c.Copy(ctx, "cp", "cp", 1, false).Val())
		require.Equal(t, "w", db1.Get(ctx, "cp").Val())
		require.NoError(t, c.Set(ctx, "cp", "x", 0).Err())
		require.Equal(t, int64(0), c.Copy(ctx, "cp", "cp", 1, false).Val())
		require.Equal(t, int64(1), c.Copy(ctx, "cp", "cp", 1, true).Val())
		require.Equal(t, "x", db1.Get(ctx, "cp").Val())
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"COPY", "cp", "cp"}, "ERR source and destination objects are the same"},
			{[]interface{}{"COPY", "cp", "cp", "DB", "0"}, "ERR source and destination objects are the same"},
			{[]interface{}{"COPY", "cp", "cp3", "DB", "20"}, "ERR DB index is out of range"},
			{[]interface{}{"COPY", "cp", "cp3", "DB", "x"}, "ERR value is not an integer or out of range"},
			{[]interface{}{"COPY", "cp", "cp3", "foo"}, "ERR syntax error"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"MOVE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		db1 := e.client(t, func(o *redis.Options) { o.DB = 1 })
		require.NoError(t, c.Set(ctx, "mv", "v", time.Hour).Err())
		require.True(t, c.Move(ctx, "mv", 1).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "mv").Val())
		require.Equal(t, "v", db1.Get(ctx, "mv").Val())
		requireTTL(t, db1.TTL(ctx, "mv").Val(), time.Hour)
		require.False(t, c.Move(ctx, "mv", 1).Val(), "missing source")
		require.NoError(t, c.Set(ctx, "mv", "other", 0).Err())
		require.False(t, c.Move(ctx, "mv", 1).Val(), "target exists")
		require.Equal(t, "other", c.Get(ctx, "mv").Val())
		require.Equal(t, "v", db1.Get(ctx, "mv").Val())
		requireRedisErr(t, c.Move(ctx, "mv", 0).Err(), "ERR source and destination objects are the same")
		requireRedisErr(t, c.Move(ctx, "mv", 99).Err(), "ERR DB index is out of range")
		requireRedisErr(t, c.Do(ctx, "MOVE", "mv", "x").Err(), "ERR value is not an integer or out of range")
	}},
	{"TOUCH", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.MSet(ctx, "t1", "1", "t2", "2", "t3", "3").Err())
		require.Equal(t, int64(3), c.Touch(ctx, "t1", "t2", "zz", "t3").Val())
		require.Equal(t, int64(0), c.Touch(ctx, "zz").Val())
	}},
	{"EXPIRE NX XX GT LT", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.Set(ctx, "ex", "1", 0).Err())
		require.False(t, c.ExpireXX(ctx, "ex", 100*time.Second).Val(), "XX needs a TTL")
		require.False(t, c.ExpireGT(ctx, "ex", 100*time.Second).Val(), "no TTL is infinite: GT fails")
		require.True(t, c.ExpireNX(ctx, "ex", 100*time.Second).Val())
		require.False(t, c.ExpireNX(ctx, "ex", 100*time.Second).Val())
		require.True(t, c.ExpireXX(ctx, "ex", 200*time.Second).Val())
		require.False(t, c.ExpireGT(ctx, "ex", 50*time.Second).Val())
		require.True(t, c.ExpireGT(ctx, "ex", 500*time.Second).Val())
		require.False(t, c.ExpireLT(ctx, "ex", 600*time.Second).Val())
		require.True(t, c.ExpireLT(ctx, "ex", 50*time.Second).Val())
		requireTTL(t, c.TTL(ctx, "ex").Val(), 50*time.Second)
		require.True(t, c.Persist(ctx, "ex").Val())
		require.True(t, c.ExpireLT(ctx, "ex", 50*time.Second).Val(), "no TTL is infinite: LT succeeds")
		require.False(t, c.Expire(ctx, "zz", time.Minute).Val())
		require.False(t, c.ExpireNX(ctx, "zz", time.Minute).Val())
		require.True(t, c.PExpire(ctx, "ex", 90*time.Second).Val())
		requireTTL(t, c.PTTL(ctx, "ex").Val(), 90*time.Second)
		at := time.Now().Add(time.Hour).Truncate(time.Second)
		require.True(t, c.ExpireAt(ctx, "ex", at).Val())
		require.Equal(t, time.Duration(at.Unix())*time.Second, c.ExpireTime(ctx, "ex").Val())
		pat := time.Now().Add(2 * time.Hour).Truncate(time.Millisecond)
		require.True(t, c.PExpireAt(ctx, "ex", pat).Val())
		require.Equal(t, time.Duration(pat.UnixMilli())*time.Millisecond, c.PExpireTime(ctx, "ex").Val())
		// EXPIRETIME rounds the millisecond deadline to the nearest second.
		require.Equal(t, time.Duration((pat.UnixMilli()+500)/1000)*time.Second, c.ExpireTime(ctx, "ex").Val())
		require.Equal(t, int64(0), c.Do(ctx, "PEXPIRE", "ex", 100000, "GT").Val())
		require.Equal(t, int64(1), c.Do(ctx, "PEXPIRE", "ex", 100000, "LT").Val())
		requireTTL(t, c.PTTL(ctx, "ex").Val(), 100*time.Second)
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"EXPIRE", "ex", "50", "NX", "XX"}, "ERR NX and XX, GT or LT options at the same time are not compatible"},
			{[]interface{}{"EXPIRE", "ex", "50", "GT", "LT"}, "ERR GT and LT options at the same time are not compatible"},
			{[]interface{}{"EXPIRE", "ex", "50", "foo"}, "ERR Unsupported option foo"},
			{[]interface{}{"EXPIRE", "ex", "abc"}, "ERR value is not an integer or out of range"},
			{[]interface{}{"EXPIRE", "ex", "9223372036854775807"}, "ERR invalid expire time in 'expire' command"},
			{[]interface{}{"PEXPIRE", "ex", "9223372036854775807"}, "ERR invalid expire time in 'pexpire' command"},
			{[]interface{}{"EXPIREAT", "ex", "9223372036854775807"}, "ERR invalid expire time in 'expireat' command"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
		// A TTL in the past deletes the key.
		require.True(t, c.Expire(ctx, "ex", -time.Second).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "ex").Val())
		require.NoError(t, c.Set(ctx, "ex", "1", 0).Err())
		require.True(t, c.PExpire(ctx, "ex", 0).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "ex").Val())
		require.NoError(t, c.Set(ctx, "ex", "1", 0).Err())
		require.True(t, c.ExpireAt(ctx, "ex", time.Unix(1, 0)).Val())
		require.Equal(t, int64(0), c.Exists(ctx, "ex").Val())
	}},
	{"TTL PTTL EXPIRETIME PEXPIRETIME PERSIST", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.Set(ctx, "nottl", "1", 0).Err())
		for _, d := range []time.Duration{
			c.TTL(ctx, "nottl").Val(), c.PTTL(ctx, "nottl").Val(),
			c.ExpireTime(ctx, "nottl").Val(), c.PExpireTime(ctx, "nottl").Val(),
		} {
			require.Equal(t, time.Duration(-1), d)
		}
		for _, d := range []time.Duration{
			c.TTL(ctx, "zz").Val(), c.PTTL(ctx, "zz").Val(),
			c.ExpireTime(ctx, "zz").Val(), c.PExpireTime(ctx, "zz").Val(),
		} {
			require.Equal(t, time.Duration(-2), d)
		}
		require.Equal(t, int64(-1), c.Do(ctx, "TTL", "nottl").Val())
		require.Equal(t, int64(-2), c.Do(ctx, "PTTL", "zz").Val())
		require.False(t, c.Persist(ctx, "nottl").Val())
		require.False(t, c.Persist(ctx, "zz").Val())
		require.NoError(t, c.Set(ctx, "ttl", "1", 30*time.Second).Err())
		require.True(t, c.Persist(ctx, "ttl").Val())
		require.Equal(t, time.Duration(-1), c.TTL(ctx, "ttl").Val())
		require.NoError(t, c.Expire(ctx, "ttl", 30*time.Second).Err())
		now := time.Now()
		exp := c.PExpireTime(ctx, "ttl").Val()
		require.InDelta(t, float64(now.Add(30*time.Second).UnixMilli()), float64(exp/time.Millisecond), 2000)
	}},
	{"PX 100 key expires", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.Set(ctx, "short", "v", 100*time.Millisecond).Err())
		require.NoError(t, c.Set(ctx, "long", "v", time.Hour).Err())
		testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
			if n := c.Exists(ctx, "short").Val(); n != 0 {
				return fmt.Errorf("short still exists")
			}
			return nil
		})
		require.ErrorIs(t, c.Get(ctx, "short").Err(), redis.Nil)
		require.Equal(t, time.Duration(-2), c.TTL(ctx, "short").Val())
		require.Equal(t, int64(1), c.DBSize(ctx).Val())
	}},
	{"SELECT and per-db isolation", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		db1 := e.client(t, func(o *redis.Options) { o.DB = 1 })
		db15 := e.client(t, func(o *redis.Options) { o.DB = 15 })
		require.NoError(t, c.Set(ctx, "same", "db0", 0).Err())
		require.NoError(t, db1.Set(ctx, "same", "db1", 0).Err())
		require.NoError(t, db1.Set(ctx, "only1", "x", 0).Err())
		require.Equal(t, "db0", c.Get(ctx, "same").Val())
		require.Equal(t, "db1", db1.Get(ctx, "same").Val())
		require.ErrorIs(t, db15.Get(ctx, "same").Err(), redis.Nil)
		require.ErrorIs(t, c.Get(ctx, "only1").Err(), redis.Nil)
		require.Equal(t, int64(1), c.DBSize(ctx).Val())
		require.Equal(t, int64(2), db1.DBSize(ctx).Val())
		require.Equal(t, int64(0), db15.DBSize(ctx).Val())
		require.ElementsMatch(t, []string{"same", "only1"}, db1.Keys(ctx, "*").Val())
		// SELECT on one connection.
		conn := c.Conn()
		defer conn.Close()
		require.Equal(t, "OK", conn.Select(ctx, 1).Val())
		require.Equal(t, "db1", conn.Get(ctx, "same").Val())
		require.Equal(t, "OK", conn.Select(ctx, 0).Val())
		require.Equal(t, "db0", conn.Get(ctx, "same").Val())
		requireRedisErr(t, conn.Select(ctx, 16).Err(), "ERR DB index is out of range")
		requireRedisErr(t, conn.Select(ctx, -1).Err(), "ERR DB index is out of range")
		requireRedisErr(t, conn.Do(ctx, "SELECT", "x").Err(), "ERR value is not an integer or out of range")
		require.Equal(t, "db0", conn.Get(ctx, "same").Val(), "a failed SELECT keeps the db")
	}},
	{"SWAPDB", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		db1 := e.client(t, func(o *redis.Options) { o.DB = 1 })
		keys := manyKeys("sw:", 16)
		require.NoError(t, c.MSet(ctx, pairs(keys, func(int) string { return "db0" })...).Err())
		require.NoError(t, c.Set(ctx, "sw:ttl", "db0", time.Hour).Err())
		require.NoError(t, db1.Set(ctx, "one", "db1", 0).Err())
		conn := c.Conn()
		defer conn.Close()
		require.Equal(t, "OK", conn.SwapDB(ctx, 0, 1).Val())
		require.Equal(t, int64(1), c.DBSize(ctx).Val())
		require.Equal(t, "db1", c.Get(ctx, "one").Val())
		require.Equal(t, int64(17), db1.DBSize(ctx).Val())
		require.Equal(t, "db0", db1.Get(ctx, "sw:5").Val())
		requireTTL(t, db1.TTL(ctx, "sw:ttl").Val(), time.Hour)
		require.Equal(t, "OK", c.Do(ctx, "SWAPDB", 1, 0).Val())
		require.Equal(t, int64(17), c.DBSize(ctx).Val())
		require.Equal(t, "OK", c.Do(ctx, "SWAPDB", 0, 0).Val())
		require.Equal(t, int64(17), c.DBSize(ctx).Val())
		for _, tc := range []struct {
			args []interface{}
			want string
		}{
			{[]interface{}{"SWAPDB", "0", "20"}, "ERR DB index is out of range"},
			{[]interface{}{"SWAPDB", "-1", "0"}, "ERR DB index is out of range"},
			{[]interface{}{"SWAPDB", "0", "x"}, "ERR invalid second DB index"},
			{[]interface{}{"SWAPDB", "x", "0"}, "ERR invalid first DB index"},
		} {
			requireRedisErr(t, c.Do(ctx, tc.args...).Err(), tc.want)
		}
	}},
	{"FLUSHDB FLUSHALL DBSIZE", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		db1 := e.client(t, func(o *redis.Options) { o.DB = 1 })
		fill := func() {
			require.NoError(t, c.MSet(ctx, pairs(manyKeys("f:", 40), func(int) string { return "v" })...).Err())
			require.NoError(t, db1.MSet(ctx, pairs(manyKeys("g:", 10), func(int) string { return "v" })...).Err())
			require.Equal(t, int64(40), c.DBSize(ctx).Val())
			require.Equal(t, int64(10), db1.DBSize(ctx).Val())
		}
		fill()
		require.Equal(t, "OK", c.FlushDB(ctx).Val())
		require.Equal(t, int64(0), c.DBSize(ctx).Val())
		require.Equal(t, int64(10), db1.DBSize(ctx).Val(), "FLUSHDB leaves other dbs")
		fill()
		require.Equal(t, "OK", c.FlushDBAsync(ctx).Val())
		require.Equal(t, int64(0), c.DBSize(ctx).Val())
		require.Equal(t, int64(10), db1.DBSize(ctx).Val())
		require.Equal(t, "OK", c.Do(ctx, "FLUSHDB", "SYNC").Val())
		fill()
		require.Equal(t, "OK", c.FlushAll(ctx).Val())
		require.Equal(t, int64(0), c.DBSize(ctx).Val())
		require.Equal(t, int64(0), db1.DBSize(ctx).Val())
		fill()
		require.Equal(t, "OK", c.FlushAllAsync(ctx).Val())
		require.Equal(t, int64(0), c.DBSize(ctx).Val())
		require.Equal(t, int64(0), db1.DBSize(ctx).Val())
		require.Empty(t, c.Keys(ctx, "*").Val())
		requireRedisErr(t, c.Do(ctx, "FLUSHDB", "foo").Err(), "ERR syntax error")
		requireRedisErr(t, c.Do(ctx, "FLUSHALL", "foo").Err(), "ERR syntax error")
	}},
	{"OBJECT ENCODING", func(t *testing.T, e *e2eEnv) {
		ctx, c := e.ctx, e.c
		require.NoError(t, c.MSet(ctx, "int", "123", "emb", "abc", "raw", strings.Repeat("x", 100)).Err())
		require.Equal(t, "int", c.ObjectEncoding(ctx, "int").Val())
		require.Equal(t, "embstr", c.ObjectEncoding(ctx, "emb").Val())
		require.Equal(t, "raw", c.ObjectEncoding(ctx, "raw").Val())
		require.ErrorIs(t, c.ObjectEncoding(ctx, "zz").Err(), redis.Nil)
	}},
}

// sortedKeys returns the keys of m in order, for stable failure messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
