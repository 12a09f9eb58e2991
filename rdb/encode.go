package rdb

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// The Append* functions encode like strconv.Append*: they append to dst and
// return the extended slice, and allocate only when dst must grow.

// AppendHeader appends the file magic and version: "REDIS0010".
func AppendHeader(dst []byte) []byte {
	return append(dst, "REDIS0010"...)
}

// AppendAux appends an AUX field (rdbSaveAuxField). Like Redis, a value that is
// a canonical integer in int32 range is stored integer-encoded (redis-bits,
// ctime, used-mem, aof-base). Aux values are not LZF-compressed: Redis's are
// too short for it, except repl-id whose 40 random hex digits do not compress.
func AppendAux(dst []byte, key, val string) []byte {
	dst = append(dst, OpAux)
	dst = appendPlainString(dst, key)
	return appendPlainString(dst, val)
}

// AppendSelectDB appends SELECTDB db.
func AppendSelectDB(dst []byte, db int) []byte {
	return AppendLen(append(dst, OpSelectDB), uint64(db))
}

// AppendResizeDB appends the RESIZEDB hint: key count and keys-with-TTL count.
func AppendResizeDB(dst []byte, size, expires uint64) []byte {
	return AppendLen(AppendLen(append(dst, OpResizeDB), size), expires)
}

// AppendExpireMs appends EXPIRETIME_MS ms (absolute unix ms) for the next key.
func AppendExpireMs(dst []byte, ms int64) []byte {
	return binary.LittleEndian.AppendUint64(append(dst, OpExpireTimeMs), uint64(ms))
}

// AppendType appends an object type id or opcode.
func AppendType(dst []byte, t byte) []byte { return append(dst, t) }

// AppendIdle writes the LRU idle time in seconds of the next key (RDB_OPCODE_IDLE).
func AppendIdle(dst []byte, seconds uint64) []byte { return AppendLen(append(dst, OpIdle), seconds) }

// AppendFreq writes the LFU counter of the next key (RDB_OPCODE_FREQ).
func AppendFreq(dst []byte, freq uint8) []byte { return append(dst, OpFreq, freq) }

// AppendLen appends n in the RDB length encoding: 6 bits, 14 bits, or a
// 0x80/0x81 marker and 32/64 bits big-endian (rdbSaveLen).
func AppendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14bit<<6, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, len32bit), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, len64bit), n)
}

// AppendString appends s as Redis's rdbSaveRawString does: a canonical decimal
// integer of at most 11 bytes that fits int32 becomes INT8/16/32; otherwise,
// when compress (rdbcompression yes) and len(s) > 20, LZF when that saves at
// least 4 bytes; otherwise the length and the raw bytes. Keys, values and
// collection blobs (listpacks, intsets) all go through it.
func AppendString(dst []byte, s []byte, compress bool) []byte {
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok {
			if d, ok := appendIntEncoded(dst, v); ok {
				return d
			}
		}
	}
	if compress && len(s) > 20 {
		if d, ok := appendLZF(dst, s); ok {
			return d
		}
	}
	return append(AppendLen(dst, uint64(len(s))), s...)
}

// appendPlainString is AppendString without compression, for strings.
func appendPlainString(dst []byte, s string) []byte {
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok {
			if d, ok := appendIntEncoded(dst, v); ok {
				return d
			}
		}
	}
	return append(AppendLen(dst, uint64(len(s))), s...)
}

// AppendInt appends v as a string object holding an integer (Redis's
// rdbSaveLongLongAsStringObject): INT8/16/32 when it fits, else decimal text.
func AppendInt(dst []byte, v int64) []byte {
	if d, ok := appendIntEncoded(dst, v); ok {
		return d
	}
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], v, 10)
	return append(AppendLen(dst, uint64(len(b))), b...)
}

// appendIntEncoded is rdbEncodeInteger: false when v needs more than 32 bits.
func appendIntEncoded(dst []byte, v int64) ([]byte, bool) {
	const enc = lenEnc << 6
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, enc|encInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(dst, enc|encInt16), uint16(v)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(dst, enc|encInt32), uint32(v)), true
	}
	return dst, false
}

// appendLZF is rdbSaveLzfStringObject: it compresses straight into dst's
// spare room (no scratch buffer) and gives up, leaving dst as it was, unless
// the result is at most len(s)-4 bytes.
func appendLZF(dst []byte, s []byte) ([]byte, bool) {
	const maxHdr = 1 + 9 + 9 // 0xC3, compressed length, plain length
	n := len(dst)
	dst = slices.Grow(dst, maxHdr+len(s))
	room := dst[n+maxHdr : n+maxHdr+len(s)-4]
	c := lzfCompress(s, room)
	if c == 0 {
		return dst[:n], false
	}
	var hdr [maxHdr]byte
	h := append(hdr[:0], lenEnc<<6|encLZF)
	h = AppendLen(h, uint64(c))
	h = AppendLen(h, uint64(len(s)))
	dst = dst[:n+len(h)+c]
	copy(dst[n+len(h):], dst[n+maxHdr:n+maxHdr+c]) // memmove down over the gap
	copy(dst[n:], h)
	return dst, true
}

// AppendBinaryDouble appends f as 8 bytes little-endian (ZSET_2 scores).
func AppendBinaryDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// AppendDumpFooter turns dst[start:] (a type id and object, as DUMP writes
// them) into a DUMP payload: it appends the RDB version as 2 bytes LE and the
// CRC-64 of everything from start through the version, 8 bytes LE.
func AppendDumpFooter(dst []byte, start int) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, CRC64(0, dst[start:]))
}

// parseInt is Redis's string2ll: true only for the canonical decimal form of
// an int64 (no sign but '-', no leading zeros, no "-0", no spaces), so that
// the integer prints back as the very same bytes.
func parseInt[S ~string | ~[]byte](s S) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg = true
		i++
		if i == n {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// AppendQuicklistNode appends one RDB_TYPE_LIST_QUICKLIST_2 node holding the
// listpack lp (container PACKED). A list value is AppendLen(node count) and
// then its nodes.
func AppendQuicklistNode(dst []byte, lp *Listpack, compress bool) []byte {
	return AppendString(AppendLen(dst, ContainerPacked), lp.Bytes(), compress)
}

// AppendQuicklistPlainNode appends a PLAIN node: one element on its own, as
// Redis stores elements of 1 GB and more (packed-threshold).
func AppendQuicklistPlainNode(dst []byte, elem []byte, compress bool) []byte {
	return AppendString(AppendLen(dst, ContainerPlain), elem, compress)
}
