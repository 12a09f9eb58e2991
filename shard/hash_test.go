package shard

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Tests of the hash value itself (hash.go), below the commands.

// hshCollect returns the fields and values of a listpack in order.
func hshCollect(l hshListpack) (fields, vals []string) {
	it := l.iter()
	for f, v, ok := it.next(); ok; f, v, ok = it.next() {
		fields = append(fields, string(f))
		vals = append(vals, string(v))
	}
	return fields, vals
}

// TestHashListpackOps drives a listpack and an ordered map with the same
// random operations, with strings whose length prefixes take 1, 2 and 3
// bytes, and compares them after every step.
func TestHashListpackOps(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		l := hshNewListpack()
		var order []string
		vals := map[string]string{}
		str := func() string {
			switch r.IntN(40) {
			case 0, 1, 2, 3:
				return ""
			case 4, 5, 6, 7:
				return strings.Repeat("m", 100+r.IntN(200)) // 1-2 byte prefix boundary (128)
			case 8:
				return strings.Repeat("L", 16380+r.IntN(10)) // 2-3 byte boundary (16384)
			}
			return "s" + strconv.Itoa(r.IntN(30))
		}
		for step := 0; step < 2000; step++ {
			f := "f" + strconv.Itoa(r.IntN(25))
			if r.IntN(8) == 0 {
				f = str()
			}
			switch r.IntN(3) {
			case 0, 1:
				v := str()
				_, had := vals[f]
				var added bool
				if l, added = l.set([]byte(f), []byte(v)); added == had {
					t.Fatalf("seed %d step %d: set(%.20q) added=%v, field existed=%v", seed, step, f, added, had)
				}
				if !had {
					order = append(order, f)
				}
				vals[f] = v
			case 2:
				_, had := vals[f]
				var got bool
				if l, got = l.del([]byte(f)); got != had {
					t.Fatalf("seed %d step %d: del(%.20q) = %v, want %v", seed, step, f, got, had)
				}
				delete(vals, f)
				order = slices.DeleteFunc(order, func(s string) bool { return s == f })
			}
			if l.Len() != len(order) || l.walkCount() != len(order) {
				t.Fatalf("seed %d step %d: Len %d, walk %d, want %d", seed, step, l.Len(), l.walkCount(), len(order))
			}
			fields, got := hshCollect(l)
			if !slices.Equal(fields, order) {
				t.Fatalf("seed %d step %d: order %.80q, want %.80q", seed, step, fields, order)
			}
			for i, f := range fields {
				if got[i] != vals[f] {
					t.Fatalf("seed %d step %d: %q = %.20q, want %.20q", seed, step, f, got[i], vals[f])
				}
				if v, ok := l.get([]byte(f)); !ok || string(v) != vals[f] {
					t.Fatalf("seed %d step %d: get(%q) = %.20q %v", seed, step, f, v, ok)
				}
			}
			if _, ok := l.get([]byte("absent")); ok {
				t.Fatal("get of an absent field succeeded")
			}
			if n := binary.LittleEndian.Uint32(l.bytes()); int(n) != len(l.bytes()) || l.MemoryUsage(0) != int64(hshCap(int(n))) {
				t.Fatalf("seed %d step %d: header length %d, MemoryUsage %d", seed, step, n, l.MemoryUsage(0))
			}
		}
	}
}

// TestHashListpackCountSaturates checks the count header at 65535 fields and more:
// it saturates and Len walks the entries instead.
func TestHashListpackCountSaturates(t *testing.T) {
	const n = 65536
	var b bytes.Buffer
	b.Write(make([]byte, hshHeader))
	for i := 0; i < n; i++ {
		f := strconv.Itoa(i)
		b.WriteByte(byte(len(f)))
		b.WriteString(f)
		b.WriteByte(1)
		b.WriteByte('v')
	}
	l, lb := hshMake(b.Len(), b.Len())
	copy(lb[4:], b.Bytes()[4:])
	l.setCount(n)
	if got := l.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	l, added := l.set([]byte("new"), []byte("x"))
	if !added || l.Len() != n+1 {
		t.Fatalf("after adding: Len = %d", l.Len())
	}
	for i := 0; i < n-65530; i++ {
		var ok bool
		if l, ok = l.del([]byte(strconv.Itoa(i))); !ok {
			t.Fatalf("del %d failed", i)
		}
	}
	if got, want := l.Len(), 65531; got != want {
		t.Fatalf("after deleting: Len = %d, want %d", got, want)
	}
	if hdr := binary.LittleEndian.Uint16(l.bytes()[4:]); hdr != 65531 {
		t.Fatalf("header %d once the count fits again", hdr)
	}
}

// TestHashCap checks the listpack allocation sizes: monotone, idempotent,
// never below the length, and at most 1/8 above it past 256 bytes.
func TestHashCap(t *testing.T) {
	prev := 0
	for n := 0; n < 1<<20; n += 1 + n/64 {
		c := hshCap(n)
		if c < n || c < prev || hshCap(c) != c {
			t.Fatalf("hshCap(%d) = %d (previous %d, hshCap(c) = %d)", n, c, prev, hshCap(c))
		}
		if n > 256 && c-n > n/8 {
			t.Fatalf("hshCap(%d) = %d: too much spare", n, c)
		}
		prev = c
	}
}

// TestHashResize covers the listpack's resize: same size, shrink in place,
// grow in place, grow into a new allocation, shrink into a smaller one.
func TestHashResize(t *testing.T) {
	l, b := hshMake(hshHeader+10, hshHeader+10) // cap 16
	copy(b[hshHeader:], "0123456789")
	body := func(l hshListpack) string { return string(l.bytes()[hshHeader:]) }
	l, _ = l.resize(8, 10, 2)
	if body(l) != "0123456789" {
		t.Fatalf("same size: %q", body(l))
	}
	p := l.p
	l, _ = l.resize(8, 10, 0)
	if body(l) != "01456789" || l.p != p {
		t.Fatalf("shrink in place: %q (moved %v)", body(l), l.p != p)
	}
	l, b = l.resize(7, 7, 2)
	copy(b[7:], "ab")
	if body(l) != "0ab1456789" || l.p != p {
		t.Fatalf("grow in place: %q (moved %v)", body(l), l.p != p)
	}
	l, b = l.resize(len(b), len(b), 100)
	if len(l.bytes()) != hshHeader+110 || body(l)[:10] != "0ab1456789" || l.p == p {
		t.Fatalf("grow: len %d %q", len(l.bytes()), body(l)[:10])
	}
	l, _ = l.resize(hshHeader+10, hshHeader+110, 0)
	if body(l) != "0ab1456789" || l.MemoryUsage(0) != 16 {
		t.Fatalf("shrink gives memory back: %q size %d", body(l), l.MemoryUsage(0))
	}
}

// TestHashTableOps checks the hashtable encoding and the conversion.
func TestHashTableOps(t *testing.T) {
	l := hshNewListpack()
	for i := 0; i < 100; i++ {
		l, _ = l.set([]byte("f"+strconv.Itoa(i)), []byte("v"+strconv.Itoa(i)))
	}
	tb := l.toTable()
	if tb.Len() != 100 || tb.Encoding() != "hashtable" || l.Encoding() != "listpack" {
		t.Fatalf("converted: Len %d", tb.Len())
	}
	for i := 0; i < 100; i++ {
		v, ok := tb.get([]byte("f" + strconv.Itoa(i)))
		if !ok || string(v) != "v"+strconv.Itoa(i) {
			t.Fatalf("f%d = %q %v", i, v, ok)
		}
	}
	if tb.set([]byte("f1"), []byte("changed")) || !tb.set([]byte("new"), []byte("")) {
		t.Fatal("set reports the wrong novelty")
	}
	if v, _ := tb.get([]byte("new")); v == nil || len(v) != 0 {
		t.Fatalf("empty value read back as %v", v)
	}
	c := tb.Clone().(*hshTable)
	if !tb.del([]byte("f1")) || tb.del([]byte("f1")) {
		t.Fatal("del")
	}
	if v, ok := c.get([]byte("f1")); !ok || string(v) != "changed" || c.Len() != 101 {
		t.Fatalf("the clone changed with the original: %q %v %d", v, ok, c.Len())
	}
	s := &Shard{rng: 99}
	for i := 0; i < 1000; i++ {
		e := tb.random(s.nextRand)
		if _, ok := tb.get([]byte(e.Key())); !ok {
			t.Fatalf("random returned %q, not a field", e.Key())
		}
	}
	// At least a 32-byte record, a bucket slot and the field and value bytes each.
	if m := tb.MemoryUsage(5); m < int64(100*(32+4+len("f99")+len("v99"))) {
		t.Fatalf("MemoryUsage %d for 100 fields", m)
	}
	lc := l.Clone().(hshListpack)
	l, _ = l.set([]byte("f0"), []byte("xx"))
	if v, _ := lc.get([]byte("f0")); string(v) != "v0" {
		t.Fatalf("listpack clone shares memory: %q", v)
	}
	if l.MemoryUsage(5) < int64(len(l.bytes())) {
		t.Fatal("listpack MemoryUsage below its bytes")
	}
}

// TestHashSmallIsCompact checks the size of a small hash: the listpack is
// one allocation, sized for the HSET that creates the key, and storing it in
// Entry.Obj allocates nothing more.
func TestHashSmallIsCompact(t *testing.T) {
	env := newKVEnv(t, 1)
	env.do(hshSmall...)
	e := env.e.shards[0].dbs[0].Get([]byte("bench"))
	l := e.Obj().(hshListpack)
	want := hshHeader + 5*(1+2+1+10)
	if len(l.bytes()) != want || l.MemoryUsage(0) != int64(hshCap(want)) {
		t.Fatalf("listpack of 5 fields: len %d, size %d, want len %d", len(l.bytes()), l.MemoryUsage(0), want)
	}
	if raceEnabled() {
		return
	}
	key := []byte("other")
	d := env.e.shards[0].dbs[0]
	allocs := testing.AllocsPerRun(100, func() {
		d.Delete(key)
		ne := d.Insert(key)
		ne.Type = TypeHash
		ne.SetObj(hshNewListpack())
	})
	// The entry (with its key inline) and the listpack, nothing else.
	if allocs > 2 {
		t.Errorf("%v allocations to create a hash entry, want 2", allocs)
	}
}
