package codec

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriter(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"ok", AppendOK(nil), "+OK\r\n"},
		{"simple", AppendSimple(nil, "PONG"), "+PONG\r\n"},
		{"simple empty", AppendSimple(nil, ""), "+\r\n"},
		{"simple crlf sanitized", AppendSimple(nil, "a\r\nb"), "+a  b\r\n"},
		{"error", AppendError(nil, "ERR syntax error"), "-ERR syntax error\r\n"},
		{"error wrongtype", AppendError(nil, "WRONGTYPE Operation against a key holding the wrong kind of value"),
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"error dash not doubled", AppendError(nil, "-ERR x"), "-ERR x\r\n"},
		{"error crlf sanitized", AppendError(nil, "ERR bad\r\nthing\n"), "-ERR bad  thing \r\n"},
		{"int", AppendInt(nil, 42), ":42\r\n"},
		{"int zero", AppendInt(nil, 0), ":0\r\n"},
		{"int negative", AppendInt(nil, -7), ":-7\r\n"},
		{"int min", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"int max", AppendInt(nil, math.MaxInt64), ":9223372036854775807\r\n"},
		{"bulk", AppendBulk(nil, []byte("hello")), "$5\r\nhello\r\n"},
		{"bulk empty", AppendBulk(nil, []byte{}), "$0\r\n\r\n"},
		{"bulk nil is empty", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk binary", AppendBulk(nil, []byte("a\r\n\x00")), "$4\r\na\r\n\x00\r\n"},
		{"bulk string", AppendBulkString(nil, "hi"), "$2\r\nhi\r\n"},
		{"bulk int", AppendBulkInt(nil, 1234), "$4\r\n1234\r\n"},
		{"bulk int min", AppendBulkInt(nil, math.MinInt64), "$20\r\n-9223372036854775808\r\n"},
		{"array header", AppendArrayHeader(nil, 3), "*3\r\n"},
		{"array header empty", AppendArrayHeader(nil, 0), "*0\r\n"},
		{"appends to dst", AppendInt([]byte("+OK\r\n"), 1), "+OK\r\n:1\r\n"},

		{"null resp2", AppendNull(nil, RESP2), "$-1\r\n"},
		{"null resp3", AppendNull(nil, RESP3), "_\r\n"},
		{"null array resp2", AppendNullArray(nil, RESP2), "*-1\r\n"},
		{"null array resp3", AppendNullArray(nil, RESP3), "_\r\n"},
		{"map resp2", AppendMapHeader(nil, RESP2, 3), "*6\r\n"},
		{"map resp3", AppendMapHeader(nil, RESP3, 3), "%3\r\n"},
		{"set resp2", AppendSetHeader(nil, RESP2, 2), "*2\r\n"},
		{"set resp3", AppendSetHeader(nil, RESP3, 2), "~2\r\n"},
		{"push resp2", AppendPushHeader(nil, RESP2, 3), "*3\r\n"},
		{"push resp3", AppendPushHeader(nil, RESP3, 3), ">3\r\n"},
		{"bool true resp2", AppendBool(nil, RESP2, true), ":1\r\n"},
		{"bool false resp2", AppendBool(nil, RESP2, false), ":0\r\n"},
		{"bool true resp3", AppendBool(nil, RESP3, true), "#t\r\n"},
		{"bool false resp3", AppendBool(nil, RESP3, false), "#f\r\n"},
		{"verbatim resp2", AppendVerbatim(nil, RESP2, "txt", []byte("hi\r\n")), "$4\r\nhi\r\n\r\n"},
		{"verbatim resp3", AppendVerbatim(nil, RESP3, "txt", []byte("hi\r\n")), "=8\r\ntxt:hi\r\n\r\n"},
		{"verbatim resp3 short format", AppendVerbatim(nil, RESP3, "md", []byte("x")), "=5\r\nmd :x\r\n"},
		{"verbatim resp3 long format", AppendVerbatim(nil, RESP3, "markdown", nil), "=4\r\nmar:\r\n"},

		{"double 1.5 resp2", AppendDouble(nil, RESP2, 1.5), "$3\r\n1.5\r\n"},
		{"double 1.5 resp3", AppendDouble(nil, RESP3, 1.5), ",1.5\r\n"},
		{"double 0.1 resp2", AppendDouble(nil, RESP2, 0.1), "$19\r\n0.10000000000000001\r\n"},
		{"double 0.1 resp3", AppendDouble(nil, RESP3, 0.1), ",0.10000000000000001\r\n"},
		{"double 1e300 resp2", AppendDouble(nil, RESP2, 1e300), "$23\r\n1.0000000000000001e+300\r\n"},
		{"double 1e300 resp3", AppendDouble(nil, RESP3, 1e300), ",1.0000000000000001e+300\r\n"},
		{"double 3 resp2", AppendDouble(nil, RESP2, 3.0), "$1\r\n3\r\n"},
		{"double 3 resp3", AppendDouble(nil, RESP3, 3.0), ",3\r\n"},
		{"double inf resp2", AppendDouble(nil, RESP2, math.Inf(1)), "$3\r\ninf\r\n"},
		{"double inf resp3", AppendDouble(nil, RESP3, math.Inf(1)), ",inf\r\n"},
		{"double -inf resp2", AppendDouble(nil, RESP2, math.Inf(-1)), "$4\r\n-inf\r\n"},
		{"double -inf resp3", AppendDouble(nil, RESP3, math.Inf(-1)), ",-inf\r\n"},
		{"double -0 resp3", AppendDouble(nil, RESP3, math.Copysign(0, -1)), ",-0\r\n"},
		{"double 1e17 resp3", AppendDouble(nil, RESP3, 1e17), ",1e+17\r\n"},
		{"double longest resp2", AppendDouble(nil, RESP2, -2.2250738585072014e-308),
			"$24\r\n-2.2250738585072014e-308\r\n"},
	} {
		require.Equal(t, strconv.Quote(tc.want), strconv.Quote(string(tc.got)), tc.name)
	}
}

// TestFormatDouble17gGlibc compares FormatDouble17g with glibc's
// printf("%.17g") over testdata/double17g.txt: special values, powers of ten
// across the whole range, subnormals, and random bit patterns, integers and
// decimals.
func TestFormatDouble17gGlibc(t *testing.T) {
	f, err := os.Open("testdata/double17g.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		hex, want, ok := strings.Cut(line, " ")
		require.True(t, ok, line)
		bits, err := strconv.ParseUint(hex, 16, 64)
		require.NoError(t, err, line)
		require.Equal(t, want, string(FormatDouble17g(nil, math.Float64frombits(bits))), "bits %s", hex)
		n++
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 1000)
}

func TestFormatDouble17gNaN(t *testing.T) {
	// glibc prints any NaN as "nan", or "-nan" with the sign bit set,
	// whatever the payload.
	for bits, want := range map[uint64]string{
		0x7ff8000000000000: "nan",
		0x7ff0000000000001: "nan",
		0x7fffffffffffffff: "nan",
		0xfff8000000000000: "-nan",
		0xfff0000000000001: "-nan",
	} {
		require.Equal(t, want, string(FormatDouble17g(nil, math.Float64frombits(bits))), "%x", bits)
	}
	require.Equal(t, ",nan\r\n", string(AppendDouble(nil, RESP3, math.NaN())))
}

// TestWriterRoundTrip parses what the writer produced as a request: the
// same framing, so bulk strings written by AppendBulk come back intact.
func TestWriterRoundTrip(t *testing.T) {
	vals := []string{"", "a", "a\r\nb", strings.Repeat("z", 70000), "\x00\xff"}
	out := AppendArrayHeader(nil, len(vals))
	for _, v := range vals {
		out = AppendBulkString(out, v)
	}
	var p Parser
	n, args, err := p.Parse(out)
	require.NoError(t, err)
	require.Equal(t, len(out), n)
	require.Len(t, args, len(vals))
	for i, v := range vals {
		require.Equal(t, v, string(args[i]))
	}
}
