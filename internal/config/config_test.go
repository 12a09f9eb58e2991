package config

import (
	"errors"
	"github.com/duva-db/duva/internal/sds"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Unless said otherwise, every expected error text and formatted value in
// this file was observed on redis-server 7.0.15 (Debian package), either
// from its start-up output (`redis-server --port abc`) or from redis-cli
// (`CONFIG SET port abc`, `CONFIG GET *`). redis_test.go re-checks them
// against a live redis-server when one is on PATH.

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func errText(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want %q", want)
		return
	}
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}

func get1(t *testing.T, c *Config, name string) string {
	t.Helper()
	kv := c.Get(name)
	if len(kv) != 1 {
		t.Fatalf("Get(%q) = %q, want one pair", name, kv)
	}
	return kv[0][1]
}

// tempDir is t.TempDir without symbolic links, as dir values are stored.
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	noErr(t, err)
	return d
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "duva.conf")
	noErr(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestDefaults(t *testing.T) {
	c := Default()
	eq(t, c.Port, 6379)
	eq(t, strings.Join(c.Bind, " "), "127.0.0.1")
	eq(t, c.UnixSocket, "")
	eq(t, c.UnixSocketPerm, 0)
	eq(t, c.Dir, ".")
	eq(t, c.DBFilename, "dump.rdb")
	eq(t, c.Databases, 16)
	eq(t, c.MaxClients, 10000)
	eq(t, c.Timeout, 0)
	eq(t, c.TCPKeepalive, 300)
	eq(t, c.LogLevel, "notice")
	eq(t, c.LogFile, "")
	eq(t, c.Hz, 10)
	eq(t, c.Shards, min(runtime.NumCPU(), 1024))
	eq(t, c.EventLoops, max(1, min(runtime.NumCPU()/2, 1024)))
	eq(t, c.PprofAddr, "")
	eq(t, c.ProtoMaxBulkLen, 512<<20)
	eq(t, c.ClientQueryBufferLimit, 1<<30)
	eq(t, c.ClientOutputBufferLimitNormal, [3]int64{0, 0, 0})
	eq(t, c.ClientOutputBufferLimitReplica, [3]int64{256 << 20, 64 << 20, 60})
	eq(t, c.ClientOutputBufferLimitPubSub, [3]int64{32 << 20, 8 << 20, 60})
	eq(t, c.LatencyMonitorThreshold, 0)
	eq(t, c.SlowlogLogSlowerThan, 10000)
	eq(t, c.SlowlogMaxLen, 128)
	eq(t, c.MaxMemory, 0)
	eq(t, c.MaxMemoryPolicy, "noeviction")
	eq(t, c.Save, "3600 1 300 100 60 10000")
	eq(t, c.AppendOnly, false)
	eq(t, c.AppendFsync, "everysec")
	eq(t, c.HashMaxListpackEntries, 512) // 7.0.15 says 512, not 128
	eq(t, c.ZsetMaxListpackEntries, 128)
	eq(t, c.ListMaxListpackSize, -2)
	eq(t, c.BusyReplyThreshold, 5000)
	eq(t, c.NotifyKeyspaceEvents, 0)
	if !slices.Equal(c.SaveParams(), []SaveParam{{3600, 1}, {300, 100}, {60, 10000}}) {
		t.Errorf("SaveParams = %v", c.SaveParams())
	}
}

// Values as printed by CONFIG GET on a default redis-server 7.0.15.
func TestGetFormatting(t *testing.T) {
	c := Default()
	for name, want := range map[string]string{
		"save":                       "3600 1 300 100 60 10000",
		"appendonly":                 "no",
		"maxmemory":                  "0",
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"bind":                       "127.0.0.1",
		"proto-max-bulk-len":         "536870912",
		"auto-aof-rewrite-min-size":  "67108864",
		"unixsocketperm":             "0",
		"notify-keyspace-events":     "",
		"lua-time-limit":             "5000",
		"hash-max-ziplist-entries":   "512",
		"list-max-listpack-size":     "-2",
		"maxmemory-policy":           "noeviction",
		"appendfilename":             "appendonly.aof",
		"appenddirname":              "appendonlydir",
		"cluster-config-file":        "nodes.conf",
		"io-threads":                 "1",
		"tcp-backlog":                "511",
		"protected-mode":             "yes",
		"pidfile":                    "",
	} {
		if got := get1(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	wd, err := os.Getwd()
	noErr(t, err)
	wd, err = filepath.EvalSymlinks(wd)
	noErr(t, err)
	eq(t, get1(t, c, "dir"), wd) // always absolute, like getcwd()
}

func TestGetPatterns(t *testing.T) {
	c := Default()
	names := func(kv [][2]string) []string {
		var out []string
		for _, p := range kv {
			out = append(out, p[0])
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		// No glob character: exact, case-insensitive lookup echoing the
		// name as typed (redis-cli CONFIG GET PORT answers "PORT").
		{"port", []string{"port"}},
		{"PORT", []string{"PORT"}},
		{"Lua-Time-Limit", []string{"Lua-Time-Limit"}},
		{"p\\ort", nil}, // a backslash alone does not make a pattern
		{"nosuch", nil},
		// Patterns match names and aliases, ignoring case.
		{"p?rt", []string{"port"}},
		{"[p]ort", []string{"port"}},
		{"PO*", []string{"port"}},
		{"lua*", []string{"lua-time-limit"}},
		{"hash-max-*", []string{"hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries", "hash-max-ziplist-value"}},
		{"*fsync*", []string{"aof-rewrite-incremental-fsync", "appendfsync", "no-appendfsync-on-rewrite", "rdb-save-incremental-fsync"}},
		{"maxmemory*", []string{"maxmemory", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}},
		{"[x-z]*", []string{"zset-max-listpack-entries", "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value"}},
	} {
		if got := names(c.Get(tc.pattern)); !slices.Equal(got, tc.want) {
			t.Errorf("Get(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	all := c.Get("*")
	eq(t, len(all), len(options)+6-2) // six aliases; the two hidden debug options only by name
	eq(t, strings.Join(names(c.Get("key-load-delay")), ","), "key-load-delay")
	eq(t, len(c.Get("*delay*")), 0)
	// GetAll dedupes case-insensitively (CONFIG GET Port p?rt gives one pair).
	got := c.GetAll("Port", "p?rt", "port")
	eq(t, len(got), 1)
	eq(t, got[0], [2]string{"Port", "6379"})
	// Aliases are separate names, so both are listed.
	eq(t, len(c.GetAll("lua*", "busy*")), 2)
}

func TestParseFile(t *testing.T) {
	p := writeFile(t, strings.Join([]string{
		"# duva test configuration",
		"",
		"   port 7000   ",
		"\tbind 127.0.0.1 ::1\r",
		"requirepass \"p\\x41ss word\\n\"  # not a comment: this is an argument error",
	}, "\n"))
	_, err := Parse([]string{p})
	errText(t, err, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"+
		"Reading the configuration file, at line 5\n"+
		">>> 'requirepass \"p\\x41ss word\\n\"  # not a comment: this is an argument error'\n"+
		"wrong number of arguments")

	p = writeFile(t, strings.Join([]string{
		"# duva test configuration",
		"",
		"   port 7000   ",
		"\tbind 127.0.0.1 ::1\r",
		"requirepass \"p\\x41ss word\\n\"",
		"dbfilename 'it\\'s.rdb'",
		"SAVE 900 1",
		"save 300 10",
		"save \"60 10000\"",
		"maxmemory 2GB",
		"maxmemory-policy ALLKEYS-LRU",
		"appendonly YES",
		"client-output-buffer-limit replica 1mb 2k 3 pubsub 4 5 6",
		"unixsocketperm 0700",
		"list-max-ziplist-size -1",
		"notify-keyspace-events KEA",
		"hz 0",
		"event-loops 3",
		"shards 4",
		"pprof-addr 127.0.0.1:6060",
	}, "\n"))
	c, err := Parse([]string{p, "--port", "7001", "--hz", "2000"})
	noErr(t, err)
	eq(t, c.ConfigFile, p)
	eq(t, c.Port, 7001) // the command line overrides the file
	eq(t, strings.Join(c.Bind, ","), "127.0.0.1,::1")
	eq(t, c.RequirePass, "pAss word\n")
	eq(t, c.DBFilename, "it's.rdb")
	eq(t, c.Save, "900 1 300 10 60 10000") // save lines accumulate in a file
	eq(t, c.MaxMemory, 2<<30)
	eq(t, c.MaxMemoryPolicy, "allkeys-lru")
	eq(t, c.AppendOnly, true)
	eq(t, c.ClientOutputBufferLimitReplica, [3]int64{1 << 20, 2000, 3})
	eq(t, c.ClientOutputBufferLimitPubSub, [3]int64{4, 5, 6})
	eq(t, c.ClientOutputBufferLimitNormal, [3]int64{0, 0, 0})
	eq(t, c.UnixSocketPerm, 0o700)
	eq(t, get1(t, c, "unixsocketperm"), "700")
	eq(t, c.ListMaxListpackSize, -1)
	eq(t, get1(t, c, "notify-keyspace-events"), "AKE")
	eq(t, c.NotifyKeyspaceEvents, NotifyAll|NotifyKeyspace|NotifyKeyevent)
	eq(t, c.Hz, 500) // 0 in the file, 2000 on the command line: clamped like Redis
	eq(t, c.EventLoops, 3)
	eq(t, c.Shards, 4)
	eq(t, c.PprofAddr, "127.0.0.1:6060")
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(c *Config) bool
	}{
		{[]string{"--save", "900", "1", "--save", "300", "10"}, func(c *Config) bool { return c.Save == "900 1 300 10" }},
		{[]string{"--save", ""}, func(c *Config) bool { return c.Save == "" }},
		{[]string{"--save"}, func(c *Config) bool { return c.Save == "" }},
		{[]string{"--save", "--appendonly", "yes"}, func(c *Config) bool { return c.Save == "" && c.AppendOnly }},
		{[]string{"--save", "900 1"}, func(c *Config) bool { return c.Save == "900 1" }},
		{[]string{"--save", "60", "1", "--save", "", "--save", "30", "2"}, func(c *Config) bool { return c.Save == "30 2" }},
		// The first value after a bare name is taken even if it starts with "--".
		{[]string{"--requirepass", "--foo"}, func(c *Config) bool { return c.RequirePass == "--foo" }},
		{[]string{"--requirepass", "a \"b\"\n"}, func(c *Config) bool { return c.RequirePass == "a \"b\"\n" }},
		{[]string{"--port 6380", "--hz", "20"}, func(c *Config) bool { return c.Port == 6380 && c.Hz == 20 }},
		{[]string{"--bind", "127.0.0.1", "::1"}, func(c *Config) bool { return strings.Join(c.Bind, " ") == "127.0.0.1 ::1" }},
		{[]string{"--bind", ""}, func(c *Config) bool { return len(c.Bind) == 0 }},
		{[]string{"--port", "1", "--port", "2"}, func(c *Config) bool { return c.Port == 2 }},
		{[]string{"--LogLevel", "WARNING"}, func(c *Config) bool { return c.LogLevel == "warning" }},
		{[]string{"--loglevel", "nothing"}, func(c *Config) bool { return c.LogLevel == "nothing" }}, // Redis 7.2 value
		{[]string{"--maxmemory", "100mb"}, func(c *Config) bool { return c.MaxMemory == 100<<20 }},
		// Redis keeps 18446744073709551615; duva's int64 field clamps.
		{[]string{"--maxmemory", "99999999999999999999"}, func(c *Config) bool { return c.MaxMemory == 1<<63-1 }},
		{[]string{"--maxmemory", "20000000000gb"}, func(c *Config) bool { return c.MaxMemory == 3028092406290448384 }},
		{[]string{"--client-output-buffer-limit", "normal 1mb 2mb 3"}, func(c *Config) bool {
			return c.ClientOutputBufferLimitNormal == [3]int64{1 << 20, 2 << 20, 3}
		}},
		{[]string{"--notify-keyspace-events", "AnKE"}, func(c *Config) bool {
			return c.NotifyKeyspaceEvents == NotifyAll|NotifyNew|NotifyKeyspace|NotifyKeyevent
		}},
		{[]string{"--lua-time-limit", "100"}, func(c *Config) bool { return c.BusyReplyThreshold == 100 }},
		{[]string{"--unixsocketperm", ""}, func(c *Config) bool { return c.UnixSocketPerm == 0 }},
		{nil, func(c *Config) bool { return c.Port == 6379 && c.ConfigFile == "" }},
	} {
		c, err := Parse(tc.args)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.args, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("Parse(%q): unexpected result %+v", tc.args, *c)
		}
	}

	dir := tempDir(t)
	noErr(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	c, err := Parse([]string{"--dir", dir, "--dir", "sub"}) // relative to the previous dir, as Redis chdir's
	noErr(t, err)
	eq(t, c.Dir, filepath.Join(dir, "sub"))
	eq(t, get1(t, c, "dir"), filepath.Join(dir, "sub"))
}

func fatal(line int, text, msg string) string {
	return "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line " +
		strconv.Itoa(line) + "\n>>> '" + text + "'\n" + msg
}

// Start-up errors, as printed by `redis-server <args>` 7.0.15 (the first
// option is on line 2 because redis-server appends "\n" and the options to
// the, here empty, configuration file).
func TestParseErrors(t *testing.T) {
	tmp := t.TempDir()
	aFile := filepath.Join(tmp, "afile")
	noErr(t, os.WriteFile(aFile, nil, 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--foo", "bar"}, fatal(2, `foo "bar"`, "Bad directive or wrong number of arguments")},
		{[]string{"--foo"}, fatal(2, `foo`, "Bad directive or wrong number of arguments")},
		{[]string{"--port", "abc"}, fatal(2, `port "abc"`, "argument couldn't be parsed into an integer")},
		{[]string{"--port", "70000"}, fatal(2, `port "70000"`, "argument must be between 0 and 65535 inclusive")},
		{[]string{"--port", "-1"}, fatal(2, `port "-1"`, "argument must be between 0 and 65535 inclusive")},
		{[]string{"--port", "+1"}, fatal(2, `port "+1"`, "argument couldn't be parsed into an integer")},
		{[]string{"--port", "01"}, fatal(2, `port "01"`, "argument couldn't be parsed into an integer")},
		{[]string{"--port"}, fatal(2, `port`, "wrong number of arguments")},
		{[]string{"--port", "1", "2"}, fatal(2, `port "1" "2"`, "wrong number of arguments")},
		{[]string{"--hz", "5", "--port", "1", "2"}, fatal(3, `port "1" "2"`, "wrong number of arguments")},
		{[]string{"--appendonly", "maybe"}, fatal(2, `appendonly "maybe"`, "argument must be 'yes' or 'no'")},
		{[]string{"--maxmemory", "1xb"}, fatal(2, `maxmemory "1xb"`, "argument must be a memory value")},
		{[]string{"--maxmemory", "-1"}, fatal(2, `maxmemory "-1"`, "argument must be a memory value")},
		{[]string{"--maxmemory", "1.5gb"}, fatal(2, `maxmemory "1.5gb"`, "argument must be a memory value")},
		{[]string{"--maxmemory", "1tb"}, fatal(2, `maxmemory "1tb"`, "argument must be a memory value")},
		{[]string{"--maxmemory", strings.Repeat("1", 130)}, fatal(2, `maxmemory "`+strings.Repeat("1", 130)+`"`, "argument must be a memory value")},
		{[]string{"--maxmemory-samples", "1kb"}, fatal(2, `maxmemory-samples "1kb"`, "argument couldn't be parsed into an integer")},
		{[]string{"--proto-max-bulk-len", "1"}, fatal(2, `proto-max-bulk-len "1"`, "argument must be between 1048576 and 9223372036854775807 inclusive")},
		{[]string{"--hash-max-listpack-value", "99999999999999999999"}, fatal(2, `hash-max-listpack-value "99999999999999999999"`, "argument must be between 0 and 9223372036854775807 inclusive")},
		{[]string{"--list-max-listpack-size", "-2147483649"}, fatal(2, `list-max-listpack-size "-2147483649"`, "argument must be between -2147483648 and 2147483647 inclusive")},
		{[]string{"--slowlog-log-slower-than", "-2"}, fatal(2, `slowlog-log-slower-than "-2"`, "argument must be between -1 and 9223372036854775807 inclusive")},
		{[]string{"--slowlog-max-len", "99999999999999999999"}, fatal(2, `slowlog-max-len "99999999999999999999"`, "argument couldn't be parsed into an integer")},
		{[]string{"--maxclients", "0"}, fatal(2, `maxclients "0"`, "argument must be between 1 and 4294967295 inclusive")},
		{[]string{"--databases", "0"}, fatal(2, `databases "0"`, "argument must be between 1 and 2147483647 inclusive")},
		{[]string{"--io-threads", "0"}, fatal(2, `io-threads "0"`, "argument must be between 1 and 128 inclusive")},
		{[]string{"--unixsocketperm", "1000"}, fatal(2, `unixsocketperm "1000"`, "argument must be between 0 and 777 inclusive")},
		{[]string{"--unixsocketperm", "800"}, fatal(2, `unixsocketperm "800"`, "argument couldn't be parsed as an octal number")},
		{[]string{"--maxmemory-policy", "foo"}, fatal(2, `maxmemory-policy "foo"`, "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
		{[]string{"--appendfsync", "foo"}, fatal(2, `appendfsync "foo"`, "argument(s) must be one of the following: everysec, always, no")},
		{[]string{"--supervised", "x"}, fatal(2, `supervised "x"`, "argument(s) must be one of the following: upstart, systemd, auto, no")},
		{[]string{"--enable-protected-configs", "x"}, fatal(2, `enable-protected-configs "x"`, "argument(s) must be one of the following: no, yes, local")},
		// Redis 7.0.15 lists "debug, verbose, notice, warning"; duva also
		// accepts Redis 7.2's "nothing" and lists it like 7.2 does.
		{[]string{"--loglevel", "foo"}, fatal(2, `loglevel "foo"`, "argument(s) must be one of the following: debug, verbose, notice, warning, nothing")},
		{[]string{"--save", "100"}, fatal(2, `save "100"`, "Invalid save parameters")},
		{[]string{"--save", "0", "1"}, fatal(2, `save "0" "1"`, "Invalid save parameters")},
		{[]string{"--save", "1", "-1"}, fatal(2, `save "1" "-1"`, "Invalid save parameters")},
		{[]string{"--save", "1 x"}, fatal(2, `save "1 x"`, "Invalid save parameters")},
		{[]string{"--save", "--foo"}, fatal(3, `foo`, "Bad directive or wrong number of arguments")},
		{[]string{"--hz 5", "--foo"}, fatal(3, `foo`, "Bad directive or wrong number of arguments")},
		{[]string{"--port", "7391", "--requirepass", "a\"b c", "--bar"}, fatal(4, `bar`, "Bad directive or wrong number of arguments")},
		{[]string{"--foo", "a\tb\x01\xc3\xa9\\"}, fatal(2, `foo "a\tb\x01\xc3\xa9\\"`, "Bad directive or wrong number of arguments")},
		{[]string{"--dir"}, fatal(2, `dir`, "wrong number of arguments")},
		{[]string{"--dir", "/nonexistent"}, fatal(2, `dir "/nonexistent"`, "No such file or directory")},
		{[]string{"--dir", aFile}, fatal(2, `dir "`+aFile+`"`, "Not a directory")},
		{[]string{"--dbfilename", "a/b"}, fatal(2, `dbfilename "a/b"`, "dbfilename can't be a path, just a filename")},
		{[]string{"--dbfilename", `a\b`}, fatal(2, `dbfilename "a\\b"`, "dbfilename can't be a path, just a filename")},
		{[]string{"--appendfilename", "a/b"}, fatal(2, `appendfilename "a/b"`, "appendfilename can't be a path, just a filename")},
		{[]string{"--appenddirname", "a/b"}, fatal(2, `appenddirname "a/b"`, "appenddirname can't be a path, just a dirname")},
		{[]string{"--client-output-buffer-limit", "foo"}, fatal(2, `client-output-buffer-limit "foo"`, "Wrong number of arguments in buffer limit configuration.")},
		{[]string{"--client-output-buffer-limit", "normal 1 2 x"}, fatal(2, `client-output-buffer-limit "normal 1 2 x"`, "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{[]string{"--client-output-buffer-limit", "master", "1", "2", "3"}, fatal(2, `client-output-buffer-limit "master" "1" "2" "3"`, "Invalid client class specified in buffer limit configuration.")},
		{append([]string{"--bind"}, strings.Fields("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")...), fatal(2, `bind "1" "2" "3" "4" "5" "6" "7" "8" "9" "10" "11" "12" "13" "14" "15" "16" "17"`, "Too many bind addresses specified.")},
		{[]string{"--notify-keyspace-events", "Z"}, fatal(2, `notify-keyspace-events "Z"`, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{[]string{"--notify-keyspace-events", "A B"}, fatal(2, `notify-keyspace-events "A B"`, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{[]string{"--requirepass"}, fatal(2, `requirepass`, "wrong number of arguments")},
		{[]string{"--shards", "0"}, fatal(2, `shards "0"`, "argument must be between 1 and 1024 inclusive")}, // duva option
	} {
		_, err := Parse(tc.args)
		errText(t, err, tc.want)
		var fe *FatalError
		if err != nil && !errors.As(err, &fe) {
			t.Errorf("Parse(%q): error is %T, want *FatalError", tc.args, err)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	// As printed by redis-server 7.0.15 for the same files.
	p := writeFile(t, "hz 5\n# c\n\n  foo \"a b\" \n")
	_, err := Parse([]string{p})
	errText(t, err, fatal(4, `foo "a b"`, "Bad directive or wrong number of arguments"))

	// The options start on the line after the file's last line; a file
	// without a final newline shares no line with them either.
	p = writeFile(t, "hz 5")
	_, err = Parse([]string{p, "--foo", "x"})
	errText(t, err, fatal(2, `foo "x"`, "Bad directive or wrong number of arguments"))
	p = writeFile(t, "hz 5\n")
	_, err = Parse([]string{p, "--foo", "x"})
	errText(t, err, fatal(3, `foo "x"`, "Bad directive or wrong number of arguments"))

	p = writeFile(t, "requirepass \"abc\n")
	_, err = Parse([]string{p})
	errText(t, err, fatal(1, `requirepass "abc`, "Unbalanced quotes in configuration line"))
	p = writeFile(t, "requirepass \"a\"b\n")
	_, err = Parse([]string{p})
	errText(t, err, fatal(1, `requirepass "a"b`, "Unbalanced quotes in configuration line"))
	p = writeFile(t, "requirepass 'a'b\n")
	_, err = Parse([]string{p})
	errText(t, err, fatal(1, `requirepass 'a'b`, "Unbalanced quotes in configuration line"))

	// redis-server resolves the path first:
	// "Fatal error, can't open config file '/nonexistent.conf': No such file or directory".
	_, err = Parse([]string{"/nonexistent.conf"})
	errText(t, err, "Fatal error, can't open config file '/nonexistent.conf': No such file or directory")
	wd, _ := os.Getwd()
	_, err = Parse([]string{"missing.conf"})
	errText(t, err, "Fatal error, can't open config file '"+filepath.Join(wd, "missing.conf")+"': No such file or directory")

	_, err = Parse([]string{"-"})
	errText(t, err, "duva: reading the configuration from stdin is not supported")
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a b  c", []string{"a", "b", "c"}, true},
		{`"a b" 'c d'`, []string{"a b", "c d"}, true},
		{`"\x41\x4a\n\r\t\b\a\"\\\q"`, []string{"AJ\n\r\t\b\a\"\\q"}, true},
		{`"\x4"`, []string{"x4"}, true},
		{`'it\'s' '\n'`, []string{"it's", `\n`}, true},
		{`a"b c"d`, nil, false}, // closing quote followed by a non-space
		{`a"b c" d`, []string{"ab c", "d"}, true},
		{`""`, []string{""}, true},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{"a\tb\nc\rd", []string{"a", "b", "c", "d"}, true},
		{"a\vb", []string{"a\vb"}, true}, // \v separates only before a token, like sdssplitargs
	} {
		got, ok := sds.SplitArgs(tc.in)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	eq(t, sds.Repr("a\"\\\n\r\t\a\b\x00\x7f\xffz"), `"a\"\\\n\r\t\a\b\x00\x7f\xffz"`)
}

func TestMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true}, // as memtoull: no digits means 0
		{"b", 0, true},
		{"100", 100, true},
		{"05", 5, true},
		{"5B", 5, true},
		{"1k", 1000, true},
		{"1kb", 1024, true},
		{"1KB", 1024, true},
		{"5kB", 5120, true},
		{"1m", 1000 * 1000, true},
		{"1mb", 1 << 20, true},
		{"100mb", 100 << 20, true},
		{"1g", 1000 * 1000 * 1000, true},
		{"1gb", 1 << 30, true},
		{"1Gb", 1 << 30, true},
		{"1tb", 0, false},
		{"1.5gb", 0, false},
		{"-1", 0, false},
		{"-0", 0, false},
		{"+5", 0, false},
		{" 5", 0, false},
		{"5 b", 0, false},
		{"0x10", 0, false},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false}, // does not fit the int64 result
	} {
		got, err := ParseMemory(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && err.Error() != "argument must be a memory value" {
			t.Errorf("ParseMemory(%q) error %q", tc.in, err)
		}
	}
	// Saturation and wrap-around, exactly like memtoull.
	u, ok := memtoull("18446744073709551616")
	eq(t, ok, true)
	eq(t, u, uint64(18446744073709551615))
	u, _ = memtoull("20000000000gb")
	eq(t, u, uint64(3028092406290448384))
	_, ok = memtoull(strings.Repeat("1", 127))
	eq(t, ok, true)
	_, ok = memtoull(strings.Repeat("1", 128))
	eq(t, ok, false)
}

func TestSetRoundTrip(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ name, value, want string }{
		{"maxmemory", "1mb", "1048576"},
		{"maxmemory", "1k", "1000"},
		{"maxmemory", "1KB", "1024"},
		{"maxmemory", "05", "5"},
		{"maxmemory", "", "0"},
		{"maxmemory", "18446744073709551615", "9223372036854775807"}, // Redis keeps the uint64
		{"maxmemory", "0", "0"},
		{"proto-max-bulk-len", "8gb", "8589934592"},
		{"hz", "0", "1"},
		{"hz", "1000", "500"},
		{"hz", "20", "20"},
		{"loglevel", "NOTICE", "notice"},
		{"loglevel", "nothing", "nothing"},
		{"appendonly", "Yes", "yes"},
		{"appendonly", "no", "no"},
		{"maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"},
		{"appendfsync", "ALWAYS", "always"},
		{"save", "100 10 200 20", "100 10 200 20"},
		{"save", "+100 010", "100 10"},
		{"save", "100 4294967297", "100 1"},
		{"save", "99999999999999999999 1", "9223372036854775807 1"},
		{"save", "100 ", "100 0"},
		{"save", "", ""},
		{"client-output-buffer-limit", "pubsub 1k 2kb 5", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1000 2048 5"},
		{"client-output-buffer-limit", "NORMAL 1 2 3", "normal 1 2 3 slave 268435456 67108864 60 pubsub 1000 2048 5"},
		{"client-output-buffer-limit", "replica 1 2 +3", "normal 1 2 3 slave 1 2 3 pubsub 1000 2048 5"},
		{"client-output-buffer-limit", "normal 0 0 4294967296", "normal 0 0 0 slave 1 2 3 pubsub 1000 2048 5"},
		{"client-output-buffer-limit", "normal 0 0 ", "normal 0 0 0 slave 1 2 3 pubsub 1000 2048 5"},
		{"client-output-buffer-limit", "", "normal 0 0 0 slave 1 2 3 pubsub 1000 2048 5"},
		{"notify-keyspace-events", "g$lshzxetd", "A"},
		{"notify-keyspace-events", "AnKE", "AKE"},
		{"notify-keyspace-events", "KEA", "AKE"},
		{"notify-keyspace-events", "gg", "g"},
		{"notify-keyspace-events", "Am", "Am"},
		{"notify-keyspace-events", "xe", "xe"},
		{"notify-keyspace-events", "$", "$"},
		{"notify-keyspace-events", "", ""},
		{"bind", "127.0.0.1 ::1", "127.0.0.1 ::1"},
		{"bind", "", ""},
		{"bind", "127.0.0.1", "127.0.0.1"},
		{"list-max-listpack-size", "-6", "-6"},
		{"list-max-ziplist-size", "7", "7"},
		{"lua-time-limit", "100", "100"},
		{"busy-reply-threshold", "200", "200"},
		{"requirepass", "s3cret pass", "s3cret pass"},
		{"slowlog-log-slower-than", "-1", "-1"},
		{"port", "7000", "7000"},
		{"PORT", "7001", "7001"},
	} {
		if err := c.Set(tc.name, tc.value); err != nil {
			t.Errorf("Set(%q, %q): %v", tc.name, tc.value, err)
			continue
		}
		if got := get1(t, c, tc.name); got != tc.want {
			t.Errorf("after Set(%q, %q): Get = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	eq(t, c.BusyReplyThreshold, 200)
	eq(t, get1(t, c, "lua-time-limit"), "200")
	eq(t, c.Port, 7001)
}

// Error replies of CONFIG SET on redis-server 7.0.15.
func TestSetErrors(t *testing.T) {
	c := Default()
	failed := func(name, msg string) string {
		return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + msg
	}
	for _, tc := range []struct{ name, value, want string }{
		{"foo", "bar", "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{"FOO", "1", "ERR Unknown option or number of arguments for CONFIG SET - 'FOO'"},
		{"port", "abc", failed("port", "argument couldn't be parsed into an integer")},
		{"PORT", "abc", failed("port", "argument couldn't be parsed into an integer")},
		{"LUA-TIME-LIMIT", "abc", failed("lua-time-limit", "argument couldn't be parsed into an integer")},
		{"port", "70000", failed("port", "argument must be between 0 and 65535 inclusive")},
		{"port", "-1", failed("port", "argument must be between 0 and 65535 inclusive")},
		{"port", " 7390", failed("port", "argument couldn't be parsed into an integer")},
		{"port", "07390", failed("port", "argument couldn't be parsed into an integer")},
		{"hz", "-0", failed("hz", "argument couldn't be parsed into an integer")},
		{"hz", "", failed("hz", "argument couldn't be parsed into an integer")},
		{"hz", "1k", failed("hz", "argument couldn't be parsed into an integer")},
		{"databases", "3", failed("databases", "can't set immutable config")},
		{"DATABASES", "abc", failed("DATABASES", "can't set immutable config")},
		{"unixsocket", "/tmp/x", failed("unixsocket", "can't set immutable config")},
		{"io-threads", "0", failed("io-threads", "can't set immutable config")},
		{"shards", "2", failed("shards", "can't set immutable config")},
		{"dir", "/nonexistent", failed("dir", "can't set protected config")},
		{"dbfilename", "a/b", failed("dbfilename", "can't set protected config")},
		{"maxclients", "0", failed("maxclients", "argument must be between 1 and 4294967295 inclusive")},
		{"maxclients", "4294967296", failed("maxclients", "argument must be between 1 and 4294967295 inclusive")},
		{"appendonly", "maybe", failed("appendonly", "argument must be 'yes' or 'no'")},
		{"appendonly", "1", failed("appendonly", "argument must be 'yes' or 'no'")},
		{"appendonly", "", failed("appendonly", "argument must be 'yes' or 'no'")},
		{"maxmemory", "1xb", failed("maxmemory", "argument must be a memory value")},
		{"maxmemory", "-1", failed("maxmemory", "argument must be a memory value")},
		{"maxmemory", "+5", failed("maxmemory", "argument must be a memory value")},
		{"maxmemory", "5 ", failed("maxmemory", "argument must be a memory value")},
		{"maxmemory-policy", "foo", failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
		{"appendfsync", "foo", failed("appendfsync", "argument(s) must be one of the following: everysec, always, no")},
		{"save", "abc", failed("save", "Invalid save parameters")},
		{"save", "100", failed("save", "Invalid save parameters")},
		{"save", "  100   10  ", failed("save", "Invalid save parameters")},
		{"save", "100  10", failed("save", "Invalid save parameters")},
		{"save", `"100" 10`, failed("save", "Invalid save parameters")},
		{"timeout", "-1", failed("timeout", "argument must be between 0 and 2147483647 inclusive")},
		{"tcp-keepalive", "-1", failed("tcp-keepalive", "argument must be between 0 and 2147483647 inclusive")},
		{"proto-max-bulk-len", "100", failed("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")},
		{"proto-max-bulk-len", "9223372036854775808", failed("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")},
		{"proto-max-bulk-len", "-1", failed("proto-max-bulk-len", "argument must be a memory value")},
		{"client-query-buffer-limit", "100", failed("client-query-buffer-limit", "argument must be between 1048576 and 9223372036854775807 inclusive")},
		{"client-output-buffer-limit", "normal 1 2", failed("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")},
		{"client-output-buffer-limit", "foo 1 2 3", failed("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")},
		{"client-output-buffer-limit", "normal 1 2 -3", failed("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{"client-output-buffer-limit", "normal 1 2 3k", failed("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{"client-output-buffer-limit", "normal 0 0 2147483648", failed("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{"client-output-buffer-limit", "normal +3 0 0", failed("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{"client-output-buffer-limit", "normal 0 0 3 ", failed("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")},
		{"slowlog-log-slower-than", "-5", failed("slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive")},
		{"slowlog-max-len", "-1", failed("slowlog-max-len", "argument must be between 0 and 9223372036854775807 inclusive")},
		{"slowlog-max-len", "9223372036854775808", failed("slowlog-max-len", "argument couldn't be parsed into an integer")},
		{"latency-monitor-threshold", "-1", failed("latency-monitor-threshold", "argument must be between 0 and 9223372036854775807 inclusive")},
		{"maxmemory-samples", "0", failed("maxmemory-samples", "argument must be between 1 and 2147483647 inclusive")},
		{"active-expire-effort", "11", failed("active-expire-effort", "argument must be between 1 and 10 inclusive")},
		{"maxmemory-eviction-tenacity", "101", failed("maxmemory-eviction-tenacity", "argument must be between 0 and 100 inclusive")},
		{"list-max-listpack-size", "2147483648", failed("list-max-listpack-size", "argument must be between -2147483648 and 2147483647 inclusive")},
		{"list-max-listpack-size", "-1x", failed("list-max-listpack-size", "argument couldn't be parsed into an integer")},
		{"hash-max-listpack-entries", "-1", failed("hash-max-listpack-entries", "argument must be between 0 and 9223372036854775807 inclusive")},
		{"zset-max-listpack-value", "-1", failed("zset-max-listpack-value", "argument must be a memory value")},
		{"hll-sparse-max-bytes", "99999999999999999999", failed("hll-sparse-max-bytes", "argument must be between 0 and 9223372036854775807 inclusive")},
		{"notify-keyspace-events", "Z", failed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", failed("bind", "Too many bind addresses specified.")},
	} {
		before := c.Snapshot()
		errText(t, c.Set(tc.name, tc.value), tc.want)
		// A failed CONFIG SET changes nothing.
		if !slices.Equal(c.Get("*"), before.Get("*")) {
			t.Errorf("Set(%q, %q) changed the configuration", tc.name, tc.value)
		}
	}
	errText(t, c.SetArgs(nil, false), "ERR wrong number of arguments for 'config|set' command")
	errText(t, c.SetArgs([]string{"port"}, false), "ERR wrong number of arguments for 'config|set' command")
	errText(t, c.SetArgs([]string{"port", "1", "hz"}, false), "ERR syntax error")
}

func TestSetArgsAtomic(t *testing.T) {
	c := Default()
	// Several pairs are applied together (CONFIG SET hz 11 port 7000 ...).
	noErr(t, c.SetArgs([]string{"hz", "11", "maxmemory", "1gb", "save", ""}, false))
	eq(t, c.Hz, 11)
	eq(t, c.MaxMemory, 1<<30)
	eq(t, c.Save, "")
	// Any bad value leaves everything untouched; the first problem wins.
	errText(t, c.SetArgs([]string{"hz", "12", "maxmemory", "2gb", "port", "abc"}, false),
		"ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")
	eq(t, c.Hz, 11)
	eq(t, c.MaxMemory, 1<<30)
	errText(t, c.SetArgs([]string{"hz", "10", "foo", "1", "databases", "2"}, false),
		"ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
	errText(t, c.SetArgs([]string{"databases", "2", "foo", "1"}, false),
		"ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
	errText(t, c.SetArgs([]string{"port", "1", "PORT", "2"}, false),
		"ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter")
	// An alias is a different name for Redis: no duplicate, the last wins.
	noErr(t, c.SetArgs([]string{"lua-time-limit", "1", "busy-reply-threshold", "2"}, false))
	eq(t, c.BusyReplyThreshold, 2)
}

func TestProtectedConfigs(t *testing.T) {
	dir := tempDir(t)
	c := Default()
	errText(t, c.Set("dir", dir), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")

	c, err := Parse([]string{"--enable-protected-configs", "local"})
	noErr(t, err)
	errText(t, c.SetArgs([]string{"dir", dir}, false), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
	noErr(t, c.SetArgs([]string{"dir", dir}, true))
	eq(t, c.Dir, dir)

	c, err = Parse([]string{"--enable-protected-configs", "yes"})
	noErr(t, err)
	noErr(t, c.Set("dir", dir))
	eq(t, get1(t, c, "dir"), dir)
	errText(t, c.Set("dir", filepath.Join(dir, "nope")), "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
	eq(t, c.Dir, dir)
	noErr(t, c.Set("dbfilename", "x.rdb"))
	errText(t, c.Set("dbfilename", "a/b"), "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
	eq(t, c.DBFilename, "x.rdb")
}

func TestOnChange(t *testing.T) {
	c := Default()
	var calls []string
	c.OnChange("maxmemory", func() error {
		calls = append(calls, "maxmemory="+c.Get("maxmemory")[0][1])
		return nil
	})
	c.OnChange("lua-time-limit", func() error { // registered through the alias
		calls = append(calls, "busy")
		return nil
	})
	noErr(t, c.Set("maxmemory", "1kb"))
	noErr(t, c.Set("maxmemory", "1024")) // unchanged: no call
	noErr(t, c.Set("busy-reply-threshold", "7"))
	eq(t, strings.Join(calls, ","), "maxmemory=1024,busy")

	// A failing hook rolls the whole CONFIG SET back.
	c.OnChange("port", func() error {
		if c.Snapshot().Port == 1 {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	})
	calls = nil
	errText(t, c.SetArgs([]string{"maxmemory", "5mb", "port", "1"}, false),
		"ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.")
	eq(t, c.Port, 6379)
	eq(t, c.MaxMemory, 1024)
	// The hooks saw the new value, then the restored one.
	eq(t, strings.Join(calls, ","), "maxmemory=5242880,maxmemory=1024")

	defer func() {
		if recover() == nil {
			t.Error("OnChange with an unknown name did not panic")
		}
	}()
	c.OnChange("nosuch", func() error { return nil })
}

func TestSnapshotIsIndependent(t *testing.T) {
	c := Default()
	s := c.Snapshot()
	noErr(t, c.Set("bind", "127.0.0.2"))
	eq(t, strings.Join(s.Bind, " "), "127.0.0.1")
	noErr(t, s.Set("port", "1")) // a snapshot is a full Config of its own
	eq(t, c.Port, 6379)
}

func TestConcurrentAccess(t *testing.T) {
	c := Default()
	c.OnChange("hz", func() error { _ = c.Get("hz"); return nil })
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_ = c.Set("hz", strconv.Itoa(1+(i+g)%90))
				_ = c.SetArgs([]string{"maxmemory", "1mb", "bind", "127.0.0.1 ::1"}, false)
			}
		}()
		go func() {
			defer wg.Done()
			for range 200 {
				_ = c.Get("*")
				_ = c.GetAll("hz", "max*")
				s := c.Snapshot()
				_ = s.Hz + len(s.Bind)
				_ = c.SaveParams()
			}
		}()
	}
	wg.Wait()
}
