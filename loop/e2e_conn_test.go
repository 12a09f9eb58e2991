package loop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/duva-db/duva/internal/testutil"
)

// rawConn is a plain TCP connection for byte-exact protocol tests.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	_, err := r.c.Write([]byte(s))
	require.NoError(r.t, err)
}

// reply reads one complete RESP reply and returns its raw bytes.
func (r *rawConn) reply() string {
	r.t.Helper()
	s, err := readReply(r.br)
	require.NoError(r.t, err)
	return s
}

func readReply(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, fmt.Errorf("short line %q", line)
	}
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return line, nil
	case '$', '=', '!':
		var n int
		fmt.Sscanf(line[1:], "%d", &n)
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return "", err
		}
		return line + string(buf), nil
	case '*', '~', '>', '%':
		var n int
		fmt.Sscanf(line[1:], "%d", &n)
		if line[0] == '%' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			s, err := readReply(br)
			if err != nil {
				return out, err
			}
			out += s
		}
		return out, nil
	}
	return line, fmt.Errorf("bad reply %q", line)
}

func (r *rawConn) expectClosed() {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := r.br.ReadByte()
	// EOF, or a reset when the server closed with our unread input still queued.
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		r.t.Fatalf("server should close the connection, got %v", err)
	}
}

func resp(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func TestInlineAndMultibulk(t *testing.T) {
	s := testutil.StartServer(t)
	r := dialRaw(t, s.Addr)
	r.send("PING\r\n")
	require.Equal(t, "+PONG\r\n", r.reply())
	r.send("ECHO \"a b\\x41\"\n") // nc style: bare LF, quoted arg with escape
	require.Equal(t, "$4\r\na bA\r\n", r.reply())
	r.send("\r\n") // empty inline line is ignored
	r.send(resp("SET", "k", "v"))
	require.Equal(t, "+OK\r\n", r.reply())
	r.send("set k2 'it''s'\r\n")
	require.Equal(t, "-ERR Protocol error: unbalanced quotes in request\r\n", r.reply())
	r.expectClosed()
}

func TestFramesSplitAtEveryByte(t *testing.T) {
	s := testutil.StartServer(t, "--shards", "2")
	r := dialRaw(t, s.Addr)
	msg := resp("SET", "split", strings.Repeat("x", 300)) + resp("GET", "split") + "PING\r\n"
	for i := 0; i < len(msg); i++ {
		r.send(msg[i : i+1])
		if i%7 == 0 {
			time.Sleep(100 * time.Microsecond) // let some bytes arrive as separate reads
		}
	}
	require.Equal(t, "+OK\r\n", r.reply())
	require.Equal(t, fmt.Sprintf("$300\r\n%s\r\n", strings.Repeat("x", 300)), r.reply())
	require.Equal(t, "+PONG\r\n", r.reply())
}

func TestPipelineKeepsOrderAcrossShards(t *testing.T) {
	s := testutil.StartServer(t, "--shards", "4", "--event-loops", "2")
	r := dialRaw(t, s.Addr)
	var b strings.Builder
	const n = 2000
	for i := 0; i < n; i++ {
		b.WriteString(resp("SET", fmt.Sprintf("key:%d", i), fmt.Sprint(i)))
		b.WriteString(resp("GET", fmt.Sprintf("key:%d", i)))
	}
	go r.send(b.String())
	for i := 0; i < n; i++ {
		require.Equal(t, "+OK\r\n", r.reply())
		v := fmt.Sprint(i)
		require.Equal(t, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v), r.reply())
	}
}

func TestProtocolErrorsReplyThenClose(t *testing.T) {
	s := testutil.StartServer(t)
	cases := []struct{ in, want string }{
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1048577\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
		{"GET \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	}
	for _, tc := range cases {
		r := dialRaw(t, s.Addr)
		r.send(tc.in)
		require.Equal(t, tc.want, r.reply(), "input %q", tc.in)
		r.expectClosed()
	}
	// The server is still fine.
	r := dialRaw(t, s.Addr)
	r.send("PING\r\n")
	require.Equal(t, "+PONG\r\n", r.reply())
}

func TestTooBigInlineAndQueryBuffer(t *testing.T) {
	s := testutil.StartServer(t, "--client-query-buffer-limit", "1mb")
	r := dialRaw(t, s.Addr)
	r.send(strings.Repeat("a", 70*1024)) // no newline within 64 KB
	require.Equal(t, "-ERR Protocol error: too big inline request\r\n", r.reply())
	r.expectClosed()

	// A bulk that is allowed by proto-max-bulk-len but exceeds the query buffer limit.
	r = dialRaw(t, s.Addr)
	r.send("*2\r\n$3\r\nGET\r\n$3000000\r\n")
	chunk := strings.Repeat("z", 64*1024)
	for i := 0; i < 40; i++ {
		if _, err := r.c.Write([]byte(chunk)); err != nil {
			break // closed by the server: expected
		}
	}
	r.expectClosed()
}

func TestUnknownCommandAndArity(t *testing.T) {
	s := testutil.StartServer(t)
	r := dialRaw(t, s.Addr)
	r.send(resp("FOO", "a", "b"))
	require.Equal(t, "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", r.reply())
	r.send(resp("GET"))
	require.Equal(t, "-ERR wrong number of arguments for 'get' command\r\n", r.reply())
	r.send(resp("CONFIG", "NOPE"))
	require.Equal(t, "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n", r.reply())
	r.send(resp("CONFIG", "GET"))
	require.Equal(t, "-ERR wrong number of arguments for 'config|get' command\r\n", r.reply())
}

func TestMaxClients(t *testing.T) {
	s := testutil.StartServer(t, "--maxclients", "2")
	a, b := dialRaw(t, s.Addr), dialRaw(t, s.Addr)
	a.send("PING\r\n")
	b.send("PING\r\n")
	require.Equal(t, "+PONG\r\n", a.reply())
	require.Equal(t, "+PONG\r\n", b.reply())
	c := dialRaw(t, s.Addr)
	require.Equal(t, "-ERR max number of clients reached\r\n", c.reply())
	c.expectClosed()
}

func TestRequirePass(t *testing.T) {
	s := testutil.StartServer(t, "--requirepass", "s3cret")
	r := dialRaw(t, s.Addr)
	r.send(resp("GET", "k"))
	require.Equal(t, "-NOAUTH Authentication required.\r\n", r.reply())
	r.send(resp("AUTH", "wrong"))
	require.Equal(t, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", r.reply())
	r.send(resp("AUTH", "s3cret"))
	require.Equal(t, "+OK\r\n", r.reply())
	r.send(resp("GET", "k"))
	require.Equal(t, "$-1\r\n", r.reply())

	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 3, Password: "s3cret"}) // HELLO 3 AUTH default s3cret
	defer c.Close()
	require.NoError(t, c.Set(ctx, "a", "1", 0).Err())
	bad := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 3, Password: "nope", MaxRetries: -1})
	defer bad.Close()
	require.ErrorContains(t, bad.Ping(ctx).Err(), "WRONGPASS")
}

func TestHello3Shapes(t *testing.T) {
	s := testutil.StartServer(t)
	r := dialRaw(t, s.Addr)
	r.send(resp("HELLO", "3"))
	h := r.reply()
	require.True(t, strings.HasPrefix(h, "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), h)
	r.send(resp("GET", "missing"))
	require.Equal(t, "_\r\n", r.reply())
	r.send(resp("HELLO", "4"))
	require.Equal(t, "-NOPROTO unsupported protocol version\r\n", r.reply())
	r.send(resp("HELLO", "2"))
	r.reply()
	r.send(resp("GET", "missing"))
	require.Equal(t, "$-1\r\n", r.reply())
}

func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "duva.sock")
	testutil.StartServer(t, "--unixsocket", sock)
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "u", "v", 0).Err())
	require.Equal(t, "v", c.Get(ctx, "u").Val())
}

func TestQuitClosesAfterReply(t *testing.T) {
	s := testutil.StartServer(t)
	r := dialRaw(t, s.Addr)
	r.send(resp("QUIT") + resp("PING"))
	require.Equal(t, "+OK\r\n", r.reply())
	r.expectClosed()
}

// TestCrossShardAtomicity: writers MSET pairs of keys that live on different
// shards while readers MGET them; no reader may see a half-applied MSET.
func TestCrossShardAtomicity(t *testing.T) {
	s := testutil.StartServer(t, "--shards", "4", "--event-loops", "2")
	ctx := context.Background()
	keys := []string{"{a}x", "{b}x", "{c}x", "{d}x"}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 16})
	defer c.Close()
	require.NoError(t, c.MSet(ctx, keys[0], 0, keys[1], 0, keys[2], 0, keys[3], 0).Err())
	var wg, writers sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for w := 0; w < 3; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			for i := 0; i < 1500; i++ {
				v := fmt.Sprintf("%d-%d", w, i)
				if err := c.MSet(ctx, keys[0], v, keys[1], v, keys[2], v, keys[3], v).Err(); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	for rd := 0; rd < 3; rd++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				vals, err := c.MGet(ctx, keys...).Result()
				if err != nil {
					errs <- err
					return
				}
				for _, v := range vals[1:] {
					if v != vals[0] {
						errs <- fmt.Errorf("torn MSET observed: %v", vals)
						return
					}
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
