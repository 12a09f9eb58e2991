package rdb

import (
	"testing"
)

// FuzzLoad: no input makes Load panic, hang or allocate without bound, and a
// successful load never claims more bytes than it was given.
func FuzzLoad(f *testing.F) {
	for _, name := range rdbFixtures(f) {
		if data := readFixture(f, name); len(data) < 4096 {
			f.Add(data)
		}
	}
	f.Add(readFixture(f, "streams.rdb"))
	f.Add(readFixture(f, "aof-preamble/appendonly.aof.2.base.rdb"))
	for _, v := range []int{4, 9} {
		data, _ := legacyFile(v)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			info, err := Load(bufioReader(data), nopHandler{}, Options{SkipChecksum: skip})
			if info.Bytes > int64(len(data)) {
				t.Fatalf("read %d of %d bytes", info.Bytes, len(data))
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not *Error", err, err)
				}
			}
		}
		DecodeDump(data, func(*Value) error { return nil })
	})
}
