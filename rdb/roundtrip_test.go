package rdb

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawVal is a decoded value copied out of the decoder's buffers.
type rawVal struct {
	kind   byte
	expire int64
	str    []byte
	elems  [][]byte
	scores []float64
}

func (r *rawVal) entry() entry {
	v := Value{Kind: r.kind, Str: r.str, Elems: r.elems, Scores: r.scores}
	return entryOf(&v, r.expire)
}

type rawDB map[int]map[string]*rawVal

type rawCollector struct {
	*collector
	raw rawDB
}

func (c *rawCollector) Key(db int, key []byte, exp int64, v *Value) error {
	r := &rawVal{kind: v.Kind, expire: exp, str: bytes.Clone(v.Str), scores: slices.Clone(v.Scores)}
	for _, e := range v.Elems {
		r.elems = append(r.elems, bytes.Clone(e))
	}
	if c.raw[db] == nil {
		c.raw[db] = map[string]*rawVal{}
	}
	c.raw[db][string(key)] = r
	return c.collector.Key(db, key, exp, v)
}

func (d rawDB) dataset() dataset {
	ds := dataset{}
	for db, keys := range d {
		for k, r := range keys {
			ds.put(db, k, r.entry())
		}
	}
	return ds
}

// Redis 7.0.15's default thresholds.
const (
	hashMaxListpackEntries = 512
	hashMaxListpackValue   = 64
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
	setMaxIntsetEntries    = 512
	listNodeBytes          = 8192 // list-max-listpack-size -2
)

// encodeFile writes d as Redis 7.0 would: the same encoding choices at the
// default thresholds, through the package's encoders and Writer. It returns
// the file and the OBJECT ENCODING Redis should report for each collection.
func encodeFile(t *testing.T, d rawDB, compress bool) ([]byte, map[int]map[string]string) {
	var out bytes.Buffer
	w := NewWriter(&out)
	enc := map[int]map[string]string{}
	b := AppendHeader(nil)
	b = AppendAux(b, "redis-ver", "7.0.15")
	b = AppendAux(b, "redis-bits", "64")
	b = AppendAux(b, "ctime", strconv.FormatInt(time.Now().Unix(), 10))
	b = AppendAux(b, "used-mem", "1460480")
	b = AppendAux(b, "aof-base", "0")
	_, err := w.Write(b)
	require.NoError(t, err)
	var lp Listpack
	for _, db := range slices.Sorted(mapKeys(d)) {
		keys := d[db]
		enc[db] = map[string]string{}
		expires := 0
		for _, r := range keys {
			if r.expire != 0 {
				expires++
			}
		}
		b = AppendSelectDB(b[:0], db)
		b = AppendResizeDB(b, uint64(len(keys)), uint64(expires))
		for _, k := range slices.Sorted(mapKeys(keys)) {
			r := keys[k]
			if r.expire != 0 {
				b = AppendExpireMs(b, r.expire)
			}
			var e string
			b, e = appendValue(b, []byte(k), r, &lp, compress)
			enc[db][k] = e
			if len(b) > 32<<10 {
				_, err := w.Write(b)
				require.NoError(t, err)
				b = b[:0]
			}
		}
		_, err := w.Write(b)
		require.NoError(t, err)
		b = b[:0]
	}
	require.NoError(t, w.Finish(true))
	assert.Equal(t, int64(out.Len()), w.Written())
	return out.Bytes(), enc
}

func mapKeys[K cmp.Ordered, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func appendValue(b, key []byte, r *rawVal, lp *Listpack, compress bool) ([]byte, string) {
	switch r.kind {
	case KindString:
		b = AppendType(b, TypeString)
		b = AppendString(b, key, compress)
		return AppendString(b, r.str, compress), ""
	case KindList:
		b = AppendType(b, TypeListQuicklist2)
		b = AppendString(b, key, compress)
		// Node boundaries as 7.0's _quicklistNodeAllowInsert with fill -2.
		var nodes [][2]int
		start, size := 0, lpHeaderSize+1
		for i, e := range r.elems {
			over := 1 + 2
			if len(e) >= 254 {
				over = 5 + 2
			}
			if i > start && size+len(e)+over > listNodeBytes {
				nodes = append(nodes, [2]int{start, i})
				lp.Reset()
				start = i
			}
			if i == start {
				lp.Reset()
			}
			lp.Append(e)
			size = lp.Size()
		}
		nodes = append(nodes, [2]int{start, len(r.elems)})
		b = AppendLen(b, uint64(len(nodes)))
		for _, n := range nodes {
			lp.Reset()
			for _, e := range r.elems[n[0]:n[1]] {
				lp.Append(e)
			}
			b = AppendQuicklistNode(b, lp, compress)
		}
		return b, "quicklist"
	case KindSet:
		ints := make([]int64, 0, len(r.elems))
		for _, e := range r.elems {
			if v, ok := parseInt(e); ok {
				ints = append(ints, v)
			}
		}
		if len(ints) == len(r.elems) && len(ints) <= setMaxIntsetEntries {
			slices.Sort(ints)
			b = AppendType(b, TypeSetIntset)
			b = AppendString(b, key, compress)
			return AppendString(b, AppendIntset(nil, ints), compress), "intset"
		}
		b = AppendType(b, TypeSet)
		b = AppendString(b, key, compress)
		b = AppendLen(b, uint64(len(r.elems)))
		for _, e := range r.elems {
			b = AppendString(b, e, compress)
		}
		return b, "hashtable"
	case KindHash:
		small := len(r.elems)/2 <= hashMaxListpackEntries
		for _, e := range r.elems {
			small = small && len(e) <= hashMaxListpackValue
		}
		if small {
			lp.Reset()
			for _, e := range r.elems {
				lp.Append(e)
			}
			b = AppendType(b, TypeHashListpack)
			b = AppendString(b, key, compress)
			return AppendString(b, lp.Bytes(), compress), "listpack"
		}
		b = AppendType(b, TypeHash)
		b = AppendString(b, key, compress)
		b = AppendLen(b, uint64(len(r.elems)/2))
		for _, e := range r.elems {
			b = AppendString(b, e, compress)
		}
		return b, "hashtable"
	case KindZSet:
		idx := make([]int, len(r.elems))
		small := len(r.elems) <= zsetMaxListpackEntries
		for i, e := range r.elems {
			idx[i] = i
			small = small && len(e) <= zsetMaxListpackValue
		}
		slices.SortFunc(idx, func(i, j int) int {
			if c := cmp.Compare(r.scores[i], r.scores[j]); c != 0 {
				return c
			}
			return bytes.Compare(r.elems[i], r.elems[j])
		})
		if small {
			lp.Reset()
			for _, i := range idx {
				lp.Append(r.elems[i])
				lp.AppendScore(r.scores[i])
			}
			b = AppendType(b, TypeZSetListpack)
			b = AppendString(b, key, compress)
			return AppendString(b, lp.Bytes(), compress), "listpack"
		}
		b = AppendType(b, TypeZSet2)
		b = AppendString(b, key, compress)
		b = AppendLen(b, uint64(len(r.elems)))
		for k := len(idx) - 1; k >= 0; k-- { // highest score first, as Redis
			b = AppendString(b, r.elems[idx[k]], compress)
			b = AppendBinaryDouble(b, r.scores[idx[k]])
		}
		return b, "skiplist"
	}
	panic("unknown kind")
}

func decodeRaw(t *testing.T, data []byte) (rawDB, Info) {
	t.Helper()
	c := &rawCollector{collector: newCollector(), raw: rawDB{}}
	info, err := Load(bufioReader(data), c, Options{})
	require.NoError(t, err)
	return c.raw, info
}

// syntheticDB covers every type and encoding the encoders produce.
func syntheticDB() rawDB {
	bs := func(ss ...string) [][]byte {
		out := make([][]byte, len(ss))
		for i, s := range ss {
			out[i] = []byte(s)
		}
		return out
	}
	seq := func(n int, f func(i int) string) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = []byte(f(i))
		}
		return out
	}
	str := func(s string) *rawVal { return &rawVal{kind: KindString, str: []byte(s)} }
	exp := int64(4102444800123) // 2100-01-01
	bigList := seq(3000, func(i int) string {
		switch i % 5 {
		case 0:
			return strconv.Itoa(i * 1000003)
		case 1:
			return strings.Repeat("x", i%300)
		case 2:
			return "-" + strconv.Itoa(i)
		case 3:
			return strings.Repeat("long element ", 400) // 5200 bytes: 32-bit string length
		}
		return "e" + strconv.Itoa(i)
	})
	bigHash := seq(1200, func(i int) string { return "field:" + strconv.Itoa(i/2) + strings.Repeat("v", i%2) })
	zs := func(n int, member func(i int) string, score func(i int) float64) *rawVal {
		r := &rawVal{kind: KindZSet}
		for i := 0; i < n; i++ {
			r.elems = append(r.elems, []byte(member(i)))
			r.scores = append(r.scores, score(i))
		}
		return r
	}
	return rawDB{
		0: {
			"int8":      str("-7"),
			"int16":     str("12345"),
			"int32":     str("-2000000000"),
			"int64text": str("9223372036854775807"),
			"noncanon":  str("007"),
			"lzf":       str(strings.Repeat("compress me ", 100)),
			"raw":       str("short raw value"),
			"rawlong":   str("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"), // no LZF gain
			"empty":     str(""),
			"binary":    {kind: KindString, str: []byte{0, 1, 2, 0xFF, '\r', '\n'}},
			"1234":      str("int-looking key"),
			"big":       str(strings.Repeat("abcdefghij", 20000)),
			"ttl":       {kind: KindString, str: []byte("v"), expire: exp},
			"list:small": {kind: KindList, elems: bs("a", "1", "-1", "127", "128", "-4096", "4095", "-32768", "32767",
				"8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808",
				strings.Repeat("y", 63), strings.Repeat("y", 64), strings.Repeat("z", 4095), strings.Repeat("z", 4096), "")},
			"list:big":    {kind: KindList, elems: bigList, expire: exp + 1},
			"set:int16":   {kind: KindSet, elems: bs("1", "-5", "32767")},
			"set:int32":   {kind: KindSet, elems: bs("1", "70000", "-2147483648")},
			"set:int64":   {kind: KindSet, elems: bs("1", "9223372036854775807", "-9223372036854775808")},
			"set:strings": {kind: KindSet, elems: bs("a", "b", "007", "1", string([]byte{0, 0xFE}))},
			"set:bigint":  {kind: KindSet, elems: seq(600, func(i int) string { return strconv.Itoa(i * 7) })},
			"hash:small":  {kind: KindHash, elems: bs("f1", "v1", "n", "42", "neg", "-100000", "empty", ""), expire: exp + 2},
			"hash:big":    {kind: KindHash, elems: bigHash},
			"hash:long":   {kind: KindHash, elems: bs("f", strings.Repeat("w", 65))},
			"zset:small": zs(8, func(i int) string { return "m" + strconv.Itoa(i) }, func(i int) float64 {
				return []float64{1, -2.5, 0.1, math.Inf(1), math.Inf(-1), 1e-300, 4503599627370496, -15000000000}[i]
			}),
			"zset:big": zs(300, func(i int) string { return "member-" + strconv.Itoa(i) }, func(i int) float64 { return float64(i%17) / 3 }),
			"zset:long": zs(2, func(i int) string { return strings.Repeat("m", 65+i) }, func(i int) float64 {
				return []float64{math.MaxFloat64, -0.5}[i]
			}),
		},
		3: {
			"int8": {kind: KindList, elems: bs("other", "db")},
		},
		15: {
			"last": {kind: KindHash, elems: bs("a", "b"), expire: exp + 3},
		},
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	want := syntheticDB()
	for _, compress := range []bool{true, false} {
		data, _ := encodeFile(t, want, compress)
		got, info := decodeRaw(t, data)
		assert.Equal(t, "7.0.15", info.Aux["redis-ver"])
		assert.Equal(t, "0", info.Aux["aof-base"])
		diffDatasets(t, want.dataset(), got.dataset())
		if compress {
			assert.Contains(t, string(data), "\xC3", "some LZF")
		}
	}
}

// The file our encoders write is accepted by redis-check-rdb and loads into
// redis-server 7.0 with the same contents and the encodings we chose.
func TestEncodeRedisLoads(t *testing.T) {
	want := syntheticDB()
	data, enc := encodeFile(t, want, true)
	checkRDB(t, data)
	live := liveDataset(t, data)
	diffDatasets(t, want.dataset(), live.ds)
	for db, keys := range enc {
		for k, e := range keys {
			if e != "" {
				assert.Equal(t, e, live.encoding[db][k], "OBJECT ENCODING of %q", k)
			}
		}
	}
}

// Every fixture, decoded and written again with our encoders, decodes to its
// manifest and, loaded by redis-server, holds the manifest's data with the
// manifest's encodings.
func TestFixtureReencode(t *testing.T) {
	for _, name := range rdbFixtures(t) {
		t.Run(name, func(t *testing.T) {
			m := readManifest(t, strings.TrimSuffix(name, ".rdb")+".json")
			raw, _ := decodeRaw(t, readFixture(t, name))
			data, _ := encodeFile(t, raw, true)
			again, _ := decodeRaw(t, data)
			want := m.dataset(t)
			diffDatasets(t, want, again.dataset())
			if testing.Short() || !slices.Contains([]string{"mixed.rdb", "strings.rdb", "hash.rdb", "zset.rdb", "set.rdb", "list.rdb"}, name) {
				return
			}
			checkRDB(t, data)
			live := liveDataset(t, data)
			diffDatasets(t, want, live.ds)
			for _, db := range m.DBs {
				for _, k := range db.Keys {
					e := k.Encoding
					if k.After != "" {
						e = k.After
					}
					assert.Equal(t, e, live.encoding[db.DB][jsonBytes(t, k.Key)], "%s encoding", k.Key)
				}
			}
		})
	}
}

// A list with a PLAIN node between packed ones (as Redis writes elements of
// 1 GB and more), and integer string objects written with AppendInt.
func TestPlainNodeAndAppendInt(t *testing.T) {
	big := strings.Repeat("P", 5000)
	b := AppendHeader(nil)
	b = AppendSelectDB(b, 0)
	b = AppendResizeDB(b, 3, 0)
	b = AppendType(b, TypeListQuicklist2)
	b = AppendString(b, []byte("plain"), true)
	b = AppendLen(b, 3)
	var lp Listpack
	lp.Reset()
	lp.Append([]byte("a"))
	lp.Append([]byte("1"))
	b = AppendQuicklistNode(b, &lp, true)
	b = AppendQuicklistPlainNode(b, []byte(big), true)
	lp.Reset()
	lp.Append([]byte("z"))
	b = AppendQuicklistNode(b, &lp, false)
	b = AppendType(b, TypeString)
	b = AppendString(b, []byte("small"), true)
	b = AppendInt(b, -300)
	b = AppendType(b, TypeString)
	b = AppendString(b, []byte("wide"), true)
	b = AppendInt(b, math.MinInt64)
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write(b)
	require.NoError(t, w.Finish(true))

	want := dataset{0: {
		"plain": {Type: "list", Value: []string{"a", "1", big, "z"}},
		"small": {Type: "string", Value: []string{"-300"}},
		"wide":  {Type: "string", Value: []string{"-9223372036854775808"}},
	}}
	c, _, err := loadBytes(t, out.Bytes(), Options{})
	require.NoError(t, err)
	diffDatasets(t, want, c.ds)
	checkRDB(t, out.Bytes())
	diffDatasets(t, want, liveDataset(t, out.Bytes()).ds)
}
