package main

// Interop tests: the real duva binary driven by the real Redis tools
// (redis-cli, redis-benchmark) and compared with a real redis-server.
//
// TestMain builds the binary once into a temporary directory. Every test then
// starts its own server processes on free loopback ports and kills them when it
// ends. The Redis tools come from Debian's redis-server and redis-tools
// packages: when one is missing the test is skipped, except under CI (the CI
// variable is set), where it fails, since .ci/run installs them.
//
// DUVA_INTEROP_BIN=/path/to/binary runs the suite against that binary instead
// of building one (for instance /usr/bin/redis-server, to check the suite
// itself: every differential comparison must then pass; duva-only options
// such as --shards are then left out).
//
// The differential transcripts live in testdata/interop/*.txt; see
// parseTranscript for their syntax. DUVA_INTEROP_VERBOSE=1 logs every
// transcript command with redis-server's reply.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	duvaBin      string // the server binary under test
	duvaBuildErr error  // why it could not be built, reported by every test that needs it
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "duva-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop: temp dir:", err)
		os.Exit(1)
	}
	if bin := os.Getenv("DUVA_INTEROP_BIN"); bin != "" {
		duvaBin = bin
	} else {
		duvaBin = filepath.Join(dir, "duva")
		out, err := exec.Command("go", "build", "-buildvcs=false", "-o", duvaBin, ".").CombinedOutput()
		if err != nil {
			duvaBuildErr = fmt.Errorf("go build -o %s .: %v\n%s", duvaBin, err, out)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// needTools skips the test (or fails it under CI) when a Redis tool is missing.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			msg := fmt.Sprintf("%s not found in PATH; install it with `apt-get install -y redis-server redis-tools`", name)
			if os.Getenv("CI") != "" {
				t.Fatal(msg + " (CI must have it: .ci/run installs it)")
			}
			t.Skip(msg)
		}
	}
}

func needDuva(t *testing.T) string {
	t.Helper()
	if duvaBuildErr != nil {
		t.Fatalf("duva binary not available: %v", duvaBuildErr)
	}
	return duvaBin
}

// ---------------------------------------------------------------------------
// Server processes

// lockedBuffer collects a process's output; it is written by exec's copier
// goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverProc is a running server process (duva or redis-server).
type serverProc struct {
	name string
	port int
	addr string
	cmd  *exec.Cmd
	out  *lockedBuffer // stdout and stderr together
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, after done
}

func (s *serverProc) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// waitExit waits up to d for the process to exit and returns its exit code.
func (s *serverProc) waitExit(d time.Duration) (code int, ok bool) {
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode(), true
	case <-time.After(d):
		return -1, false
	}
}

func (s *serverProc) log() string { return s.out.String() }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer starts bin with args(port) on a free loopback port, waits until it
// answers PING, and kills it when the test ends. A start that fails (the port
// was taken in between) is retried on another port.
func startServer(t *testing.T, name, bin string, args func(port int) []string) *serverProc {
	t.Helper()
	workDir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		s := &serverProc{
			name: name,
			port: port,
			addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			cmd:  exec.Command(bin, args(port)...),
			out:  &lockedBuffer{},
			done: make(chan struct{}),
		}
		s.cmd.Dir = workDir
		s.cmd.Stdout = s.out
		s.cmd.Stderr = s.out
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		go func() {
			s.err = s.cmd.Wait()
			close(s.done)
		}()
		err := waitReady(s, 15*time.Second)
		if err == nil {
			t.Cleanup(func() {
				if !s.exited() {
					_ = s.cmd.Process.Kill()
					<-s.done
				}
				if t.Failed() {
					t.Logf("%s (port %d) output, last 3000 bytes:\n%s", s.name, s.port, tail(s.log(), 3000))
				}
			})
			return s
		}
		if !s.exited() {
			_ = s.cmd.Process.Kill()
			<-s.done
			t.Fatalf("%s on port %d: %v\noutput:\n%s", name, port, err, tail(s.log(), 3000))
		}
		lastErr = fmt.Errorf("%v\noutput:\n%s", err, tail(s.log(), 3000))
	}
	t.Fatalf("could not start %s after 5 attempts: %v", name, lastErr)
	return nil
}

// waitReady polls with a raw RESP PING until the server answers +PONG.
func waitReady(s *serverProc, total time.Duration) error {
	deadline := time.Now().Add(total)
	var last error
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("exited before answering PING: %v", s.err)
		}
		last = pingOnce(s.addr)
		if last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no PONG within %v: %v", total, last)
}

func pingOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	reply, err := readReply(bufio.NewReader(c))
	if err != nil {
		return err
	}
	if string(reply) != "+PONG\r\n" {
		return fmt.Errorf("PING replied %q", reply)
	}
	return nil
}

func startDuva(t *testing.T, extra ...string) *serverProc {
	t.Helper()
	bin := needDuva(t)
	if filepath.Base(bin) == "redis-server" { // checking the suite itself: no duva-only options
		extra = nil
	}
	return startServer(t, "duva", bin, func(port int) []string {
		return append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", ""}, extra...)
	})
}

func startRedis(t *testing.T) *serverProc {
	t.Helper()
	needTools(t, "redis-server")
	return startServer(t, "redis-server", "redis-server", func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	})
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// ---------------------------------------------------------------------------
// RESP

// readReply reads one complete RESP2 or RESP3 reply and returns its raw bytes.
func readReply(r *bufio.Reader) ([]byte, error) {
	var out []byte
	err := readReplyInto(r, &out, 0)
	return out, err
}

func readReplyInto(r *bufio.Reader, out *[]byte, depth int) error {
	if depth > 100 {
		return errors.New("reply nested more than 100 deep")
	}
	line, err := r.ReadBytes('\n')
	*out = append(*out, line...)
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed reply line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '!', '=':
		n, err := strconv.Atoi(body)
		if err != nil || n > 1<<30 {
			return fmt.Errorf("bad bulk length in %q", line)
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		k, err := io.ReadFull(r, buf)
		*out = append(*out, buf[:k]...)
		if err != nil {
			return err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return fmt.Errorf("bulk of %d bytes not followed by CRLF", n)
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil || n > 1<<24 {
			return fmt.Errorf("bad aggregate length in %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readReplyInto(r, out, depth+1); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute precedes the reply it describes
			return readReplyInto(r, out, depth+1)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type in %q", line)
}

// encodeCommand encodes args as a RESP array of bulk strings.
func encodeCommand(args []string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// sortReply returns raw with the elements of every array and set sorted (by
// their bytes), recursively, for replies whose order is unspecified.
func sortReply(raw []byte) []byte {
	r := bufio.NewReader(bytes.NewReader(raw))
	line, err := r.ReadBytes('\n')
	if err != nil || (line[0] != '*' && line[0] != '~') {
		return raw
	}
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	if err != nil || n <= 0 {
		return raw
	}
	elems := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		e, err := readReply(r)
		if err != nil {
			return raw
		}
		elems = append(elems, sortReply(e))
	}
	sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i], elems[j]) < 0 })
	return append(line, bytes.Join(elems, nil)...)
}

// sortReplies applies sortReply to each of several concatenated replies.
func sortReplies(raw []byte) []byte {
	r := bufio.NewReader(bytes.NewReader(raw))
	var out []byte
	for {
		one, err := readReply(r)
		if err != nil {
			return append(out, one...)
		}
		out = append(out, sortReply(one)...)
	}
}

// respConn is a raw TCP connection that sends commands and reads whole replies.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRESP(addr string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReader(c)}, nil
}

func mustDial(t *testing.T, addr string) *respConn {
	t.Helper()
	rc, err := dialRESP(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

func (rc *respConn) Close() { _ = rc.c.Close() }

// roundTrip writes payload and reads one reply, within 5 seconds.
func (rc *respConn) roundTrip(payload []byte) ([]byte, error) {
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.c.Write(payload); err != nil {
		return nil, err
	}
	return readReply(rc.r)
}

// exchange writes payload (one byte per write if bytewise) and reads n whole
// replies, returned concatenated; within 5 seconds.
func (rc *respConn) exchange(payload []byte, bytewise bool, n int) ([]byte, error) {
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	var err error
	if bytewise {
		for i := 0; i < len(payload) && err == nil; i++ {
			_, err = rc.c.Write(payload[i : i+1])
			time.Sleep(time.Millisecond)
		}
	} else {
		_, err = rc.c.Write(payload)
	}
	if err != nil {
		// The server may have replied (an error) before closing: show that.
		_ = rc.c.SetReadDeadline(time.Now().Add(time.Second))
		out, _ := readReply(rc.r)
		return out, fmt.Errorf("write: %w", err)
	}
	var out []byte
	for i := 0; i < n; i++ {
		if err := readReplyInto(rc.r, &out, 0); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (rc *respConn) do(args ...string) ([]byte, error) {
	return rc.roundTrip(encodeCommand(args))
}

// mustDo runs a command and fails the test unless the reply is want.
func (rc *respConn) mustDo(t *testing.T, want string, args ...string) {
	t.Helper()
	got, err := rc.do(args...)
	if err != nil {
		t.Fatalf("%s: %v (reply so far %q)", strings.Join(args, " "), err, got)
	}
	if string(got) != want {
		t.Fatalf("%s: got %q, want %q", strings.Join(args, " "), got, want)
	}
}

// unread returns whatever the server has sent beyond the replies read so far:
// the bytes already buffered, and any that arrive within wait.
func (rc *respConn) unread(wait time.Duration) []byte {
	var out []byte
	if wait > 0 {
		_ = rc.c.SetReadDeadline(time.Now().Add(wait))
		if b, err := rc.r.ReadByte(); err == nil {
			out = append(out, b)
		}
		time.Sleep(wait / 5) // let the rest of a reply arrive
	}
	for rc.r.Buffered() > 0 {
		b, _ := rc.r.ReadByte()
		out = append(out, b)
	}
	return out
}

// closedByPeer reports whether the server has closed the connection: a read
// gets EOF (or a reset) within d. Unread bytes count as "not closed".
func (rc *respConn) closedByPeer(d time.Duration) (bool, string) {
	_ = rc.c.SetReadDeadline(time.Now().Add(d))
	b, err := rc.r.ReadByte()
	if err == nil {
		rest, _ := rc.r.Peek(rc.r.Buffered())
		return false, fmt.Sprintf("unexpected bytes %q", append([]byte{b}, rest...))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
		return true, ""
	}
	return false, err.Error()
}

// ---------------------------------------------------------------------------
// redis-cli syntax

// splitArgs splits a line the way redis-cli does (sdssplitargs): words
// separated by blanks, "double quotes" with \n \r \t \b \a \\ \" and \xHH
// escapes, 'single quotes' with only \' as an escape.
func splitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, nil
		}
		var cur []byte
		inDQ, inSQ := false, false
		for done := false; !done; {
			switch {
			case inDQ:
				if i >= len(line) {
					return nil, errors.New("unbalanced double quotes")
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch e := line[i]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if i+1 < len(line) && !isBlank(line[i+1]) {
						return nil, errors.New("closing quote must be followed by a space")
					}
					done = true
				default:
					cur = append(cur, c)
				}
			case inSQ:
				if i >= len(line) {
					return nil, errors.New("unbalanced single quotes")
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					cur = append(cur, '\'')
					i++
				case c == '\'':
					if i+1 < len(line) && !isBlank(line[i+1]) {
						return nil, errors.New("closing quote must be followed by a space")
					}
					done = true
				default:
					cur = append(cur, c)
				}
			default:
				if i >= len(line) {
					done = true
					break
				}
				switch c := line[i]; c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDQ = true
				case '\'':
					inSQ = true
				default:
					cur = append(cur, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0 }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// ---------------------------------------------------------------------------
// Differential transcripts

type stepKind int

const (
	stepCommand stepKind = iota // send args (or raw bytes), compare the replies
	stepSleep                   // wait
	stepClosed                  // both servers must have closed the connection; reconnect
)

type compareMode int

const (
	compareExact  compareMode = iota
	compareIgnore             // both must reply, the replies are not compared
	compareSorted             // compare after sorting the elements of arrays and sets
)

type step struct {
	line     int
	text     string
	kind     stepKind
	args     []string
	raw      []byte // for !raw and !bytewise: sent as is instead of args
	bytewise bool   // send raw one byte per write
	mode     compareMode
	replies  int // how many replies the command gets (0 after CLIENT REPLY OFF)
	sleep    time.Duration
}

// parseTranscript reads a transcript: one command per line in redis-cli
// syntax; blank lines and lines starting with # are skipped. Directives:
//
//	!ignore        the next command's replies are read but not compared
//	!sort          the next command's replies are compared with the elements
//	               of every array and set sorted (KEYS, SCAN with several keys)
//	!replies N     the next command gets N replies, not 1 (0: none, e.g. under
//	               CLIENT REPLY OFF; N: several commands in one !raw)
//	!raw "..."     send these bytes as they are (inline commands, pipelines,
//	               protocol errors) and compare the reply
//	!bytewise "..." the same, written one byte at a time (split frames)
//	!sleep MS      wait MS milliseconds (to let keys expire)
//	!closed        both servers must have closed the connection (after QUIT or
//	               a protocol error); then both are reconnected
func parseTranscript(path string) ([]step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var steps []step
	mode, replies, pending := compareExact, 1, false
	add := func(st step) {
		st.mode, st.replies = mode, replies
		steps = append(steps, st)
		mode, replies, pending = compareExact, 1, false
	}
	for i, line := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(line)
		n := i + 1
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, a...))
		}
		if !strings.HasPrefix(text, "!") {
			args, err := splitArgs(text)
			if err != nil {
				return nil, bad("%v", err)
			}
			add(step{line: n, text: text, kind: stepCommand, args: args})
			continue
		}
		word, rest, _ := strings.Cut(text, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "!ignore", "!sort":
			if rest != "" {
				return nil, bad("%s takes no argument", word)
			}
			if word == "!ignore" {
				mode = compareIgnore
			} else {
				mode = compareSorted
			}
			pending = true
		case "!replies":
			r, err := strconv.Atoi(rest)
			if err != nil || r < 0 || r > 100 {
				return nil, bad("!replies wants a count between 0 and 100")
			}
			replies, pending = r, true
		case "!raw", "!bytewise":
			parts, err := splitArgs(rest)
			if err != nil || len(parts) != 1 || parts[0] == "" {
				return nil, bad("%s wants one non-empty quoted string", word)
			}
			add(step{line: n, text: text, kind: stepCommand, raw: []byte(parts[0]), bytewise: word == "!bytewise"})
		case "!sleep", "!closed":
			if pending {
				return nil, bad("%s after a directive that wants a command", word)
			}
			if word == "!closed" {
				steps = append(steps, step{line: n, text: text, kind: stepClosed})
				break
			}
			ms, err := strconv.Atoi(rest)
			if err != nil || ms <= 0 || ms > 5000 {
				return nil, bad("!sleep wants milliseconds between 1 and 5000")
			}
			steps = append(steps, step{line: n, text: text, kind: stepSleep, sleep: time.Duration(ms) * time.Millisecond})
		default:
			return nil, bad("unknown directive %s", word)
		}
	}
	if pending {
		return nil, fmt.Errorf("%s: a directive at the end applies to no command", path)
	}
	return steps, nil
}

func TestTranscriptParser(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`SET k v`, []string{"SET", "k", "v"}},
		{`  SET   "a b"  'c d'  `, []string{"SET", "a b", "c d"}},
		{`SET "x\x00\xffy" "\n\r\t\"\\"`, []string{"SET", "x\x00\xffy", "\n\r\t\"\\"}},
		{`SET k ""`, []string{"SET", "k", ""}},
		{`SET k 'it\'s'`, []string{"SET", "k", "it's"}},
	}
	for _, c := range cases {
		got, err := splitArgs(c.in)
		if err != nil || !equalStrings(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{`SET "a`, `SET 'a`, `SET "a"b`} {
		if _, err := splitArgs(in); err == nil {
			t.Errorf("splitArgs(%q): no error", in)
		}
	}
	raw := []byte("*3\r\n$1\r\nb\r\n*2\r\n:2\r\n:1\r\n$1\r\na\r\n")
	want := "*3\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n:1\r\n:2\r\n"
	if got := sortReply(raw); string(got) != want {
		t.Errorf("sortReply = %q, want %q", got, want)
	}
	for _, in := range []string{"%1\r\n+a\r\n|1\r\n+k\r\n+v\r\n:1\r\n", "~1\r\n$-1\r\n", "*-1\r\n", ">2\r\n+x\r\n_\r\n"} {
		got, err := readReply(bufio.NewReader(strings.NewReader(in + "+next\r\n")))
		if err != nil || string(got) != in {
			t.Errorf("readReply(%q) = %q, %v", in, got, err)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDifferentialTranscripts sends every command of every transcript to duva
// and to redis-server and requires byte-identical replies.
func TestDifferentialTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "interop", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata/interop: %v", err)
	}
	rs := startRedis(t)
	ds := startDuva(t, "--shards", "4")
	for _, file := range files {
		file := file
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			steps, err := parseTranscript(file)
			if err != nil {
				t.Fatal(err)
			}
			runTranscript(t, file, steps, rs.addr, ds.addr)
		})
	}
}

func runTranscript(t *testing.T, file string, steps []step, redisAddr, duvaAddr string) {
	var red, duv *respConn
	connect := func() {
		if red != nil {
			red.Close()
			duv.Close()
		}
		red = mustDial(t, redisAddr)
		duv = mustDial(t, duvaAddr)
	}
	connect()
	red.mustDo(t, "+OK\r\n", "FLUSHALL")
	if got, err := duv.do("FLUSHALL"); err != nil || string(got) != "+OK\r\n" {
		t.Fatalf("duva FLUSHALL: %q %v", got, err)
	}
	verbose := os.Getenv("DUVA_INTEROP_VERBOSE") != ""
	diffs, ioErrors := 0, 0
	for _, s := range steps {
		where := fmt.Sprintf("%s:%d", file, s.line)
		switch s.kind {
		case stepSleep:
			time.Sleep(s.sleep)
			continue
		case stepClosed:
			if ok, why := red.closedByPeer(2 * time.Second); !ok {
				t.Fatalf("%s: redis-server did not close the connection (%s): fix the transcript", where, why)
			}
			if ok, why := duv.closedByPeer(2 * time.Second); !ok {
				t.Errorf("%s: redis-server closed the connection here, duva did not (%s)", where, why)
			}
			connect()
			continue
		}
		payload := s.raw
		if payload == nil {
			payload = encodeCommand(s.args)
		}
		want, err := red.exchange(payload, s.bytewise, s.replies)
		if err != nil {
			t.Fatalf("%s: %s: redis-server: %v (reply so far %q): fix the transcript", where, s.text, err, want)
		}
		got, err := duv.exchange(payload, s.bytewise, s.replies)
		if err != nil {
			t.Errorf("%s: %s\n  redis: %s\n  duva:  I/O error %v after %q; both connections are reopened",
				where, s.text, showReply(want), err, got)
			ioErrors++
			if ioErrors >= 3 {
				t.Errorf("%s: giving up on this transcript after 3 I/O errors", file)
				return
			}
			connect()
			continue
		}
		if verbose {
			t.Logf("%s: %s -> %s", where, s.text, showReply(want))
		}
		// Replies redis-server did not send (e.g. while CLIENT REPLY OFF) would
		// shift every later comparison: report them and throw them away.
		probe := time.Duration(0)
		if s.replies == 0 {
			probe = 50 * time.Millisecond
		}
		if extra := red.unread(probe); len(extra) > 0 {
			t.Fatalf("%s: %s: redis-server sent %q after the expected %d replies: fix the transcript", where, s.text, extra, s.replies)
		}
		if extra := duv.unread(probe); len(extra) > 0 {
			diffs++
			t.Errorf("%s: %s\n  redis: %s\n  duva:  %s followed by unexpected %s",
				where, s.text, showReply(want), showReply(got), showReply(extra))
			continue
		}
		switch s.mode {
		case compareIgnore:
			continue
		case compareSorted:
			want, got = sortReplies(want), sortReplies(got)
		}
		if !bytes.Equal(want, got) {
			diffs++
			t.Errorf("%s: %s\n  redis: %s\n  duva:  %s%s", where, s.text, showReply(want), showReply(got), firstDiff(want, got))
		}
	}
	if diffs > 0 {
		t.Logf("%s: %d of %d steps differ", file, diffs, len(steps))
	}
}

// TestDifferentialBigRequests compares replies to requests too big or too
// numerous for a transcript line: large values, commands with many arguments,
// long pipelines, and Redis's request size limits.
func TestDifferentialBigRequests(t *testing.T) {
	rs := startRedis(t)
	ds := startDuva(t, "--shards", "4")
	red := mustDial(t, rs.addr)
	duv := mustDial(t, ds.addr)
	red.mustDo(t, "+OK\r\n", "FLUSHALL")
	duv.mustDo(t, "+OK\r\n", "FLUSHALL")
	reconnect := func() {
		red.Close()
		duv.Close()
		red = mustDial(t, rs.addr)
		duv = mustDial(t, ds.addr)
	}
	// compare sends payload to both servers and compares n replies; closed
	// says both must then close the connection.
	compare := func(name string, payload []byte, n int, closed bool) {
		t.Helper()
		want, err := red.exchange(payload, false, n)
		if err != nil {
			t.Fatalf("%s: redis-server: %v (reply so far %s)", name, err, showReply(want))
		}
		got, err := duv.exchange(payload, false, n)
		if err != nil {
			t.Errorf("%s:\n  redis: %s\n  duva:  I/O error %v after %s", name, showReply(want), err, showReply(got))
			reconnect()
			return
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s: replies differ (%d bytes from redis-server, %d from duva)%s", name, len(want), len(got), firstDiff(want, got))
		}
		if closed {
			if ok, why := red.closedByPeer(2 * time.Second); !ok {
				t.Fatalf("%s: redis-server did not close the connection (%s)", name, why)
			}
			if ok, why := duv.closedByPeer(2 * time.Second); !ok {
				t.Errorf("%s: redis-server closed the connection, duva did not (%s)", name, why)
			}
			reconnect()
		} else if extra := duv.unread(0); len(extra) > 0 {
			t.Errorf("%s: duva sent more than redis-server: %s", name, showReply(extra))
			reconnect()
		}
	}
	cmd := func(args ...string) []byte { return encodeCommand(args) }

	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	compare("SET 1 MiB", cmd("SET", "big", big), 1, false)
	compare("GET 1 MiB", cmd("GET", "big"), 1, false)
	compare("APPEND 1 MiB", cmd("APPEND", "big", big), 1, false)
	compare("STRLEN", cmd("STRLEN", "big"), 1, false)
	compare("GETRANGE across the join", cmd("GETRANGE", "big", "1048570", "1048585"), 1, false)
	compare("SETRANGE past the end", cmd("SETRANGE", "big", "3000000", "end"), 1, false)
	compare("GET 2.9 MB", cmd("GET", "big"), 1, false)
	compare("ECHO 1 MiB", cmd("ECHO", big), 1, false)

	// MSET/MGET/DEL/EXISTS with 10,000 keys spread over every shard.
	mset := []string{"MSET"}
	mget := []string{"MGET"}
	for i := 0; i < 10000; i++ {
		k := "many:" + strconv.Itoa(i)
		mset = append(mset, k, strconv.Itoa(i*7))
		mget = append(mget, k, "missing:"+strconv.Itoa(i))
	}
	compare("MSET 10,000 keys", cmd(mset...), 1, false)
	compare("MGET 20,000 keys", cmd(mget...), 1, false)
	compare("EXISTS 20,000 keys", cmd(append([]string{"EXISTS"}, mget[1:]...)...), 1, false)
	compare("DBSIZE", cmd("DBSIZE"), 1, false)
	compare("DEL 20,000 keys", cmd(append([]string{"DEL"}, mget[1:]...)...), 1, false)

	// A pipeline of 20,000 commands in one write, on keys of every shard: the
	// replies must come back in request order.
	var pipe bytes.Buffer
	for i := 0; i < 5000; i++ {
		k := "p:" + strconv.Itoa(i%97)
		pipe.Write(cmd("INCR", k))
		pipe.Write(cmd("APPEND", "log:"+strconv.Itoa(i%13), strconv.Itoa(i)+","))
		pipe.Write(cmd("GET", k))
		pipe.WriteString("STRLEN log:" + strconv.Itoa(i%13) + "\r\n")
	}
	compare("pipeline of 20,000 commands", pipe.Bytes(), 20000, false)

	// A command with 1,048,576 arguments, duva's multibulk limit (the design's
	// limit; Redis 7.0 takes up to INT_MAX, so a larger count is not compared
	// here: loop/ tests that duva refuses it).
	var huge bytes.Buffer
	huge.WriteString("*1048576\r\n$6\r\nEXISTS\r\n")
	for i := 0; i < 1048575; i++ {
		huge.WriteString("$1\r\nk\r\n")
	}
	compare("EXISTS with 1,048,575 keys", huge.Bytes(), 1, false)

	// An inline request of 60 KB is served; one over 64 KB without a newline
	// is a protocol error that closes the connection.
	compare("inline ECHO of 60 KB", []byte("ECHO "+strings.Repeat("y", 60000)+"\r\n"), 1, false)
	compare("inline request over 64 KB", []byte("ECHO "+strings.Repeat("z", 70000)), 1, true)
	// A bulk string longer than proto-max-bulk-len (512 MB) is refused at once.
	compare("bulk length over 512 MB", []byte("*2\r\n$4\r\nECHO\r\n$536870913\r\n"), 1, true)
}

// TestScanIteration walks the keyspace with SCAN and small COUNTs, as clients
// do, and requires every key to come back (the SCAN guarantee), on duva with
// several shards and on redis-server.
func TestScanIteration(t *testing.T) {
	servers := []*serverProc{startDuva(t, "--shards", "4"), startRedis(t)}
	for _, srv := range servers {
		c := mustDial(t, srv.addr)
		c.mustDo(t, "+OK\r\n", "FLUSHALL")
		mset := []string{"MSET"}
		want := map[string]bool{}
		wantMatch := map[string]bool{}
		for i := 0; i < 3000; i++ {
			k := "scan:" + strconv.Itoa(i)
			if i%5 == 0 {
				k = "other:" + strconv.Itoa(i)
			}
			mset = append(mset, k, "v")
			want[k] = true
			if strings.HasPrefix(k, "scan:1") {
				wantMatch[k] = true
			}
		}
		c.mustDo(t, "+OK\r\n", mset...)
		for _, tc := range []struct {
			args []string
			want map[string]bool
		}{
			{[]string{"COUNT", "10"}, want},
			{nil, want},
			{[]string{"MATCH", "scan:1*", "COUNT", "7"}, wantMatch},
			{[]string{"COUNT", "100", "TYPE", "string"}, want},
		} {
			seen := map[string]bool{}
			cursor, calls := "0", 0
			for {
				calls++
				if calls > 10000 {
					t.Fatalf("%s: SCAN %q did not finish after 10000 calls", srv.name, tc.args)
				}
				raw, err := c.do(append([]string{"SCAN", cursor}, tc.args...)...)
				if err != nil {
					t.Fatalf("%s: SCAN %s: %v", srv.name, cursor, err)
				}
				next, keys, err := parseScanReply(raw)
				if err != nil {
					t.Fatalf("%s: SCAN %s replied %s: %v", srv.name, cursor, showReply(raw), err)
				}
				for _, k := range keys {
					if !tc.want[k] {
						t.Errorf("%s: SCAN %q returned %q, which it should not", srv.name, tc.args, k)
					}
					seen[k] = true
				}
				if cursor = next; cursor == "0" {
					break
				}
			}
			missing := 0
			for k := range tc.want {
				if !seen[k] {
					missing++
				}
			}
			if missing > 0 {
				t.Errorf("%s: a full SCAN %q missed %d of %d keys", srv.name, tc.args, missing, len(tc.want))
			}
			t.Logf("%s: SCAN %q: %d calls", srv.name, tc.args, calls)
		}
	}
}

// parseScanReply splits a RESP2 SCAN reply into its cursor and keys.
func parseScanReply(raw []byte) (cursor string, keys []string, err error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	line := func() (string, error) {
		l, err := r.ReadString('\n')
		return strings.TrimSuffix(l, "\r\n"), err
	}
	bulk := func() (string, error) {
		h, err := line()
		if err != nil || !strings.HasPrefix(h, "$") {
			return "", fmt.Errorf("want a bulk string, got %q", h)
		}
		n, err := strconv.Atoi(h[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk header %q", h)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	if h, err := line(); err != nil || h != "*2" {
		return "", nil, fmt.Errorf("want a 2-element array, got %q", h)
	}
	if cursor, err = bulk(); err != nil {
		return "", nil, err
	}
	h, err := line()
	if err != nil || !strings.HasPrefix(h, "*") {
		return "", nil, fmt.Errorf("want an array of keys, got %q", h)
	}
	n, err := strconv.Atoi(h[1:])
	if err != nil {
		return "", nil, err
	}
	for i := 0; i < n; i++ {
		k, err := bulk()
		if err != nil {
			return "", nil, err
		}
		keys = append(keys, k)
	}
	return cursor, keys, nil
}

// firstDiff locates the first byte where two long replies differ, with some
// context; for short replies (shown whole) it says nothing.
func firstDiff(want, got []byte) string {
	if len(want) <= 120 && len(got) <= 120 {
		return ""
	}
	at := 0
	for at < len(want) && at < len(got) && want[at] == got[at] {
		at++
	}
	from := max(0, at-60)
	return fmt.Sprintf("\n  first difference at byte %d:\n    redis: ...%s\n    duva:  ...%s",
		at, strconv.Quote(string(want[from:min(len(want), at+60)])), strconv.Quote(string(got[from:min(len(got), at+60)])))
}

// showReply quotes a raw reply for a failure message, shortening huge ones.
func showReply(b []byte) string {
	if len(b) > 600 {
		return strconv.Quote(string(b[:600])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// ---------------------------------------------------------------------------
// redis-cli

// runTool runs a command line tool with stdin and a timeout and returns what it
// printed and its exit code.
func runTool(t *testing.T, timeout time.Duration, stdin []byte, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), timeout, tail(outBuf.String(), 2000), tail(errBuf.String(), 2000))
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s: %v", name, err)
	}
	return outBuf.String(), errBuf.String(), cmd.ProcessState.ExitCode()
}

func redisCLI(t *testing.T, s *serverProc, stdin string, args ...string) (string, string, int) {
	t.Helper()
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port)}, args...)
	var in []byte
	if stdin != "" {
		in = []byte(stdin)
	}
	return runTool(t, 30*time.Second, in, "redis-cli", full...)
}

// cliScript is fed to redis-cli on stdin, one command a line. Every reply is
// deterministic: single-key KEYS/SCAN patterns only, TTLs read at once, and
// INFO keyspace only while no key has a TTL (avg_ttl is an estimate).
const cliScript = `PING
PING "hello world"
ECHO "with\ttab and \"quotes\""
SET foo bar
GET foo
GET nosuch
SET counter 10
INCR counter
INCRBY counter -25
DECR counter
DECRBY counter 3
INCRBYFLOAT counter 1.5
MSET a 1 b 2 c 3
MGET a b nosuch c
MSETNX a 9 d 4
MSETNX d 4 e 5
EXPIRE foo 100
TTL foo
TTL a
TTL nosuch
PERSIST foo
TTL foo
SET tmp x EX 100
TTL tmp
DEL a nosuch tmp
EXISTS a b c b
TYPE b
TYPE nosuch
KEYS b
KEYS nomatch*
KEYS [c]
SCAN 0 MATCH c COUNT 1000
DBSIZE
APPEND foo baz
STRLEN foo
GETRANGE foo 1 -2
SETRANGE foo 1 XY
GET foo
GETDEL foo
GET foo
SET "key with space" "multi\nline\x00value"
GET "key with space"
SET empty ""
GET empty
SET
GET a b
INCR b
INCR c
SET big 9223372036854775807
INCR big
FOO bar baz
SELECT 2
SET x y
DBSIZE
GET x
INFO keyspace
SELECT 0
GET x
SELECT 99
RENAME b b2
RENAME nosuch z
EXISTS b b2
COPY b2 b3
GET b3
DBSIZE
FLUSHDB
DBSIZE
INFO keyspace
`

// cliScriptRESP3 is fed to redis-cli -3. The HELLO reply holds the client id,
// which differs between servers; the test masks it.
const cliScriptRESP3 = `HELLO 3
PING
GET nosuch
SET k v
GET k
MGET k nosuch
INCR n
INCRBYFLOAT f 0.5
EXISTS k n nosuch
TYPE k
TTL k
SET t v EX 100
TTL t
CLIENT GETNAME
DEL k t
GET k
SET
KEYS n
`

var listNumberRe = regexp.MustCompile(`^\d+\) `)

var avgTTLRe = regexp.MustCompile(`avg_ttl=\d+`)

var helloIDRe = regexp.MustCompile(`("id" => \(integer\) )\d+`)

// TestRedisCliCommands runs the same redis-cli sessions against duva and
// redis-server and compares what redis-cli prints.
func TestRedisCliCommands(t *testing.T) {
	needTools(t, "redis-cli", "redis-server")
	rs := startRedis(t)
	ds := startDuva(t)
	red := mustDial(t, rs.addr)
	duv := mustDial(t, ds.addr)
	flush := func(t *testing.T) {
		t.Helper()
		red.mustDo(t, "+OK\r\n", "FLUSHALL")
		duv.mustDo(t, "+OK\r\n", "FLUSHALL")
	}
	compare := func(t *testing.T, what string, norm func(string) string, stdin string, args ...string) {
		t.Helper()
		rOut, rErr, rCode := redisCLI(t, rs, stdin, args...)
		dOut, dErr, dCode := redisCLI(t, ds, stdin, args...)
		if norm != nil {
			rOut, dOut = norm(rOut), norm(dOut)
		}
		if rOut == "" {
			t.Fatalf("%s: redis-cli printed nothing for redis-server (stderr %q): the test is broken", what, rErr)
		}
		if rOut != dOut {
			t.Errorf("%s: redis-cli stdout differs (- redis-server only, + duva only):\n%s", what, lineDiff(rOut, dOut))
		}
		if rErr != dErr {
			t.Errorf("%s: redis-cli stderr differs:\n  redis: %q\n  duva:  %q", what, rErr, dErr)
		}
		if rCode != dCode {
			t.Errorf("%s: redis-cli exit code: redis %d, duva %d", what, rCode, dCode)
		}
	}
	maskID := func(s string) string { return helloIDRe.ReplaceAllString(s, "${1}ID") }
	// INFO keyspace's avg_ttl is an estimate that Redis refreshes in the
	// background (it can stay non-zero for a moment after the last TTL is gone).
	maskAvgTTL := func(s string) string { return avgTTLRe.ReplaceAllString(s, "avg_ttl=N") }

	for _, mode := range []struct {
		name   string
		args   []string
		script string
		norm   func(string) string
	}{
		{"default", nil, cliScript, maskAvgTTL},
		{"no-raw", []string{"--no-raw"}, cliScript, maskAvgTTL},
		{"raw", []string{"--raw"}, cliScript, maskAvgTTL},
		{"resp3-no-raw", []string{"-3", "--no-raw"}, cliScriptRESP3, maskID},
		{"resp3-raw", []string{"-3", "--raw"}, strings.TrimPrefix(cliScriptRESP3, "HELLO 3\n"), nil},
	} {
		t.Run(mode.name, func(t *testing.T) {
			flush(t)
			compare(t, "stdin script", mode.norm, mode.script, mode.args...)
		})
	}

	t.Run("one-shot", func(t *testing.T) {
		flush(t)
		// sortLines sorts the lines of a reply whose order is unspecified,
		// without the "N) " numbers of --no-raw output.
		sortLines := func(s string) string {
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			for i, l := range lines {
				lines[i] = listNumberRe.ReplaceAllString(l, "")
			}
			sort.Strings(lines)
			return strings.Join(lines, "\n") + "\n"
		}
		for _, c := range []struct {
			norm func(string) string
			args []string
		}{
			{nil, []string{"MSET", "k1", "v1", "k2", "v2", "k3", "v3", "n", "41"}},
			{nil, []string{"GET", "k1"}},
			{nil, []string{"--no-raw", "GET", "k2"}},
			{nil, []string{"--no-raw", "GET", "nosuch"}},
			{nil, []string{"GET", "nosuch"}},
			{nil, []string{"INCR", "n"}},
			{nil, []string{"--no-raw", "INCR", "n"}},
			{nil, []string{"INCR", "k1"}},
			{nil, []string{"--no-raw", "INCR", "k1"}},
			{nil, []string{"--no-raw", "MGET", "k1", "nosuch", "k3"}},
			{nil, []string{"MGET", "k1", "nosuch", "k3"}},
			{nil, []string{"NOSUCHCOMMAND", "arg"}},
			{sortLines, []string{"KEYS", "*"}},
			{sortLines, []string{"--no-raw", "KEYS", "k*"}},
			{sortLines, []string{"SCAN", "0", "COUNT", "1000"}},
			{nil, []string{"DBSIZE"}},
			{nil, []string{"-n", "3", "SET", "in3", "x"}},
			{nil, []string{"-n", "3", "DBSIZE"}},
			{nil, []string{"-n", "3", "--no-raw", "GET", "in3"}},
			{nil, []string{"-n", "16", "GET", "in3"}},
			{nil, []string{"-3", "--no-raw", "GET", "nosuch"}},
			{nil, []string{"-3", "--no-raw", "MGET", "k1", "nosuch"}},
			{nil, []string{"-3", "GET", "k1"}},
			{nil, []string{"-r", "3", "INCR", "n"}},
			{nil, []string{"--no-raw", "TYPE", "k1"}},
			{nil, []string{"--no-raw", "EXISTS", "k1", "k2", "nosuch"}},
			{nil, []string{"PING"}},
			{nil, []string{"--no-raw", "ECHO", "hi\nthere"}},
			{nil, []string{"ECHO", "hi\nthere"}},
		} {
			compare(t, "redis-cli "+strings.Join(c.args, " "), c.norm, "", c.args...)
		}
		// -x reads the last argument from stdin.
		compare(t, "redis-cli -x SET fromstdin", nil, "line1\nline2\n", "-x", "SET", "fromstdin")
		compare(t, "redis-cli --no-raw GET fromstdin", nil, "", "--no-raw", "GET", "fromstdin")
	})
}

// lineDiff shows the lines that differ between two outputs, as a unified-style
// diff from an LCS: "-" lines only redis-server's output has, "+" only duva's.
func lineDiff(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	// lcs[i][j] is the length of the longest common subsequence of w[i:] and g[j:].
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	shown := 0
	emit := func(sign string, line int, text string) {
		if shown < 80 {
			fmt.Fprintf(&b, "  %s line %d: %q\n", sign, line, text)
		}
		shown++
	}
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			emit("+ duva ", j+1, g[j])
			j++
		default:
			emit("- redis", i+1, w[i])
			i++
		}
	}
	if shown > 80 {
		fmt.Fprintf(&b, "  ... %d more\n", shown-80)
	}
	if shown == 0 {
		b.WriteString("  (same lines; bytes differ)\n")
	}
	return b.String()
}

// TestRedisCliPipe loads 100,000 keys with redis-cli --pipe (mass insertion).
func TestRedisCliPipe(t *testing.T) {
	needTools(t, "redis-cli")
	ds := startDuva(t)
	const n = 100000
	var payload bytes.Buffer
	for i := 0; i < n; i++ {
		k, v := "key:"+strconv.Itoa(i), "value:"+strconv.Itoa(i)
		payload.Write(encodeCommand([]string{"SET", k, v}))
	}
	out, errOut, code := runTool(t, 60*time.Second, payload.Bytes(), "redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(ds.port), "--pipe")
	if code != 0 {
		t.Errorf("redis-cli --pipe exited %d", code)
	}
	if !strings.Contains(out, fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Fatalf("redis-cli --pipe did not report errors: 0, replies: %d\nstdout:\n%s\nstderr:\n%s", n, tail(out, 2000), tail(errOut, 2000))
	}
	c := mustDial(t, ds.addr)
	c.mustDo(t, ":100000\r\n", "DBSIZE")
	for _, i := range []int{0, 1, 9999, 12345, 54321, 99998, 99999} {
		v := "value:" + strconv.Itoa(i)
		c.mustDo(t, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v), "GET", "key:"+strconv.Itoa(i))
	}
	c.mustDo(t, "$-1\r\n", "GET", "key:100000")
	// The same through redis-cli, as a user would check.
	stdout, _, _ := redisCLI(t, ds, "", "GET", "key:4242")
	if stdout != "value:4242\n" {
		t.Errorf("redis-cli GET key:4242 printed %q", stdout)
	}
}

// TestRedisBenchmark runs redis-benchmark's standard tests against duva.
func TestRedisBenchmark(t *testing.T) {
	needTools(t, "redis-benchmark")
	ds := startDuva(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wantTests := []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}
	c := mustDial(t, ds.addr)
	for i, extra := range [][]string{nil, {"-P", "16"}} {
		args := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(ds.port),
			"-t", "ping_inline,ping_mbulk,set,get,incr,mset", "-n", "20000", "-c", "20", "--csv"}, extra...)
		name := "redis-benchmark " + strings.Join(args, " ")
		cmd := exec.CommandContext(ctx, "redis-benchmark", args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatalf("%s: still running after the 2 minute limit\nstdout:\n%s\nstderr:\n%s", name, tail(stdout.String(), 2000), tail(stderr.String(), 2000))
		}
		if err != nil {
			t.Errorf("%s: %v\nstdout:\n%s\nstderr:\n%s", name, err, tail(stdout.String(), 2000), tail(stderr.String(), 2000))
		}
		t.Logf("%s: %v\n%s", name, time.Since(start).Round(time.Millisecond), stdout.String())
		for _, line := range strings.Split(stdout.String()+"\n"+stderr.String(), "\n") {
			if strings.Contains(line, "ERR") || strings.Contains(line, "Error") {
				t.Errorf("%s: error in output: %s", name, line)
			}
		}
		records, err := csv.NewReader(strings.NewReader(stdout.String())).ReadAll()
		if err != nil {
			t.Fatalf("%s: CSV: %v\n%s", name, err, stdout.String())
		}
		rps := map[string]float64{}
		for _, rec := range records {
			if len(rec) < 2 || rec[0] == "test" {
				continue
			}
			v, err := strconv.ParseFloat(rec[1], 64)
			if err != nil {
				t.Errorf("%s: bad rps in %q", name, rec)
				continue
			}
			rps[rec[0]] = v
		}
		for _, w := range wantTests {
			if v, ok := rps[w]; !ok {
				t.Errorf("%s: test %q missing from the CSV", name, w)
			} else if v <= 0 {
				t.Errorf("%s: test %q has rps %v", name, w, v)
			}
		}
		// The INCR test increments one key -n times per run.
		want := strconv.Itoa(20000 * (i + 1))
		c.mustDo(t, fmt.Sprintf("$%d\r\n%s\r\n", len(want), want), "GET", "counter:__rand_int__")
	}
	// The SET test wrote -d 3 bytes; MSET wrote 10 keys all named key:__rand_int__.
	got, err := c.do("STRLEN", "key:__rand_int__")
	if err != nil || string(got) != ":3\r\n" {
		t.Errorf("STRLEN key:__rand_int__ = %q, %v; want :3", got, err)
	}
	if err := pingOnce(ds.addr); err != nil {
		t.Errorf("duva does not answer PING after the benchmark: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Process life cycle

// shutdownLineRe matches the line a server logs when it shuts down.
var shutdownLineRe = regexp.MustCompile(`(?i)shutting down|ready to exit`)

// quietLogger keeps go-redis from logging its failed redials after the server
// under test has exited on purpose.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func TestShutdownAndSignals(t *testing.T) {
	redis.SetLogger(quietLogger{})
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			ds := startDuva(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rdb := redis.NewClient(&redis.Options{Addr: ds.addr, MaxRetries: -1})
			defer rdb.Close()
			if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatalf("go-redis SET: %v", err)
			}
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Fatalf("go-redis GET = %q, %v", v, err)
			}
			if err := ds.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, ok := ds.waitExit(5 * time.Second)
			if !ok {
				t.Fatalf("duva still running 5 s after %v", sig)
			}
			if code != 0 {
				t.Errorf("duva exited with status %d after %v (%v)", code, sig, ds.err)
			}
			if !shutdownLineRe.MatchString(ds.log()) {
				t.Errorf("no shutdown line (%v) in duva's log:\n%s", shutdownLineRe, tail(ds.log(), 2000))
			}
			if err := rdb.Ping(ctx).Err(); err == nil {
				t.Errorf("go-redis PING still succeeds after duva exited")
			}
		})
	}
	t.Run("SHUTDOWN with bad arguments", func(t *testing.T) {
		rs := startRedis(t)
		ds := startDuva(t)
		red := mustDial(t, rs.addr)
		duv := mustDial(t, ds.addr)
		for _, args := range [][]string{
			{"SHUTDOWN", "foo"}, {"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "NOSAVE", "FOO"}, {"SHUTDOWN", "ABORT"}, {"shutdown", "abort", "now"},
		} {
			what := strings.Join(args, " ")
			want, err := red.do(args...)
			if err != nil {
				t.Fatalf("redis-server %s: %v", what, err)
			}
			got, err := duv.do(args...)
			if err != nil || !bytes.Equal(want, got) {
				t.Errorf("%s\n  redis: %s\n  duva:  %s (%v)", what, showReply(want), showReply(got), err)
			}
			if code, exited := ds.waitExit(100 * time.Millisecond); exited {
				t.Errorf("%s: duva exited (status %d); redis-server keeps running", what, code)
				ds = startDuva(t)
				duv = mustDial(t, ds.addr)
			} else if err := pingOnce(ds.addr); err != nil {
				t.Fatalf("%s: duva does not answer PING: %v", what, err)
			}
		}
	})
	t.Run("redis-cli shutdown nosave", func(t *testing.T) {
		needTools(t, "redis-cli")
		ds := startDuva(t)
		out, errOut, code := redisCLI(t, ds, "", "shutdown", "nosave")
		if code != 0 {
			t.Errorf("redis-cli shutdown nosave exited %d: stdout %q stderr %q", code, out, errOut)
		}
		if out != "" {
			t.Errorf("redis-cli shutdown nosave printed %q (redis-server: nothing)", out)
		}
		code, ok := ds.waitExit(5 * time.Second)
		if !ok {
			t.Fatalf("duva still running 5 s after SHUTDOWN NOSAVE")
		}
		if code != 0 {
			t.Errorf("duva exited with status %d after SHUTDOWN NOSAVE (%v)", code, ds.err)
		}
		if !shutdownLineRe.MatchString(ds.log()) {
			t.Errorf("no shutdown line (%v) in duva's log:\n%s", shutdownLineRe, tail(ds.log(), 2000))
		}
	})
}

// TestBadArgsStopStart: bad command line arguments stop duva at once with a
// message naming the problem, as they stop redis-server.
func TestBadArgsStopStart(t *testing.T) {
	bin := needDuva(t)
	port := strconv.Itoa(freePort(t))
	cases := []struct {
		args  []string
		names []string // words the message must contain (case-insensitive)
	}{
		{[]string{"--bind", "127.0.0.1", "--save", "", "--port", "abc"}, []string{"port", "abc"}},
		{[]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--nosuchoption", "1"}, []string{"nosuchoption"}},
		{[]string{"--bind", "127.0.0.1", "--save", "", "--port", "99999"}, []string{"port", "99999"}},
		{[]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--maxmemory", "lots"}, []string{"maxmemory", "lots"}},
	}
	run := func(t *testing.T, bin string, args []string) (string, int) {
		t.Helper()
		start := time.Now()
		stdout, stderr, code := runTool(t, 5*time.Second, nil, bin, args...)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %v to give up", bin, d)
		}
		return stdout + stderr, code
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[len(c.args)-2:], " "), func(t *testing.T) {
			out, code := run(t, bin, c.args)
			if code == 0 {
				t.Errorf("duva %q exited 0; want a non-zero status", c.args)
			}
			for _, w := range c.names {
				if !strings.Contains(strings.ToLower(out), w) {
					t.Errorf("duva %q: message does not mention %q:\n%s", c.args, w, out)
				}
			}
			if _, err := exec.LookPath("redis-server"); err != nil {
				if os.Getenv("CI") != "" {
					t.Fatal("redis-server not found in PATH (CI must have it: .ci/run installs it)")
				}
				t.Logf("redis-server not installed: not comparing with its message")
				return
			}
			rOut, rCode := run(t, "redis-server", c.args)
			if rCode == 0 {
				t.Fatalf("redis-server %q exited 0: the case is wrong", c.args)
			}
			for _, w := range c.names {
				if !strings.Contains(strings.ToLower(rOut), w) {
					t.Fatalf("redis-server %q does not mention %q either: the case is wrong:\n%s", c.args, w, rOut)
				}
			}
			t.Logf("redis-server says:\n%s\nduva says:\n%s", strings.TrimSpace(rOut), strings.TrimSpace(out))
		})
	}
}
