package rdb

// CRC-64/Jones as Redis computes it (src/crc64.c): reflected polynomial
// 0x95AC9329AC4BC9B5, initial value 0, no final xor. hash/crc64 cannot be used
// directly: it inverts before and after, and it only has a fast path for its
// two built-in tables, while this checksum runs over every byte of files that
// may be several GB. So the tables are ours, processed 8 bytes per step
// (slicing-by-8, as Redis's crcspeed does).

import "encoding/binary"

const crcPoly = 0x95AC9329AC4BC9B5

var crcTab [8][256]uint64

func init() {
	for i := 0; i < 256; i++ {
		c := uint64(i)
		for k := 0; k < 8; k++ {
			if c&1 == 1 {
				c = c>>1 ^ crcPoly
			} else {
				c >>= 1
			}
		}
		crcTab[0][i] = c
	}
	for i := 0; i < 256; i++ {
		c := crcTab[0][i]
		for t := 1; t < 8; t++ {
			c = crcTab[0][c&0xff] ^ c>>8
			crcTab[t][i] = c
		}
	}
}

// CRC64 extends crc with p. CRC64(0, data) is the RDB checksum of data; the
// check value of "123456789" is 0xe9c6d914c4b8d9ca.
func CRC64(crc uint64, p []byte) uint64 {
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = crcTab[7][crc&0xff] ^
			crcTab[6][crc>>8&0xff] ^
			crcTab[5][crc>>16&0xff] ^
			crcTab[4][crc>>24&0xff] ^
			crcTab[3][crc>>32&0xff] ^
			crcTab[2][crc>>40&0xff] ^
			crcTab[1][crc>>48&0xff] ^
			crcTab[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = crcTab[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// crcByte extends crc with one byte (the decoder's per-byte reads).
func crcByte(crc uint64, b byte) uint64 {
	return crcTab[0][byte(crc)^b] ^ crc>>8
}
