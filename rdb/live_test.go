package rdb

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	redisServer   = "/usr/bin/redis-server"
	redisCheckRDB = "/usr/bin/redis-check-rdb"
)

// redisConn is a minimal RESP2 client: enough to read a dataset back.
type redisConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func (rc *redisConn) do(args ...string) any {
	rc.t.Helper()
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatal(err)
	}
	v, err := rc.read()
	if err != nil {
		rc.t.Fatalf("%v: %v", args, err)
	}
	return v
}

type respError string

func (rc *redisConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return respError(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := rc.read()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs redis-server on a copy of rdbFile (127.0.0.1, a free port,
// no saving) and returns a connection; the server is killed at cleanup.
// Skips when redis-server is not installed.
func startRedis(t *testing.T, rdbFile []byte) *redisConn {
	t.Helper()
	if _, err := os.Stat(redisServer); err != nil {
		t.Skip("redis-server not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.rdb"), rdbFile, 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		cmd := exec.Command(redisServer, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--dbfilename", "x.rdb", "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
			if err == nil {
				rc := &redisConn{t: t, c: c, r: bufio.NewReader(c)}
				t.Cleanup(func() {
					c.Close()
					cmd.Process.Kill()
					<-exited
				})
				// LOADING replies come before the dataset is ready.
				for time.Now().Before(deadline) {
					if v := rc.do("PING"); v == "PONG" {
						return rc
					}
					time.Sleep(20 * time.Millisecond)
				}
				t.Fatal("redis-server never finished loading")
			}
			lastErr = err
			select {
			case err := <-exited:
				log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
				lastErr = fmt.Errorf("redis-server exited (%v): %s", err, log)
				deadline = time.Now() // try another port, or fail
			case <-time.After(20 * time.Millisecond):
			}
		}
		cmd.Process.Kill()
		<-exited
	}
	t.Fatalf("could not start redis-server: %v", lastErr)
	return nil
}

// liveData is what a running redis-server holds.
type liveData struct {
	ds       dataset
	encoding map[int]map[string]string
}

// liveDataset loads rdbFile into a real redis-server and reads everything
// back: DBSIZE, TYPE, OBJECT ENCODING, PEXPIRETIME and the value of each key.
func liveDataset(t *testing.T, rdbFile []byte) liveData {
	rc := startRedis(t, rdbFile)
	out := liveData{ds: dataset{}, encoding: map[int]map[string]string{}}
	for db := 0; db < 16; db++ {
		if v := rc.do("SELECT", strconv.Itoa(db)); v != "OK" {
			t.Fatalf("SELECT: %v", v)
		}
		size := rc.do("DBSIZE").(int64)
		keys := rc.do("KEYS", "*").([]any)
		if int64(len(keys)) != size {
			t.Fatalf("db %d: DBSIZE %d, KEYS %d", db, size, len(keys))
		}
		for _, k := range keys {
			key := k.(string)
			e := readKey(t, rc, key)
			out.ds.put(db, key, e)
			if out.encoding[db] == nil {
				out.encoding[db] = map[string]string{}
			}
			out.encoding[db][key] = rc.do("OBJECT", "ENCODING", key).(string)
		}
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// checkRDB runs redis-check-rdb on data and fails the test unless it exits 0.
func checkRDB(t *testing.T, data []byte) {
	t.Helper()
	if _, err := os.Stat(redisCheckRDB); err != nil {
		t.Skip("redis-check-rdb not installed")
	}
	p := filepath.Join(t.TempDir(), "check.rdb")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(redisCheckRDB, p).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb:\n%s", out)
	}
}

// readKey reads one key's type, TTL and value.
func readKey(t *testing.T, rc *redisConn, key string) entry {
	e := entry{Type: rc.do("TYPE", key).(string)}
	if ms := rc.do("PEXPIRETIME", key).(int64); ms > 0 {
		e.Expire = ms
	}
	switch e.Type {
	case "string":
		e.Value = []string{rc.do("GET", key).(string)}
	case "list":
		e.Value = strs(rc.do("LRANGE", key, "0", "-1"))
	case "set":
		e.Value = strs(rc.do("SMEMBERS", key))
	case "hash":
		kv := strs(rc.do("HGETALL", key))
		for i := 0; i+1 < len(kv); i += 2 {
			e.Value = append(e.Value, kv[i]+"\x00"+kv[i+1])
		}
	case "zset":
		kv := strs(rc.do("ZRANGE", key, "0", "-1", "WITHSCORES"))
		for i := 0; i+1 < len(kv); i += 2 {
			f, err := strconv.ParseFloat(kv[i+1], 64)
			if err != nil {
				t.Fatal(err)
			}
			e.Value = append(e.Value, kv[i]+"\x00"+fmtScore(f))
		}
	default:
		t.Fatalf("key %q has type %s", key, e.Type)
	}
	e.Value = canonical(e.Type, e.Value)
	return e
}
