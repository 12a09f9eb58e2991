package codec

import (
	"strings"
	"testing"
)

// benchParse parses buf, one command after another, b.N times.
func benchParse(b *testing.B, in string) {
	buf := []byte(in)
	var p Parser
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		for off := 0; off < len(buf); {
			n, _, err := p.Parse(buf[off:])
			if err != nil {
				b.Fatal(err)
			}
			off += n
		}
	}
}

func BenchmarkParseGET(b *testing.B)            { benchParse(b, getCmd) }
func BenchmarkParseSET(b *testing.B)            { benchParse(b, setCmd) }
func BenchmarkParseGETPipelined16(b *testing.B) { benchParse(b, strings.Repeat(getCmd, 16)) }
func BenchmarkParseSETPipelined16(b *testing.B) { benchParse(b, strings.Repeat(setCmd, 16)) }
func BenchmarkParseInlinePING(b *testing.B)     { benchParse(b, "PING\r\n") }
func BenchmarkParseInlineQuoted(b *testing.B)   { benchParse(b, "SET \"a key\" 'a value'\r\n") }
func BenchmarkParseMSET100(b *testing.B)        { benchParse(b, msetCmd(100)) }
func BenchmarkParseSET1KiBValue(b *testing.B) {
	benchParse(b, string(encodeCommand([]string{"SET", "key", strings.Repeat("v", 1024)})))
}

// BenchmarkParseSET1MiBIn16KiBReads: a 1 MiB value arriving in 16 KiB
// reads, with one Parse call per read (65 calls per op). The body is never
// rescanned: calls before the last return at the Need check.
func BenchmarkParseSET1MiBIn16KiBReads(b *testing.B) {
	buf := encodeCommand([]string{"SET", "key", strings.Repeat("v", 1<<20)})
	var p Parser
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		for k := 16 << 10; ; k += 16 << 10 {
			k = min(k, len(buf))
			_, _, err := p.Parse(buf[:k])
			if err == nil {
				break
			}
			if err != ErrNeedMore {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWriteBulk(b *testing.B) {
	dst := make([]byte, 0, 64)
	val := []byte("value")
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendBulk(nil, val))))
	for b.Loop() {
		dst = AppendBulk(dst[:0], val)
	}
}

func BenchmarkWriteBulk1KiB(b *testing.B) {
	dst := make([]byte, 0, 2048)
	val := []byte(strings.Repeat("v", 1024))
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendBulk(nil, val))))
	for b.Loop() {
		dst = AppendBulk(dst[:0], val)
	}
}

func BenchmarkWriteInt(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendInt(nil, 123456))))
	for b.Loop() {
		dst = AppendInt(dst[:0], 123456)
	}
}

func BenchmarkWriteDouble(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendDouble(dst[:0], RESP2, 3.14159)
	}
}
