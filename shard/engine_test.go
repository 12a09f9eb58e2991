package shard

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/config"
)

// stressClient drives one Client from one goroutine the way a loop does: one
// command at a time, waiting for Notify when the command was queued.
type stressClient struct {
	cl     *Client
	w      *Worker
	done   chan struct{}
	queued *atomic.Int64
}

func newStressClient(e *Engine, w *Worker) *stressClient {
	sc := &stressClient{cl: e.NewClient("127.0.0.1:1", "127.0.0.1:2", 0, false), w: w, done: make(chan struct{}, 1)}
	sc.cl.Notify = func() { sc.done <- struct{}{} }
	return sc
}

func (sc *stressClient) do(args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	out, queued := sc.w.Exec(sc.cl, argv, nil)
	sc.w.Flush()
	if queued {
		sc.queued.Add(1)
		<-sc.done
		out = append(out, sc.cl.TakeReply()...)
	}
	return string(out)
}

// TestFlatCombiningStress runs many workers against few shards with spinning
// disabled, so most commands take the queued path: every command must complete
// (no stranded job), each client's INCRs must all count, and multi-shard MSETs
// must never be seen half applied.
func TestFlatCombiningStress(t *testing.T) {
	cfg := config.Default()
	cfg.Shards = 3
	e := NewEngine(cfg)
	e.ApplyConfig()
	e.Start()
	defer e.Stop()

	const workers = 6
	iters := 3000
	if raceEnabled() {
		iters = 800
	}
	var wg sync.WaitGroup
	var torn, queued atomic.Int64
	keys := []string{"{a}k", "{b}k", "{c}k", "{d}k"}
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := e.NewWorker()
			w.spins = 0 // take the mailbox path whenever a shard is busy
			sc := newStressClient(e, w)
			sc.queued = &queued
			counter := "counter:" + strconv.Itoa(i)
			for n := 0; n < iters; n++ {
				switch n % 3 {
				case 0:
					require.Equal(t, fmt.Sprintf(":%d\r\n", n/3+1), sc.do("INCR", counter))
				case 1:
					v := fmt.Sprintf("%d-%d", i, n)
					require.Equal(t, "+OK\r\n", sc.do("MSET", keys[0], v, keys[1], v, keys[2], v, keys[3], v))
				case 2:
					r := sc.do("MGET", keys[0], keys[1], keys[2], keys[3])
					if r != "*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n" {
						var vals [4]string
						parts := splitBulks(r)
						copy(vals[:], parts)
						for _, p := range vals[1:] {
							if p != vals[0] {
								torn.Add(1)
							}
						}
					}
				}
			}
		}(i)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		t.Fatal("workers stuck: a queued job was stranded")
	}
	require.Zero(t, torn.Load(), "an MSET was observed half applied")
	require.NotZero(t, queued.Load(), "the test must exercise the queued path")
	t.Logf("%d of %d commands went through a mailbox", queued.Load(), workers*iters)
	// Every shard is free again and every mailbox empty.
	for _, s := range e.shards {
		require.False(t, s.held.Load(), "shard %d still held", s.id)
		require.Zero(t, s.mb.depth(), "shard %d mailbox not empty", s.id)
	}
}

func splitBulks(r string) []string {
	var out []string
	for i := 0; i < len(r); {
		if r[i] != '$' {
			j := indexCRLF(r, i)
			i = j + 2
			continue
		}
		j := indexCRLF(r, i)
		n, _ := strconv.Atoi(r[i+1 : j])
		if n < 0 {
			out = append(out, "")
			i = j + 2
			continue
		}
		out = append(out, r[j+2:j+2+n])
		i = j + 2 + n + 2
	}
	return out
}

func indexCRLF(s string, from int) int {
	for i := from; i+1 < len(s); i++ {
		if s[i] == '\r' && s[i+1] == '\n' {
			return i
		}
	}
	return len(s)
}

func TestRingFIFOAndFull(t *testing.T) {
	r := newRing(4)
	jobs := make([]job, 5)
	for i := 0; i < 4; i++ {
		require.True(t, r.push(&jobs[i]))
	}
	require.False(t, r.push(&jobs[4]), "a full ring refuses")
	require.True(t, r.ready())
	for i := 0; i < 4; i++ {
		require.Same(t, &jobs[i], r.pop())
	}
	require.Nil(t, r.pop())
	require.False(t, r.ready())
}

func TestKeySlot(t *testing.T) {
	// CRC16-XMODEM check value, and slots that CLUSTER KEYSLOT gives on Redis.
	require.Equal(t, uint16(0x31C3), crc16([]byte("123456789")))
	require.Equal(t, 12182, KeySlot([]byte("foo")))
	require.Equal(t, 5061, KeySlot([]byte("bar")))
	require.Equal(t, 866, KeySlot([]byte("hello")))
	require.Equal(t, KeySlot([]byte("user1000")), KeySlot([]byte("{user1000}.following")))
	require.Equal(t, KeySlot([]byte("{}foo")), int(crc16([]byte("{}foo"))&0x3FFF), "an empty tag hashes the whole key")
	require.Equal(t, KeySlot([]byte("bar")), KeySlot([]byte("foo{bar}{zap}")), "only the first tag counts")
}
