package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests in this file compare the package with a real redis-server
// (7.0.15 was used while writing it). They are skipped when redis-server is
// not on PATH or with -short. Every server listens on 127.0.0.1 only, on a
// free port, with its dir in a temporary directory, and is killed at the end.

// Options that are duva's own, or where duva knowingly differs.
var notInRedis = map[string]bool{"shards": true, "event-loops": true, "pprof-addr": true, "shard-handoff": true}

func redisBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// safeArgs are put first on every redis-server command line (after the
// configuration file, if any), so that a test case can never make it listen
// on anything but loopback. Our Parse receives the very same arguments.
func safeArgs(t *testing.T, dir string) []string {
	return []string{"--port", freePort(t), "--bind", "127.0.0.1", "--dir", dir}
}

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// runRedis starts redis-server with args. It returns the FATAL CONFIG FILE
// ERROR block if the server refuses its configuration, or a connection.
func runRedis(t *testing.T, bin string, args []string) (string, *redisConn) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	port := args[slices.Index(args, "--port")+1]
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case <-done:
			s := out.String()
			i := strings.Index(s, "*** FATAL CONFIG FILE ERROR")
			if i < 0 {
				t.Fatalf("redis-server %q exited without a config error:\n%s", args, s)
			}
			return strings.TrimRight(s[i:], "\n"), nil
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return "", &redisConn{c: c, r: bufio.NewReader(c)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server %q did not start: %v\n%s", args, err, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// do sends a command and returns its reply; error replies are returned as
// their text ("ERR ...") in err.
func (r *redisConn) do(t *testing.T, args ...string) (any, error) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_ = r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(r.c, b.String()); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(r.r)
	var re replyError
	if err != nil && !errors.As(err, &re) {
		t.Fatalf("%q: %v", args, err)
	}
	return v, err
}

func (r *redisConn) configGet(t *testing.T, pattern string) [][2]string {
	t.Helper()
	v, err := r.do(t, "CONFIG", "GET", pattern)
	if err != nil {
		t.Fatalf("CONFIG GET %q: %v", pattern, err)
	}
	items, _ := v.([]any)
	var out [][2]string
	for i := 0; i+1 < len(items); i += 2 {
		k, _ := items[i].(string)
		val, _ := items[i+1].(string)
		out = append(out, [2]string{k, val})
	}
	return out
}

type replyError string

func (e replyError) Error() string { return string(e) }

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, replyError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply %q", line)
}

// compareAll checks every option of our table against redis's CONFIG GET.
func compareAll(t *testing.T, what string, c *Config, r *redisConn) {
	t.Helper()
	for i := range options {
		o := &options[i]
		if notInRedis[o.name] {
			continue
		}
		want := r.configGet(t, o.name)
		got := c.Get(o.name)
		if o.name == "maxclients" && len(want) == 1 && want[0][1] < got[0][1] {
			continue // redis lowered it to fit RLIMIT_NOFILE
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: CONFIG GET %s: redis %q, duva %q", what, o.name, want, got)
		}
	}
}

func TestRedisDefaults(t *testing.T) {
	bin := redisBin(t)
	dir := t.TempDir()
	args := safeArgs(t, dir) // note: no --save "", to see the default
	_, r := runRedis(t, bin, args)
	c, err := Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	compareAll(t, "defaults", c, r)
	if got := r.configGet(t, "save"); got[0][1] != "3600 1 300 100 60 10000" {
		t.Errorf("redis default save is %q", got[0][1])
	}
	// Everything we list is also listed by redis's CONFIG GET *.
	names := map[string]bool{}
	for _, kv := range r.configGet(t, "*") {
		names[kv[0]] = true
	}
	for _, kv := range c.Get("*") {
		if !names[kv[0]] && !notInRedis[kv[0]] {
			t.Errorf("%s is not a redis 7.0 option", kv[0])
		}
	}
}

func TestRedisParse(t *testing.T) {
	bin := redisBin(t)
	tmp := t.TempDir()
	aFile := filepath.Join(tmp, "afile")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(tmp, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	confFile := func(content string) string {
		f, err := os.CreateTemp(tmp, "*.conf")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(content); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	for _, tc := range []struct {
		file string // configuration file content, "" for none
		args []string
	}{
		// Errors.
		{"", []string{"--foo", "bar"}},
		{"", []string{"--foo"}},
		{"", []string{"--port", "abc"}},
		{"", []string{"--port", "70000"}},
		{"", []string{"--port", "1", "2"}},
		{"", []string{"--port", "+1"}},
		{"", []string{"--appendonly", "maybe"}},
		{"", []string{"--maxmemory", "1xb"}},
		{"", []string{"--maxmemory", "-1"}},
		{"", []string{"--maxmemory", strings.Repeat("1", 130)}},
		{"", []string{"--maxmemory-samples", "1kb"}},
		{"", []string{"--proto-max-bulk-len", "1"}},
		{"", []string{"--proto-max-bulk-len", "99999999999999999999"}},
		{"", []string{"--hash-max-listpack-value", "99999999999999999999"}},
		{"", []string{"--list-max-listpack-size", "-2147483649"}},
		{"", []string{"--slowlog-log-slower-than", "-2"}},
		{"", []string{"--slowlog-max-len", "99999999999999999999"}},
		{"", []string{"--maxclients", "0"}},
		{"", []string{"--maxclients", "4294967296"}},
		{"", []string{"--databases", "0"}},
		{"", []string{"--io-threads", "129"}},
		{"", []string{"--unixsocketperm", "1000"}},
		{"", []string{"--unixsocketperm", "800"}},
		{"", []string{"--unixsocketperm", "-1"}},
		{"", []string{"--unixsocketperm", "-17777777777777777777777"}},
		{"", []string{"--maxmemory-policy", "foo"}},
		{"", []string{"--appendfsync", "foo"}},
		{"", []string{"--supervised", "x"}},
		{"", []string{"--enable-protected-configs", "x"}},
		{"", []string{"--enable-debug-command", "x"}},
		{"", []string{"--rdbchecksum", "1"}},
		{"", []string{"--save", "100"}},
		{"", []string{"--save", "0", "1"}},
		{"", []string{"--save", "1", "-1"}},
		{"", []string{"--save", "1 x"}},
		{"", []string{"--save", "--foo"}},
		{"", []string{"--hz 5", "--foo"}},
		{"", []string{"--hz", "5", "--requirepass", "a\"b c", "--bar"}},
		{"", []string{"--foo", "a\tb\x01\xc3\xa9\\\"'"}},
		{"", []string{"--dir"}},
		{"", []string{"--dir", "/nonexistent"}},
		{"", []string{"--dir", aFile}},
		{"", []string{"--dbfilename", "a/b"}},
		{"", []string{"--dbfilename", `a\b`}},
		{"", []string{"--appendfilename", "a/b"}},
		{"", []string{"--appenddirname", `a\b`}},
		{"", []string{"--client-output-buffer-limit", "foo"}},
		{"", []string{"--client-output-buffer-limit", "normal 1 2 x"}},
		{"", []string{"--client-output-buffer-limit", "normal 1 2 2147483648"}},
		{"", []string{"--client-output-buffer-limit", "master", "1", "2", "3"}},
		{"", append([]string{"--bind"}, strings.Fields("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")...)},
		{"", []string{"--notify-keyspace-events", "Z"}},
		{"", []string{"--notify-keyspace-events", "A B"}},
		{"", []string{"--tcp-backlog", "-1"}},
		{"", []string{"--timeout", "01"}},
		{"", []string{"--appendfsync"}},
		{"", []string{"--hz", "5", "stray"}},
		{"", []string{"--hz", "5", "-x"}},
		{"hz 5\n# c\n\n  foo \"a b\" \n", nil},
		{"hz 5", []string{"--foo", "x"}},
		{"hz 5\n", []string{"--foo", "x"}},
		{"requirepass \"abc\n", nil},
		{"requirepass \"a\"b\n", nil},
		{"requirepass 'a'b\n", nil},
		{"requirepass 'a\n", nil},
		{"hz 5\r\nport 1 2\r\n", nil},
		{"\t  appendonly   perhaps  \n", nil},
		{"save 900 1\nsave \"1 x\"\n", nil},
		{"rename-command foo\n", nil},

		// Valid configurations: every option is then compared.
		{"", []string{"--save", "900", "1", "--save", "300", "10"}},
		{"", []string{"--save", "60", "1", "--save", "", "--save", "30", "2"}},
		{"", []string{"--save", "--hz", "20"}},
		{"", []string{"--save", "900 1", "--requirepass", "--foo"}},
		{"", []string{"--requirepass", "a \"b\"\n\x01"}},
		{"", []string{"--hz 20", "--timeout 30", "--LogLevel", "WARNING"}},
		{"", []string{"--maxmemory", "1gb", "--maxmemory-policy", "ALLKEYS-LRU", "--appendfsync", "always", "--hz", "1000"}},
		{"", []string{"--maxmemory", "20000000000gb", "--hz", "0"}},
		{"", []string{"--maxmemory", "", "--proto-max-bulk-len", "8GB", "--client-query-buffer-limit", "1048576"}},
		{"", []string{"--client-output-buffer-limit", "normal 1mb 2mb 3", "--client-output-buffer-limit", "pubsub", "1k", "2kb", "4294967296"}},
		{"", []string{"--notify-keyspace-events", "AnKE"}},
		{"", []string{"--notify-keyspace-events", "g$lshzxetdm"}},
		{"", []string{"--lua-time-limit", "100", "--hash-max-ziplist-entries", "7", "--zset-max-ziplist-value", "1kb"}},
		{"", []string{"--unixsocketperm", "0755", "--unixsocket", filepath.Join(tmp, "r.sock")}},
		{"", []string{"--unixsocketperm", ""}},
		{"", []string{"--dir", "sub"}},
		{"", []string{"--dbfilename", "", "--appendonly", "yes", "--appendfilename", "x.aof"}},
		{"", []string{"--list-max-listpack-size", "-2147483648", "--slowlog-log-slower-than", "-1", "--slowlog-max-len", "0"}},
		{"", []string{"--databases", "100", "--maxclients", "4294967295", "--io-threads", "4"}},
		{"", []string{"--supervised", "SYSTEMD", "--enable-debug-command", "local", "--daemonize", "no"}},
		{"", []string{"--save", "+100 010", "--save", "5 4294967297"}},
		{"# comment\n\nSAVE 900 1\nsave 300 10\nhz 0\nunixsocketperm 0700\n" +
			"client-output-buffer-limit \"pubsub 1mb 2k 9\"\n" +
			"client-output-buffer-limit replica 1 2 3 normal 4 5 6\n" +
			"maxmemory 2GB\nrequirepass \"p\\x41ss w\\tord\"\ndbfilename 'it\\'s.rdb'\r\n" +
			"list-max-ziplist-size -1\nnotify-keyspace-events KEA\n", []string{"--save", "60", "5"}},
		{"save \"\"\nsave 10 1\n", nil},
		{"save 10 1\nsave \"\"\n", nil},
	} {
		t.Run("", func(t *testing.T) {
			var args []string
			if tc.file != "" {
				args = append(args, confFile(tc.file))
			}
			args = append(args, safeArgs(t, tmp)...)
			args = append(args, tc.args...)
			fatal, r := runRedis(t, bin, args)
			c, err := Parse(args)
			what := fmt.Sprintf("file %q args %q", tc.file, tc.args)
			switch {
			case fatal != "":
				if err == nil {
					t.Errorf("%s: redis refused it:\n%s\nbut Parse accepted it", what, fatal)
				} else if err.Error() != fatal {
					t.Errorf("%s:\nredis:\n%s\nduva:\n%s", what, fatal, err)
				}
			case err != nil:
				t.Errorf("%s: redis accepted it but Parse failed: %v", what, err)
			default:
				if c.RequirePass != "" {
					if _, err := r.do(t, "AUTH", c.RequirePass); err != nil {
						t.Fatalf("%s: AUTH with duva's requirepass %q: %v", what, c.RequirePass, err)
					}
				}
				compareAll(t, what, c, r)
			}
		})
	}
}

// TestRedisSet runs the same CONFIG SET sequence on redis-server and on a
// Config parsed from the same command line, comparing every reply and the
// values after each step.
func TestRedisSet(t *testing.T) {
	bin := redisBin(t)
	args := append(safeArgs(t, t.TempDir()), "--save", "")
	_, r := runRedis(t, bin, args)
	c, err := Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	huge := "99999999999999999999"
	steps := [][]string{
		{"foo", "bar"}, {"FOO", "1"},
		{"port", "abc"}, {"PORT", "abc"}, {"port", "70000"}, {"port", "-1"}, {"port", " 1"}, {"port", "01"}, {"port", "+1"},
		{"hz", "0"}, {"hz", "1000"}, {"hz", "20"}, {"hz", "-0"}, {"hz", ""}, {"hz", "1k"}, {"hz", "1.0"}, {"HZ", "30"},
		{"databases", "3"}, {"DATABASES", "abc"}, {"unixsocket", "/tmp/x"}, {"unixsocketperm", "1"}, {"io-threads", "0"},
		{"supervised", "x"}, {"daemonize", "no"}, {"rdbchecksum", "yes"}, {"tcp-backlog", "1"}, {"logfile", ""},
		{"pidfile", ""}, {"appendfilename", "x"}, {"appenddirname", "x"}, {"cluster-enabled", "no"},
		{"cluster-config-file", "x"}, {"cluster-port", "1"}, {"io-threads-do-reads", "no"},
		{"enable-protected-configs", "yes"}, {"enable-debug-command", "yes"},
		{"dir", "/tmp"}, {"dbfilename", "a/b"}, {"dbfilename", "x.rdb"},
		{"maxclients", "0"}, {"maxclients", "abc"}, {"maxclients", "4294967296"}, {"maxclients", "10000"},
		{"appendonly", "maybe"}, {"appendonly", ""}, {"appendonly", "1"}, {"appendonly", "NO"},
		{"maxmemory", "1xb"}, {"maxmemory", "-1"}, {"maxmemory", "1.5gb"}, {"maxmemory", "+5"}, {"maxmemory", " 5"},
		{"maxmemory", "5 b"}, {"maxmemory", "1tb"}, {"maxmemory", "0x10"}, {"maxmemory", "-0"},
		{"maxmemory", "1mb"}, {"maxmemory", "1k"}, {"maxmemory", "1KB"}, {"maxmemory", "5kB"}, {"maxmemory", "1G"},
		{"maxmemory", "1gb"}, {"maxmemory", "1m"}, {"maxmemory", "05"}, {"maxmemory", "5B"}, {"maxmemory", ""},
		{"maxmemory", "b"}, {"maxmemory", "20000000000gb"}, {"maxmemory", "9223372036854775807"}, {"maxmemory", "0"},
		{"maxmemory-policy", "foo"}, {"maxmemory-policy", "ALLKEYS-LFU"}, {"maxmemory-policy", "volatile-ttl"},
		{"loglevel", "WARNING"}, {"loglevel", "notice"}, // "loglevel foo": duva also lists "nothing"
		{"appendfsync", "foo"}, {"appendfsync", "ALWAYS"}, {"appendfsync", "everysec"},
		{"save", "abc"}, {"save", "100"}, {"save", "100 x"}, {"save", "100 10 200 20"}, {"save", "  100   10  "},
		{"save", "100  10"}, {"save", `"100" 10`}, {"save", "+100 010"}, {"save", "100 4294967297"},
		{"save", huge + " 1"}, {"save", "100 "}, {"save", "0 1"}, {"save", "1 -1"}, {"save", "-0 1"}, {"save", "100 -0"},
		{"save", ""},
		{"timeout", "-1"}, {"timeout", "3600"}, {"timeout", "0"}, {"tcp-keepalive", "-1"}, {"tcp-keepalive", "60"},
		{"proto-max-bulk-len", "100"}, {"proto-max-bulk-len", "9223372036854775807"}, {"proto-max-bulk-len", "9223372036854775808"},
		{"proto-max-bulk-len", "8gb"}, {"proto-max-bulk-len", "-1"}, {"proto-max-bulk-len", "1k"}, {"proto-max-bulk-len", huge},
		{"proto-max-bulk-len", "512mb"},
		{"client-query-buffer-limit", "100"}, {"client-query-buffer-limit", "2gb"},
		{"client-output-buffer-limit", "normal 1 2"}, {"client-output-buffer-limit", "foo 1 2 3"},
		{"client-output-buffer-limit", "normal 1mb 2mb 3"}, {"client-output-buffer-limit", "pubsub 1k 2kb 5"},
		{"client-output-buffer-limit", "NORMAL 1 2 -3"}, {"client-output-buffer-limit", "normal 1 2 3k"},
		{"client-output-buffer-limit", "replica 1 2 3"}, {"client-output-buffer-limit", "SLAVE 4 5 6 normal 0 0 0"},
		{"client-output-buffer-limit", "master 1 2 3"}, {"client-output-buffer-limit", "normal -1 0 0"},
		{"client-output-buffer-limit", "normal 0 0 " + huge}, {"client-output-buffer-limit", "normal 0 0 +3"},
		{"client-output-buffer-limit", "normal 0 0 03"}, {"client-output-buffer-limit", "normal 0 0 -0"},
		{"client-output-buffer-limit", "normal 0 0 0x3"}, {"client-output-buffer-limit", "normal 0 0 2147483647"},
		{"client-output-buffer-limit", "normal 0 0 2147483648"}, {"client-output-buffer-limit", "normal 0 0 4294967296"},
		{"client-output-buffer-limit", "normal 0 0 1000000000000"}, {"client-output-buffer-limit", "normal 0 0  3"},
		{"client-output-buffer-limit", "normal 0 0 "}, {"client-output-buffer-limit", ""},
		{"client-output-buffer-limit", "normal +3 0 0"}, {"client-output-buffer-limit", "normal 03 0 0"},
		{"client-output-buffer-limit", "normal " + huge + " 1 1"},
		{"slowlog-log-slower-than", "-5"}, {"slowlog-log-slower-than", "-1"}, {"slowlog-log-slower-than", "10000"},
		{"slowlog-max-len", "-1"}, {"slowlog-max-len", "9223372036854775808"}, {"slowlog-max-len", "1000"},
		{"latency-monitor-threshold", "-1"}, {"latency-monitor-threshold", "100"}, {"latency-tracking", "no"},
		{"lua-time-limit", "abc"}, {"LUA-TIME-LIMIT", "abc"}, {"lua-time-limit", "100"}, {"busy-reply-threshold", "-1"},
		{"busy-reply-threshold", "5000"},
		{"notify-keyspace-events", "Z"}, {"notify-keyspace-events", "g$lshzxetd"}, {"notify-keyspace-events", "AnKE"},
		{"notify-keyspace-events", "gg"}, {"notify-keyspace-events", "KEA"}, {"notify-keyspace-events", "Am"},
		{"notify-keyspace-events", "xe"}, {"notify-keyspace-events", "E"}, {"notify-keyspace-events", "$"},
		{"notify-keyspace-events", "nK"}, {"notify-keyspace-events", "A B"}, {"notify-keyspace-events", ""},
		{"list-max-listpack-size", "0"}, {"list-max-listpack-size", "-6"}, {"list-max-listpack-size", "-1x"},
		{"list-max-listpack-size", "2147483648"}, {"list-max-ziplist-size", "-2"},
		{"list-compress-depth", "-1"}, {"list-compress-depth", "2"},
		{"hash-max-listpack-entries", "-1"}, {"hash-max-ziplist-entries", "1kb"}, {"hash-max-listpack-entries", "600"},
		{"hash-max-listpack-value", "-1"}, {"hash-max-ziplist-value", "1kb"}, {"hash-max-listpack-value", huge},
		{"set-max-intset-entries", "-1"}, {"set-max-intset-entries", "1000"},
		{"zset-max-listpack-entries", "-1"}, {"zset-max-ziplist-entries", "64"}, {"zset-max-listpack-value", "2kb"},
		{"zset-max-ziplist-value", "-1"},
		{"hll-sparse-max-bytes", huge}, {"hll-sparse-max-bytes", "1kb"}, {"stream-node-max-bytes", "-1"},
		{"stream-node-max-bytes", "8kb"}, {"stream-node-max-entries", "-1"}, {"stream-node-max-entries", "50"},
		{"maxmemory-samples", "0"}, {"maxmemory-samples", "65"}, {"maxmemory-eviction-tenacity", "101"},
		{"maxmemory-eviction-tenacity", "50"}, {"lfu-log-factor", "-1"}, {"lfu-log-factor", "20"},
		{"lfu-decay-time", "1kb"}, {"lfu-decay-time", "5"}, {"active-expire-effort", "11"}, {"active-expire-effort", "0"},
		{"active-expire-effort", "5"}, {"activerehashing", "no"}, {"dynamic-hz", "no"}, {"protected-mode", "no"},
		{"lazyfree-lazy-eviction", "yes"}, {"lazyfree-lazy-expire", "yes"}, {"lazyfree-lazy-server-del", "yes"},
		{"lazyfree-lazy-user-del", "yes"}, {"lazyfree-lazy-user-flush", "yes"},
		{"stop-writes-on-bgsave-error", "no"}, {"rdbcompression", "no"}, {"rdb-save-incremental-fsync", "no"},
		{"no-appendfsync-on-rewrite", "yes"}, {"auto-aof-rewrite-percentage", "-1"}, {"auto-aof-rewrite-percentage", "50"},
		{"auto-aof-rewrite-min-size", "-1"}, {"auto-aof-rewrite-min-size", huge}, {"auto-aof-rewrite-min-size", "1gb"},
		{"aof-load-truncated", "no"}, {"aof-use-rdb-preamble", "no"}, {"aof-timestamp-enabled", "yes"},
		{"aof-rewrite-incremental-fsync", "no"}, {"tracking-table-max-keys", "-1"}, {"tracking-table-max-keys", "10"},
		{"acllog-max-len", "-1"}, {"acllog-max-len", "10"}, {"shutdown-timeout", "-1"}, {"shutdown-timeout", "3"},
		{"cluster-node-timeout", "-1"}, {"cluster-node-timeout", "5000"},
		{"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"},
		// Several pairs at once.
		{"hz", "11", "maxmemory", "1mb", "save", "10 1"},
		{"hz", "12", "maxmemory", "2mb", "port", "abc"},
		{"hz", "10", "foo", "1", "databases", "2"},
		{"databases", "2", "foo", "1"},
		{"port", "1", "PORT", "2"},
		{"lua-time-limit", "1", "busy-reply-threshold", "2"},
		{"maxmemory", "0", "hz", "abc", "port", "-1"},
		{"maxmemory", "0", "save", ""},
		{"port"}, {"port", "1", "hz"},
	}
	for _, step := range steps {
		_, rerr := r.do(t, append([]string{"CONFIG", "SET"}, step...)...)
		gerr := c.SetArgs(step, false)
		want, got := "OK", "OK"
		if rerr != nil {
			want = rerr.Error()
		}
		if gerr != nil {
			got = gerr.Error()
		}
		if got != want {
			t.Errorf("CONFIG SET %q: redis %q, duva %q", step, want, got)
		}
		for i := 0; i+1 < len(step); i += 2 {
			if _, ok := lookup(step[i]); ok {
				if w, g := r.configGet(t, step[i]), c.Get(step[i]); !slices.Equal(w, g) {
					t.Errorf("after CONFIG SET %q: CONFIG GET %s: redis %q, duva %q", step, step[i], w, g)
				}
			}
		}
	}
	compareAll(t, "after CONFIG SET", c, r)

	// CONFIG GET patterns: redis lists more options than duva; restricted to
	// ours, names and values must agree.
	patterns := []string{"*", "*max*", "MAX*", "p?rt", "[p]ort", "PORT", "Port", "lua*", "LUA-TIME-LIMIT",
		"hash-max-*", "*-ziplist-*", "[a-c]*", "[^a-z]*", "*[0-9]*", "?", "", "save", "p\\ort", "*fsync*",
		"client-*", "[z-x]*", "*-[L-N]*", "dir", "d?r", "nosuch", "maxmemory*"}
	for _, p := range patterns {
		var want [][2]string
		for _, kv := range r.configGet(t, p) {
			if _, ok := lookup(kv[0]); ok {
				want = append(want, kv)
			}
		}
		var got [][2]string
		for _, kv := range c.Get(p) {
			if !notInRedis[kv[0]] {
				got = append(got, kv)
			}
		}
		sortPairs(want)
		sortPairs(got)
		if !slices.Equal(got, want) {
			t.Errorf("CONFIG GET %q: redis %q, duva %q", p, want, got)
		}
	}
	want := r.configGet(t, "Port")
	// Several patterns in one CONFIG GET dedupe names case-insensitively.
	v, err := r.do(t, "CONFIG", "GET", "Port", "p?rt", "port", "lua*", "busy*")
	if err != nil {
		t.Fatal(err)
	}
	items := v.([]any)
	got := c.GetAll("Port", "p?rt", "port", "lua*", "busy*")
	if len(items) != 2*len(got) || got[0] != want[0] {
		t.Errorf("CONFIG GET Port p?rt port lua* busy*: redis %q, duva %q", items, got)
	}
}

func sortPairs(kv [][2]string) {
	slices.SortFunc(kv, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
}
