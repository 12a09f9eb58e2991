package rdb

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Encoders for the pre-7.0 formats, test-only: Redis 7.0 never writes them
// but loads them, and so must we. redis-server is the oracle for both.

// buildZiplist encodes like ziplist.c's __ziplistInsert at the tail.
func buildZiplist(elems []string) []byte {
	var body []byte
	prev, last := 0, zlHeaderSize
	for _, e := range elems {
		off := zlHeaderSize + len(body)
		start := len(body)
		if prev < zlBigPrevlen {
			body = append(body, byte(prev))
		} else {
			body = binary.LittleEndian.AppendUint32(append(body, zlBigPrevlen), uint32(prev))
		}
		if v, ok := parseInt(e); ok {
			switch {
			case v >= 0 && v <= 12:
				body = append(body, 0xF1+byte(v))
			case v >= math.MinInt8 && v <= math.MaxInt8:
				body = append(body, 0xFE, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				body = binary.LittleEndian.AppendUint16(append(body, 0xC0), uint16(v))
			case v >= -1<<23 && v < 1<<23:
				body = append(body, 0xF0, byte(v), byte(v>>8), byte(v>>16))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				body = binary.LittleEndian.AppendUint32(append(body, 0xD0), uint32(v))
			default:
				body = binary.LittleEndian.AppendUint64(append(body, 0xE0), uint64(v))
			}
		} else {
			switch n := len(e); {
			case n < 64:
				body = append(body, byte(n))
			case n < 16384:
				body = append(body, 0x40|byte(n>>8), byte(n))
			default:
				body = binary.BigEndian.AppendUint32(append(body, 0x80), uint32(n))
			}
			body = append(body, e...)
		}
		prev, last = len(body)-start, off
	}
	zl := binary.LittleEndian.AppendUint32(nil, uint32(zlHeaderSize+len(body)+1))
	zl = binary.LittleEndian.AppendUint32(zl, uint32(last))
	zl = binary.LittleEndian.AppendUint16(zl, uint16(min(len(elems), zlNumUnknown)))
	return append(append(zl, body...), zlEnd)
}

func buildZipmap(kv []string) []byte {
	zm := []byte{byte(min(len(kv)/2, 254))}
	putLen := func(n int) {
		if n < 254 {
			zm = append(zm, byte(n))
		} else {
			zm = binary.LittleEndian.AppendUint32(append(zm, 254), uint32(n))
		}
	}
	for i := 0; i < len(kv); i += 2 {
		putLen(len(kv[i]))
		zm = append(zm, kv[i]...)
		putLen(len(kv[i+1]))
		zm = append(zm, 3) // free bytes after the value, as an update leaves them
		zm = append(zm, kv[i+1]...)
		zm = append(zm, 0, 0, 0)
	}
	return append(zm, 0xFF)
}

func appendDoubleV1(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, 254)
	case math.IsInf(f, -1):
		return append(b, 255)
	}
	s := strconv.FormatFloat(f, 'g', 17, 64)
	return append(append(b, byte(len(s))), s...)
}

func ss(s ...string) []string { return s }

func legacyFile(version int) ([]byte, dataset) {
	want := dataset{}
	b := []byte("REDIS" + strings.Repeat("0", 4-len(strconv.Itoa(version))) + strconv.Itoa(version))
	b = AppendSelectDB(b, 0)
	str := func(s string) []byte { return AppendString(b[:0:0], []byte(s), false) }
	key := func(t byte, k string) { b = append(append(b, t), str(k)...) }

	list := ss("a", "1", "-300", "70000", "9000000000", strings.Repeat("x", 300), "")
	key(TypeList, "old:list")
	b = AppendLen(b, uint64(len(list)))
	for _, e := range list {
		b = append(b, str(e)...)
	}
	want.put(0, "old:list", entry{Type: "list", Value: list})

	key(TypeZSet, "old:zset")
	b = AppendLen(b, 4)
	b = appendDoubleV1(append(b, str("a")...), 1.5)
	b = appendDoubleV1(append(b, str("b")...), math.Inf(1))
	b = appendDoubleV1(append(b, str("c")...), math.Inf(-1))
	b = appendDoubleV1(append(b, str("d")...), -0.1)
	want.put(0, "old:zset", entry{Type: "zset", Value: canonical("zset", ss("a\x001.5", "b\x00+Inf", "c\x00-Inf", "d\x00-0.1"))})

	hash := ss("f1", "v1", "f2", "12", "long", strings.Repeat("L", 300))
	key(TypeHashZipmap, "old:zipmap")
	b = append(b, str(string(buildZipmap(hash)))...)
	want.put(0, "old:zipmap", entry{Type: "hash", Value: canonical("hash", ss("f1\x00v1", "f2\x0012", "long\x00"+strings.Repeat("L", 300)))})

	// EXPIRETIME in seconds (RDB < 3 wrote it) on the ziplist list.
	b = binary.LittleEndian.AppendUint32(append(b, OpExpireTime), 2000000000)
	key(TypeListZiplist, "old:ziplist")
	zlist := ss("1", "12", "13", "-1", "127", "-129", "40000", "-8388608", "2147483647", "-9223372036854775808", "s", strings.Repeat("m", 100), strings.Repeat("M", 17000))
	b = append(b, str(string(buildZiplist(zlist)))...)
	want.put(0, "old:ziplist", entry{Type: "list", Expire: 2000000000000, Value: zlist})

	key(TypeZSetZiplist, "old:zsetzl")
	b = append(b, str(string(buildZiplist(ss("m1", "1", "m2", "2.5", "m3", "inf"))))...)
	want.put(0, "old:zsetzl", entry{Type: "zset", Value: canonical("zset", ss("m1\x001", "m2\x002.5", "m3\x00+Inf"))})

	key(TypeHashZiplist, "old:hashzl")
	b = append(b, str(string(buildZiplist(ss("a", "1", "b", "two"))))...)
	want.put(0, "old:hashzl", entry{Type: "hash", Value: canonical("hash", ss("a\x001", "b\x00two"))})

	key(TypeListQuicklist, "old:quicklist")
	b = AppendLen(b, 2)
	b = append(b, str(string(buildZiplist(ss("n1a", "n1b"))))...)
	b = append(b, str(string(buildZiplist(ss("n2a", "7"))))...)
	want.put(0, "old:quicklist", entry{Type: "list", Value: ss("n1a", "n1b", "n2a", "7")})

	key(TypeSet, "old:set")
	b = AppendLen(b, 2)
	b = append(append(b, str("x")...), str("y")...)
	want.put(0, "old:set", entry{Type: "set", Value: ss("x", "y")})

	key(TypeHash, "old:hash")
	b = AppendLen(b, 1)
	b = append(append(b, str("k")...), str("v")...)
	want.put(0, "old:hash", entry{Type: "hash", Value: ss("k\x00v")})

	b = append(b, OpEOF)
	if version >= 5 {
		b = binary.LittleEndian.AppendUint64(b, CRC64(0, b))
	}
	return b, want
}

func TestLegacyTypes(t *testing.T) {
	for _, version := range []int{4, 6, 9} {
		data, want := legacyFile(version)
		c, info, err := loadBytes(t, data, Options{})
		require.NoError(t, err, "version %d", version)
		assert.Equal(t, version, info.Version)
		assert.Equal(t, int64(len(data)), info.Bytes)
		diffDatasets(t, want, c.ds)
	}
}

// redis-server 7.0 agrees with our reading of the legacy encodings.
func TestLegacyTypesRedis(t *testing.T) {
	data, want := legacyFile(9)
	live := liveDataset(t, data)
	diffDatasets(t, want, live.ds)
}

func TestZiplistCorrupt(t *testing.T) {
	zl := buildZiplist(ss("a", "b", "300"))
	for i := range zl {
		for _, x := range []byte{1, 0x40, 0xFF} {
			bad := append([]byte{}, zl...)
			bad[i] ^= x
			it, err := zlOpen(bad)
			for err == nil {
				var ok bool
				_, _, _, ok, err = it.next()
				if !ok {
					break
				}
			}
			// Layout: header 0-9; "a" at 10-12, "b" at 13-15, 300 at 16-19
			// (int16). Data bytes may change freely, and 0x01^0xFF = 0xFE
			// turns a 1-byte string into an int8 of the same size: only
			// those changes keep a valid structure.
			data := i == 12 || i == 15 || i == 18 || i == 19
			sameSize := x == 0xFF && (i == 11 || i == 14)
			if err == nil && !data && !sameSize {
				t.Errorf("flip %#x at %d not detected", x, i)
			}
		}
	}
}
