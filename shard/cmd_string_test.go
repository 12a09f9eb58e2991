package shard

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duva-db/duva/internal/config"
)

// Tests of the string and keyspace commands drive a real Engine in-process and
// compare the exact RESP bytes with what Redis 7.0 replies.
//
// Transcripts live in testdata/kv_*.txt: a command per line, each followed by
// "< <Go-quoted reply>" recorded from a real redis-server. The test always checks
// duva against the recorded bytes; when redis-server is on PATH it also runs
// the transcript against a fresh redis-server and checks that Redis still gives
// the recorded bytes. `go test -run Transcript -update-kv` re-records them.

var kvUpdate = flag.Bool("update-kv", false, "re-record testdata/kv_*.txt from a real redis-server")

// ---- duva side ----

type kvEnv struct {
	t    testing.TB
	e    *Engine
	w    *Worker
	cl   *Client
	out  []byte
	done chan struct{}
}

func newKVEnv(t testing.TB, shards int) *kvEnv {
	t.Helper()
	cfg := config.Default()
	cfg.Shards = shards
	return newKVEnvConfig(t, cfg)
}

func newKVEnvConfig(t testing.TB, cfg *config.Config) *kvEnv {
	t.Helper()
	e := NewEngine(cfg)
	e.ApplyConfig()
	e.Start() // the ticker and the timeout loop: blocking commands time out through it
	t.Cleanup(e.Stop)
	env := &kvEnv{t: t, e: e, w: e.NewWorker(), done: make(chan struct{}, 1)}
	env.cl = e.NewClient("127.0.0.1:1", "127.0.0.1:6379", 0, false)
	env.cl.Notify = func() { env.done <- struct{}{} }
	return env
}

// do runs one command and returns its reply.
func (env *kvEnv) do(args ...string) string {
	env.t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return string(env.exec(argv))
}

func (env *kvEnv) exec(argv [][]byte) []byte {
	env.t.Helper()
	out, queued := env.w.Exec(env.cl, argv, env.out[:0])
	env.w.Flush()
	if queued {
		select {
		case <-env.done:
		case <-time.After(5 * time.Second):
			env.t.Fatalf("queued command %q never finished", argv)
		}
		out = append(out, env.cl.TakeReply()...)
	}
	env.out = out
	return out
}

// benchExec is Exec for benchmarks: the fast path inline, and a wait when the
// command had to be queued (a tick held the shard), since a client must not
// run its next command before the queued one finished.
func (env *kvEnv) benchExec(args [][]byte, out []byte) []byte {
	out, queued := env.w.Exec(env.cl, args, out)
	if queued {
		env.w.Flush()
		<-env.done
		out = append(out, env.cl.TakeReply()...)
	}
	return out
}

// mk creates a key of a non-string type directly in the table, so the tests do
// not depend on the list/set/hash commands.
func (env *kvEnv) mk(typ, key string) {
	var t uint8
	switch typ {
	case "hash":
		t = TypeHash
	case "list":
		t = TypeList
	case "set":
		t = TypeSet
	case "zset":
		t = TypeZSet
	default:
		env.t.Fatalf("mk: unknown type %q", typ)
	}
	k := []byte(key)
	s := env.e.shards[env.e.ShardOf(k)]
	d := s.dbs[env.cl.DB()]
	if d.Get(k) != nil {
		d.Delete(k)
	}
	ent := d.Insert(k)
	ent.Type = t
}

// ---- redis side ----

type kvRedis struct {
	conn net.Conn
	br   *bufio.Reader
}

// startRedis starts a redis-server on a free loopback port, or returns nil
// when redis-server is not installed.
func startRedis(t testing.TB) *kvRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil
	}
	var conn net.Conn
	for attempt := 0; attempt < 5 && conn == nil; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // port taken: try another
				continue
			default:
			}
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err == nil {
				conn = c
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if conn == nil {
		t.Fatal("could not start redis-server")
	}
	t.Cleanup(func() { conn.Close() })
	r := &kvRedis{conn: conn, br: bufio.NewReader(conn)}
	// The recorded replies are Redis 7.0's; other versions differ in places.
	if info := r.do(t, "INFO", "server"); !strings.Contains(info, "redis_version:7.0.") {
		t.Logf("redis-server is not 7.0: not comparing with it")
		return nil
	}
	return r
}

func (r *kvRedis) do(t testing.TB, args ...string) string {
	t.Helper()
	var req []byte
	req = fmt.Appendf(req, "*%d\r\n", len(args))
	for _, a := range args {
		req = fmt.Appendf(req, "$%d\r\n%s\r\n", len(a), a)
	}
	r.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write(req); err != nil {
		t.Fatal(err)
	}
	reply, err := readRESP(r.br)
	if err != nil {
		t.Fatalf("reading redis reply to %q: %v", args, err)
	}
	return string(reply)
}

// readRESP reads one complete RESP2/RESP3 reply and returns its raw bytes.
func readRESP(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("bad line %q", line)
	}
	out := line
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return out, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return out, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		return append(out, buf...), nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			sub, err := readRESP(br)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		if line[0] == '|' { // an attribute precedes the actual reply
			sub, err := readRESP(br)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}

// normalizeRESP sorts the elements of every aggregate, so replies whose order
// is unspecified (KEYS, SCAN) compare equal when they hold the same elements.
func normalizeRESP(reply string) string {
	br := bufio.NewReader(strings.NewReader(reply))
	var norm func() (string, error)
	norm = func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		switch line[0] {
		case '$':
			n, _ := strconv.Atoi(line[1 : len(line)-2])
			if n < 0 {
				return line, nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(br, buf); err != nil {
				return "", err
			}
			return line + string(buf), nil
		case '*', '~', '%':
			n, _ := strconv.Atoi(line[1 : len(line)-2])
			if line[0] == '%' {
				n *= 2
			}
			var elems []string
			for i := 0; i < n; i++ {
				s, err := norm()
				if err != nil {
					return "", err
				}
				elems = append(elems, s)
			}
			sort.Strings(elems)
			return line + strings.Join(elems, ""), nil
		}
		return line, nil
	}
	s, err := norm()
	if err != nil {
		return "unparsable: " + reply
	}
	return s
}

// ---- transcripts ----

type kvStep struct {
	mode   byte // 0: exact, '~': unordered, '?': not compared, 'd': directive
	args   []string
	want   string
	hasExp bool
	line   int
	text   string
}

// splitArgs splits a command line on spaces; a token in double quotes is a Go
// string literal (for empty, binary or spaced arguments).
func splitArgs(s string) ([]string, error) {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return args, nil
		}
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, err
			}
			a, _ := strconv.Unquote(q)
			args = append(args, a)
			s = s[len(q):]
			continue
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			i = len(s)
		}
		args = append(args, s[:i])
		s = s[i:]
	}
}

func parseTranscript(t *testing.T, path string) []*kvStep {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []*kvStep
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#':
			steps = append(steps, &kvStep{mode: '#', text: line, line: i + 1})
		case strings.HasPrefix(trimmed, "< "):
			if len(steps) == 0 || steps[len(steps)-1].args == nil {
				t.Fatalf("%s:%d: reply without command", path, i+1)
			}
			want, err := strconv.Unquote(trimmed[2:])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			steps[len(steps)-1].want, steps[len(steps)-1].hasExp = want, true
		default:
			st := &kvStep{line: i + 1, text: trimmed}
			cmdline := trimmed
			switch {
			case trimmed[0] == '~' || trimmed[0] == '?':
				st.mode, cmdline = trimmed[0], trimmed[1:]
			case strings.HasPrefix(trimmed, "proto ") || strings.HasPrefix(trimmed, "mk "):
				st.mode = 'd'
			}
			if st.args, err = splitArgs(cmdline); err != nil || len(st.args) == 0 {
				t.Fatalf("%s:%d: bad command line: %v", path, i+1, err)
			}
			steps = append(steps, st)
		}
	}
	return steps
}

// mkRedisCommand creates a key of the given type in Redis.
var mkRedisCommand = map[string][]string{
	"hash": {"HSET", "", "f", "v"},
	"list": {"RPUSH", "", "a"},
	"set":  {"SADD", "", "a"},
	"zset": {"ZADD", "", "1", "a"},
}

func runTranscript(t *testing.T, name string) {
	path := filepath.Join("testdata", name)
	steps := parseTranscript(t, path)
	env := newKVEnv(t, 4)
	r := startRedis(t)
	if r == nil {
		if *kvUpdate {
			t.Fatal("-update-kv needs redis-server on PATH")
		}
		t.Log("redis-server not found: checking against recorded replies only")
	} else {
		r.do(t, "FLUSHALL")
	}
	for _, st := range steps {
		switch st.mode {
		case '#':
			continue
		case 'd':
			switch st.args[0] {
			case "proto":
				p, _ := strconv.Atoi(st.args[1])
				env.cl.SetProto(p)
				if r != nil {
					r.do(t, "HELLO", st.args[1])
				}
			case "mk":
				env.mk(st.args[1], st.args[2])
				if r != nil {
					cmd := append([]string(nil), mkRedisCommand[st.args[1]]...)
					cmd[1] = st.args[2]
					r.do(t, "DEL", st.args[2])
					r.do(t, cmd...)
				}
			}
			continue
		}
		got := env.do(st.args...)
		var redisGot string
		if r != nil {
			redisGot = r.do(t, st.args...)
		}
		if st.mode == '?' {
			continue
		}
		if *kvUpdate {
			st.want, st.hasExp = redisGot, true
			continue
		}
		if !st.hasExp {
			t.Errorf("%s:%d: %s: no recorded reply (run with -update-kv)", path, st.line, st.text)
			continue
		}
		cmp := func(s string) string {
			if st.mode == '~' {
				return normalizeRESP(s)
			}
			return s
		}
		if r != nil && cmp(redisGot) != cmp(st.want) {
			t.Errorf("%s:%d: %s\n  redis now replies %q\n  recorded:         %q", path, st.line, st.text, redisGot, st.want)
		}
		if cmp(got) != cmp(st.want) {
			t.Errorf("%s:%d: %s\n  duva:  %q\n  redis: %q", path, st.line, st.text, got, st.want)
		}
	}
	if *kvUpdate {
		var b strings.Builder
		for _, st := range steps {
			b.WriteString(st.text)
			b.WriteByte('\n')
			if st.hasExp && st.mode != '?' && st.mode != 'd' {
				b.WriteString("< " + strconv.Quote(st.want) + "\n")
			}
		}
		out := strings.TrimRight(b.String(), "\n") + "\n"
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStringTranscript(t *testing.T) { runTranscript(t, "kv_string.txt") }

// ---- INCRBYFLOAT arithmetic ----

func TestLongDoubleParseFormat(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		inf  int
		text string // %.17Lf with zeros trimmed, as Redis prints it
	}{
		{"10.5", true, 0, "10.5"},
		{"0.1", true, 0, "0.1"},
		{"3.0e3", true, 0, "3000"},
		{"1.", true, 0, "1"},
		{".5", true, 0, "0.5"},
		{"+.5", true, 0, "0.5"},
		{"-0", true, 0, "0"},
		{"0x10", true, 0, "16"},
		{"0x1p-2", true, 0, "0.25"},
		{"0x1e5", true, 0, "485"},
		{"1e-4940", true, 0, "0"},
		{"1.23456789012345678901234", true, 0, "1.23456789012345679"},
		{"inf", true, 1, ""},
		{"-Infinity", true, -1, ""},
		{"1e5000", false, 0, ""},
		{"1e-5000", false, 0, ""},
		{"nan", false, 0, ""},
		{"", false, 0, ""},
		{".", false, 0, ""},
		{"1e", false, 0, ""},
		{"1e+", false, 0, ""},
		{"1_0", false, 0, ""},
		{" 1", false, 0, ""},
		{"1 ", false, 0, ""},
		{"0x", false, 0, ""},
		{"0b101", false, 0, ""},
		{"1p3", false, 0, ""},
		{"infinit", false, 0, ""},
	}
	for _, tc := range cases {
		var x big.Float
		inf, ok := parseLongDouble([]byte(tc.in), &x)
		if ok != tc.ok || inf != tc.inf {
			t.Errorf("parse %q = inf %d ok %v, want inf %d ok %v", tc.in, inf, ok, tc.inf, tc.ok)
			continue
		}
		if ok && inf == 0 {
			if got := string(formatLongDouble(nil, &x)); got != tc.text {
				t.Errorf("format(%q) = %q, want %q", tc.in, got, tc.text)
			}
		}
	}
}

// TestIncrbyfloatMatchesRedis compares many INCRBYFLOAT chains with Redis's
// long double results (skipped without redis-server).
func TestIncrbyfloatMatchesRedis(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server not found")
	}
	env := newKVEnv(t, 1)
	incs := []string{"0.1", "0.2", "-0.3", "1e-3", "123456.789", "1e17", "-1e17", "3.0e3", "0.7",
		"1.5", "-2.25", "1e-18", "9999999999.999", "0.3333333333333333333", "5e-17", "1e25", "-1e25", "0x1p-3", "7"}
	key := "f"
	for round := 0; round < 4; round++ {
		for i, inc := range incs {
			if round%2 == 1 {
				inc = incs[(i*7+round)%len(incs)]
			}
			got := env.do("INCRBYFLOAT", key, inc)
			want := r.do(t, "INCRBYFLOAT", key, inc)
			if got != want {
				t.Fatalf("INCRBYFLOAT %s %s: duva %q, redis %q", key, inc, got, want)
			}
		}
	}
}

// ---- real TTLs ----

func TestStringTTLExpires(t *testing.T) {
	env := newKVEnv(t, 4)
	// The ticker's active expiry runs too, and may hold shards: commands then
	// go through the queued path.
	env.e.Start()
	t.Cleanup(env.e.Stop)
	if got := env.do("SET", "k", "v", "PX", "50"); got != "+OK\r\n" {
		t.Fatalf("SET PX: %q", got)
	}
	pttl, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(env.do("PTTL", "k"), ":"), "\r\n"))
	if err != nil || pttl < 0 || pttl > 50 {
		t.Fatalf("PTTL right after SET PX 50 = %d (%v)", pttl, err)
	}
	if got := env.do("SETEX", "long", "100", "v"); got != "+OK\r\n" {
		t.Fatalf("SETEX: %q", got)
	}
	deadline := time.Now().Add(3 * time.Second)
	for env.do("GET", "k") != "$-1\r\n" {
		if time.Now().After(deadline) {
			t.Fatal("key with PX 50 still there after 3s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"TTL", "k"}, ":-2\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"GET", "long"}, "$1\r\nv\r\n"},
		{[]string{"TTL", "long"}, ":100\r\n"},
	} {
		if got := env.do(c.args...); got != c.want {
			t.Errorf("%v = %q, want %q", c.args, got, c.want)
		}
	}
	// GETEX PX and SET KEEPTTL keep a real short TTL going.
	env.do("SET", "g", "1")
	if got := env.do("GETEX", "g", "PX", "40"); got != "$1\r\n1\r\n" {
		t.Fatalf("GETEX PX: %q", got)
	}
	env.do("SET", "g", "2", "KEEPTTL")
	env.do("INCR", "g") // keeps the TTL too
	for env.do("EXISTS", "g") != ":0\r\n" {
		if time.Now().After(deadline.Add(3 * time.Second)) {
			t.Fatal("GETEX PX 40 key did not expire")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ---- allocations and benchmarks ----

// raceEnabled reports whether the test binary was built with -race, which
// makes allocation counts meaningless.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return true
			}
		}
	}
	return false
}

func argv(args ...string) [][]byte {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	return a
}

func TestStringHotPathAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts are not meaningful with -race")
	}
	env := newKVEnv(t, 4)
	env.do("SET", "hot", "some value of medium size")
	cases := []struct {
		name string
		args [][]byte
	}{
		{"GET hit", argv("GET", "hot")},
		{"GET miss", argv("GET", "cold")},
		{"SET existing", argv("SET", "hot", "another value, same size!")},
		{"SET existing shorter", argv("SET", "hot", "short")},
		{"SET existing with EX", argv("SET", "hot", "xyz", "EX", "100")},
		{"INCR existing", argv("INCR", "counter")},
		{"MGET hits", argv("MGET", "hot", "counter")},
	}
	env.do("SET", "counter", "1")
	out := make([]byte, 0, 4096)
	for _, tc := range cases {
		for i := 0; i < 10; i++ { // warm up
			out, _ = env.w.Exec(env.cl, tc.args, out[:0])
		}
		env.w.Flush()
		n := testing.AllocsPerRun(1000, func() {
			out, _ = env.w.Exec(env.cl, tc.args, out[:0])
		})
		env.w.Flush()
		if n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

func BenchmarkStringGet(b *testing.B) {
	env := newKVEnv(b, 4)
	env.do("SET", "bench", strings.Repeat("x", 32))
	args := argv("GET", "bench")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

func BenchmarkStringSet(b *testing.B) {
	env := newKVEnv(b, 4)
	env.do("SET", "bench", "x")
	args := argv("SET", "bench", strings.Repeat("y", 32))
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

func BenchmarkStringSetNewKeys(b *testing.B) {
	env := newKVEnv(b, 4)
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	args := argv("SET", "", strings.Repeat("y", 32))
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i&(len(keys)-1) == 0 {
			b.StopTimer()
			env.do("FLUSHALL")
			b.StartTimer()
		}
		args[1] = keys[i&(len(keys)-1)]
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

func BenchmarkStringIncr(b *testing.B) {
	env := newKVEnv(b, 4)
	args := argv("INCR", "ctr")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

// pollSleep is the step of the bounded polls that wait for a TTL to pass.
func pollSleep() { time.Sleep(5 * time.Millisecond) }
