package codec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// outcome is what a connection sees when its whole input has been fed to a
// Parser: the commands in order, then either a protocol error or the number
// of bytes still waiting for a complete frame.
type outcome struct {
	cmds [][]string // an empty command is a non-nil empty slice
	err  string     // protocol error text, "" if none
	rest int        // unconsumed bytes when err == ""
}

// feed plays a connection: each chunk is appended to the pending input and
// Parse runs until it wants more. Every call gets a fresh copy of the pending
// bytes, overwritten with junk once the call's results are read, so a Parser
// that keeps pointers into an earlier buffer, instead of offsets, returns
// wrong bytes here.
func feed(t testing.TB, p *Parser, chunks ...[]byte) outcome {
	t.Helper()
	o, bad := drive(p, chunks)
	if bad != "" {
		t.Fatal(bad)
	}
	return o
}

// drive is feed without testing.TB: it returns the outcome, and a
// description of the first broken API rule it saw ("" if none).
func drive(p *Parser, chunks [][]byte) (outcome, string) {
	var o outcome
	var pending []byte
	for _, c := range chunks {
		pending = append(pending, c...)
		for {
			in := append([]byte(nil), pending...)
			n, cmd, err, bad := call(p, in)
			poison(in)
			switch {
			case bad != "":
				return o, bad
			case err == ErrNeedMore:
			case err != nil:
				o.err = err.Error()
				return o, ""
			default:
				o.cmds = append(o.cmds, cmd)
				pending = pending[n:]
				continue
			}
			break
		}
	}
	o.rest = len(pending)
	return o, ""
}

// call runs one Parse, checks the API rules on its results and copies the
// arguments out of in.
func call(p *Parser, in []byte) (n int, cmd []string, err error, bad string) {
	n, args, err := p.Parse(in)
	if err == ErrNeedMore {
		if n != 0 || args != nil {
			return 0, nil, err, "ErrNeedMore with n or args"
		}
		if need := p.Need(); need != 0 && need <= len(in) {
			return 0, nil, err, fmt.Sprintf("Need() = %d with %d bytes buffered", need, len(in))
		}
		return 0, nil, err, ""
	}
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) || n != 0 || args != nil {
			return 0, nil, err, fmt.Sprintf("bad error return: %d %q %v", n, args, err)
		}
		return 0, nil, err, ""
	}
	if n <= 0 || n > len(in) {
		return 0, nil, nil, fmt.Sprintf("consumed %d of %d bytes", n, len(in))
	}
	cmd = make([]string, 0, len(args))
	for _, a := range args {
		if len(a) != cap(a) {
			return 0, nil, nil, "an argument's capacity must end at its length"
		}
		cmd = append(cmd, string(a))
	}
	return n, cmd, nil, ""
}

// poison overwrites a buffer the Parser must no longer read.
func poison(b []byte) {
	for i := range b {
		b[i] = '#'
	}
}

// feedString feeds s whole, then with every possible split into two reads,
// then one byte at a time, and requires the same outcome each way.
func feedString(t *testing.T, l Limits, s string) outcome {
	t.Helper()
	var p Parser
	p.SetLimits(l)
	whole := feed(t, &p, []byte(s))
	// Byte at a time copies the pending input on every call, O(len²):
	// leave the 64 KB limit inputs to the two-read splits.
	if len(s) <= 4096 {
		for k := 1; k < len(s); k++ {
			var q Parser
			q.SetLimits(l)
			require.Equal(t, whole, feed(t, &q, []byte(s[:k]), []byte(s[k:])), "split at %d", k)
		}
		var q Parser
		q.SetLimits(l)
		require.Equal(t, whole, feed(t, &q, bytesOf(s)...), "byte by byte")
	} else {
		for _, k := range []int{1, 2, 5, len(s) / 2, len(s) - 2, len(s) - 1} {
			var q Parser
			q.SetLimits(l)
			require.Equal(t, whole, feed(t, &q, []byte(s[:k]), []byte(s[k:])), "split at %d", k)
		}
	}
	return whole
}

// bytesOf returns s as one chunk per byte.
func bytesOf(s string) [][]byte {
	out := make([][]byte, len(s))
	for i := range out {
		out[i] = []byte{s[i]}
	}
	return out
}

// cmd builds an expected command.
func cmd(args ...string) []string {
	if args == nil {
		return []string{}
	}
	return args
}

const (
	getCmd  = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
	setCmd  = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
	pingCmd = "*1\r\n$4\r\nPING\r\n"

	errInvalidMultibulk = "Protocol error: invalid multibulk length"
	errInvalidBulk      = "Protocol error: invalid bulk length"
	errBigMbulk         = "Protocol error: too big mbulk count string"
	errBigBulk          = "Protocol error: too big bulk count string"
	errBigInlineReq     = "Protocol error: too big inline request"
	errQuotes           = "Protocol error: unbalanced quotes in request"
)

func expected(c string) string { return "Protocol error: expected '$', got '" + c + "'" }

type parseCase struct {
	name string
	in   string
	want outcome
}

var parseCases = []parseCase{
	// Multibulk.
	{"get", getCmd, outcome{cmds: [][]string{cmd("GET", "key")}}},
	{"set", setCmd, outcome{cmds: [][]string{cmd("SET", "key", "value")}}},
	{"binary value", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\n\x00\xffb\r\n",
		outcome{cmds: [][]string{cmd("SET", "k", "a\r\n\x00\xffb")}}},
	{"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", outcome{cmds: [][]string{cmd("ECHO", "")}}},
	{"pipelined", getCmd + setCmd + pingCmd + getCmd,
		outcome{cmds: [][]string{cmd("GET", "key"), cmd("SET", "key", "value"), cmd("PING"), cmd("GET", "key")}}},
	{"pipelined with partial tail", getCmd + setCmd[:10],
		outcome{cmds: [][]string{cmd("GET", "key")}, rest: 10}},
	{"count zero", "*0\r\n", outcome{cmds: [][]string{cmd()}}},
	{"count minus one", "*-1\r\n", outcome{cmds: [][]string{cmd()}}},
	{"count negative", "*-42\r\n", outcome{cmds: [][]string{cmd()}}},
	{"count min int64", "*-9223372036854775808\r\n", outcome{cmds: [][]string{cmd()}}},
	{"empty commands then ping", "*0\r\n*-1\r\n" + pingCmd, outcome{cmds: [][]string{cmd(), cmd(), cmd("PING")}}},
	// Redis skips the byte after '\r' and the two after a body unchecked.
	{"crlf after body unchecked", "*1\r\n$4\r\nPINGxy", outcome{cmds: [][]string{cmd("PING")}}},
	{"lf after cr unchecked", "*1\rX$4\rYPING\r\n", outcome{cmds: [][]string{cmd("PING")}}},
	{"max multibulk waits", "*1048576\r\n", outcome{rest: 10}},
	{"max bulk waits", "*1\r\n$536870912\r\n", outcome{rest: 16}},
	{"incomplete header", "*1\r\n$3", outcome{rest: 6}},
	{"incomplete cr", "*1\r", outcome{rest: 3}},
	{"wrong first byte waits for the line", "*1\r\nX", outcome{rest: 5}},

	// Multibulk errors.
	{"count not a number", "*x\r\n", outcome{err: errInvalidMultibulk}},
	{"count empty", "*\r\n", outcome{err: errInvalidMultibulk}},
	{"count plus sign", "*+1\r\n", outcome{err: errInvalidMultibulk}},
	{"count leading zero", "*01\r\n", outcome{err: errInvalidMultibulk}},
	{"count minus zero", "*-0\r\n", outcome{err: errInvalidMultibulk}},
	{"count lone minus", "*-\r\n", outcome{err: errInvalidMultibulk}},
	{"count space", "* 1\r\n", outcome{err: errInvalidMultibulk}},
	{"count trailing space", "*1 \r\n", outcome{err: errInvalidMultibulk}},
	{"count too large", "*1048577\r\n", outcome{err: errInvalidMultibulk}},
	{"count overflows int64", "*9223372036854775808\r\n", outcome{err: errInvalidMultibulk}},
	{"count underflows int64", "*-9223372036854775809\r\n", outcome{err: errInvalidMultibulk}},
	{"count 21 digits", "*100000000000000000000\r\n", outcome{err: errInvalidMultibulk}},
	{"bulk negative", "*1\r\n$-1\r\n", outcome{err: errInvalidBulk}},
	{"bulk too large", "*1\r\n$536870913\r\n", outcome{err: errInvalidBulk}},
	{"bulk empty length", "*1\r\n$\r\n", outcome{err: errInvalidBulk}},
	{"bulk leading zero", "*1\r\n$03\r\nfoo\r\n", outcome{err: errInvalidBulk}},
	{"bulk junk", "*1\r\n$3x\r\nfoo\r\n", outcome{err: errInvalidBulk}},
	{"expected dollar", "*1\r\n:1\r\n", outcome{err: expected(":")}},
	{"expected dollar on second arg", "*2\r\n$3\r\nGET\r\nfoo\r\n", outcome{err: expected("f")}},
	{"expected dollar got cr", "*1\r\n\r\n", outcome{err: expected(" ")}},
	{"expected dollar got lf", "*1\r\n\n\r\n", outcome{err: expected(" ")}},
	// Redis 7.0 finds line ends with strchr: a NUL hides them, and it waits
	// until the line is over the limit.
	{"nul hides header cr", "*1\r\n\x00\r\n", outcome{rest: 7}},
	{"nul hides count cr", "*1\x00\r\n$4\r\nPING\r\n", outcome{rest: 15}},
	{"nul hidden header at limit waits", "*1\r\n$1\x00\r\n" + strings.Repeat("x", 65531), outcome{rest: 65540}},
	{"nul hidden header over limit", "*1\r\n$1\x00\r\n" + strings.Repeat("x", 65532), outcome{err: errBigBulk}},
	{"nul hidden count over limit", "*\x00" + strings.Repeat("\r\n", 40000), outcome{err: errBigMbulk}},
	{"nul after header cr is data", "*1\r\n$1\r\x00\x00\r\n", outcome{cmds: [][]string{cmd("\x00")}}},
	{"expected dollar got high byte", "*1\r\n\xff\r\n", outcome{err: expected("\xff")}},
	{"expected dollar after short body", "*2\r\n$1\r\nab\r\n$1\r\nc\r\n", outcome{err: expected(" ")}},
	{"error after good commands", pingCmd + "*x\r\n" + pingCmd,
		outcome{cmds: [][]string{cmd("PING")}, err: errInvalidMultibulk}},

	// Line length limits, at the boundary (PROTO_INLINE_MAX_SIZE = 65536).
	{"mbulk count line at limit waits", "*" + strings.Repeat("0", 65535), outcome{rest: 65536}},
	{"mbulk count line over limit", "*" + strings.Repeat("0", 65536), outcome{err: errBigMbulk}},
	{"mbulk count cr at limit", "*" + strings.Repeat("0", 65535) + "\r\n", outcome{err: errInvalidMultibulk}},
	{"mbulk count cr past limit", "*" + strings.Repeat("0", 65536) + "\r\n", outcome{err: errBigMbulk}},
	{"bulk count line at limit waits", "*1\r\n$" + strings.Repeat("0", 65535), outcome{rest: 65540}},
	{"bulk count line over limit", "*1\r\n$" + strings.Repeat("0", 65536), outcome{err: errBigBulk}},
	{"bulk count cr at limit", "*1\r\n$" + strings.Repeat("0", 65535) + "\r\n", outcome{err: errInvalidBulk}},
	{"bulk count cr past limit", "*1\r\n$" + strings.Repeat("0", 65536) + "\r\n", outcome{err: errBigBulk}},
	{"big line instead of dollar", "*1\r\n" + strings.Repeat("x", 65537), outcome{err: errBigBulk}},

	// Inline.
	{"inline ping crlf", "PING\r\n", outcome{cmds: [][]string{cmd("PING")}}},
	{"inline ping lf", "PING\n", outcome{cmds: [][]string{cmd("PING")}}},
	{"inline blanks", " \t PING \t\r\n", outcome{cmds: [][]string{cmd("PING")}}},
	{"inline args", "SET key value\r\n", outcome{cmds: [][]string{cmd("SET", "key", "value")}}},
	{"inline pipelined", "PING\r\nGET a\nSET a b\r\n",
		outcome{cmds: [][]string{cmd("PING"), cmd("GET", "a"), cmd("SET", "a", "b")}}},
	{"inline then multibulk", "PING\r\n" + getCmd + "ECHO x\n",
		outcome{cmds: [][]string{cmd("PING"), cmd("GET", "key"), cmd("ECHO", "x")}}},
	{"inline empty crlf", "\r\n", outcome{cmds: [][]string{cmd()}}},
	{"inline empty lf", "\n", outcome{cmds: [][]string{cmd()}}},
	{"inline whitespace only", " \t\v\f\n", outcome{cmds: [][]string{cmd()}}},
	{"inline only one cr stripped", "PING\r\r\n", outcome{cmds: [][]string{cmd("PING")}}},
	{"inline cr separates", "a\rb\n", outcome{cmds: [][]string{cmd("a", "b")}}},
	{"inline vt inside unquoted arg", "a\vb\n", outcome{cmds: [][]string{cmd("a\vb")}}},
	{"inline incomplete", "PING", outcome{rest: 4}},
	{"inline incomplete cr", "PING\r", outcome{rest: 5}},
	{"inline double quotes", `SET "a b" "c"` + "\n", outcome{cmds: [][]string{cmd("SET", "a b", "c")}}},
	{"inline single quotes", `SET 'a b' 'c'` + "\n", outcome{cmds: [][]string{cmd("SET", "a b", "c")}}},
	{"inline empty quoted args", `ECHO "" ''` + "\n", outcome{cmds: [][]string{cmd("ECHO", "", "")}}},
	{"inline escapes", `ECHO "\n\r\t\b\a\\\"\q"` + "\n", outcome{cmds: [][]string{cmd("ECHO", "\n\r\t\b\a\\\"q")}}},
	{"inline hex", `ECHO "\x41\x4a\x00\xfF"` + "\n", outcome{cmds: [][]string{cmd("ECHO", "AJ\x00\xff")}}},
	{"inline bad hex is plain x", `ECHO "\xzz\x4"` + "\n", outcome{cmds: [][]string{cmd("ECHO", "xzzx4")}}},
	{"inline single quote escapes", `ECHO 'it\'s \n \\ x'` + "\n", outcome{cmds: [][]string{cmd("ECHO", `it's \n \\ x`)}}},
	{"inline single quote escape before close", `ECHO 'a\\'` + "\n", outcome{err: errQuotes}},
	{"inline quote inside arg", `SET a"b c"` + "\n", outcome{cmds: [][]string{cmd("SET", "ab c")}}},
	{"inline quotes join", `x"y"` + "\n", outcome{cmds: [][]string{cmd("xy")}}},
	{"inline quote then tab", "ECHO \"a\"\tb\n", outcome{cmds: [][]string{cmd("ECHO", "a", "b")}}},
	{"inline quote then vt", "ECHO \"a\"\vb\n", outcome{cmds: [][]string{cmd("ECHO", "a", "b")}}},
	{"inline quote at end of line", `ECHO "a"` + "\r\n", outcome{cmds: [][]string{cmd("ECHO", "a")}}},
	{"inline quoted crlf inside", "ECHO \"a\rb\"\n", outcome{cmds: [][]string{cmd("ECHO", "a\rb")}}},
	{"inline nul hides newline", "PING\x00\nPING\n", outcome{rest: 11}},
	{"inline nul at limit waits", "PING\x00\n" + strings.Repeat("x", 65530), outcome{rest: 65536}},
	{"inline nul over limit", "PING\x00\n" + strings.Repeat("x", 65531), outcome{err: errBigInlineReq}},
	{"inline nul after newline", "PING\n\x00\n", outcome{cmds: [][]string{cmd("PING")}, rest: 2}},
	{"inline pipelined quoted", "ECHO \"a b\"\nECHO 'c d'\n",
		outcome{cmds: [][]string{cmd("ECHO", "a b"), cmd("ECHO", "c d")}}},
	{"inline at limit", strings.Repeat("x", 65536) + "\n", outcome{cmds: [][]string{cmd(strings.Repeat("x", 65536))}}},
	{"inline at limit waits", strings.Repeat("x", 65536), outcome{rest: 65536}},

	// Inline errors.
	{"inline unterminated double", "ECHO \"a\n", outcome{err: errQuotes}},
	{"inline unterminated single", "ECHO 'a\r\n", outcome{err: errQuotes}},
	{"inline text after double", "ECHO \"a\"x\n", outcome{err: errQuotes}},
	{"inline text after single", "ECHO 'a'x\n", outcome{err: errQuotes}},
	{"inline escaped closing double", "ECHO \"a\\\"\n", outcome{err: errQuotes}},
	{"inline escaped closing single", "ECHO 'a\\'\n", outcome{err: errQuotes}},
	{"inline backslash at end", "ECHO \"a\\\n", outcome{err: errQuotes}},
	{"inline over limit", strings.Repeat("x", 65537), outcome{err: errBigInlineReq}},
	{"inline newline past limit", strings.Repeat("x", 65537) + "\n", outcome{err: errBigInlineReq}},
	{"inline error after good", "PING\nECHO \"\n", outcome{cmds: [][]string{cmd("PING")}, err: errQuotes}},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, feedString(t, Limits{}, tc.in))
		})
	}
}

func TestParseLimits(t *testing.T) {
	l := Limits{MaxBulkLen: 5, MaxMultibulk: 3, MaxInline: 8}
	for _, tc := range []parseCase{
		{"bulk at limit", "*1\r\n$5\r\nhello\r\n", outcome{cmds: [][]string{cmd("hello")}}},
		{"bulk over limit", "*1\r\n$6\r\n", outcome{err: errInvalidBulk}},
		{"count at limit", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", outcome{cmds: [][]string{cmd("a", "b", "c")}}},
		{"count over limit", "*4\r\n", outcome{err: errInvalidMultibulk}},
		{"inline at limit", "12345678\n", outcome{cmds: [][]string{cmd("12345678")}}},
		{"inline over limit", "123456789\n", outcome{err: errBigInlineReq}},
		{"inline over limit no newline", "123456789", outcome{err: errBigInlineReq}},
		{"header at limit", "*1\r\n$0000000\r\n", outcome{err: errInvalidBulk}},
		{"header over limit", "*1\r\n$00000000", outcome{err: errBigBulk}},
		{"count header over limit", "*00000000", outcome{err: errBigMbulk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, feedString(t, l, tc.in))
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	require.Equal(t, Limits{MaxBulkLen: 512 << 20, MaxMultibulk: 1 << 20, MaxInline: 64 << 10}, DefaultLimits())
	var p Parser
	p.SetLimits(Limits{MaxInline: 8}) // the other fields take defaults
	require.Equal(t, Limits{MaxBulkLen: 512 << 20, MaxMultibulk: 1 << 20, MaxInline: 8}, p.limits)
}

func TestParseNeed(t *testing.T) {
	var p Parser
	frame := "*1\r\n$10\r\n0123456789\r\n" // body starts at 9, frame ends at 21

	_, _, err := p.Parse([]byte("*1"))
	require.ErrorIs(t, err, ErrNeedMore)
	require.Zero(t, p.Need(), "waiting for a line: unknown")

	_, _, err = p.Parse([]byte("*1\r"))
	require.ErrorIs(t, err, ErrNeedMore)
	require.Equal(t, 4, p.Need(), "the byte after '\\r'")

	_, _, err = p.Parse([]byte(frame[:11]))
	require.ErrorIs(t, err, ErrNeedMore)
	require.Equal(t, 21, p.Need())

	// Short of Need: refused without looking at the bytes at all.
	_, _, err = p.Parse(make([]byte, 20))
	require.ErrorIs(t, err, ErrNeedMore)
	require.Equal(t, 21, p.Need())

	n, args, err := p.Parse([]byte(frame + "PING"))
	require.NoError(t, err)
	require.Equal(t, 21, n)
	require.Equal(t, [][]byte{[]byte("0123456789")}, args)
	require.Zero(t, p.Need())

	// A NUL hides the line end: only reaching the limit can change anything.
	p.SetLimits(Limits{MaxInline: 8})
	_, _, err = p.Parse([]byte("PI\x00NG\n"))
	require.ErrorIs(t, err, ErrNeedMore)
	require.Equal(t, 9, p.Need())
	_, _, err = p.Parse([]byte("PI\x00NG\nxyz"))
	require.EqualError(t, err, errBigInlineReq)
}

func TestParseDoesNotRescanBody(t *testing.T) {
	// After the header, the body is never read: poison it in the buffer
	// passed later and the parser must still return the bytes at the
	// recorded offsets, proving it resumed rather than re-parsed.
	var p Parser
	_, _, err := p.Parse([]byte("*2\r\n$1\r\na\r\n$3\r\n"))
	require.ErrorIs(t, err, ErrNeedMore)
	buf := []byte("*2\r\n$1\r\na\r\n$3\r\nxyz\r\n")
	buf[0] = '#' // would be an inline frame if parsed from scratch
	n, args, err := p.Parse(buf)
	require.NoError(t, err)
	require.Equal(t, len(buf), n)
	require.Equal(t, [][]byte{[]byte("a"), []byte("xyz")}, args)
}

func TestParseArgsAliasBuffer(t *testing.T) {
	var p Parser
	buf := []byte(setCmd)
	_, args, err := p.Parse(buf)
	require.NoError(t, err)
	buf[len("*3\r\n$3\r\n")] = 's'
	require.Equal(t, "sET", string(args[0]), "args are sub-slices of buf, not copies")
}

func TestParseStickyErrorAndReset(t *testing.T) {
	var p Parser
	_, _, err := p.Parse([]byte("*x\r\n"))
	require.EqualError(t, err, errInvalidMultibulk)
	_, _, err2 := p.Parse([]byte(pingCmd))
	require.Equal(t, err, err2, "a protocol error is sticky")

	p.Reset()
	n, args, err := p.Parse([]byte(pingCmd))
	require.NoError(t, err)
	require.Equal(t, len(pingCmd), n)
	require.Equal(t, [][]byte{[]byte("PING")}, args)
}

func TestParseResetDropsPartialFrame(t *testing.T) {
	var p Parser
	_, _, err := p.Parse([]byte("*2\r\n$3\r\nGET\r\n"))
	require.ErrorIs(t, err, ErrNeedMore)
	p.Reset()
	require.Zero(t, p.Need())
	n, args, err := p.Parse([]byte(pingCmd))
	require.NoError(t, err)
	require.Equal(t, len(pingCmd), n)
	require.Equal(t, [][]byte{[]byte("PING")}, args)
}

func TestParseShorterBufferStartsOver(t *testing.T) {
	var p Parser
	_, _, err := p.Parse([]byte("*2\r\n$3\r\nGET\r\n$100\r\n"))
	require.ErrorIs(t, err, ErrNeedMore)
	n, args, err := p.Parse([]byte(pingCmd))
	require.NoError(t, err)
	require.Equal(t, len(pingCmd), n)
	require.Equal(t, [][]byte{[]byte("PING")}, args)
}

func TestProtocolErrorIsTyped(t *testing.T) {
	var p Parser
	_, _, err := p.Parse([]byte("*1\r\n!\r\n"))
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "Protocol error: expected '$', got '!'", pe.Error())
	require.NotErrorIs(t, err, ErrNeedMore)
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false}, {"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false}, {"-99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false},
		{"1.0", 0, false}, {"--1", 0, false}, {"\x00", 0, false},
	} {
		v, ok := parseInt([]byte(tc.in))
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.v, v, "%q", tc.in)
	}
}
