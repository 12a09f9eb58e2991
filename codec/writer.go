package codec

import (
	"math"
	"strconv"
)

// Protocol versions, as negotiated by HELLO. Functions taking a proto
// argument write RESP3 types when proto >= RESP3 and their RESP2
// equivalents otherwise.
const (
	RESP2 = 2
	RESP3 = 3
)

// The Append functions encode one reply (or an aggregate header) at the end
// of dst and return the extended slice, like strconv.Append*. They allocate
// only when dst must grow.

// AppendOK appends "+OK\r\n".
func AppendOK(dst []byte) []byte { return append(dst, "+OK\r\n"...) }

// AppendSimple appends the simple string "+s\r\n". CR and LF in s become
// spaces, so the reply stays one line.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = appendLine(dst, s)
	return append(dst, '\r', '\n')
}

// AppendError appends the error "-msg\r\n". msg carries its own code
// ("ERR ...", "WRONGTYPE ..."); a leading '-' in msg is not doubled. CR and
// LF in msg become spaces, as in Redis's addReplyErrorFormat.
func AppendError(dst []byte, msg string) []byte {
	if len(msg) == 0 || msg[0] != '-' {
		dst = append(dst, '-')
	}
	dst = appendLine(dst, msg)
	return append(dst, '\r', '\n')
}

// appendLine appends s with CR and LF replaced by spaces.
func appendLine(dst []byte, s string) []byte {
	n := len(dst)
	dst = append(dst, s...)
	for i := n; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return dst
}

// AppendInt appends the integer reply ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	return appendPrefixed(dst, ':', n)
}

// appendPrefixed appends prefix, n in decimal and CRLF: the shape of integer
// replies and of every length header.
func appendPrefixed(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends b as the bulk string "$len\r\nb\r\n". A nil b is an
// empty bulk string, not a null; use AppendNull for that.
func AppendBulk(dst, b []byte) []byte {
	dst = appendPrefixed(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends s as a bulk string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendPrefixed(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends n in decimal as a bulk string ("$2\r\n42\r\n").
func AppendBulkInt(dst []byte, n int64) []byte {
	var tmp [20]byte // len("-9223372036854775808")
	return AppendBulk(dst, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendArrayHeader appends "*n\r\n"; n elements must follow.
func AppendArrayHeader(dst []byte, n int) []byte {
	return appendPrefixed(dst, '*', int64(n))
}

// AppendNull appends a null: "$-1\r\n" (RESP2 null bulk) or "_\r\n".
func AppendNull(dst []byte, proto int) []byte {
	if proto >= RESP3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends a null array: "*-1\r\n" (RESP2) or "_\r\n".
func AppendNullArray(dst []byte, proto int) []byte {
	if proto >= RESP3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendMapHeader appends the header of a map of n key-value pairs: "%n\r\n",
// or in RESP2 a flat array "*<2n>\r\n". 2n elements must follow.
func AppendMapHeader(dst []byte, proto, n int) []byte {
	if proto >= RESP3 {
		return appendPrefixed(dst, '%', int64(n))
	}
	return appendPrefixed(dst, '*', 2*int64(n))
}

// AppendSetHeader appends the header of a set of n elements: "~n\r\n", or
// "*n\r\n" in RESP2.
func AppendSetHeader(dst []byte, proto, n int) []byte {
	if proto >= RESP3 {
		return appendPrefixed(dst, '~', int64(n))
	}
	return appendPrefixed(dst, '*', int64(n))
}

// AppendPushHeader appends the header of an out-of-band push of n elements:
// ">n\r\n", or "*n\r\n" in RESP2.
func AppendPushHeader(dst []byte, proto, n int) []byte {
	if proto >= RESP3 {
		return appendPrefixed(dst, '>', int64(n))
	}
	return appendPrefixed(dst, '*', int64(n))
}

// AppendDouble appends f as Redis 7.0's addReplyDouble does: the RESP3 double
// ",<repr>\r\n", or in RESP2 a bulk string of <repr>, where <repr> is
// FormatDouble17g's text.
func AppendDouble(dst []byte, proto int, f float64) []byte {
	if proto >= RESP3 {
		dst = append(dst, ',')
		dst = FormatDouble17g(dst, f)
		return append(dst, '\r', '\n')
	}
	var tmp [32]byte // the longest %.17g is 24 bytes: -1.2345678901234567e-308
	return AppendBulk(dst, FormatDouble17g(tmp[:0], f))
}

// FormatDouble17g appends f as C's printf("%.17g") prints it with glibc, the
// text Redis uses for doubles: "3", "0.10000000000000001",
// "1.0000000000000001e+300", "-0". Infinities are "inf" and "-inf", as Redis
// writes them explicitly; NaN is glibc's "nan", or "-nan" when the sign bit
// is set.
//
// Go's 'g' format with precision 17 follows the same rules as C's %.17g
// (exponent form when the exponent is < -4 or >= 17, trailing zeros
// removed, an exponent of at least two digits), so only the non-finite
// values need care. testdata/double17g.txt checks this against glibc.
func FormatDouble17g(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendBool appends the RESP3 boolean "#t\r\n" / "#f\r\n", or in RESP2 the
// integer ":1\r\n" / ":0\r\n".
func AppendBool(dst []byte, proto int, v bool) []byte {
	switch {
	case proto >= RESP3 && v:
		return append(dst, "#t\r\n"...)
	case proto >= RESP3:
		return append(dst, "#f\r\n"...)
	case v:
		return append(dst, ":1\r\n"...)
	default:
		return append(dst, ":0\r\n"...)
	}
}

// AppendVerbatim appends b as the RESP3 verbatim string
// "=<len>\r\n<format>:<b>\r\n", or in RESP2 as a bulk string of b. As in
// Redis's addReplyVerbatim, format is cut or space-padded to exactly three
// bytes ("txt", "mkd").
func AppendVerbatim(dst []byte, proto int, format string, b []byte) []byte {
	if proto < RESP3 {
		return AppendBulk(dst, b)
	}
	dst = appendPrefixed(dst, '=', int64(len(b))+4)
	for i := 0; i < 3; i++ {
		if i < len(format) {
			dst = append(dst, format[i])
		} else {
			dst = append(dst, ' ')
		}
	}
	dst = append(dst, ':')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}
