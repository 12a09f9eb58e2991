package aof

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const fixtureDir = "../testdata/fixtures/redis-7.0"

func fixtures(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("fixture corpus absent: %v", err)
	}
	return fixtureDir
}

// fixtureJSON is the part of a fixture manifest the AOF tests use.
type fixtureJSON struct {
	AOF struct {
		ManifestText string `json:"manifest_text"`
		Files        []struct {
			Name     string            `json:"name"`
			Seq      int64             `json:"seq"`
			Type     string            `json:"type"`
			Size     int64             `json:"size"`
			Format   string            `json:"format"`
			Commands []json.RawMessage `json:"commands"`
		} `json:"files"`
	} `json:"aof"`
	File struct {
		Size             int64             `json:"size"`
		Commands         []json.RawMessage `json:"commands"`
		ValidPrefixBytes int64             `json:"valid_prefix_bytes"`
		CommandsApplied  int               `json:"commands_applied"`
	} `json:"file"`
	RedisLoadLog []string `json:"redis_load_log"`
}

func readFixture(t testing.TB, name string) *fixtureJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), name))
	require.NoError(t, err)
	var fx fixtureJSON
	require.NoError(t, json.Unmarshal(b, &fx))
	return &fx
}

func decodeBytes(t testing.TB, raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var o struct {
		Base64 string `json:"base64"`
	}
	require.NoError(t, json.Unmarshal(raw, &o))
	b, err := base64.StdEncoding.DecodeString(o.Base64)
	require.NoError(t, err)
	return string(b)
}

// decodeCommands turns a fixture command list into [][]string.
func decodeCommands(t testing.TB, raws []json.RawMessage) [][]string {
	var out [][]string
	for _, raw := range raws {
		var args []json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &args))
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = decodeBytes(t, a)
		}
		out = append(out, cmd)
	}
	return out
}

// copyDir copies the files of src into dst (created), writable.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
	}
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}

// recLoader records what Load delivers. For RDB it checks the magic and
// consumes rdbLen bytes (-1: the rest of the file).
type recLoader struct {
	cmds     [][]string
	rdbCalls int
	rdbMagic string
	rdbLen   int64
	failOn   string // Command returns an error for this command name
}

func (r *recLoader) RDB(br *bufio.Reader) error {
	r.rdbCalls++
	magic, err := br.Peek(9)
	if err != nil {
		return err
	}
	r.rdbMagic = string(magic)
	if r.rdbLen < 0 {
		_, err = io.Copy(io.Discard, br)
		return err
	}
	_, err = io.CopyN(io.Discard, br, r.rdbLen)
	return err
}

func (r *recLoader) Command(args [][]byte) error {
	cmd := make([]string, len(args))
	for i, a := range args {
		cmd[i] = string(a)
	}
	if r.failOn != "" && strings.EqualFold(cmd[0], r.failOn) {
		return fmt.Errorf("Unknown command '%s'", cmd[0])
	}
	r.cmds = append(r.cmds, cmd)
	return nil
}

// logSink is a slog.Handler that keeps the messages.
type logSink struct {
	mu   sync.Mutex
	msgs []string
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	s.mu.Lock()
	s.msgs = append(s.msgs, r.Message)
	s.mu.Unlock()
	return nil
}
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *logSink) WithGroup(string) slog.Handler      { return s }
func (s *logSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func newSink() (*logSink, *slog.Logger) {
	s := &logSink{}
	return s, slog.New(s)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// checkAOF runs redis-check-aof on the manifest; skips if it is not installed.
func checkAOF(t *testing.T, manifest string) {
	t.Helper()
	const bin = "/usr/bin/redis-check-aof"
	if _, err := os.Stat(bin); err != nil {
		t.Logf("redis-check-aof absent, not checked")
		return
	}
	out, err := exec.Command(bin, manifest).CombinedOutput()
	require.NoError(t, err, "redis-check-aof %s:\n%s", manifest, out)
	require.Contains(t, string(out), "All AOF files and manifest are valid")
}

// redisServer starts /usr/bin/redis-server on dir with appendonly yes and
// returns a connection once it answers PING (not -LOADING).
func redisServer(t *testing.T, dir string) *respConn {
	t.Helper()
	const bin = "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("redis-server absent")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--appendonly", "yes", "--save", "", "--daemonize", "no",
		"--appenddirname", "appendonlydir", "--appendfilename", "appendonly.aof",
		"--logfile", filepath.Join(dir, "redis.log"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			rc := &respConn{c: c, br: bufio.NewReader(c)}
			t.Cleanup(func() { c.Close() })
			for time.Now().Before(deadline) {
				if r, err := rc.do("PING"); err == nil && r == "PONG" {
					return rc
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server did not come up: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// respConn is a minimal raw RESP client.
type respConn struct {
	c  net.Conn
	br *bufio.Reader
}

// do sends a command and returns a simple/bulk/integer reply as a string
// ("(nil)" for a null bulk), or an error for -ERR or for arrays.
func (r *respConn) do(args ...string) (string, error) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write(AppendRewriteCommand(nil, bs...)); err != nil {
		return "", err
	}
	line, err := r.br.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r.br, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// cmds builds [][]string from space-separated command lines.
func cmds(lines ...string) [][]string {
	var out [][]string
	for _, l := range lines {
		out = append(out, strings.Fields(l))
	}
	return out
}

// bargs turns a command line into [][]byte.
func bargs(line string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(line) {
		out = append(out, []byte(f))
	}
	return out
}

// resp encodes command lines as an AOF body.
func resp(lines ...string) []byte {
	var b []byte
	for _, l := range lines {
		b = AppendRewriteCommand(b, bargs(l)...)
	}
	return b
}
