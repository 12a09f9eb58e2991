package codec

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// compatSkip lists the parse cases where duva departs from Redis 7.0 on
// purpose, with the reason.
var compatSkip = map[string]string{
	// Redis 7.0 accepts counts up to INT_MAX; duva keeps the older 1M limit
	// (Limits.MaxMultibulk), so Redis waits for the first argument.
	"count too large": "multibulk limit",
	// An over-long line that arrives in one read: Redis accepts an inline
	// line, and reports a header's number as invalid; duva says the line is
	// too long, as Redis does when the bytes trickle in, so the answer
	// never depends on read boundaries.
	"mbulk count cr past limit": "deterministic line limit",
	"bulk count cr past limit":  "deterministic line limit",
	"inline newline past limit": "deterministic line limit",
}

// TestRedisCompat runs the parse table against a real redis-server, when
// one is installed: each input goes to Redis raw, and the commands duva
// parsed from it go to Redis re-encoded as multibulk requests. Both must
// get the same reply bytes (ECHO, SET/GET and unknown-command errors reveal
// the arguments), followed by the same protocol error, if any.
func TestRedisCompat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	sock := startRedis(t, bin)
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			if why, ok := compatSkip[tc.name]; ok {
				t.Skip(why)
			}
			var reencoded []byte
			for _, c := range tc.want.cmds {
				if len(c) > 0 {
					reencoded = append(reencoded, encodeCommand(c)...)
				}
			}
			want := redisReplies(t, sock, reencoded, true, 0)
			if tc.want.err != "" {
				want = AppendError(want, "ERR "+tc.want.err)
			}
			got := redisReplies(t, sock, []byte(tc.in), tc.want.err == "" && tc.want.rest == 0, len(want))
			require.Equal(t, strconv.Quote(string(want)), strconv.Quote(string(got)))
		})
	}
}

// startRedis starts a throwaway redis-server on a Unix socket.
func startRedis(t *testing.T, bin string) string {
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "",
		"--appendonly", "no", "--dir", dir, "--protected-mode", "no")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// redisReplies sends in on a new connection and returns everything Redis
// replies. When complete is set, in is a whole number of commands: a
// sentinel ECHO after it marks the end of the replies. Otherwise Redis
// either closes the connection (protocol error) or waits for more input:
// once at least expect bytes have arrived, a short quiet period detects
// the wait. The database is flushed afterwards.
func redisReplies(t *testing.T, sock string, in []byte, complete bool, expect int) []byte {
	t.Helper()
	c, err := net.Dial("unix", sock)
	require.NoError(t, err)
	defer c.Close()
	sentinel := AppendBulkString(nil, "duva-sentinel")
	if complete {
		in = append(in[:len(in):len(in)], encodeCommand([]string{"ECHO", "duva-sentinel"})...)
	}
	_, err = c.Write(in)
	require.NoError(t, err)
	var out []byte
	buf := make([]byte, 4096)
	for {
		wait := 5 * time.Second
		if !complete && len(out) >= expect {
			wait = 300 * time.Millisecond
		}
		require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if complete && bytes.HasSuffix(out, sentinel) {
			out = out[:len(out)-len(sentinel)]
			break
		}
		var ne net.Error
		if errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout()) {
			break
		}
		require.NoError(t, err)
	}
	flush, err := net.Dial("unix", sock)
	require.NoError(t, err)
	defer flush.Close()
	_, err = flush.Write(encodeCommand([]string{"FLUSHALL"}))
	require.NoError(t, err)
	_, err = io.ReadFull(flush, make([]byte, len("+OK\r\n")))
	require.NoError(t, err)
	if os.Getenv("DUVA_COMPAT_VERBOSE") != "" {
		t.Logf("in %q -> %q", in, out)
	}
	return out
}

// encodeCommand encodes args as a multibulk request.
func encodeCommand(args []string) []byte {
	b := AppendArrayHeader(nil, len(args))
	for _, a := range args {
		b = AppendBulkString(b, a)
	}
	return b
}
