package rdb

// Listpack (src/listpack.c), the blob behind hash/zset listpack encodings and
// quicklist nodes:
//
//	<total-bytes uint32 LE> <num-elements uint16 LE> <entry>... <0xFF>
//	entry = <encoding+data> <backlen: size of encoding+data, 1..5 bytes>
//
// Entry encodings (first byte):
//
//	0xxxxxxx                 7-bit uint
//	10xxxxxx <data>          string, 6-bit length
//	110xxxxx yyyyyyyy        13-bit int (two's complement)
//	1110xxxx yyyyyyyy <data> string, 12-bit length
//	11110000 <len u32 LE>    string, 32-bit length
//	11110001 / 0010 / 0011 / 0100: int16 / int24 / int32 / int64, LE
//
// num-elements saturates at 65535 ("unknown": count by walking).

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
	lpNumUnknown = 65535
)

// Listpack builds a listpack blob exactly as Redis's lpAppend does, so a
// collection we save is byte-identical to Redis's for the same elements. The
// zero value is an empty listpack; the buffer is reused across Reset calls.
type Listpack struct {
	b []byte // always a complete listpack (header current, 0xFF at the end)
	n int
}

// Reset empties the listpack, keeping its buffer.
func (l *Listpack) Reset() {
	l.b = append(l.b[:0], 0, 0, 0, 0, 0, 0, lpEOF)
	l.n = 0
	l.setHeader()
}

// Len is the number of entries.
func (l *Listpack) Len() int { return l.n }

// Size is the blob size in bytes (what a node-size limit compares against).
func (l *Listpack) Size() int {
	if len(l.b) == 0 {
		return lpHeaderSize + 1
	}
	return len(l.b)
}

// Bytes returns the finished blob. It aliases the builder's buffer: valid
// until the next Reset or Append*.
func (l *Listpack) Bytes() []byte {
	if len(l.b) == 0 {
		l.Reset()
	}
	return l.b
}

// Append adds s like lpAppend: a canonical int64 ("12", "-7", not "012" or
// "+1") is stored as an integer in its smallest encoding, anything else as a
// string.
func (l *Listpack) Append(s []byte) {
	if v, ok := parseInt(s); ok {
		l.AppendInt(v)
		return
	}
	l.begin()
	n := len(s)
	start := len(l.b)
	switch {
	case n < 64:
		l.b = append(l.b, 0x80|byte(n))
	case n < 4096:
		l.b = append(l.b, 0xE0|byte(n>>8), byte(n))
	default:
		l.b = binary.LittleEndian.AppendUint32(append(l.b, 0xF0), uint32(n))
	}
	l.b = append(l.b, s...)
	l.end(start)
}

// AppendInt adds v in the smallest integer encoding (lpEncodeIntegerGetType).
func (l *Listpack) AppendInt(v int64) {
	l.begin()
	start := len(l.b)
	switch {
	case v >= 0 && v <= 127:
		l.b = append(l.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		l.b = append(l.b, 0xC0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		l.b = binary.LittleEndian.AppendUint16(append(l.b, 0xF1), uint16(v))
	case v >= -1<<23 && v <= 1<<23-1:
		u := uint32(v)
		l.b = append(l.b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		l.b = binary.LittleEndian.AppendUint32(append(l.b, 0xF3), uint32(v))
	default:
		l.b = binary.LittleEndian.AppendUint64(append(l.b, 0xF4), uint64(v))
	}
	l.end(start)
}

// AppendScore adds a sorted-set score as Redis 7.0's zzlInsertAt does: the
// d2string text ("%.17g", or the integer when integral and |x| < 2^52, "inf",
// "-inf", "-0") appended with lpAppend, which stores it as an integer when the
// text is a canonical integer (e.g. 2^52 prints as digits: an integer too).
func (l *Listpack) AppendScore(f float64) {
	var buf [32]byte
	l.Append(appendD2String(buf[:0], f))
}

// appendD2String is Redis 7.0's d2string (util.c).
func appendD2String(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	case f > -4503599627370495 && f < 4503599627370496 && f == math.Trunc(f):
		return strconv.AppendInt(dst, int64(f), 10)
	}
	// Go's 'g' with an explicit precision matches C's %.17g: trailing zeros
	// dropped, exponent with at least two digits, same %e/%f switch.
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

func (l *Listpack) begin() {
	if len(l.b) == 0 {
		l.Reset()
	}
	l.b = l.b[:len(l.b)-1] // drop the end byte; end() puts it back
}

func (l *Listpack) end(start int) {
	l.b = appendBacklen(l.b, uint64(len(l.b)-start))
	l.b = append(l.b, lpEOF)
	l.n++
	l.setHeader()
}

func (l *Listpack) setHeader() {
	binary.LittleEndian.PutUint32(l.b[0:], uint32(len(l.b)))
	n := l.n
	if n > lpNumUnknown {
		n = lpNumUnknown
	}
	binary.LittleEndian.PutUint16(l.b[4:], uint16(n))
}

// appendBacklen is lpEncodeBacklen: the entry size, 7 bits per byte, most
// significant first, every byte but the first with the high bit set, so it
// can be read backwards from the next entry. Note the "< 16383" bounds.
func appendBacklen(dst []byte, n uint64) []byte {
	switch {
	case n <= 127:
		return append(dst, byte(n))
	case n < 16383:
		return append(dst, byte(n>>7), byte(n&127)|128)
	case n < 2097151:
		return append(dst, byte(n>>14), byte(n>>7&127)|128, byte(n&127)|128)
	case n < 268435455:
		return append(dst, byte(n>>21), byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
	}
	return append(dst, byte(n>>28), byte(n>>21&127)|128, byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
}

// lpIter walks a listpack blob, validating every entry as it goes (the
// equivalent of lpValidateIntegrity with deep checks).
type lpIter struct {
	b     []byte
	p     int // next entry
	end   int // index of the 0xFF end byte
	count int // header count, or lpNumUnknown
	seen  int
}

var (
	errLPHeader  = errors.New("listpack header does not match its size")
	errLPEntry   = errors.New("listpack entry has an invalid encoding")
	errLPBounds  = errors.New("listpack entry runs past the end")
	errLPBacklen = errors.New("listpack entry has a wrong back-length")
	errLPCount   = errors.New("listpack element count does not match its header")
)

func lpOpen(b []byte) (lpIter, error) {
	if len(b) < lpHeaderSize+1 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != lpEOF {
		return lpIter{}, errLPHeader
	}
	return lpIter{b: b, p: lpHeaderSize, end: len(b) - 1, count: int(binary.LittleEndian.Uint16(b[4:]))}, nil
}

// next returns the next entry: a string (s, a sub-slice of the blob) or an
// integer (isInt). ok is false at the end, after the count was checked.
func (it *lpIter) next() (s []byte, v int64, isInt, ok bool, err error) {
	p, b := it.p, it.b
	if p == it.end {
		if it.count != lpNumUnknown && it.count != it.seen {
			return nil, 0, false, false, errLPCount
		}
		return nil, 0, false, false, nil
	}
	c := b[p]
	var size, hdr int // entry size (encoding+data); header bytes before string data
	strLen := -1
	need := func(n int) bool { return p+n <= it.end }
	switch {
	case c < 0x80:
		v, isInt, size = int64(c), true, 1
	case c&0xC0 == 0x80:
		strLen, hdr = int(c&0x3F), 1
	case c&0xE0 == 0xC0:
		if !need(2) {
			return nil, 0, false, false, errLPBounds
		}
		u := int64(c&0x1F)<<8 | int64(b[p+1])
		v, isInt, size = u<<51>>51, true, 2 // sign-extend 13 bits
	case c&0xF0 == 0xE0:
		if !need(2) {
			return nil, 0, false, false, errLPBounds
		}
		strLen, hdr = int(c&0x0F)<<8|int(b[p+1]), 2
	case c == 0xF0:
		if !need(5) {
			return nil, 0, false, false, errLPBounds
		}
		strLen, hdr = int(binary.LittleEndian.Uint32(b[p+1:])), 5
	case c == 0xF1:
		if !need(3) {
			return nil, 0, false, false, errLPBounds
		}
		v, isInt, size = int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), true, 3
	case c == 0xF2:
		if !need(4) {
			return nil, 0, false, false, errLPBounds
		}
		u := int64(b[p+1]) | int64(b[p+2])<<8 | int64(b[p+3])<<16
		v, isInt, size = u<<40>>40, true, 4
	case c == 0xF3:
		if !need(5) {
			return nil, 0, false, false, errLPBounds
		}
		v, isInt, size = int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), true, 5
	case c == 0xF4:
		if !need(9) {
			return nil, 0, false, false, errLPBounds
		}
		v, isInt, size = int64(binary.LittleEndian.Uint64(b[p+1:])), true, 9
	default:
		return nil, 0, false, false, errLPEntry
	}
	if strLen >= 0 {
		size = hdr + strLen
		if !need(size) {
			return nil, 0, false, false, errLPBounds
		}
		s = b[p+hdr : p+size]
	}
	var bl [5]byte
	back := appendBacklen(bl[:0], uint64(size))
	q := p + size
	if q+len(back) > it.end {
		return nil, 0, false, false, errLPBounds
	}
	if string(b[q:q+len(back)]) != string(back) {
		return nil, 0, false, false, errLPBacklen
	}
	it.p = q + len(back)
	it.seen++
	return s, v, isInt, true, nil
}
