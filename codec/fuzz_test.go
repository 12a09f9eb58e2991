package codec

import (
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// fuzzLimits: the defaults, and tiny limits so short inputs reach every
// limit check.
var fuzzLimits = []Limits{{}, {MaxBulkLen: 16, MaxMultibulk: 4, MaxInline: 12}}

// FuzzParse checks that Parse never panics and that its results do not
// depend on how the input is split into reads: parsed whole, in two halves,
// split at every offset, one byte at a time and in random chunks, the input
// must give the same commands, then the same error or the same number of
// bytes left waiting.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.in) <= 1024 {
			f.Add([]byte(tc.in))
		}
	}
	f.Add([]byte(getCmd + setCmd + "PING\r\n" + "*0\r\n" + "ECHO \"a\\x41\" 'b'\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20\r\n01234567890123456789\r\n"))
	f.Add([]byte("*2\r\n$4\r\nLLEN\r\n$6\r\nmylist\r\n*1\r\n$4\r\nPING\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, l := range fuzzLimits {
			run := func(chunks ...[]byte) outcome {
				var p Parser
				p.SetLimits(l)
				o, bad := drive(&p, chunks)
				if bad != "" {
					t.Fatalf("limits %+v: %s", l, bad)
				}
				return o
			}
			whole := run(in)
			check := func(how string, chunks [][]byte) {
				if got := run(chunks...); !reflect.DeepEqual(got, whole) {
					t.Fatalf("limits %+v, %s:\n got %#v\nwant %#v", l, how, got, whole)
				}
			}
			half := len(in) / 2
			check("two halves", [][]byte{in[:half], in[half:]})
			if len(in) <= 256 {
				for k := 1; k < len(in); k++ {
					check("split at "+strconv.Itoa(k), [][]byte{in[:k], in[k:]})
				}
			}
			if len(in) <= 1024 {
				check("byte by byte", splitEvery(in, 1))
			}
			h := fnv.New64a()
			h.Write(in)
			rng := rand.New(rand.NewPCG(h.Sum64(), 1))
			check("random chunks", randomChunks(rng, in))
			misuse(l, rng, in)
		}
	})
}

// misuse breaks the calling contract on purpose: buffers that shrink, and
// unrelated bytes after a partial frame. Results are unspecified, but Parse
// must not panic, and Reset must bring it back to a clean state.
func misuse(l Limits, rng *rand.Rand, in []byte) {
	var p Parser
	p.SetLimits(l)
	for i := 0; i < 16; i++ {
		a, b := rng.IntN(len(in)+1), rng.IntN(len(in)+1)
		p.Parse(in[min(a, b):max(a, b)])
		p.Need()
		if rng.IntN(4) == 0 {
			p.Reset()
		}
	}
}

// splitEvery cuts b into chunks of n bytes.
func splitEvery(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// randomChunks cuts b into chunks of random size, empty ones included (a
// Parse call with nothing new must change nothing): up to 16 bytes, or up
// to len(b)/32 for long inputs, since feeding copies the pending input on
// every call.
func randomChunks(rng *rand.Rand, b []byte) [][]byte {
	maxChunk := max(16, len(b)/32)
	var out [][]byte
	for len(b) > 0 {
		n := min(rng.IntN(maxChunk+1), len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}
