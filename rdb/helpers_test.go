package rdb

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const fixtureDir = "../testdata/fixtures/redis-7.0"

// fixturePath returns the path of a fixture, skipping the test when the
// corpus is absent.
func fixturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(fixtureDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("fixture corpus not available: %v", err)
	}
	return p
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixturePath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entry is one key in canonical form, comparable with ==-like equality:
// strings become their bytes, sets and hashes are sorted, zsets become
// "member\x00score" sorted by member.
type entry struct {
	Type   string
	Expire int64 // 0: no TTL
	Value  []string
}

// dataset maps db -> key -> entry.
type dataset map[int]map[string]entry

func (ds dataset) put(db int, key string, e entry) {
	if ds[db] == nil {
		ds[db] = map[string]entry{}
	}
	ds[db][key] = e
}

func (ds dataset) keys() int {
	n := 0
	for _, m := range ds {
		n += len(m)
	}
	return n
}

func fmtScore(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func canonical(typ string, vals []string) []string {
	switch typ {
	case "set", "hash", "zset":
		slices.Sort(vals)
	}
	return vals
}

// entryOf converts a decoded Value.
func entryOf(v *Value, expire int64) entry {
	e := entry{Expire: expire}
	switch v.Kind {
	case KindString:
		e.Type, e.Value = "string", []string{string(v.Str)}
	case KindList, KindSet:
		e.Type = map[byte]string{KindList: "list", KindSet: "set"}[v.Kind]
		for _, x := range v.Elems {
			e.Value = append(e.Value, string(x))
		}
	case KindHash:
		e.Type = "hash"
		for i := 0; i+1 < len(v.Elems); i += 2 {
			e.Value = append(e.Value, string(v.Elems[i])+"\x00"+string(v.Elems[i+1]))
		}
	case KindZSet:
		e.Type = "zset"
		for i, m := range v.Elems {
			e.Value = append(e.Value, string(m)+"\x00"+fmtScore(v.Scores[i]))
		}
	}
	e.Value = canonical(e.Type, e.Value)
	return e
}

// collector is a Handler that records everything.
type collector struct {
	ds        dataset
	types     map[int]map[string]byte
	aux       map[string]string
	resize    map[int][2]uint64
	functions []string
}

func newCollector() *collector {
	return &collector{ds: dataset{}, types: map[int]map[string]byte{}, aux: map[string]string{}, resize: map[int][2]uint64{}}
}

func (c *collector) Aux(k, v []byte) error { c.aux[string(k)] = string(v); return nil }
func (c *collector) ResizeDB(db int, size, exp uint64) error {
	c.resize[db] = [2]uint64{size, exp}
	return nil
}
func (c *collector) Function(code []byte) error {
	c.functions = append(c.functions, string(code))
	return nil
}
func (c *collector) Key(db int, key []byte, exp int64, v *Value) error {
	c.ds.put(db, string(key), entryOf(v, exp))
	if c.types[db] == nil {
		c.types[db] = map[string]byte{}
	}
	c.types[db][string(key)] = v.Type
	return nil
}

func loadBytes(t testing.TB, data []byte, opt Options) (*collector, Info, error) {
	t.Helper()
	c := newCollector()
	info, err := Load(bufio.NewReader(bytes.NewReader(data)), c, opt)
	return c, info, err
}

// ---- manifests ----

type manifestKey struct {
	Key      json.RawMessage `json:"key"`
	Type     string          `json:"type"`
	Encoding string          `json:"encoding"`
	After    string          `json:"encoding_after_load"`
	ExpireMs *int64          `json:"expire_ms"`
	Value    json.RawMessage `json:"value"`
	RDB      struct {
		TypeID *int `json:"type_id"`
	} `json:"rdb"`
}

type manifest struct {
	KeyCount int `json:"key_count"`
	DBs      []struct {
		DB   int           `json:"db"`
		Keys []manifestKey `json:"keys"`
	} `json:"dbs"`
	File struct {
		Size     int64             `json:"size"`
		Aux      map[string]string `json:"aux"`
		Checksum string            `json:"checksum_crc64_stored"`
		ResizeDB map[string]struct {
			Size    uint64 `json:"db_size"`
			Expires uint64 `json:"expires_size"`
		} `json:"resizedb"`
	} `json:"file"`
	AOF struct {
		Files []struct {
			Name        string `json:"name"`
			RDBKeyCount int    `json:"rdb_key_count"`
			RDB         struct {
				Aux map[string]string `json:"aux"`
			} `json:"rdb"`
		} `json:"files"`
	} `json:"aof"`
	Functions []struct {
		Name string `json:"library_name"`
		Code string `json:"library_code"`
	} `json:"functions"`
}

func readManifest(t testing.TB, name string) *manifest {
	t.Helper()
	var m manifest
	if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &m
}

func jsonBytes(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var o struct {
		Base64 string `json:"base64"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("bad BYTES %s: %v", raw, err)
	}
	b, err := base64.StdEncoding.DecodeString(o.Base64)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonScore(t testing.TB, raw json.RawMessage) float64 {
	t.Helper()
	s := strings.Trim(string(raw), `"`)
	switch s {
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad SCORE %s", raw)
	}
	return f
}

// expected converts a manifest's dbs to a dataset.
func (m *manifest) dataset(t testing.TB) dataset {
	ds := dataset{}
	for _, db := range m.DBs {
		for _, k := range db.Keys {
			e := entry{Type: k.Type}
			if k.ExpireMs != nil {
				e.Expire = *k.ExpireMs
			}
			switch k.Type {
			case "string":
				e.Value = []string{jsonBytes(t, k.Value)}
			case "list", "set":
				var xs []json.RawMessage
				mustJSON(t, k.Value, &xs)
				for _, x := range xs {
					e.Value = append(e.Value, jsonBytes(t, x))
				}
			case "hash":
				var xs [][2]json.RawMessage
				mustJSON(t, k.Value, &xs)
				for _, x := range xs {
					e.Value = append(e.Value, jsonBytes(t, x[0])+"\x00"+jsonBytes(t, x[1]))
				}
			case "zset":
				var xs [][2]json.RawMessage
				mustJSON(t, k.Value, &xs)
				for _, x := range xs {
					e.Value = append(e.Value, jsonBytes(t, x[0])+"\x00"+fmtScore(jsonScore(t, x[1])))
				}
			default:
				continue // streams: not held by duva
			}
			e.Value = canonical(e.Type, e.Value)
			ds.put(db.DB, jsonBytes(t, k.Key), e)
		}
	}
	return ds
}

func mustJSON(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
}

// diffDatasets reports differences key by key (testify's diff of a 1000-key
// map is unreadable).
func diffDatasets(t testing.TB, want, got dataset) {
	t.Helper()
	bad := 0
	for db, keys := range want {
		for k, w := range keys {
			g, ok := got[db][k]
			switch {
			case !ok:
				t.Errorf("db %d key %q: missing", db, k)
			case g.Type != w.Type || g.Expire != w.Expire || !slices.Equal(g.Value, w.Value):
				t.Errorf("db %d key %q:\n want %s %d %q\n  got %s %d %q", db, k, w.Type, w.Expire, trunc(w.Value), g.Type, g.Expire, trunc(g.Value))
			default:
				continue
			}
			if bad++; bad > 10 {
				t.Fatal("too many differences")
			}
		}
	}
	for db, keys := range got {
		for k := range keys {
			if _, ok := want[db][k]; !ok {
				t.Errorf("db %d key %q: unexpected", db, k)
			}
		}
	}
}

func trunc(v []string) []string {
	out := make([]string, 0, 4)
	for i, s := range v {
		if i == 4 {
			out = append(out, "...("+strconv.Itoa(len(v))+")")
			break
		}
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		out = append(out, s)
	}
	return out
}

// rdbFixtures lists the RDB fixtures that hold only types duva supports.
func rdbFixtures(t testing.TB) []string {
	t.Helper()
	fixturePath(t, "README.md")
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if n := filepath.Base(p); n != "streams.rdb" {
			names = append(names, n)
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d fixtures found", len(names))
	}
	return names
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
