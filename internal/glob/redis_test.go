package glob

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDifferentialRedis compares Match with a real redis-server: KEYS for
// case-sensitive matching, CONFIG GET (which matches option names with
// nocase) for case-insensitive matching. It is skipped when redis-server is
// not on PATH or with -short.
func TestDifferentialRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	r := startRedis(t)

	keys := []string{
		"", "a", "A", "b", "z", "Z", "ab", "abc", "aXc", "axc", "a*c", "a?c", "a[c", "a]c",
		"a\\c", "a-c", "a^c", "-", "]", "[", "\\", "^", "*", "?", "[]", "[^]", "--",
		"hello", "hallo", "hxllo", "hllo", "heeeello", "HELLO", "hello world", "foo", "foobar",
		"bar", "ba", "_", "`", "~", "0", "9", "09", "a-", "-a", "\x00", "a\x00b", "\x7f",
		"\x80", "\x90", "\xe9", "\xff", "a\xffb", "aaaa", "aab", "abab", "ababab",
		"user:1000:profile", "user:1000:", strings.Repeat("a", 40) + "b",
		strings.Repeat("a", 2100),
	}
	for _, k := range keys {
		r.do(t, "SET", k, "1")
	}

	patterns := []string{
		"*", "**", "?", "??", "?*", "*?", "a*", "*a", "a*c", "a?c", "a\\*c", "a\\?c",
		"a[*]c", "a[?]c", "a[[]c", "a[]]c", "a[\\]]c", "a[\\\\]c", "a\\\\c", "[a-]", "[-a]",
		"[z-a]", "[Z-a]", "[a-\xff]", "[\x80-\xff]", "[\xff-\x80]", "a[^", "[^", "[", "a[",
		"[abc", "[^]", "[]]", "[]", "[\\", "\\", "a\\", "*\\", "h[ae]llo", "h[^e]llo",
		"h*llo", "h?llo", "*llo*", "user:*:profile", "user:*:*", "*:*", "a*a*a*a*a*b",
		"*a*b*", "ab*ab*", "[a-c]*", "[\\a-c]", "[a\\-c]", "[a-\\]", "[^a-z]*", "\x00",
		"a\x00*", "*\x00*", "[\x00-a]",
		strings.Repeat("a*", 1000) + "a", strings.Repeat("a*", 1001) + "a",
		strings.Repeat("a*", 1001), strings.Repeat("*a", 1001), strings.Repeat("?", 2100),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "c", "A", "*", "?", "[", "]", "^", "-", "\\", "z", "\xff", "\x80", "x"}
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(7) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		patterns = append(patterns, b.String())
	}

	for _, p := range patterns {
		got := r.strings(t, "KEYS", p)
		var want []string
		for _, k := range keys {
			// KEYS short-circuits the exact pattern "*" and returns every key,
			// including the empty one that stringmatchlen itself rejects.
			if p == "*" || MatchString(p, k, false) {
				want = append(want, k)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("KEYS %q: redis %q, Match %q", short(p), shortAll(got), shortAll(want))
		}
	}

	// nocase: CONFIG GET matches option names case-insensitively.
	names := map[string]bool{}
	all := r.strings(t, "CONFIG", "GET", "*")
	for i := 0; i+1 < len(all); i += 2 {
		names[all[i]] = true
	}
	cfgPatterns := []string{"*MAX*", "[A-M]*", "[^a-z]*", "*-[L-N]*", "[Z-a]*", "[a-Z]*", "*_*", "?????", "[\\P]ort", "[\\p]ort", "P?RT"}
	alphabet = []string{"l", "L", "a", "A", "*", "?", "[", "]", "^", "-", "\\", "z", "Z", "_", "o", "0", "m", "M"}
	for range 1000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cfgPatterns = append(cfgPatterns, b.String())
	}
	for _, p := range cfgPatterns {
		if !strings.ContainsAny(p, "[*?") {
			continue // CONFIG GET does an exact lookup for non-patterns
		}
		reply := r.strings(t, "CONFIG", "GET", p)
		var got, want []string
		for i := 0; i+1 < len(reply); i += 2 {
			got = append(got, reply[i])
		}
		for n := range names {
			if MatchString(p, n, true) {
				want = append(want, n)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("CONFIG GET %q: redis %q, Match %q", p, got, want)
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:20] + "..." + s[len(s)-20:] + " (" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}

func shortAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = short(s)
	}
	return out
}

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// startRedis starts a throwaway redis-server on a free loopback port and
// stops it when the test ends.
func startRedis(t *testing.T) *redisConn {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return &redisConn{c: c, r: bufio.NewReader(c)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not come up on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisConn) do(t *testing.T, args ...string) any {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_ = r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(r.r)
	if err != nil {
		t.Fatalf("%q: %v", args[0], err)
	}
	return v
}

func (r *redisConn) strings(t *testing.T, args ...string) []string {
	t.Helper()
	v := r.do(t, args...)
	items, ok := v.([]any)
	if !ok {
		t.Fatalf("%q: unexpected reply %#v", args[0], v)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}

// readReply decodes one RESP2 reply: strings, errors, integers, bulk strings
// (nil as nil) and arrays.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}
