package rdb

// Intset (src/intset.c), the blob of RDB_TYPE_SET_INTSET:
//
//	<encoding uint32 LE: 2, 4 or 8> <length uint32 LE> <length values, LE, ascending>

import (
	"encoding/binary"
	"errors"
	"math"
)

// AppendIntset appends the intset blob of sorted (ascending, distinct) in the
// smallest width that holds every member, as Redis builds it by SADD.
func AppendIntset(dst []byte, sorted []int64) []byte {
	w := 2
	if len(sorted) > 0 {
		w = max(intsetWidth(sorted[0]), intsetWidth(sorted[len(sorted)-1]))
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(w))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(sorted)))
	for _, v := range sorted {
		switch w {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}

func intsetWidth(v int64) int {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

var errIntset = errors.New("intset is malformed (bad width, size or order)")

// intsetEach validates an intset blob (intsetValidateIntegrity, deep) and
// calls fn for each member in order.
func intsetEach(b []byte, fn func(v int64)) error {
	if len(b) < 8 {
		return errIntset
	}
	w := binary.LittleEndian.Uint32(b)
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if (w != 2 && w != 4 && w != 8) || 8+n*uint64(w) != uint64(len(b)) {
		return errIntset
	}
	var prev int64
	for i := uint64(0); i < n; i++ {
		p := b[8+i*uint64(w):]
		var v int64
		switch w {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return errIntset
		}
		prev = v
		fn(v)
	}
	return nil
}
