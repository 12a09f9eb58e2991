package loop_test

import (
	"bufio"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

// TestActiveExpiryReclaimsUntouchedKeys: keys with a 1 s TTL disappear without
// any client touching them (Redis's active expiry cycle), and the memory they
// used is given back. The issue asks for 1 million keys; under the race
// detector (10x slower) 200 thousand.
func TestActiveExpiryReclaimsUntouchedKeys(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 200_000
	}
	s := testutil.StartServer(t, "--shards", "2")
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	// The server shares this test process: collect garbage before each reading
	// so used_memory (the heap's object bytes) shows live data, and compare
	// with the process's baseline before the keys.
	runtime.GC()
	base := usedMemory(t, c)
	r := dialRaw(t, s.Addr)
	_ = r.c.SetDeadline(time.Now().Add(5 * time.Minute))

	// Mass insertion over one pipelined connection, like redis-cli --pipe.
	go func() {
		w := bufio.NewWriterSize(r.c, 1<<16)
		for i := 0; i < n; i++ {
			k := "ttl:" + strconv.Itoa(i)
			fmt.Fprintf(w, "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nvvvvvvvvvvvvvvvv\r\n$2\r\nPX\r\n$4\r\n1000\r\n", len(k), k)
		}
		_ = w.Flush()
	}()
	for i := 0; i < n; i++ {
		if got := r.reply(); got != "+OK\r\n" {
			t.Fatalf("SET %d: %q", i, got)
		}
	}
	// Close the loader: its connection's input buffer grew with the pipeline
	// and belongs to the connection, not to the keys.
	r.c.Close()
	ctx := context.Background()
	dbsize := c.DBSize(ctx).Val()
	require.Greater(t, dbsize, int64(0))
	runtime.GC()
	used := usedMemory(t, c)

	start := time.Now()
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		if k := c.DBSize(ctx).Val(); k != 0 {
			return fmt.Errorf("dbsize %d", k)
		}
		return nil
	})
	t.Logf("%d keys with a 1 s TTL gone %v after the last SET", n, time.Since(start).Round(time.Millisecond))
	expired := infoField(t, c, "stats", "expired_keys")
	require.GreaterOrEqual(t, expired, int64(n), "expired_keys counts every key")

	// Memory is returned: at least 3/4 of what the keys took is freed.
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		debug.FreeOSMemory()
		if now := usedMemory(t, c); now-base > (used-base)/4 {
			return fmt.Errorf("used_memory %d: baseline %d, %d with the keys", now, base, used)
		}
		return nil
	})
}

func usedMemory(t *testing.T, c *redis.Client) int64 {
	return infoField(t, c, "memory", "used_memory")
}

func infoField(t *testing.T, c *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}
