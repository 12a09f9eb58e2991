package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRC64CheckValue(t *testing.T) {
	require.Equal(t, uint64(0xe9c6d914c4b8d9ca), CRC64(0, []byte("123456789")))
	// Incremental over any split, and the slicing path against the bytewise one.
	data := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 50)
	whole := CRC64(0, data)
	for i := 0; i <= len(data); i += 7 {
		assert.Equal(t, whole, CRC64(CRC64(0, data[:i]), data[i:]))
	}
	c := uint64(0)
	for _, b := range data {
		c = crcByte(c, b)
	}
	assert.Equal(t, whole, c)
}

func TestFixtures(t *testing.T) {
	for _, name := range rdbFixtures(t) {
		t.Run(name, func(t *testing.T) {
			data := readFixture(t, name)
			m := readManifest(t, strings.TrimSuffix(name, ".rdb")+".json")
			var progress []int64
			c, info, err := loadBytes(t, data, Options{Progress: func(n int64) { progress = append(progress, n) }})
			require.NoError(t, err)
			assert.Equal(t, 10, info.Version)
			assert.Equal(t, int64(len(data)), info.Bytes)
			assert.Equal(t, int64(m.KeyCount), info.Keys)
			assert.Equal(t, m.File.Aux, info.Aux)
			assert.Equal(t, m.File.Aux, c.aux)
			require.NotEmpty(t, progress)
			assert.Equal(t, int64(len(data)), progress[len(progress)-1])
			for db, r := range m.File.ResizeDB {
				n, _ := strconv.Atoi(db)
				assert.Equal(t, [2]uint64{r.Size, r.Expires}, c.resize[n], "resizedb %d", n)
			}
			diffDatasets(t, m.dataset(t), c.ds)
			// The decoder saw the type id the file really has.
			for _, db := range m.DBs {
				for _, k := range db.Keys {
					if k.RDB.TypeID != nil {
						assert.Equal(t, byte(*k.RDB.TypeID), c.types[db.DB][jsonBytes(t, k.Key)], "type of %s", k.Key)
					}
				}
			}
			require.Len(t, c.functions, len(m.Functions))
			for i, f := range m.Functions {
				assert.Equal(t, f.Code, c.functions[i])
			}
		})
	}
}

func TestFunctionsFixture(t *testing.T) {
	c, _, err := loadBytes(t, readFixture(t, "functions.rdb"), Options{})
	require.NoError(t, err)
	require.Len(t, c.functions, 1)
	assert.True(t, strings.HasPrefix(c.functions[0], "#!lua name="), c.functions[0])
	assert.Equal(t, 1, c.ds.keys())
}

func TestStreamsUnsupported(t *testing.T) {
	data := readFixture(t, "streams.rdb")
	_, _, err := loadBytes(t, data, Options{})
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.NotErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "unsupported object type 19 (stream)")
	assert.Contains(t, err.Error(), "at offset "+strconv.FormatInt(e.Offset, 10))
	require.Greater(t, e.Offset, int64(9))
	assert.Equal(t, byte(TypeStreamListpacks2), data[e.Offset], "offset points at the type byte")
}

// The AOF preamble: Load must stop right after the checksum so the caller can
// read the RESP tail from the same reader.
func TestAOFPreamble(t *testing.T) {
	base := readFixture(t, "aof-preamble/appendonly.aof.2.base.rdb")
	m := readManifest(t, "aof-preamble.json")
	tail := []byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
	r := bufio.NewReaderSize(bytes.NewReader(append(append([]byte{}, base...), tail...)), 16)
	c := newCollector()
	info, err := Load(r, c, Options{})
	require.NoError(t, err)
	assert.Equal(t, int64(len(base)), info.Bytes)
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, tail, rest)
	assert.Equal(t, "1", info.Aux["aof-base"])
	assert.Equal(t, m.AOF.Files[0].RDB.Aux, info.Aux)
	assert.Equal(t, int64(m.AOF.Files[0].RDBKeyCount), info.Keys)
	// Cross-check content with redis-server loading the same file.
	live := liveDataset(t, base)
	diffDatasets(t, live.ds, c.ds)
}

func TestIdleFreqSkipped(t *testing.T) {
	for _, name := range []string{"lru.rdb", "lfu.rdb"} {
		data := readFixture(t, name)
		op := byte(OpIdle)
		if name == "lfu.rdb" {
			op = OpFreq
		}
		require.Contains(t, string(data), string([]byte{op}), name)
		c, info, err := loadBytes(t, data, Options{})
		require.NoError(t, err, name)
		assert.Equal(t, int64(7), info.Keys, name)
		assert.Equal(t, 7, c.ds.keys())
	}
}

func TestChecksum(t *testing.T) {
	data := readFixture(t, "expiry.rdb")
	// A flipped byte inside a value: structure intact, checksum catches it.
	i := bytes.Index(data, []byte("exp:expireat-s"))
	require.Positive(t, i)
	bad := bytes.Clone(data)
	bad[i+5] ^= 0x20
	_, _, err := loadBytes(t, bad, Options{})
	require.ErrorIs(t, err, ErrChecksum)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "checksum mismatch: file says ")
	assert.Contains(t, err.Error(), "at offset "+strconv.Itoa(len(data)-8))
	// SkipChecksum, and a stored 0 (rdbchecksum no), load it.
	_, _, err = loadBytes(t, bad, Options{SkipChecksum: true})
	require.NoError(t, err)
	copy(bad[len(bad)-8:], make([]byte, 8))
	_, _, err = loadBytes(t, bad, Options{})
	require.NoError(t, err)
}

// Every single-byte corruption of a file is detected: structurally or by the
// checksum. Never a panic.
func TestFlipEveryByte(t *testing.T) {
	for _, name := range []string{"expiry.rdb", "multidb.rdb", "lru.rdb", "functions.rdb", "list-plain.rdb"} {
		data := readFixture(t, name)
		for i := range data {
			for _, x := range []byte{0x01, 0x80, 0xFF} {
				bad := bytes.Clone(data)
				bad[i] ^= x
				_, _, err := loadBytes(t, bad, Options{})
				if err == nil {
					t.Errorf("%s: byte %d ^ %#x not detected", name, i, x)
				}
			}
		}
	}
}

func TestTruncated(t *testing.T) {
	for _, name := range rdbFixtures(t) {
		data := readFixture(t, name)
		var cuts []int // every offset of small files; 300 spread plus the tail of big ones
		if len(data) <= 4000 {
			for n := 0; n < len(data); n++ {
				cuts = append(cuts, n)
			}
		} else {
			for n := 0; n < len(data); n += len(data) / 150 {
				cuts = append(cuts, n)
			}
			for n := len(data) - 40; n < len(data); n++ {
				cuts = append(cuts, n)
			}
		}
		for _, n := range cuts {
			_, info, err := loadBytes(t, data[:n], Options{})
			require.Error(t, err, "%s cut at %d", name, n)
			require.ErrorIs(t, err, ErrTruncated, "%s cut at %d: %v", name, n, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, int64(n), e.Offset, "%s cut at %d", name, n)
			assert.LessOrEqual(t, info.Bytes, int64(n))
		}
	}
}

func TestBadHeader(t *testing.T) {
	for _, c := range []struct{ in, msg string }{
		{"", "unexpected end of file at offset 0"},
		{"REDIS001", "unexpected end of file at offset 8"},
		{"RDBIS0010", "bad magic"},
		{"REDIS0011", "unsupported RDB version 11"},
		{"REDIS0000", "unsupported RDB version 0"},
		{"REDIS00x1", "bad version"},
	} {
		_, _, err := loadBytes(t, []byte(c.in), Options{})
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.msg, c.in)
	}
}

func TestUnsupportedOpcodes(t *testing.T) {
	for _, c := range []struct {
		op  byte
		msg string
	}{
		{OpModuleAux, "unsupported module aux data (opcode 0xF7) at offset 9"},
		{OpFunction, "unsupported pre-GA function library (opcode 0xF6) at offset 9"},
		{TypeModule2, "unsupported object type 7 (module) at offset 9"},
		{TypeStreamListpacks, "unsupported object type 15 (stream) at offset 9"},
		{8, "unknown object type or opcode 8 (0x08) at offset 9"},
		{0xF0, "unknown object type or opcode 240 (0xF0) at offset 9"},
	} {
		_, _, err := loadBytes(t, append(AppendHeader(nil), c.op, 0, 0, 0), Options{})
		require.Error(t, err)
		assert.Equal(t, "rdb: "+c.msg, err.Error())
	}
}

type failingHandler struct{ *collector }

var errStop = errors.New("stop here")

func (failingHandler) Key(int, []byte, int64, *Value) error { return errStop }

func TestHandlerError(t *testing.T) {
	_, err := Load(bufio.NewReader(bytes.NewReader(readFixture(t, "expiry.rdb"))), failingHandler{newCollector()}, Options{})
	require.ErrorIs(t, err, errStop)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Positive(t, e.Offset)
}
