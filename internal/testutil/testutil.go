// Package testutil starts real duva servers for tests: the same loop.Start that
// main runs, on a free loopback port, stopped by t.Cleanup.
package testutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duva-db/duva/internal/config"
	"github.com/duva-db/duva/loop"
)

// Server is a running test server.
type Server struct {
	Addr     string // "127.0.0.1:port"
	Port     int
	Instance *loop.Instance
}

// StartServer starts duva with redis-server style args (e.g. "--shards", "4")
// on a free port of 127.0.0.1 and stops it when the test ends. It returns once
// the dataset (if any: --dir, --dbfilename, --appendonly) is loaded.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s := StartServerLoading(t, args...)
	CheckFor(t, 2*time.Minute, 5*time.Millisecond, func() error {
		if s.Instance.Engine.Loading() {
			return fmt.Errorf("still loading")
		}
		select {
		case <-s.Instance.Done():
			return nil // loading failed: the test sees the error through Err
		default:
		}
		return nil
	})
	return s
}

// StartServerLoading is StartServer without waiting for the dataset to load.
func StartServerLoading(t testing.TB, args ...string) *Server {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", ""}, args...)
		cfg, err := config.Parse(full)
		if err != nil {
			t.Fatalf("config %v: %v", full, err)
		}
		var w io.Writer = io.Discard
		if os.Getenv("DUVA_TEST_LOG") != "" {
			w = os.Stderr
		}
		logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
		in, err := loop.Start(cfg, logger)
		if err != nil {
			lastErr = err // port taken between FreePort and bind: try another
			continue
		}
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Instance: in}
		t.Cleanup(func() { in.Stop("test cleanup") })
		return s
	}
	t.Fatalf("could not start server: %v", lastErr)
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// CheckFor polls fn every step until it returns nil or total passes; then it fails
// the test with fn's last error. Tests use it instead of sleeping.
func CheckFor(t testing.TB, total, step time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", total, err)
		}
		time.Sleep(step)
	}
}

// Dataset is everything a client can see of a server's data, in a canonical
// text form for comparing servers (duva with duva after a restart, duva with a
// real redis-server): every database, every key sorted, its type, OBJECT
// ENCODING, absolute expire time and value (sets and hashes sorted).
// encodings false leaves OBJECT ENCODING out.
func Dataset(t testing.TB, addr string, dbs int, encodings bool) string {
	t.Helper()
	var sb strings.Builder
	ctx := context.Background()
	for db := 0; db < dbs; db++ {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		var keys []string
		var cursor uint64
		for {
			ks, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
			if err != nil {
				t.Fatalf("SCAN db %d on %s: %v", db, addr, err)
			}
			keys = append(keys, ks...)
			if cursor = next; cursor == 0 {
				break
			}
		}
		sort.Strings(keys)
		keys = slices.Compact(keys)
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			exp, _ := c.Do(ctx, "PEXPIRETIME", k).Int64()
			fmt.Fprintf(&sb, "db%d %q %s exp=%d", db, k, typ, exp)
			if encodings {
				fmt.Fprintf(&sb, " enc=%s", c.ObjectEncoding(ctx, k).Val())
			}
			sb.WriteString(" = ")
			switch typ {
			case "string":
				fmt.Fprintf(&sb, "%q", c.Get(ctx, k).Val())
			case "list":
				fmt.Fprintf(&sb, "%q", c.LRange(ctx, k, 0, -1).Val())
			case "set":
				m := c.SMembers(ctx, k).Val()
				sort.Strings(m)
				fmt.Fprintf(&sb, "%q", m)
			case "hash":
				h := c.HGetAll(ctx, k).Val()
				fs := make([]string, 0, len(h))
				for f := range h {
					fs = append(fs, f)
				}
				sort.Strings(fs)
				for _, f := range fs {
					fmt.Fprintf(&sb, "%q:%q ", f, h[f])
				}
			case "zset":
				for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
					fmt.Fprintf(&sb, "%q:%v ", z.Member, z.Score)
				}
			}
			sb.WriteByte('\n')
		}
		_ = c.Close()
	}
	return sb.String()
}

// FillMixed writes every type in its small and big encodings, with and without
// TTLs, in databases 0, 1 and 9.
func FillMixed(t testing.TB, addr string) {
	ctx := context.Background()
	far := time.Now().Add(48 * time.Hour)
	for _, db := range []int{0, 1, 9} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		p := c.Pipeline()
		for i := 0; i < 300; i++ {
			p.Set(ctx, fmt.Sprintf("str:%d", i), strings.Repeat("v", i%70)+strconv.Itoa(i), 0)
		}
		p.Set(ctx, "int", "12345", 0)
		p.Set(ctx, "bigint", "9223372036854775807", 0)
		p.Set(ctx, "long", strings.Repeat("lzf-friendly ", 200), 0)
		p.Set(ctx, "bin", "a\x00b\r\n\xff", 0)
		p.Set(ctx, "ttl:str", "x", 0)
		p.PExpireAt(ctx, "ttl:str", far)
		p.RPush(ctx, "list:small", "a", "1", "-7", "bb")
		for i := 0; i < 3000; i++ {
			p.RPush(ctx, "list:big", fmt.Sprintf("element-%d-%s", i, strings.Repeat("z", i%50)))
		}
		p.SAdd(ctx, "set:ints", 1, 2, 3, -40000, 1<<40)
		for i := 0; i < 600; i++ {
			p.SAdd(ctx, "set:big", fmt.Sprintf("m%d", i))
			p.SAdd(ctx, "set:intbig", i*7)
		}
		p.SAdd(ctx, "set:strs", "x", "y", "z")
		p.HSet(ctx, "hash:small", "f1", "v1", "f2", "22")
		for i := 0; i < 700; i++ {
			p.HSet(ctx, "hash:big", fmt.Sprintf("f%d", i), strconv.Itoa(i*i))
		}
		p.HSet(ctx, "hash:longval", "f", strings.Repeat("L", 100))
		p.ZAdd(ctx, "zset:small", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"}, redis.Z{Score: math.Inf(1), Member: "c"}, redis.Z{Score: 0.1, Member: "d"})
		for i := 0; i < 200; i++ {
			p.ZAdd(ctx, "zset:big", redis.Z{Score: float64(i) / 3, Member: fmt.Sprintf("m%d", i)})
		}
		p.ZAdd(ctx, "ttl:zset", redis.Z{Score: 1, Member: "q"})
		p.PExpireAt(ctx, "ttl:zset", far.Add(time.Hour))
		_, err := p.Exec(ctx)
		_ = c.Close()
		if err != nil {
			t.Fatalf("filling db %d: %v", db, err)
		}
	}
}

// DiffLines shows the lines only one side has (first few).
func DiffLines(want, got string) string {
	w := map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	g := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	var sb strings.Builder
	n := 0
	for _, l := range strings.Split(want, "\n") {
		if !g[l] && n < 10 {
			fmt.Fprintf(&sb, "- %.300s\n", l)
			n++
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] && n < 20 {
			fmt.Fprintf(&sb, "+ %.300s\n", l)
			n++
		}
	}
	return sb.String()
}
