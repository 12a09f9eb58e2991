package rdb

// Read-only parsers for the encodings Redis < 7.0 wrote (types 9, 10, 12, 13,
// 14). Redis 7.0 still loads them, converting on the fly, and so do we.
//
// Ziplist (src/ziplist.c):
//
//	<zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>... <0xFF>
//	entry = <prevlen: 1 byte < 254, or 0xFE + u32 LE> <encoding> <data>
//
// Zipmap (src/zipmap.c):
//
//	<zmlen 1 byte> (<len>key <len><free>value<free bytes>)... <0xFF>
//	len = 1 byte < 254, or 0xFE + u32 LE

import (
	"encoding/binary"
	"errors"
)

const (
	zlHeaderSize = 10
	zlEnd        = 0xFF
	zlBigPrevlen = 0xFE
	zlNumUnknown = 65535
)

var (
	errZLHeader = errors.New("ziplist header does not match its size")
	errZLEntry  = errors.New("ziplist entry is malformed")
	errZLCount  = errors.New("ziplist element count does not match its header")
	errZLTail   = errors.New("ziplist tail offset does not point at the last entry")
	errZipmap   = errors.New("zipmap is malformed")
)

type zlIter struct {
	b     []byte
	p     int
	end   int
	tail  int
	count int
	seen  int
	prev  int // size of the previous entry (what the next prevlen must say)
	last  int // offset of the previous entry
}

func zlOpen(b []byte) (zlIter, error) {
	if len(b) < zlHeaderSize+1 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != zlEnd {
		return zlIter{}, errZLHeader
	}
	return zlIter{
		b: b, p: zlHeaderSize, end: len(b) - 1,
		tail:  int(binary.LittleEndian.Uint32(b[4:])),
		count: int(binary.LittleEndian.Uint16(b[8:])),
		last:  zlHeaderSize,
	}, nil
}

// next is like lpIter.next for a ziplist.
func (it *zlIter) next() (s []byte, v int64, isInt, ok bool, err error) {
	b, p := it.b, it.p
	if p == it.end {
		if it.count != zlNumUnknown && it.count != it.seen {
			return nil, 0, false, false, errZLCount
		}
		if it.last != it.tail {
			return nil, 0, false, false, errZLTail
		}
		return nil, 0, false, false, nil
	}
	start := p
	var prevlen int
	if b[p] < zlBigPrevlen {
		prevlen = int(b[p])
		p++
	} else if b[p] == zlBigPrevlen && p+5 <= it.end {
		prevlen = int(binary.LittleEndian.Uint32(b[p+1:]))
		p += 5
	} else {
		return nil, 0, false, false, errZLEntry
	}
	if prevlen != it.prev || p >= it.end {
		return nil, 0, false, false, errZLEntry
	}
	e := b[p]
	var hdr, n int // encoding bytes, data bytes
	str := false
	switch {
	case e>>6 == 0:
		hdr, n, str = 1, int(e&0x3F), true
	case e>>6 == 1:
		if p+2 > it.end {
			return nil, 0, false, false, errZLEntry
		}
		hdr, n, str = 2, int(e&0x3F)<<8|int(b[p+1]), true
	case e == 0x80:
		if p+5 > it.end {
			return nil, 0, false, false, errZLEntry
		}
		hdr, n, str = 5, int(binary.BigEndian.Uint32(b[p+1:])), true
	case e == 0xC0:
		hdr, n = 1, 2
	case e == 0xD0:
		hdr, n = 1, 4
	case e == 0xE0:
		hdr, n = 1, 8
	case e == 0xF0:
		hdr, n = 1, 3
	case e == 0xFE:
		hdr, n = 1, 1
	case e >= 0xF1 && e <= 0xFD:
		hdr, n = 1, 0
	default:
		return nil, 0, false, false, errZLEntry
	}
	d := p + hdr
	if d+n > it.end {
		return nil, 0, false, false, errZLEntry
	}
	data := b[d : d+n]
	if str {
		s = data
	} else {
		isInt = true
		switch e {
		case 0xC0:
			v = int64(int16(binary.LittleEndian.Uint16(data)))
		case 0xD0:
			v = int64(int32(binary.LittleEndian.Uint32(data)))
		case 0xE0:
			v = int64(binary.LittleEndian.Uint64(data))
		case 0xF0:
			v = (int64(data[0]) | int64(data[1])<<8 | int64(data[2])<<16) << 40 >> 40
		case 0xFE:
			v = int64(int8(data[0]))
		default:
			v = int64(e&0x0F) - 1
		}
	}
	it.p = d + n
	it.prev = it.p - start
	it.last = start
	it.seen++
	return s, v, isInt, true, nil
}

// zipmapEach validates a zipmap and calls fn for each field/value pair.
func zipmapEach(b []byte, fn func(k, v []byte)) error {
	if len(b) < 2 {
		return errZipmap
	}
	declared := int(b[0])
	p, n := 1, 0
	readLen := func() (int, bool) {
		if p >= len(b) {
			return 0, false
		}
		c := b[p]
		if c < zlBigPrevlen {
			p++
			return int(c), true
		}
		if c == zlBigPrevlen && p+5 <= len(b) {
			l := int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
			return l, true
		}
		return 0, false
	}
	for {
		if p >= len(b) {
			return errZipmap
		}
		if b[p] == zlEnd {
			if p != len(b)-1 || (declared < 254 && declared != n) {
				return errZipmap
			}
			return nil
		}
		kl, ok := readLen()
		if !ok || p+kl > len(b) {
			return errZipmap
		}
		k := b[p : p+kl]
		p += kl
		vl, ok := readLen()
		if !ok || p >= len(b) {
			return errZipmap
		}
		free := int(b[p])
		p++
		if p+vl+free > len(b) {
			return errZipmap
		}
		fn(k, b[p:p+vl])
		p += vl + free
		n++
	}
}
