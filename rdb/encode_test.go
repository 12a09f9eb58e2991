package rdb

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendLen(t *testing.T) {
	for _, c := range []struct {
		n   uint64
		hex string
	}{
		{0, "00"}, {63, "3f"}, {64, "4040"}, {16383, "7fff"}, {16384, "8000004000"},
		{math.MaxUint32, "80ffffffff"}, {math.MaxUint32 + 1, "810000000100000000"},
	} {
		b := AppendLen(nil, c.n)
		assert.Equal(t, c.hex, hexString(b), "%d", c.n)
		d := &decoder{r: bufioReader(b)}
		n, err := d.readLen()
		require.NoError(t, err)
		assert.Equal(t, c.n, n)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestAppendString(t *testing.T) {
	for _, c := range []struct{ in, hex string }{
		{"0", "c000"}, {"-128", "c080"}, {"127", "c07f"}, {"128", "c18000"}, {"-32768", "c10080"},
		{"32768", "c200800000"}, {"2147483647", "c2ffffff7f"}, {"-2147483648", "c200000080"},
		{"2147483648", "0a32313437343833363438"}, // outside int32: text
		{"007", "03303037"}, {"+1", "022b31"}, {"-0", "022d30"}, {" 1", "022031"}, {"", "00"},
	} {
		assert.Equal(t, c.hex, hexString(AppendString(nil, []byte(c.in), true)), "%q", c.in)
		d := &decoder{r: bufioReader(AppendString(nil, []byte(c.in), true))}
		s, err := d.readString(nil)
		require.NoError(t, err)
		assert.Equal(t, c.in, string(s))
	}
	// LZF only above 20 bytes and only with a 4-byte gain.
	rep20 := strings.Repeat("a", 20)
	assert.Equal(t, byte(20), AppendString(nil, []byte(rep20), true)[0])
	rep21 := strings.Repeat("a", 21)
	assert.Equal(t, byte(0xC3), AppendString(nil, []byte(rep21), true)[0])
	assert.Equal(t, byte(21), AppendString(nil, []byte(rep21), false)[0])
	random := make([]byte, 100)
	for i := range random {
		random[i] = byte(i * 37 % 251)
	}
	assert.Equal(t, "4064", hexString(AppendString(nil, random, true)[:2]), "incompressible stays raw")
	// Appending after existing content keeps it.
	b := AppendString([]byte("prefix"), []byte(strings.Repeat("xy", 50)), true)
	assert.Equal(t, "prefix", string(b[:6]))
	d := &decoder{r: bufioReader(b[6:])}
	s, err := d.readString(nil)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("xy", 50), string(s))
}

func TestAppendAuxLikeRedis(t *testing.T) {
	// Bytes of the AUX fields at the start of expiry.rdb (redis-bits is INT8,
	// ctime/used-mem INT32).
	data := readFixture(t, "expiry.rdb")
	m := readManifest(t, "expiry.json")
	b := AppendHeader(nil)
	for _, k := range []string{"redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"} {
		b = AppendAux(b, k, m.File.Aux[k])
	}
	assert.Equal(t, data[:len(b)], b)
}

func TestListpackEncodings(t *testing.T) {
	for _, c := range []struct {
		in  string
		hex string // the entry with its back-length
	}{
		{"0", "0001"}, {"127", "7f01"}, {"128", "c08002"}, {"-1", "dfff02"}, {"-4096", "d00002"}, {"4095", "cfff02"},
		{"4096", "f1001003"}, {"-32768", "f1008003"}, {"32768", "f200800004"}, {"-8388608", "f200008004"},
		{"8388608", "f30000800005"}, {"-2147483648", "f30000008005"}, {"2147483648", "f4000000800000000009"},
		{"-9223372036854775808", "f4000000000000008009"}, {"a", "816102"}, {"", "8001"},
		{"9223372036854775808", "93" + hexString([]byte("9223372036854775808")) + "14"}, // beyond int64: a string
	} {
		var lp Listpack
		lp.Append([]byte(c.in))
		b := lp.Bytes()
		assert.Equal(t, c.hex, hexString(b[lpHeaderSize:len(b)-1]), "%q", c.in)
		assert.Equal(t, uint32(len(b)), binary.LittleEndian.Uint32(b))
		assert.Equal(t, uint16(1), binary.LittleEndian.Uint16(b[4:]))
		it, err := lpOpen(b)
		require.NoError(t, err)
		s, v, isInt, ok, err := it.next()
		require.NoError(t, err)
		require.True(t, ok)
		if isInt {
			s = strconv.AppendInt(nil, v, 10)
		}
		assert.Equal(t, c.in, string(s))
	}
	// String length classes and back-length sizes, incl. the "< 16383" edge.
	for _, n := range []int{63, 64, 4095, 4096, 16377, 16378, 16379, 2097140, 2097150} {
		var lp Listpack
		lp.Append(bytes.Repeat([]byte{'s'}, n))
		it, err := lpOpen(lp.Bytes())
		require.NoError(t, err)
		s, _, _, ok, err := it.next()
		require.NoError(t, err, n)
		require.True(t, ok)
		assert.Len(t, s, n)
	}
	// The header count saturates at 65535.
	var lp Listpack
	for i := 0; i < 70000; i++ {
		lp.AppendInt(int64(i % 100))
	}
	assert.Equal(t, 70000, lp.Len())
	assert.Equal(t, uint16(65535), binary.LittleEndian.Uint16(lp.Bytes()[4:]))
	it, err := lpOpen(lp.Bytes())
	require.NoError(t, err)
	n := 0
	for {
		_, _, _, ok, err := it.next()
		require.NoError(t, err)
		if !ok {
			break
		}
		n++
	}
	assert.Equal(t, 70000, n)
	lp.Reset()
	assert.Equal(t, []byte{7, 0, 0, 0, 0, 0, 0xFF}, lp.Bytes())
}

func TestScoreText(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1"}, {-2.5, "-2.5"}, {0.1, "0.10000000000000001"}, {math.Pi, "3.1415926535897931"},
		{1e-300, "1e-300"}, {math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {0, "0"}, {math.Copysign(0, -1), "-0"},
		{4503599627370495, "4503599627370495"}, {4503599627370496, "4503599627370496"},
		{1e17, "1e+17"}, {1.5e16, "15000000000000000"}, {-15000000000, "-15000000000"}, {1e-5, "1.0000000000000001e-05"},
	} {
		assert.Equal(t, c.want, string(appendD2String(nil, c.f)), "%v", c.f)
	}
}

func TestIntset(t *testing.T) {
	for _, c := range []struct {
		in    []int64
		width uint32
	}{
		{[]int64{-32768, 0, 32767}, 2}, {[]int64{-32769, 1}, 4}, {[]int64{1, 2147483647}, 4},
		{[]int64{math.MinInt64, 0}, 8}, {[]int64{1, 2147483648}, 8}, {nil, 2},
	} {
		b := AppendIntset(nil, c.in)
		assert.Equal(t, c.width, binary.LittleEndian.Uint32(b))
		var got []int64
		require.NoError(t, intsetEach(b, func(v int64) { got = append(got, v) }))
		assert.Equal(t, c.in, got)
	}
	assert.Error(t, intsetEach(AppendIntset(nil, []int64{2, 1}), func(int64) {}), "unsorted")
	assert.Error(t, intsetEach(AppendIntset(nil, []int64{1, 1}), func(int64) {}), "duplicate")
	bad := AppendIntset(nil, []int64{1, 2})
	bad[0] = 3
	assert.Error(t, intsetEach(bad, func(int64) {}), "width 3")
	assert.Error(t, intsetEach(AppendIntset(nil, []int64{1, 2})[:11], func(int64) {}), "short")
}

func TestLZFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]byte, 0, 1<<20)
	for i := 0; i < 2000; i++ {
		n := rng.IntN(1 << uint(rng.IntN(17)+1))
		in := make([]byte, n)
		alphabet := 1 + rng.IntN(255)
		for j := range in {
			if j > 8 && rng.IntN(4) == 0 { // repeats at random distances
				k := rng.IntN(j)
				in[j] = in[k]
			} else {
				in[j] = byte(rng.IntN(alphabet))
			}
		}
		comp := make([]byte, n+n/16+64) // lzf's worst case is n + n/32 + 1
		c := lzfCompress(in, comp)
		if n > 0 {
			require.Positive(t, c, "len %d", n)
		}
		got, err := lzfDecompress(out[:0], comp[:c], n)
		require.NoError(t, err, "len %d", n)
		require.Equal(t, in, got)
		// Too small an output buffer: 0, never a panic.
		if c > 4 {
			assert.Zero(t, lzfCompress(in, comp[:c-1]))
		}
		// Wrong declared lengths are refused.
		if n > 0 {
			_, err = lzfDecompress(nil, comp[:c], n-1)
			assert.Error(t, err)
			_, err = lzfDecompress(nil, comp[:c], n+1)
			assert.Error(t, err)
		}
	}
	// Garbage never panics.
	for i := 0; i < 5000; i++ {
		in := make([]byte, rng.IntN(40))
		for j := range in {
			in[j] = byte(rng.Uint32())
		}
		lzfDecompress(nil, in, rng.IntN(200))
	}
	_, err := lzfDecompress(nil, []byte{0x20, 0x00}, 3)
	assert.Error(t, err, "back reference before the start")
	_, err = lzfDecompress(nil, []byte{0x00}, 1000)
	assert.Error(t, err, "length beyond 88x")
}

func TestWriterLargeWrites(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	big := bytes.Repeat([]byte("0123456789"), 30000)
	want := AppendHeader(nil)
	w.Write(AppendHeader(nil))
	for i := 0; i < 5; i++ {
		w.Write(big[:i*40000+1])
		want = append(want, big[:i*40000+1]...)
	}
	require.NoError(t, w.Finish(true))
	want = append(want, OpEOF)
	want = binary.LittleEndian.AppendUint64(want, CRC64(0, want))
	assert.Equal(t, want, out.Bytes())
	assert.Equal(t, int64(len(want)), w.Written())

	out.Reset()
	w = NewWriter(&out)
	w.Write(AppendHeader(nil))
	require.NoError(t, w.Finish(false))
	assert.Equal(t, "REDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00", out.String())
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errStop
	}
	return len(p), nil
}

func TestWriterError(t *testing.T) {
	w := NewWriter(&failWriter{n: 100})
	_, err := w.Write(make([]byte, 200<<10))
	require.ErrorIs(t, err, errStop)
	_, err = w.Write([]byte("x"))
	require.ErrorIs(t, err, errStop, "sticky")
	require.ErrorIs(t, w.Finish(true), errStop)
}

func TestZeroAllocs(t *testing.T) {
	dst := make([]byte, 0, 1<<16)
	s := []byte(strings.Repeat("hello world ", 20))
	var lp Listpack
	lp.Reset()
	for i := 0; i < 100; i++ {
		lp.Append(s)
	}
	for name, f := range map[string]func(){
		"AppendString/lzf": func() { dst = AppendString(dst[:0], s, true) },
		"AppendString/int": func() { dst = AppendString(dst[:0], []byte("12345"), true) },
		"AppendLen":        func() { dst = AppendLen(dst[:0], 1<<40) },
		"AppendAux":        func() { dst = AppendAux(dst[:0], "ctime", "1795948708") },
		"Listpack": func() {
			lp.Reset()
			lp.Append(s[:30])
			lp.Append([]byte("-123"))
			lp.AppendScore(math.Pi)
			lp.AppendScore(3)
		},
		"CRC64": func() { CRC64(0, s) },
	} {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
}

func BenchmarkCRC64(b *testing.B) {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		CRC64(0, buf)
	}
}

func BenchmarkAppendString(b *testing.B) {
	for _, c := range []struct {
		name string
		s    []byte
	}{
		{"int", []byte("123456")},
		{"raw16", []byte("0123456789abcdef")},
		{"lzf1k", bytes.Repeat([]byte("some text that repeats "), 45)},
	} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 4096)
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				dst = AppendString(dst[:0], c.s, true)
			}
		})
	}
}

func BenchmarkListpack(b *testing.B) {
	elems := make([][]byte, 128)
	for i := range elems {
		if i%2 == 0 {
			elems[i] = []byte("field:" + strconv.Itoa(i))
		} else {
			elems[i] = []byte(strconv.Itoa(i * 1000))
		}
	}
	var lp Listpack
	b.ReportAllocs()
	for b.Loop() {
		lp.Reset()
		for _, e := range elems {
			lp.Append(e)
		}
		_ = lp.Bytes()
	}
}

func BenchmarkLoadMixed(b *testing.B) {
	data := readFixture(b, "mixed.rdb")
	h := nopHandler{}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(bufioReader(data), h, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

type nopHandler struct{}

func (nopHandler) Aux(k, v []byte) error                { return nil }
func (nopHandler) ResizeDB(int, uint64, uint64) error   { return nil }
func (nopHandler) Key(int, []byte, int64, *Value) error { return nil }
func (nopHandler) Function([]byte) error                { return nil }
