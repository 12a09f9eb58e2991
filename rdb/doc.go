// Package rdb reads and writes Redis's RDB snapshot format, version 10, byte
// for byte as redis-server 7.0 writes it, and reads every older version Redis
// 7.0 can load (1 to 10). It uses only the standard library.
//
// # Format
//
//	"REDIS0010"
//	AUX (0xFA) name value            redis-ver, redis-bits, ctime, used-mem, aof-base
//	FUNCTION2 (0xF5) code            one per function library
//	SELECTDB (0xFE) len              then, for that db:
//	RESIZEDB (0xFB) len len          key count, count of keys with a TTL
//	[EXPIRETIME_MS (0xFC) int64 LE]  [IDLE (0xF8) len | FREQ (0xF9) byte]
//	type key value                   one per key
//	...
//	EOF (0xFF) crc64 (8 bytes LE)    CRC-64/Jones of every byte before it; 0 = not computed
//
// A len is 6 bits (00xxxxxx), 14 bits (01xxxxxx +1 byte, big-endian), or
// 0x80/0x81 then 32/64 bits big-endian. A string is a len and its bytes, or
// 11xxxxxx: INT8/16/32 little-endian (decimal text in memory) or LZF (0xC3,
// compressed len, plain len, data). Redis 7.0 writes values as STRING (0),
// SET (2: members), HASH (4: field, value...), ZSET_2 (5: member, float64
// LE...), SET_INTSET (11), HASH_LISTPACK (16), ZSET_LISTPACK (17) and
// LIST_QUICKLIST_2 (18: node count, then per node a container, 1 PLAIN or 2
// PACKED, and a string: one element or a listpack). Intset and listpack blobs
// are strings, so they are LZF-compressed like any other string over 20
// bytes.
//
// # Writing
//
// The Append* functions and Listpack encode pieces into a caller's []byte
// without allocating; Writer buffers them to an io.Writer, keeps the CRC and
// writes the trailer:
//
//	w := rdb.NewWriter(f)
//	b := rdb.AppendHeader(nil)
//	b = rdb.AppendAux(b, "redis-ver", "7.0.15")
//	b = rdb.AppendSelectDB(b, 0)
//	b = rdb.AppendResizeDB(b, 1, 0)
//	b = rdb.AppendType(b, rdb.TypeString)
//	b = rdb.AppendString(b, []byte("key"), true)
//	b = rdb.AppendString(b, []byte("value"), true)
//	w.Write(b)
//	err := w.Finish(true)
//
// Choosing an encoding (listpack or hashtable, intset or set) is the caller's
// business; the encoders make each choice byte-identical to Redis's.
//
// # Reading
//
// Load streams a file to a Handler. Invariants:
//   - Load consumes exactly the RDB stream, through its checksum, and never
//     reads past it (an AOF with an RDB preamble continues after it).
//   - Every byte goes through the CRC; a mismatch is an error unless the file
//     says 0 (rdbchecksum no) or Options.SkipChecksum is set.
//   - Input is never trusted: every blob is fully validated before use, no
//     input makes Load panic, and no declared length allocates more than 64 KB
//     ahead of the bytes that actually arrived (LZF: at most 88 times
//     the compressed bytes read, the format's maximum expansion).
//   - Decoded values point into reused buffers: valid during the Handler call
//     only. Decoding allocates only while those buffers grow.
//   - Errors are *Error with the offset of the offending item; errors.Is
//     tells ErrCorrupt (including ErrTruncated, ErrChecksum) from
//     ErrUnsupported (streams, modules) and from I/O or handler errors.
package rdb
