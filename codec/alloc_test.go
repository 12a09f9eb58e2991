package codec

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// parseAllocs reports the average allocations of parsing in, on a Parser
// that has parsed it once before (steady state).
func parseAllocs(t *testing.T, in string) float64 {
	t.Helper()
	var p Parser
	buf := []byte(in)
	_, _, err := p.Parse(buf)
	require.NoError(t, err)
	return testing.AllocsPerRun(100, func() {
		for off := 0; off < len(buf); {
			n, _, err := p.Parse(buf[off:])
			if err != nil {
				panic(err)
			}
			off += n
		}
	})
}

func TestParseAllocs(t *testing.T) {
	for name, in := range map[string]string{
		"get":              getCmd,
		"set":              setCmd,
		"inline ping":      "PING\r\n",
		"inline quoted":    "SET \"a b\" 'c\\'d' \"\\x41\"\r\n",
		"pipelined mixed":  strings.Repeat(getCmd+setCmd+"PING\r\n", 16),
		"empty commands":   "*0\r\n\r\n",
		"many args (MSET)": msetCmd((maxKeptArgs - 1) / 2), // 1023 args, all kept
	} {
		require.Zero(t, parseAllocs(t, in), name)
	}
}

// TestParseSplitAllocs: resuming a frame split across reads allocates
// nothing either.
func TestParseSplitAllocs(t *testing.T) {
	var p Parser
	in := []byte(setCmd)
	_, _, err := p.Parse(in)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		for k := 1; k <= len(in); k++ {
			_, _, err := p.Parse(in[:k])
			if k < len(in) && err != ErrNeedMore || k == len(in) && err != nil {
				panic(err)
			}
		}
	})
	require.Zero(t, allocs)
}

func msetCmd(pairs int) string {
	args := []string{"MSET"}
	for i := 0; i < pairs; i++ {
		args = append(args, "key", "value")
	}
	return string(encodeCommand(args))
}

// TestParseDeclaredLengthsCostNothing: the declared sizes of a frame that
// has not arrived reserve no memory, even on a fresh Parser.
func TestParseDeclaredLengthsCostNothing(t *testing.T) {
	for _, in := range []string{
		"*1\r\n$104857600\r\n",       // a 100 MB bulk, header only
		"*1048576\r\n",               // a million arguments, none sent
		"*1048576\r\n$104857600\r\n", // both
	} {
		buf := []byte(in)
		var p Parser
		allocs := testing.AllocsPerRun(100, func() {
			p = Parser{}
			if _, _, err := p.Parse(buf); err != ErrNeedMore {
				panic(err)
			}
		})
		require.Zero(t, allocs, "%q", in)

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < 100; i++ {
			var p Parser
			_, _, err := p.Parse([]byte(in))
			require.ErrorIs(t, err, ErrNeedMore)
		}
		runtime.ReadMemStats(&after)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "%q", in)
	}
}

// TestParseReleasesHugeArgs: after a command with very many arguments the
// Parser does not keep its argument slices for the next command.
func TestParseReleasesHugeArgs(t *testing.T) {
	var p Parser
	_, _, err := p.Parse([]byte(msetCmd(5000)))
	require.NoError(t, err)
	require.Greater(t, cap(p.args), maxKeptArgs)
	_, _, err = p.Parse([]byte(getCmd))
	require.NoError(t, err)
	require.LessOrEqual(t, cap(p.args), maxKeptArgs)
}

func TestWriterAllocs(t *testing.T) {
	dst := make([]byte, 0, 4096)
	val := []byte("some value")
	allocs := testing.AllocsPerRun(100, func() {
		b := dst[:0]
		b = AppendOK(b)
		b = AppendSimple(b, "PONG")
		b = AppendError(b, "ERR syntax error")
		b = AppendInt(b, -12345)
		b = AppendBulk(b, val)
		b = AppendBulkString(b, "str")
		b = AppendBulkInt(b, math.MaxInt64)
		b = AppendArrayHeader(b, 2)
		for _, proto := range []int{RESP2, RESP3} {
			b = AppendNull(b, proto)
			b = AppendNullArray(b, proto)
			b = AppendMapHeader(b, proto, 1)
			b = AppendSetHeader(b, proto, 1)
			b = AppendPushHeader(b, proto, 1)
			b = AppendDouble(b, proto, 0.1)
			b = AppendDouble(b, proto, math.Inf(-1))
			b = AppendBool(b, proto, true)
			b = AppendVerbatim(b, proto, "txt", val)
		}
		b = FormatDouble17g(b, 1e300)
		if len(b) == 0 || &b[0] != &dst[:1][0] {
			panic("buffer moved")
		}
	})
	require.Zero(t, allocs)
}
