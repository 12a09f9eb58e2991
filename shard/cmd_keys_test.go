package shard

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestKeysTranscript(t *testing.T) { runTranscript(t, "kv_keys.txt") }

// parseReply decodes a RESP reply into string (simple/bulk), int64, nil
// (null) or []any (any aggregate), for tests that look inside replies.
func parseReply(t testing.TB, reply string) any {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(reply))
	var parse func() any
	parse = func() any {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("bad reply %q: %v", reply, err)
		}
		body := line[1 : len(line)-2]
		switch line[0] {
		case '+':
			return body
		case '-':
			t.Fatalf("error reply: %q", line)
		case ':':
			n, _ := strconv.ParseInt(body, 10, 64)
			return n
		case '_':
			return nil
		case '$':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				return nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(br, buf); err != nil {
				t.Fatalf("bad reply %q", reply)
			}
			return string(buf[:n])
		case '*', '~':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				return nil
			}
			l := make([]any, n)
			for i := range l {
				l[i] = parse()
			}
			return l
		}
		t.Fatalf("unexpected reply %q", reply)
		return nil
	}
	return parse()
}

// scanOnce runs one SCAN call and returns the next cursor and the keys.
func scanOnce(t testing.TB, env *kvEnv, args ...string) (string, []string) {
	t.Helper()
	r := parseReply(t, env.do(append([]string{"SCAN"}, args...)...)).([]any)
	var keys []string
	for _, k := range r[1].([]any) {
		keys = append(keys, k.(string))
	}
	return r[0].(string), keys
}

// TestScanGuarantee checks Redis's SCAN guarantee across shards: every key
// present for the whole iteration is returned at least once, while keys are
// added (growing the tables) or removed (shrinking them) between calls.
func TestScanGuarantee(t *testing.T) {
	for _, shards := range []int{1, 4, 7} {
		for _, mode := range []string{"grow", "shrink"} {
			t.Run(fmt.Sprintf("%d shards %s", shards, mode), func(t *testing.T) {
				env := newKVEnv(t, shards)
				stable := map[string]bool{}
				for i := 0; i < 1000; i++ {
					k := "stable:" + strconv.Itoa(i)
					stable[k] = false
					env.do("SET", k, "v")
				}
				temp := 0
				if mode == "shrink" {
					for ; temp < 6000; temp++ {
						env.do("SET", "temp:"+strconv.Itoa(temp), "v")
					}
				}
				cursor, calls := "0", 0
				for {
					next, keys := scanOnce(t, env, cursor, "COUNT", "7")
					for _, k := range keys {
						if _, ok := stable[k]; ok {
							stable[k] = true
						}
					}
					for i := 0; i < 15; i++ {
						if mode == "grow" {
							env.do("SET", "temp:"+strconv.Itoa(temp), "v")
							temp++
						} else if temp > 0 {
							temp--
							env.do("DEL", "temp:"+strconv.Itoa(temp))
						}
					}
					calls++
					if next == "0" {
						break
					}
					if calls > 100000 {
						t.Fatal("SCAN does not terminate")
					}
					cursor = next
				}
				for k, seen := range stable {
					if !seen {
						t.Errorf("SCAN never returned %s", k)
					}
				}
				t.Logf("%d calls, %d temp keys left", calls, temp)
			})
		}
	}
}

func TestScanCountAndFilters(t *testing.T) {
	env := newKVEnv(t, 4)
	for i := 0; i < 100; i++ {
		env.do("SET", "k"+strconv.Itoa(i), "v")
	}
	env.mk("hash", "k100")
	env.do("SET", "gone", "v", "PXAT", "1") // already expired: SCAN skips and deletes it
	if got := env.do("DBSIZE"); got != ":102\r\n" {
		t.Fatalf("DBSIZE = %q", got)
	}
	next, keys := scanOnce(t, env, "0", "COUNT", "1000", "MATCH", "k1*")
	if next != "0" || len(keys) != 12 { // k1, k10..k19, k100
		t.Errorf("SCAN MATCH k1*: cursor %s, %d keys %v", next, len(keys), keys)
	}
	_, keys = scanOnce(t, env, "0", "COUNT", "1000", "TYPE", "hash")
	if len(keys) != 1 || keys[0] != "k100" {
		t.Errorf("SCAN TYPE hash: %v", keys)
	}
	// A full scan with the default COUNT returns each key, cursor 0 at the end.
	seen := map[string]int{}
	cursor := "0"
	for i := 0; ; i++ {
		next, keys := scanOnce(t, env, cursor)
		if len(keys) > 10*4+10 {
			t.Errorf("one SCAN call returned %d keys", len(keys))
		}
		for _, k := range keys {
			seen[k]++
		}
		if next == "0" {
			break
		}
		cursor = next
		if i > 1000 {
			t.Fatal("no end")
		}
	}
	if len(seen) != 101 {
		t.Errorf("full SCAN saw %d keys, want 101", len(seen))
	}
	// As in Redis, the filters (MATCH, TYPE) run before the expiry check, so
	// only the unfiltered scan met the expired key, and deleted it.
	if got := env.do("DBSIZE"); got != ":101\r\n" {
		t.Errorf("expired key not removed by SCAN: DBSIZE = %q", got)
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"17", 17, true}, {"+5", 5, true},
		{"-1", 1<<64 - 1, true}, {"-0", 0, true}, {"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false}, {"-", 0, false}, {"+", 0, false}, {" 5", 0, false},
		{"5 ", 0, false}, {"abc", 0, false}, {"0x10", 0, false}, {"5\x00abc", 5, true},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMultiKeyAcrossShards moves values between shards with RENAME and COPY
// and checks each key ends up in the table of the shard that owns it.
func TestMultiKeyAcrossShards(t *testing.T) {
	env := newKVEnv(t, 4)
	// Find two keys on different shards.
	a, b := "a", ""
	for i := 0; b == ""; i++ {
		k := "b" + strconv.Itoa(i)
		if env.e.ShardOf([]byte(k)) != env.e.ShardOf([]byte(a)) {
			b = k
		}
	}
	owner := func(key string) *Entry {
		k := []byte(key)
		var found *Entry
		for i, s := range env.e.shards {
			if e := s.dbs[env.cl.DB()].Get(k); e != nil {
				if i != env.e.ShardOf(k) {
					t.Errorf("key %s stored in shard %d, owner is %d", key, i, env.e.ShardOf(k))
				}
				found = e
			}
		}
		return found
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"SET", a, "hello", "EX", "100"}, "+OK\r\n"},
		{[]string{"RENAME", a, b}, "+OK\r\n"},
		{[]string{"GET", b}, "$5\r\nhello\r\n"},
		{[]string{"TTL", b}, ":100\r\n"},
		{[]string{"EXISTS", a, b}, ":1\r\n"},
		{[]string{"COPY", b, a}, ":1\r\n"},
		{[]string{"APPEND", a, "!"}, ":6\r\n"},
		{[]string{"MGET", a, b}, "*2\r\n$6\r\nhello!\r\n$5\r\nhello\r\n"},
		{[]string{"RENAMENX", a, b}, ":0\r\n"},
		{[]string{"MSETNX", a, "x", "zzz", "y"}, ":0\r\n"},
		{[]string{"MSET", a, "1", b, "2"}, "+OK\r\n"},
		{[]string{"TTL", b}, ":-1\r\n"},
		{[]string{"DEL", a, b, "nokey"}, ":2\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
	}
	for _, st := range steps {
		if got := env.do(st.args...); got != st.want {
			t.Fatalf("%v = %q, want %q", st.args, got, st.want)
		}
		owner(a)
		owner(b)
	}
	env.do("SET", a, "v")
	env.do("COPY", a, b, "DB", "3")
	env.do("SELECT", "3")
	if e := owner(b); e == nil || string(e.Str()) != "v" {
		t.Errorf("COPY to db 3: %+v", e)
	}
	env.do("SELECT", "0")
	// The copy is independent of the original.
	env.do("SETRANGE", a, "0", "w")
	env.do("SELECT", "3")
	if got := env.do("GET", b); got != "$1\r\nv\r\n" {
		t.Errorf("copy changed with its source: %q", got)
	}
	env.do("SELECT", "0")
}

func TestRandomKeySkipsExpired(t *testing.T) {
	env := newKVEnv(t, 4)
	for i := 0; i < 200; i++ {
		env.do("SET", "dead"+strconv.Itoa(i), "v", "PXAT", "1")
	}
	env.do("SET", "alive", "v")
	for i := 0; i < 20; i++ {
		if got := env.do("RANDOMKEY"); got != "$5\r\nalive\r\n" {
			t.Fatalf("RANDOMKEY = %q", got)
		}
	}
	// Every expired key it met was deleted.
	n := parseReply(t, env.do("DBSIZE")).(int64)
	if n >= 201 {
		t.Errorf("DBSIZE %d: RANDOMKEY deleted no expired key", n)
	}
	env.do("DEL", "alive")
	if got := env.do("RANDOMKEY"); got != "$-1\r\n" {
		t.Errorf("RANDOMKEY with only expired keys = %q", got)
	}
	if got := env.do("DBSIZE"); got != ":0\r\n" {
		t.Errorf("DBSIZE after RANDOMKEY cleaned up = %q", got)
	}
	// Several live keys: all of them come up.
	seen := map[string]bool{}
	for i := 0; i < 8; i++ {
		env.do("SET", "k"+strconv.Itoa(i), "v")
	}
	for i := 0; i < 2000 && len(seen) < 8; i++ {
		seen[parseReply(t, env.do("RANDOMKEY")).(string)] = true
	}
	if len(seen) != 8 {
		t.Errorf("RANDOMKEY returned only %v", seen)
	}
}

func TestMemoryUsage(t *testing.T) {
	env := newKVEnv(t, 4)
	env.do("SET", "small", "v")
	env.do("SET", "large", strings.Repeat("x", 10000))
	small := parseReply(t, env.do("MEMORY", "USAGE", "small")).(int64)
	large := parseReply(t, env.do("MEMORY", "USAGE", "large")).(int64)
	if small < int64(len("small")+1) || small > 200 {
		t.Errorf("MEMORY USAGE small = %d", small)
	}
	if large < 10000 || large > 10000+200 {
		t.Errorf("MEMORY USAGE large = %d", large)
	}
	// A value that shrinks gives its memory back.
	env.do("SET", "large", "v")
	if shrunk := parseReply(t, env.do("MEMORY", "USAGE", "large")).(int64); shrunk > 200 {
		t.Errorf("MEMORY USAGE after shrinking = %d", shrunk)
	}
}

// TestKeysExpiryCommands uses real short TTLs.
func TestKeysExpiryCommands(t *testing.T) {
	env := newKVEnv(t, 4)
	env.e.Start() // active expiry runs alongside
	t.Cleanup(env.e.Stop)
	env.do("MSET", "a", "1", "b", "2", "c", "3")
	for _, args := range [][]string{{"PEXPIRE", "a", "30"}, {"EXPIRE", "b", "100"}, {"PEXPIRE", "c", "30"}} {
		if got := env.do(args...); got != ":1\r\n" {
			t.Fatalf("%v = %q", args, got)
		}
	}
	if got := env.do("PERSIST", "c"); got != ":1\r\n" {
		t.Fatalf("PERSIST = %q", got)
	}
	if pt := parseReply(t, env.do("PTTL", "a")).(int64); pt < 0 || pt > 30 {
		t.Fatalf("PTTL a = %d", pt)
	}
	for i := 0; env.do("EXISTS", "a") != ":0\r\n"; i++ {
		if i > 600 {
			t.Fatal("a did not expire")
		}
		pollSleep()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"TTL", "a"}, ":-2\r\n"},
		{[]string{"PEXPIRETIME", "a"}, ":-2\r\n"},
		{[]string{"TTL", "b"}, ":100\r\n"},
		{[]string{"TTL", "c"}, ":-1\r\n"},
		{[]string{"EXISTS", "a", "b", "c"}, ":2\r\n"},
		{[]string{"DBSIZE"}, ":2\r\n"},
	} {
		if got := env.do(c.args...); got != c.want {
			t.Errorf("%v = %q, want %q", c.args, got, c.want)
		}
	}
	// KEYS does not list a key whose TTL passed even before anything deleted it.
	env.do("SET", "soon", "v", "PX", "20")
	for i := 0; strings.Contains(env.do("KEYS", "*"), "soon"); i++ {
		if i > 600 {
			t.Fatal("KEYS still lists an expired key")
		}
		pollSleep()
	}
}

// TestRandomDifferential runs a seeded random mix of string and keyspace
// commands against duva and a real redis-server and compares every reply.
// Only commands whose replies do not depend on the clock are used (TTLs are
// absolute times far in the future, read back with PEXPIRETIME).
func TestRandomDifferential(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server not found")
	}
	env := newKVEnv(t, 4)
	r.do(t, "FLUSHALL")
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("KVSEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	keys := []string{"a", "b", "c", "d", "{x}1", "{x}2", "e", "f"}
	key := func() string { return keys[rng.IntN(len(keys))] }
	vals := []string{"0", "1", "-5", "42", "9223372036854775807", "-9223372036854775808", "1.5", "0.1", "3e2",
		"abc", "", "hello world", "007", " 1", "10.50", "18446744073709551616"}
	val := func() string {
		if rng.IntN(4) == 0 {
			return strconv.Itoa(rng.IntN(2000) - 1000)
		}
		return vals[rng.IntN(len(vals))]
	}
	num := func() string { return strconv.Itoa(rng.IntN(40) - 10) }
	at := func() string { return strconv.FormatInt(4000000000000+int64(rng.IntN(1000))*1000, 10) }
	gen := []func() []string{
		func() []string { return []string{"SET", key(), val()} },
		func() []string {
			opts := [][]string{{"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"}, {"PXAT", at()}, {"EXAT", at()[:10]}, {"NX", "GET"}, {"XX", "GET", "KEEPTTL"}}
			return append([]string{"SET", key(), val()}, opts[rng.IntN(len(opts))]...)
		},
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"GETDEL", key()} },
		func() []string { return []string{"GETSET", key(), val()} },
		func() []string { return []string{"GETEX", key(), "PERSIST"} },
		func() []string { return []string{"GETEX", key(), "PXAT", at()} },
		func() []string { return []string{"SETNX", key(), val()} },
		func() []string { return []string{"MSET", key(), val(), key(), val()} },
		func() []string { return []string{"MSETNX", key(), val(), key(), val()} },
		func() []string { return []string{"MGET", key(), key(), key()} },
		func() []string { return []string{"APPEND", key(), val()} },
		func() []string { return []string{"STRLEN", key()} },
		func() []string { return []string{"GETRANGE", key(), num(), num()} },
		func() []string { return []string{"SETRANGE", key(), strconv.Itoa(rng.IntN(12)), val()} },
		func() []string { return []string{"INCR", key()} },
		func() []string { return []string{"DECR", key()} },
		func() []string { return []string{"INCRBY", key(), val()} },
		func() []string { return []string{"DECRBY", key(), val()} },
		func() []string { return []string{"INCRBYFLOAT", key(), val()} },
		func() []string { return []string{"DEL", key(), key()} },
		func() []string { return []string{"EXISTS", key(), key(), key()} },
		func() []string { return []string{"TYPE", key()} },
		func() []string { return []string{"RENAME", key(), key()} },
		func() []string { return []string{"RENAMENX", key(), key()} },
		func() []string { return []string{"COPY", key(), key()} },
		func() []string { return []string{"COPY", key(), key(), "REPLACE"} },
		func() []string {
			opts := []string{"NX", "XX", "GT", "LT"}
			cmd := []string{"PEXPIREAT", key(), at()}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, opts[rng.IntN(4)])
			}
			return cmd
		},
		func() []string { return []string{"EXPIREAT", key(), at()[:10], "GT"} },
		func() []string { return []string{"PEXPIRETIME", key()} },
		func() []string { return []string{"EXPIRETIME", key()} },
		func() []string { return []string{"PERSIST", key()} },
		func() []string { return []string{"OBJECT", "ENCODING", key()} },
		func() []string { return []string{"DBSIZE"} },
	}
	for i := 0; i < 4000; i++ {
		args := gen[rng.IntN(len(gen))]()
		got, want := env.do(args...), r.do(t, args...)
		if os.Getenv("KVTRACE") != "" {
			t.Logf("%d %q -> %q", i, args, want)
		}
		if args[0] == "OBJECT" && got != want &&
			(want == "$3\r\nraw\r\n" || want == "$6\r\nembstr\r\n" && got == "$3\r\nint\r\n") {
			// Known difference: Redis reports "raw" for strings built by APPEND
			// or SETRANGE and "embstr" for INCRBYFLOAT results; duva derives
			// the encoding from the value alone.
			continue
		}
		if got != want {
			t.Fatalf("step %d: %q\n  duva:  %q\n  redis: %q", i, args, got, want)
		}
	}
	got, want := env.do("KEYS", "*"), r.do(t, "KEYS", "*")
	if normalizeRESP(got) != normalizeRESP(want) {
		t.Fatalf("final KEYS: duva %q, redis %q", got, want)
	}
}
