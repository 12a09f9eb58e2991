package loop_test

import (
	"bufio"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

var omemRe = regexp.MustCompile(`omem=(\d+)`)

// clientOmem returns the pending output of the client named name.
func clientOmem(t *testing.T, c *redis.Client, name string) (int64, bool) {
	list, err := c.ClientList(context.Background()).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+name+" ") {
			m := omemRe.FindStringSubmatch(line)
			n, _ := strconv.ParseInt(m[1], 10, 64)
			return n, true
		}
	}
	return 0, false
}

// TestBackPressure: a client that sends requests but never reads the replies is
// no longer served once its pending output passes the limit, so its output stays
// bounded, and other clients are served normally meanwhile.
func TestBackPressure(t *testing.T) {
	s := testutil.StartServer(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	big := strings.Repeat("x", 100<<10)
	require.NoError(t, c.Set(ctx, "big", big, 0).Err())

	slow := dialRaw(t, s.Addr)
	slow.send(resp("CLIENT", "SETNAME", "slow"))
	require.Equal(t, "+OK\r\n", slow.reply()) // the last reply it reads
	// 3000 GETs of 100 KB = 300 MB of replies it will never read.
	go func() {
		w := bufio.NewWriter(slow.c)
		for i := 0; i < 3000; i++ {
			if _, err := w.WriteString(resp("GET", "big")); err != nil {
				return
			}
		}
		_ = w.Flush()
	}()

	var maxOmem int64
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		start := time.Now()
		require.NoError(t, c.Ping(ctx).Err())
		require.Less(t, time.Since(start), 500*time.Millisecond, "other clients must not be slowed")
		if n, ok := clientOmem(t, c, "slow"); ok && n > maxOmem {
			maxOmem = n
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("max pending output of the slow client: %d bytes", maxOmem)
	require.Greater(t, maxOmem, int64(0), "the slow client has output pending")
	require.Less(t, maxOmem, int64(8<<20), "pending output stays bounded")

	// Once it reads, it gets every reply, in order.
	_ = slow.c.SetReadDeadline(time.Now().Add(60 * time.Second))
	want := fmt.Sprintf("$%d\r\n%s\r\n", len(big), big)
	for i := 0; i < 3000; i++ {
		require.Equal(t, want, slow.reply(), "reply %d", i)
	}
}

// TestOutputBufferHardLimit: past client-output-buffer-limit normal <hard>, the
// client is disconnected, as Redis does.
func TestOutputBufferHardLimit(t *testing.T) {
	s := testutil.StartServer(t, "--client-output-buffer-limit", "normal 4mb 2mb 1")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	require.NoError(t, c.Set(ctx, "big", strings.Repeat("y", 512<<10), 0).Err())
	slow := dialRaw(t, s.Addr)
	slow.send(resp("CLIENT", "SETNAME", "slow"))
	require.Equal(t, "+OK\r\n", slow.reply())
	go func() {
		w := bufio.NewWriter(slow.c)
		for i := 0; i < 400; i++ {
			if _, err := w.WriteString(resp("GET", "big")); err != nil {
				return
			}
		}
		_ = w.Flush()
	}()
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if _, ok := clientOmem(t, c, "slow"); ok {
			return fmt.Errorf("slow client still connected")
		}
		return nil
	})
}
