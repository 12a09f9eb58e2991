package rdb

// LZF as Redis links it (src/lzf_c.c, lzf_d.c, lzfP.h: HLOG 16, VERY_FAST,
// not ULTRA_FAST). The compressor reproduces lzf_compress step for step so the
// bytes we write are the bytes Redis writes for the same input; only the
// decompressor matters for compatibility, but equal output makes files
// comparable byte for byte and lets the tests prove the port against the
// fixtures.
//
// Compressed stream, one token after another:
//
//	000LLLLL <L+1 literal bytes>
//	LLLooooo oooooooo              back reference: L+2 bytes at distance o+1
//	111ooooo LLLLLLLL oooooooo     back reference: L+9 bytes at distance o+1

import (
	"errors"
	"slices"
	"sync"
)

const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3)

	// lzfMaxRatio bounds decompressed/compressed size: the best token is a
	// 3-byte back reference producing 264 bytes. A declared length above it
	// is corrupt, so it is rejected before anything is allocated.
	lzfMaxRatio = 88
)

// lzfTable is lzf's hash table of positions. lzf_compress leaves its table
// uninitialised and rejects slots that do not point inside the input, which is
// what an empty slot means here. Clearing 256 KB for every 21-byte string would
// dominate small-string encoding, so slots hold base+pos+1 and only values
// above base (this call's) count: each call raises base past its input.
type lzfTable struct {
	base uint32
	slot [lzfHSize]uint32
}

var lzfPool = sync.Pool{New: func() any { return new(lzfTable) }}

func lzfIdx(h uint32) uint32 { return ((h >> (3*8 - lzfHLog)) - h*5) & (lzfHSize - 1) }

// lzfCompress compresses in into out and returns the compressed length, or 0
// when the result does not fit in len(out) (lzf_compress's contract: Redis
// passes out_len = len-4 to require a saving of at least 4 bytes).
func lzfCompress(in, out []byte) int {
	inLen, outLen := len(in), len(out)
	if inLen == 0 || outLen == 0 || inLen >= 1<<31 {
		return 0
	}
	t := lzfPool.Get().(*lzfTable)
	defer lzfPool.Put(t)
	if uint64(t.base)+uint64(inLen)+1 >= 1<<32 {
		clear(t.slot[:])
		t.base = 0
	}
	base := t.base
	t.base += uint32(inLen) + 1

	ip, op, lit := 0, 1, 0 // op starts past the first literal run's header
	var hval uint32
	if inLen >= 3 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		h := lzfIdx(hval)
		e := t.slot[h]
		t.slot[h] = base + uint32(ip) + 1
		ref := int(e) - int(base) - 1 // < 0: empty slot
		if e > base && ip-ref-1 < lzfMaxOff && ip+4 < inLen && ref > 0 &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			off := ip - ref - 1
			n := 2
			maxlen := inLen - ip - n
			if maxlen > lzfMaxRef {
				maxlen = lzfMaxRef
			}
			out[op-lit-1] = byte(lit - 1) // stop run
			if lit == 0 {
				op-- // undo the empty run
			}
			if op+3+1 >= outLen {
				return 0
			}
			n = lzfMatch(in, ref, ip, n, maxlen)
			n -= 2 // the token stores length-2
			ip++
			if n < 7 {
				out[op] = byte(off>>8 + n<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(n - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += n + 1
			if ip >= inLen-2 {
				break
			}
			// VERY_FAST: hash the last two positions of the match.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			t.slot[lzfIdx(hval)] = base + uint32(ip) + 1
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			t.slot[lzfIdx(hval)] = base + uint32(ip) + 1
			ip++
			continue
		}
		if op >= outLen {
			return 0
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen { // at most 3 bytes can be missing here
		return 0
	}
	for ip < inLen {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end run
	if lit == 0 {
		op--
	}
	return op
}

// lzfMatch extends a 3-byte match at ref/ip exactly as lzf_compress does,
// including its 16-byte unrolled probe that may overshoot maxlen by 2 (the
// overshoot is real matching input: the probe only runs when 17+ bytes remain).
func lzfMatch(in []byte, ref, ip, n, maxlen int) int {
	if maxlen > 16 {
		for k := 0; k < 16; k++ {
			n++
			if in[ref+n] != in[ip+n] {
				return n
			}
		}
	}
	for {
		n++
		if !(n < maxlen && in[ref+n] == in[ip+n]) {
			return n
		}
	}
}

var (
	errLZFShort = errors.New("LZF data truncated")
	errLZFBig   = errors.New("LZF data expands past its declared length")
	errLZFRef   = errors.New("LZF back reference before start of data")
	errLZFLen   = errors.New("LZF data shorter than its declared length")
)

// lzfDecompress appends the decompression of in to dst; it must produce
// exactly outLen bytes. Allocation is bounded by lzfMaxRatio*len(in).
func lzfDecompress(dst, in []byte, outLen int) ([]byte, error) {
	if outLen < 0 || outLen > len(in)*lzfMaxRatio {
		return dst, errLZFBig
	}
	start := len(dst)
	dst = slices.Grow(dst, outLen)
	limit := start + outLen
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			n := ctrl + 1
			if len(dst)+n > limit {
				return dst, errLZFBig
			}
			if ip+n > len(in) {
				return dst, errLZFShort
			}
			dst = append(dst, in[ip:ip+n]...)
			ip += n
			continue
		}
		n := ctrl >> 5
		if ip >= len(in) {
			return dst, errLZFShort
		}
		if n == 7 {
			n += int(in[ip])
			ip++
			if ip >= len(in) {
				return dst, errLZFShort
			}
		}
		ref := len(dst) - (ctrl&0x1f)<<8 - 1 - int(in[ip])
		ip++
		n += 2
		if len(dst)+n > limit {
			return dst, errLZFBig
		}
		if ref < start {
			return dst, errLZFRef
		}
		if ref+n <= len(dst) {
			dst = append(dst, dst[ref:ref+n]...)
		} else {
			for k := 0; k < n; k++ { // overlapping: a run repeating itself
				dst = append(dst, dst[ref+k])
			}
		}
	}
	if len(dst) != limit {
		return dst, errLZFLen
	}
	return dst, nil
}
