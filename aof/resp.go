package aof

import "strconv"

// AppendRewriteCommand appends args as a RESP array of bulk strings, the
// encoding of Redis's catAppendOnlyGenericCommand:
//
//	*<argc>\r\n then, per argument, $<len>\r\n<bytes>\r\n
//
// It is the format of incr files and of RESP rewrite bases.
func AppendRewriteCommand(dst []byte, args ...[]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// appendSelect appends "SELECT <db>" exactly as feedAppendOnlyFile writes it.
func appendSelect(dst []byte, db int) []byte {
	var num [20]byte
	n := strconv.AppendInt(num[:0], int64(db), 10)
	dst = append(dst, "*2\r\n$6\r\nSELECT\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(n)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, n...)
	return append(dst, '\r', '\n')
}
