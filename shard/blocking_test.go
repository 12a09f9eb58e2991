package shard

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/config"
)

// The blocking mechanism is tested with two test-only commands over a minimal
// list object, so these tests do not depend on the list type's own code:
//   XTPUSH key v...        push to the tail (creates the key: wakes waiters)
//   XTBPOP key... timeout  pop the head of the first non-empty key, or block

type xtList struct{ items []string }

func (l *xtList) Len() int              { return len(l.items) }
func (l *xtList) Encoding() string      { return "xtlist" }
func (l *xtList) MemoryUsage(int) int64 { return int64(len(l.items)) }
func (l *xtList) Clone() any            { return &xtList{items: append([]string(nil), l.items...)} }

func init() {
	register(
		&Command{Name: "xtpush", Arity: -3, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Exec: func(c *Ctx) {
			key := c.Args[1]
			e, ok := c.LookupType(key, TypeList, false)
			if !ok {
				return
			}
			var l *xtList
			if e == nil {
				l = &xtList{}
				for _, v := range c.Args[2:] {
					l.items = append(l.items, string(v))
				}
				c.CreateObject(key, TypeList, l)
			} else {
				l = e.Obj().(*xtList)
				for _, v := range c.Args[2:] {
					l.items = append(l.items, string(v))
				}
			}
			c.Int(int64(l.Len()))
		}},
		// XTWAITERS: registrations on every shard (holds them all).
		&Command{Name: "xtwaiters", Arity: 1, Route: RouteAll, Group: "list", Exec: func(c *Ctx) {
			n := 0
			for _, s := range c.e.shards {
				n += s.nwaiters
			}
			c.Int(int64(n))
		}},
		&Command{Name: "xtbpop", Arity: -3, Flags: FlagWrite, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Exec: func(c *Ctx) {
			keys := c.Args[1 : len(c.Args)-1]
			timeout, ok := c.ParseTimeout(c.Args[len(c.Args)-1])
			if !ok {
				return
			}
			for _, k := range keys {
				e, ok := c.LookupType(k, TypeList, false)
				if !ok {
					return
				}
				if e == nil {
					continue
				}
				l := e.Obj().(*xtList)
				v := l.items[0]
				l.items = l.items[1:]
				c.DeleteIfEmpty(k, e)
				c.Array(2)
				c.Bulk(k)
				c.BulkString(v)
				return
			}
			c.Block(keys, timeout)
		}},
	)
}

// asyncClient runs commands without waiting, so a test can block it.
type asyncClient struct {
	cl    *Client
	w     *Worker
	e     *Engine
	mu    sync.Mutex
	reply chan string
}

func newAsyncClient(e *Engine) *asyncClient {
	a := &asyncClient{e: e, w: e.NewWorker(), reply: make(chan string, 16)}
	a.cl = e.NewClient("127.0.0.1:1", "127.0.0.1:2", 0, false)
	a.cl.Notify = func() { a.reply <- string(a.cl.TakeReply()) }
	return a
}

// send runs a command; its reply arrives on a.reply (now, or when unblocked).
func (a *asyncClient) send(args ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	argv := make([][]byte, len(args))
	for i, s := range args {
		argv[i] = []byte(s)
	}
	out, queued := a.w.Exec(a.cl, argv, nil)
	a.w.Flush()
	if !queued {
		a.reply <- string(out)
	}
}

func (a *asyncClient) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-a.reply:
		require.Equal(t, want, got)
	case <-time.After(10 * time.Second):
		t.Fatalf("no reply; wanted %q", want)
	}
}

func (a *asyncClient) expectNothing(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-a.reply:
		t.Fatalf("unexpected reply %q", got)
	case <-time.After(d):
	}
}

func newBlockingEngine(t *testing.T, shards int) *Engine {
	cfg := config.Default()
	cfg.Shards = shards
	e := NewEngine(cfg)
	e.ApplyConfig()
	e.Start()
	t.Cleanup(e.Stop)
	return e
}

func TestBlockedClientServedByPush(t *testing.T) {
	e := newBlockingEngine(t, 2)
	a, b := newAsyncClient(e), newAsyncClient(e)
	a.send("XTBPOP", "k", "0")
	a.expectNothing(t, 50*time.Millisecond)
	require.EqualValues(t, 1, e.blockedClients.Load())
	b.send("XTPUSH", "k", "v1")
	b.expect(t, ":1\r\n")
	a.expect(t, "*2\r\n$1\r\nk\r\n$2\r\nv1\r\n")
	require.EqualValues(t, 0, e.blockedClients.Load())
	b.send("EXISTS", "k")
	b.expect(t, ":0\r\n") // the waiter took the only element; the key is gone
}

func TestBlockedClientsServedInFIFOOrder(t *testing.T) {
	e := newBlockingEngine(t, 2)
	w1, w2, w3, p := newAsyncClient(e), newAsyncClient(e), newAsyncClient(e), newAsyncClient(e)
	w1.send("XTBPOP", "q", "0")
	w2.send("XTBPOP", "q", "0")
	w3.send("XTBPOP", "q", "0")
	p.send("XTPUSH", "q", "a", "b")
	p.expect(t, ":2\r\n")
	w1.expect(t, "*2\r\n$1\r\nq\r\n$1\r\na\r\n")
	w2.expect(t, "*2\r\n$1\r\nq\r\n$1\r\nb\r\n")
	w3.expectNothing(t, 50*time.Millisecond)
	p.send("XTPUSH", "q", "c")
	p.expect(t, ":1\r\n")
	w3.expect(t, "*2\r\n$1\r\nq\r\n$1\r\nc\r\n")
}

func TestBlockedClientOnKeysOfSeveralShards(t *testing.T) {
	e := newBlockingEngine(t, 4)
	k1, k2 := "{a}k", "{b}k"
	require.NotEqual(t, e.ShardOf([]byte(k1)), e.ShardOf([]byte(k2)))
	w, p := newAsyncClient(e), newAsyncClient(e)
	w.send("XTBPOP", k1, k2, "0")
	w.expectNothing(t, 30*time.Millisecond)
	p.send("XTPUSH", k2, "x")
	p.expect(t, ":1\r\n")
	w.expect(t, fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$1\r\nx\r\n", len(k2), k2))
	// The registration on k1 is stale now: a push there stays.
	p.send("XTPUSH", k1, "y")
	p.expect(t, ":1\r\n")
	w.expectNothing(t, 30*time.Millisecond)
}

func TestBlockTimeout(t *testing.T) {
	e := newBlockingEngine(t, 2)
	w := newAsyncClient(e)
	start := time.Now()
	w.send("XTBPOP", "nothing", "0.05")
	w.expect(t, "*-1\r\n")
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	require.EqualValues(t, 0, e.blockedClients.Load())
	w.cl.SetProto(3)
	w.send("XTBPOP", "nothing", "0.01")
	w.expect(t, "_\r\n")
	w.send("XTBPOP", "k", "-1")
	w.expect(t, "-ERR timeout is negative\r\n")
	w.send("XTBPOP", "k", "abc")
	w.expect(t, "-ERR timeout is not a float or out of range\r\n")
}

func TestDisconnectedWaiterLeavesNothing(t *testing.T) {
	e := newBlockingEngine(t, 2)
	w, p := newAsyncClient(e), newAsyncClient(e)
	w.send("XTBPOP", "gone", "0")
	w.expectNothing(t, 20*time.Millisecond)
	e.ClientClosed(w.cl)
	e.RemoveClient(w.cl)
	require.EqualValues(t, 0, e.blockedClients.Load())
	// The next tick sweeps the registration away.
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.send("XTWAITERS")
		if r := <-p.reply; r == ":0\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("registrations left after the sweep")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.send("XTPUSH", "gone", "v")
	p.expect(t, ":1\r\n")
	p.send("EXISTS", "gone")
	p.expect(t, ":1\r\n") // nobody took it
}

// TestBlockingStress: consumers block on a few keys while producers push; every
// pushed element is popped exactly once and no consumer is left hanging.
func TestBlockingStress(t *testing.T) {
	e := newBlockingEngine(t, 3)
	keys := []string{"{a}s", "{b}s", "{c}s"}
	const consumers, producers, perProducer = 6, 3, 200
	total := producers * perProducer
	var got sync.Map
	var popped atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newAsyncClient(e)
			for popped.Load() < int64(total) {
				c.send("XTBPOP", keys[0], keys[1], keys[2], "0.2")
				r := <-c.reply
				if r == "*-1\r\n" {
					continue
				}
				parts := strings.Split(r, "\r\n")
				if len(parts) != 6 || parts[0] != "*2" {
					t.Errorf("bad reply %q", r)
					return
				}
				v := parts[4]
				if _, dup := got.LoadOrStore(v, true); dup {
					t.Errorf("element %s popped twice", v)
				}
				popped.Add(1)
			}
		}()
	}
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c := newAsyncClient(e)
			for i := 0; i < perProducer; i++ {
				c.send("XTPUSH", keys[i%len(keys)], fmt.Sprintf("p%d-%d", p, i))
				<-c.reply
			}
		}(p)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("stuck: popped %d of %d", popped.Load(), total)
	}
	require.EqualValues(t, total, popped.Load())
}

func TestParseTimeoutAsRedis(t *testing.T) {
	e := newBlockingEngine(t, 1)
	w := newAsyncClient(e)
	// Error texts checked against redis-server 7.0.15 (BLPOP k <timeout>).
	for _, arg := range []string{"1e400", "inf", "-inf", "-1", "9.3e15"} {
		w.send("XTBPOP", "k", arg)
		w.expect(t, "-ERR timeout is negative\r\n")
	}
	for _, arg := range []string{"abc", " 1", "1 ", "nan", ""} {
		w.send("XTBPOP", "k", arg)
		w.expect(t, "-ERR timeout is not a float or out of range\r\n")
	}
	start := time.Now()
	w.send("XTBPOP", "k", "0x1p-4") // hex float: 62.5 ms
	w.expect(t, "*-1\r\n")
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}
