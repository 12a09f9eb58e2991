package shard

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// checkDictInvariants verifies every structural invariant of d against nothing but d itself.
func checkDictInvariants(t testing.TB, d *Dict) {
	t.Helper()
	if d.rehashIdx < 0 {
		require.Zero(t, d.ht[1].size, "ht[1] in use while not rehashing")
		require.Zero(t, d.ht[1].used)
	} else {
		require.NotZero(t, d.ht[1].size)
		require.Less(t, uint64(d.rehashIdx), d.ht[0].size)
	}
	seen := make(map[string]bool, d.Len())
	volatile := 0
	for ti := 0; ti < 2; ti++ {
		tb := &d.ht[ti]
		n := tb.size
		if n > 0 {
			require.Zero(t, n&(n-1), "table size %d not a power of two", n)
			require.GreaterOrEqual(t, n, uint64(dictMinSize))
			require.Equal(t, n-1, tb.mask)
			require.Equal(t, int((n+dictPageMask)/dictPageSize), len(tb.pages))
			for _, p := range tb.pages {
				if p != nil {
					require.Equal(t, int(min(n, dictPageSize)), len(p))
				}
			}
		}
		count := 0
		for i := uint64(0); i < n; i++ {
			e := tb.head(i)
			if e != nil && ti == 0 && d.rehashIdx >= 0 && i < uint64(d.rehashIdx) {
				t.Fatalf("moved bucket %d not empty", i)
			}
			for ; e != nil; e = e.next {
				count++
				if h := maphash.String(d.seed, e.Key) & tb.mask; h != i {
					t.Fatalf("key %q in bucket %d of ht[%d], hash says %d", e.Key, i, ti, h)
				}
				if seen[e.Key] {
					t.Fatalf("duplicate key %q", e.Key)
				}
				seen[e.Key] = true
				switch {
				case e.Expire != 0 && (e.vidx < 0 || int(e.vidx) >= d.vol.n || d.vol.at(int(e.vidx)) != e):
					t.Fatalf("key %q has TTL but bad vidx %d", e.Key, e.vidx)
				case e.Expire == 0 && e.vidx != -1:
					t.Fatalf("key %q without TTL has vidx %d", e.Key, e.vidx)
				case e.Expire != 0:
					volatile++
				}
			}
		}
		require.Equal(t, tb.used, count, "ht[%d].used", ti)
	}
	require.Equal(t, volatile, d.vol.n)
	require.LessOrEqual(t, len(d.vol.chunks), (d.vol.n+dictVolMask)>>dictVolShift+1, "too many spare chunks")
	for i := 0; i < d.vol.n; i++ {
		if e := d.vol.at(i); e.vidx != int32(i) || e.Expire == 0 {
			t.Fatalf("volatile[%d] = %q with vidx %d, Expire %d", i, e.Key, e.vidx, e.Expire)
		}
	}
	for i := d.vol.n; i < len(d.vol.chunks)*dictVolChunk; i++ {
		if d.vol.at(i) != nil {
			t.Fatalf("stale pointer in volatile[%d] beyond len %d", i, d.vol.n)
		}
	}
}

func dictKey(prefix string, i int) []byte { return []byte(prefix + strconv.Itoa(i)) }

type dictModelVal struct {
	val    string
	expire int64
}

// TestDictModel runs 200k random operations against a map model, checking Len, VolatileLen
// and every result after each step, with phases that force repeated growth and shrink and
// arbitrary small RehashStep calls in between.
func TestDictModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			d := NewDict()
			model := map[string]dictModelVal{}
			var present []string // keys in model, for O(1) random pick
			pos := map[string]int{}
			volatile := 0
			addPresent := func(k string) { pos[k] = len(present); present = append(present, k) }
			dropPresent := func(k string) {
				i, last := pos[k], len(present)-1
				present[i] = present[last]
				pos[present[i]] = i
				present = present[:last]
				delete(pos, k)
			}
			pickKey := func() []byte {
				if len(present) > 0 && rng.IntN(2) == 0 {
					return []byte(present[rng.IntN(len(present))])
				}
				return dictKey("k", rng.IntN(60000))
			}

			const ops = 200_000
			var rehashingSteps, sizeChanges, grows, shrinks int
			lastSize := 0
			for step := 0; step < ops; step++ {
				growPhase := (step/20000)%2 == 0
				op := rng.IntN(100)
				var insertP, deleteP int
				if growPhase {
					insertP, deleteP = 55, 10
				} else {
					insertP, deleteP = 10, 55
				}
				switch {
				case op < insertP: // SET-like: Get then Insert if absent
					k := pickKey()
					e := d.Get(k)
					mv, ok := model[string(k)]
					require.Equal(t, ok, e != nil, "Get(%s) before insert", k)
					val := fmt.Sprint("v", step)
					if e == nil {
						e = d.Insert(k)
						require.Equal(t, string(k), e.Key)
						require.Zero(t, e.Expire)
						require.Equal(t, int32(-1), e.vidx)
						addPresent(string(k))
					} else {
						require.Equal(t, mv.val, string(e.Str))
					}
					e.Str = []byte(val)
					mv.val = val
					model[string(k)] = mv
				case op < insertP+deleteP:
					k := pickKey()
					e := d.Delete(k)
					mv, ok := model[string(k)]
					require.Equal(t, ok, e != nil, "Delete(%s)", k)
					if ok {
						require.Equal(t, string(k), e.Key)
						require.Equal(t, mv.val, string(e.Str))
						require.Equal(t, int32(-1), e.vidx)
						if mv.expire != 0 {
							volatile--
						}
						delete(model, string(k))
						dropPresent(string(k))
					}
					require.Nil(t, d.Get(k))
				case op < 85:
					k := pickKey()
					e := d.Get(k)
					mv, ok := model[string(k)]
					require.Equal(t, ok, e != nil, "Get(%s)", k)
					if ok {
						require.Equal(t, string(k), e.Key)
						require.Equal(t, mv.val, string(e.Str))
						require.Equal(t, mv.expire, e.Expire)
					}
				case op < 97:
					if len(present) == 0 {
						continue
					}
					k := present[rng.IntN(len(present))]
					e := d.Get([]byte(k))
					require.NotNil(t, e)
					at := int64(0)
					if rng.IntN(3) != 0 {
						at = 1 + rng.Int64N(1e12)
					}
					mv := model[k]
					if (mv.expire != 0) != (at != 0) {
						if at != 0 {
							volatile++
						} else {
							volatile--
						}
					}
					d.SetExpire(e, at)
					mv.expire = at
					model[k] = mv
					require.Equal(t, at, e.Expire)
				case op < 99:
					d.RehashStep(rng.IntN(3))
				default:
					if rng.IntN(200) == 0 { // ~10 FLUSHDBs per run
						d.Clear()
						clear(model)
						clear(pos)
						present = present[:0]
						volatile = 0
					}
				}
				require.Equal(t, len(model), d.Len())
				require.Equal(t, volatile, d.VolatileLen())
				if d.rehashing() {
					rehashingSteps++
				}
				if size := int(d.ht[0].size); size != lastSize {
					sizeChanges++
					if size > lastSize {
						grows++
					} else {
						shrinks++
					}
					lastSize = size
				}
				if step%2000 == 0 {
					checkDictInvariants(t, d)
				}
			}
			checkDictInvariants(t, d)
			// Every model key must be found, and nothing else iterated.
			n := 0
			d.ForEach(func(e *Entry) bool {
				n++
				mv, ok := model[e.Key]
				require.True(t, ok, "extra key %q", e.Key)
				require.Equal(t, mv.val, string(e.Str))
				require.Equal(t, mv.expire, e.Expire)
				return true
			})
			require.Equal(t, len(model), n)
			t.Logf("rehashing during %d/%d steps, %d grows, %d shrinks", rehashingSteps, ops, grows, shrinks)
			require.Greater(t, rehashingSteps, ops/20, "test did not exercise incremental rehash")
			require.Greater(t, grows, 20)
			require.Greater(t, shrinks, 10)
		})
	}
}

func TestDictBasics(t *testing.T) {
	d := NewDict()
	require.Zero(t, d.Len())
	require.Nil(t, d.Get([]byte("a")))
	require.Nil(t, d.Delete([]byte("a")))
	require.Zero(t, d.Scan(0, func(*Entry) { t.Fatal("scan of empty dict") }))
	require.False(t, d.RehashStep(10))

	e := d.Insert([]byte("a"))
	require.Equal(t, "a", e.Key)
	require.Equal(t, uint64(dictMinSize), d.ht[0].size)
	require.Same(t, e, d.Get([]byte("a")))
	empty := d.Insert(nil)
	require.Equal(t, "", empty.Key)
	require.Same(t, empty, d.Get([]byte{}))

	// The key is copied: mutating the caller's buffer does not change the stored key.
	buf := []byte("buf")
	eb := d.Insert(buf)
	buf[0] = 'X'
	require.Equal(t, "buf", eb.Key)
	require.Same(t, eb, d.Get([]byte("buf")))
	require.Nil(t, d.Get(buf))

	d.SetExpire(e, 100)
	d.SetExpire(e, 200) // update keeps one membership
	require.Equal(t, 1, d.VolatileLen())
	require.Same(t, e, d.RandomVolatile(12345))
	d.SetExpire(e, 0)
	require.Zero(t, d.VolatileLen())
	require.Nil(t, d.RandomVolatile(0))
	d.SetExpire(e, 300)
	require.Same(t, e, d.Delete([]byte("a")))
	require.Zero(t, d.VolatileLen())
	require.Equal(t, int64(300), e.Expire, "Delete leaves Expire on the returned entry")
	require.Equal(t, 2, d.Len())

	d.Clear()
	require.Zero(t, d.Len())
	require.Nil(t, d.Get([]byte("buf")))
	d.Insert([]byte("again"))
	require.Equal(t, 1, d.Len())
	checkDictInvariants(t, d)
}

// TestDictEntryLayout: the co-allocated Entry+key objects fill Go size classes exactly (if
// Entry grows, keyCap* adapt; this shows what they became).
func TestDictEntryLayout(t *testing.T) {
	t.Logf("Entry %d bytes; key capacities %d/%d/%d/%d", dictEntrySize, dictKeyCap1, dictKeyCap2, dictKeyCap3, dictKeyCap4)
	if dictEntrySize == 88 {
		require.Equal(t, uintptr(112), unsafe.Sizeof(dictKeyedEntry[[dictKeyCap1]byte]{}))
		require.Equal(t, uintptr(128), unsafe.Sizeof(dictKeyedEntry[[dictKeyCap2]byte]{}))
		require.Equal(t, uintptr(144), unsafe.Sizeof(dictKeyedEntry[[dictKeyCap3]byte]{}))
		require.Equal(t, uintptr(160), unsafe.Sizeof(dictKeyedEntry[[dictKeyCap4]byte]{}))
	}
	require.Less(t, dictKeyCap1, dictKeyCap2)
	require.Less(t, dictKeyCap2, dictKeyCap3)
	require.Less(t, dictKeyCap3, dictKeyCap4)
}

// TestDictKeyLengths round-trips keys around every storage tier boundary of newDictEntry.
func TestDictKeyLengths(t *testing.T) {
	d := NewDict()
	var keys [][]byte
	for _, n := range []int{0, 1, 23, 24, 25, 39, 40, 41, 56, 57, 71, 72, 73, 200, 5000} {
		for _, c := range []byte("ab") {
			k := bytes.Repeat([]byte{c}, n)
			if n == 0 && c == 'b' {
				continue
			}
			e := d.Insert(k)
			require.Equal(t, string(k), e.Key)
			require.Equal(t, int32(-1), e.vidx)
			keys = append(keys, k)
			orig := bytes.Clone(k)
			for i := range k {
				k[i] = 'X' // the caller may reuse its buffer: the stored key must not change
			}
			require.Equal(t, string(orig), e.Key)
			copy(k, orig)
		}
	}
	for _, k := range keys {
		e := d.Get(k)
		require.NotNil(t, e, "len %d", len(k))
		require.Equal(t, string(k), e.Key)
	}
	for _, k := range keys {
		require.Equal(t, string(k), d.Delete(k).Key)
	}
	require.Zero(t, d.Len())
}

func TestDictResizePolicy(t *testing.T) {
	d := NewDict()
	for i := 0; i < 4; i++ {
		d.Insert(dictKey("k", i)) // the fourth insert still fits: growth happens at Len >= buckets
	}
	require.Equal(t, 4, int(d.ht[0].size))
	require.False(t, d.rehashing())
	d.Insert(dictKey("k", 4)) // Len 4 >= 4 buckets: start growing to 8
	require.True(t, d.rehashing())
	require.Equal(t, 8, int(d.ht[1].size))

	for i := 5; i < 1000; i++ {
		d.Insert(dictKey("k", i))
		checkDictInvariants(t, d)
	}
	for d.RehashStep(1) {
	}
	require.Equal(t, 1024, int(d.ht[0].size))
	// Growth is incremental: inserting the 1024th key only allocates the new table.
	d.Insert(dictKey("k", 1000))
	for i := 1001; i < 1024; i++ {
		d.Insert(dictKey("k", i))
	}
	require.False(t, d.rehashing())
	d.Insert(dictKey("k", 1024))
	require.True(t, d.rehashing())
	require.Equal(t, 2048, int(d.ht[1].size))
	require.Greater(t, d.ht[0].used, 1000, "most keys must still be in the old table")
	steps := 0
	for d.RehashStep(1) {
		steps++
	}
	require.Greater(t, steps, 100)
	require.Equal(t, 2048, int(d.ht[0].size))

	// Shrink: Len < buckets/8 starts a shrink to the smallest power of two > Len.
	for i := 0; i < 255; i++ {
		d.Delete(dictKey("k", i))
	}
	for i := 255; i < 1025; i++ {
		d.Delete(dictKey("k", i))
		checkDictInvariants(t, d)
	}
	for d.RehashStep(1) {
	}
	require.Zero(t, d.Len())
	require.Equal(t, uint64(dictMinSize), d.ht[0].size)
	checkDictInvariants(t, d)

	// Idle RehashStep starts a pending shrink (e.g. deletes happened during a grow).
	d2 := NewDict()
	for i := 0; i < 4097; i++ { // the 4097th insert starts growth to 8192
		d2.Insert(dictKey("k", i))
	}
	require.True(t, d2.rehashing())
	d2.pause++ // keep the grow from progressing while deleting
	for i := 0; i < 4090; i++ {
		d2.Delete(dictKey("k", i))
	}
	d2.pause--
	for d2.RehashStep(1) {
	}
	require.Equal(t, 8, int(d2.ht[0].size))
	checkDictInvariants(t, d2)
}

// TestDictResizeIsLazy checks that starting a resize does not allocate the new bucket array
// at once (only its page directory and the page written), and that the old table's pages are
// released while the rehash drains them.
func TestDictResizeIsLazy(t *testing.T) {
	d := NewDict()
	const n = 1 << 17
	for i := 0; i < n-1; i++ {
		d.Insert(dictKey("z", i))
	}
	for d.RehashStep(1000) {
	}
	d.Insert(dictKey("z", n-1)) // Len == buckets now; the next insert (or idle step) grows
	require.Equal(t, uint64(n), d.ht[0].size)
	require.False(t, d.rehashing())

	var before, after runtime.MemStats
	k := []byte("trigger")
	runtime.ReadMemStats(&before)
	d.Insert(k) // Len == buckets: starts growth to 2^18 buckets
	runtime.ReadMemStats(&after)
	require.True(t, d.rehashing())
	require.Equal(t, uint64(2*n), d.ht[1].size)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("Insert starting a grow to %d buckets allocated %d bytes (a flat array is %d)", 2*n, allocated, 2*n*8)
	require.Less(t, allocated, uint64(64<<10))
	pages := func(tb *dictTable) (live int) {
		for _, p := range tb.pages {
			if p != nil {
				live++
			}
		}
		return live
	}
	require.LessOrEqual(t, pages(&d.ht[1]), 2)

	for d.rehashIdx < n/2 {
		d.RehashStep(100)
		// Every old page entirely below rehashIdx has been released.
		require.LessOrEqual(t, pages(&d.ht[0]), n/dictPageSize-d.rehashIdx/dictPageSize)
	}
	checkDictInvariants(t, d)
}

// dictKeyAtBucket finds a key that hashes to bucket b of a table with the given mask.
func dictKeyAtBucket(d *Dict, mask, b uint64, prefix string) []byte {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if maphash.String(d.seed, k)&mask == b {
			return []byte(k)
		}
	}
}

// TestDictRehashSparse covers rehashing out of a table whose pages are mostly unallocated
// (a grow during which nearly everything was deleted) and the per-step work bound: one
// RehashStep(1) skips at most 10 empty buckets or one empty page, and moves at most 1 bucket.
func TestDictRehashSparse(t *testing.T) {
	d := NewDict()
	for i := 0; i <= 1<<15; i++ { // the last insert starts a grow to 2^16 buckets
		d.Insert(dictKey("p", i))
	}
	require.True(t, d.rehashing())
	const mask = 1<<16 - 1
	d.pause++ // no moves: delete everything from the old table, add three keys to the new one
	for i := 0; i <= 1<<15; i++ {
		require.NotNil(t, d.Delete(dictKey("p", i)))
	}
	special := [][]byte{
		dictKeyAtBucket(d, mask, 0, "a"),
		dictKeyAtBucket(d, mask, 2*dictPageSize, "b"), // first bucket after an unallocated page
		dictKeyAtBucket(d, mask, mask, "c"),           // last bucket of the last page
	}
	for _, k := range special {
		d.Insert(k)
	}
	d.pause--
	// One step completes the grow (the old table is empty) and starts the shrink to 4.
	require.True(t, d.RehashStep(1))
	require.Equal(t, uint64(1<<16), d.ht[0].size)
	require.Equal(t, uint64(dictMinSize), d.ht[1].size)
	live := 0
	for _, p := range d.ht[0].pages {
		if p != nil {
			live++
		}
	}
	require.LessOrEqual(t, live, 4, "only pages written (3 keys + 1 deleted) should exist")

	// Now the shrink to 4 buckets: each allocated page costs up to 4096/10 steps, each of the
	// (at least 12) unallocated pages one step.
	steps, bound := 0, live*(dictPageSize/dictEmptyVisits+2)+(1<<16)/dictPageSize-live+len(special)+8
	for d.RehashStep(1) {
		steps++
		require.LessOrEqual(t, steps, bound, "rehash of a sparse table takes too many steps")
	}
	t.Logf("sparse shrink took %d steps (bound %d)", steps, bound)
	require.Equal(t, uint64(dictMinSize), d.ht[0].size)
	for _, k := range special {
		require.NotNil(t, d.Get(k), "key %s lost", k)
	}
	checkDictInvariants(t, d)

	// Work bound on a table with all pages allocated but sparse.
	d = NewDict()
	for i := 0; i < 1<<15; i++ {
		d.Insert(dictKey("q", i))
	}
	for d.RehashStep(100) {
	}
	size := d.ht[0].size
	d.pause++
	for i := 0; i < 1<<15-5; i++ { // the shrink starts (below size/8) but cannot progress
		d.Delete(dictKey("q", i))
	}
	d.pause--
	require.True(t, d.rehashing())
	for d.rehashing() {
		before, moved := d.rehashIdx, d.ht[1].used
		d.RehashStep(1)
		if d.rehashing() {
			require.LessOrEqual(t, d.rehashIdx-before, dictEmptyVisits+1)
		}
		require.LessOrEqual(t, d.ht[1].used-moved, 2, "more than one bucket moved")
	}
	require.Less(t, d.ht[0].size, size)
	checkDictInvariants(t, d)
}

// TestDictShrinkThenInsertBurst: a shrink of a big sparse table followed by an insert burst
// must not leave the small new table badly overloaded while the old one drains.
func TestDictShrinkThenInsertBurst(t *testing.T) {
	d := NewDict()
	for i := 0; i < 1<<16; i++ {
		d.Insert(dictKey("s", i))
	}
	for d.RehashStep(100) {
	}
	d.pause++ // the first shrink (to 2^14) starts but does not progress
	for i := 100; i < 1<<16; i++ {
		d.Delete(dictKey("s", i))
	}
	d.pause--
	for d.rehashing() { // finish it without starting the next shrink
		d.rehash(1000)
	}
	big := d.ht[0].size
	require.Equal(t, uint64(1<<14), big)
	require.True(t, d.RehashStep(0)) // starts the shrink to 128 buckets
	require.Equal(t, uint64(128), d.ht[1].size)
	maxLoad := 0.0
	for i := 0; d.rehashing() || i == 0; i++ {
		d.Insert(dictKey("n", i))
		if d.rehashing() {
			maxLoad = max(maxLoad, float64(d.ht[1].used)/float64(d.ht[1].size))
		}
	}
	t.Logf("old table %d buckets, new %d: max load of new table during drain %.2f", big, d.ht[0].size, maxLoad)
	require.Less(t, d.ht[0].size, big)
	require.LessOrEqual(t, maxLoad, 4.0)
	checkDictInvariants(t, d)
}

// dictScanAll runs a full scan, calling between(calls) before every Scan call after the first.
// It returns how many times each key was returned.
func dictScanAll(t *testing.T, d *Dict, between func(call int)) map[string]int {
	t.Helper()
	seen := map[string]int{}
	cursor, calls := uint64(0), 0
	for {
		cursor = d.Scan(cursor, func(e *Entry) { seen[e.Key]++ })
		calls++
		if cursor == 0 {
			return seen
		}
		require.Less(t, calls, 10_000_000, "scan does not terminate")
		if between != nil {
			between(calls)
		}
	}
}

func requireDictAllSeen(t *testing.T, seen map[string]int, keys map[string]bool) {
	t.Helper()
	missing := 0
	for k := range keys {
		if seen[k] == 0 {
			missing++
		}
	}
	require.Zero(t, missing, "%d of %d stable keys never returned by SCAN", missing, len(keys))
}

func TestDictScanStable(t *testing.T) {
	// No mutation between calls: every key exactly once, whether or not mid-rehash.
	for _, n := range []int{1, 3, 100, 1024, 5000} {
		d := NewDict()
		want := map[string]bool{}
		for i := 0; i < n; i++ {
			d.Insert(dictKey("s", i))
			want["s"+strconv.Itoa(i)] = true
		}
		seen := dictScanAll(t, d, nil)
		require.Len(t, seen, n)
		for k, c := range seen {
			require.True(t, want[k])
			require.Equal(t, 1, c, "key %q returned %d times", k, c)
		}
	}
	for _, grow := range []bool{true, false} {
		d := NewDict()
		want := map[string]bool{}
		n := 4097 // the 4097th insert starts growth to 8192
		if !grow {
			n = 5000
		}
		for i := 0; i < n; i++ {
			d.Insert(dictKey("s", i))
			want["s"+strconv.Itoa(i)] = true
		}
		if !grow {
			for d.RehashStep(100) {
			}
			d.pause++ // the first delete below 1024 keys starts a shrink; keep it at the start
			for i := 0; i < n-200; i++ {
				d.Delete(dictKey("s", i))
				delete(want, "s"+strconv.Itoa(i))
			}
			d.pause--
			require.Equal(t, 1024, int(d.ht[1].size))
		}
		d.RehashStep(100)
		require.True(t, d.rehashing())
		require.Positive(t, d.ht[0].used)
		require.Positive(t, d.ht[1].used)
		seen := dictScanAll(t, d, nil)
		require.Len(t, seen, len(want))
		for k, c := range seen {
			require.True(t, want[k])
			require.Equal(t, 1, c, "key %q returned %d times (grow=%v)", k, c, grow)
		}
	}
}

func TestDictScanGrowth(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		d := NewDict()
		stable := map[string]bool{}
		n0 := 100 + rng.IntN(2000)
		for i := 0; i < n0; i++ {
			d.Insert(dictKey("init", i))
			stable["init"+strconv.Itoa(i)] = true
		}
		next, midRehash, grows := 0, 0, 0
		lastSize := d.ht[0].size
		seen := dictScanAll(t, d, func(int) {
			if next < 60_000 {
				for k := rng.IntN(300); k > 0; k-- {
					d.Insert(dictKey("new", next))
					next++
				}
			}
			if rng.IntN(4) == 0 {
				d.RehashStep(rng.IntN(4))
			}
			if d.rehashing() {
				midRehash++
			}
			if d.ht[0].size > lastSize {
				grows++
				lastSize = d.ht[0].size
			}
		})
		requireDictAllSeen(t, seen, stable)
		checkDictInvariants(t, d)
		require.GreaterOrEqual(t, grows, 4, "table did not grow enough during the scan")
		require.Positive(t, midRehash)
	}
}

func TestDictScanShrink(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 8))
		d := NewDict()
		stable := map[string]bool{}
		var doomed [][]byte
		n0 := 60_000 + rng.IntN(40_000)
		for i := 0; i < n0; i++ {
			k := dictKey("k", i)
			d.Insert(k)
			if rng.IntN(100) == 0 {
				stable[string(k)] = true
			} else {
				doomed = append(doomed, k)
			}
		}
		rng.Shuffle(len(doomed), func(i, j int) { doomed[i], doomed[j] = doomed[j], doomed[i] })
		startSize, midRehash := int(d.ht[0].size), 0
		seen := dictScanAll(t, d, func(int) {
			for k := rng.IntN(200); k > 0 && len(doomed) > 0; k-- {
				require.NotNil(t, d.Delete(doomed[len(doomed)-1]))
				doomed = doomed[:len(doomed)-1]
			}
			if rng.IntN(4) == 0 {
				d.RehashStep(rng.IntN(4))
			}
			if d.rehashing() {
				midRehash++
			}
		})
		requireDictAllSeen(t, seen, stable)
		checkDictInvariants(t, d)
		for d.RehashStep(1) {
		}
		require.LessOrEqual(t, int(d.ht[0].size), startSize/32, "table did not shrink")
		require.Positive(t, midRehash)
	}
}

// TestDictScanMixed alternates grow and shrink bursts between Scan calls, so the table
// resizes in both directions (often starting a new rehash right after finishing one) while
// one scan is in progress.
func TestDictScanMixed(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 9))
		d := NewDict()
		stable := map[string]bool{}
		for i := 0; i < 300; i++ {
			k := dictKey("stable", i)
			d.Insert(k)
			stable[string(k)] = true
		}
		var churn [][]byte
		next, grows, shrinks := 0, 0, 0
		last := int(d.ht[0].size)
		seen := dictScanAll(t, d, func(call int) {
			if call > 4000 {
				return // let the scan finish
			}
			if (call/50)%2 == 0 {
				for k := rng.IntN(200); k > 0; k-- {
					k := dictKey("c", next)
					next++
					d.Insert(k)
					churn = append(churn, k)
				}
			} else {
				for k := rng.IntN(300); k > 0 && len(churn) > 0; k-- {
					i := rng.IntN(len(churn))
					require.NotNil(t, d.Delete(churn[i]))
					churn[i] = churn[len(churn)-1]
					churn = churn[:len(churn)-1]
				}
			}
			d.RehashStep(rng.IntN(3))
			if s := int(d.ht[0].size); s > last {
				grows++
				last = s
			} else if s < last {
				shrinks++
				last = s
			}
		})
		requireDictAllSeen(t, seen, stable)
		checkDictInvariants(t, d)
		require.Positive(t, grows)
		require.Positive(t, shrinks)
	}
}

// TestDictScanCursorSequence pins the cursor order to Redis's: for 8 buckets the reverse
// binary sequence is 0 4 2 6 1 5 3 7.
func TestDictScanCursorSequence(t *testing.T) {
	var got []uint64
	for c := uint64(0); ; {
		got = append(got, c)
		if c = dictNextCursor(c, 7); c == 0 {
			break
		}
	}
	require.Equal(t, []uint64{0, 4, 2, 6, 1, 5, 3, 7}, got)
}

func TestDictRandomEntry(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	d := NewDict()
	require.Nil(t, d.RandomEntry(rng.Uint64))

	drawAll := func(keys []string, draws int, fair bool) {
		t.Helper()
		counts := map[string]int{}
		for i := 0; i < draws; i++ {
			e := d.RandomEntry(rng.Uint64)
			require.NotNil(t, e)
			counts[e.Key]++
		}
		require.Len(t, counts, len(keys), "some key never drawn")
		if !fair {
			return
		}
		// Exact distribution of "uniform non-empty bucket, then uniform chain element":
		// P(key) = 1/(non-empty buckets * its chain length). Allow 5 standard deviations.
		prob := map[string]float64{}
		var chains [][]string
		for ti := 0; ti < 2; ti++ {
			for i := uint64(0); i < d.ht[ti].size; i++ {
				var chain []string
				for e := d.ht[ti].head(i); e != nil; e = e.next {
					chain = append(chain, e.Key)
				}
				if chain != nil {
					chains = append(chains, chain)
				}
			}
		}
		for _, c := range chains {
			for _, k := range c {
				prob[k] = 1 / float64(len(chains)*len(c))
			}
		}
		minP, maxP := 1.0, 0.0
		for _, k := range keys {
			p := prob[k]
			minP, maxP = min(minP, p), max(maxP, p)
			exp := float64(draws) * p
			tol := 5*math.Sqrt(exp*(1-p)) + 1
			require.InDelta(t, exp, float64(counts[k]), tol, "key %q: P=%.5f", k, p)
		}
		t.Logf("%d keys in %d chains: per-key probability %.4f..%.4f (uniform %.4f)",
			len(keys), len(chains), minP, maxP, 1/float64(len(keys)))
	}

	var keys []string
	for i := 0; i < 50; i++ {
		keys = append(keys, d.Insert(dictKey("r", i)).Key)
	}
	drawAll(keys, 100_000, true)

	// Mid-rehash: both tables hold keys.
	for i := 50; i < 65; i++ { // the 65th key starts growth to 128 buckets
		keys = append(keys, d.Insert(dictKey("r", i)).Key)
	}
	d.RehashStep(10)
	require.True(t, d.rehashing())
	require.Positive(t, d.ht[0].used)
	require.Positive(t, d.ht[1].used)
	drawAll(keys, 100_000, true)

	// Very sparse mid-rehash table (forces the linear fallback path).
	d2 := NewDict()
	for i := 0; i < 8193; i++ { // ends mid-growth to 16384 buckets
		d2.Insert(dictKey("x", i))
	}
	require.True(t, d2.rehashing())
	d2.pause++
	for i := 3; i < 8193; i++ {
		d2.Delete(dictKey("x", i))
	}
	d2.pause--
	d = d2
	drawAll([]string{"x0", "x1", "x2"}, 3000, false) // linear fallback is not fair

	d.Clear()
	require.Nil(t, d.RandomEntry(rng.Uint64))
}

func TestDictRandomVolatile(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	d := NewDict()
	require.Nil(t, d.RandomVolatile(rng.Uint64()))
	vol := map[string]bool{}
	for i := 0; i < 100; i++ {
		e := d.Insert(dictKey("v", i))
		if i%3 == 0 {
			d.SetExpire(e, int64(1000+i))
			vol[e.Key] = true
		}
	}
	require.Equal(t, len(vol), d.VolatileLen())
	counts := map[string]int{}
	const draws = 100_000
	for i := 0; i < draws; i++ {
		e := d.RandomVolatile(rng.Uint64())
		require.True(t, vol[e.Key], "non-volatile key %q drawn", e.Key)
		counts[e.Key]++
	}
	require.Len(t, counts, len(vol))
	exp := draws / len(vol)
	for k, c := range counts {
		require.InDelta(t, exp, c, float64(exp)*0.25, "key %q", k)
	}
	// Removing TTLs (explicitly and by Delete) shrinks the set; survivors stay drawable.
	for i := 0; i < 100; i += 3 {
		if i%2 == 0 {
			d.SetExpire(d.Get(dictKey("v", i)), 0)
		} else {
			d.Delete(dictKey("v", i))
		}
		delete(vol, "v"+strconv.Itoa(i))
		if len(vol) > 0 {
			require.True(t, vol[d.RandomVolatile(rng.Uint64()).Key])
		}
	}
	require.Zero(t, d.VolatileLen())
	require.Nil(t, d.RandomVolatile(7))
	checkDictInvariants(t, d)

	// Chunk boundaries: grow past several chunks and back, checking positions.
	d = NewDict()
	var es []*Entry
	for i := 0; i < 3*dictVolChunk+5; i++ {
		e := d.Insert(dictKey("c", i))
		d.SetExpire(e, 1)
		es = append(es, e)
	}
	checkDictInvariants(t, d)
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	for i, e := range es {
		d.SetExpire(e, 0)
		if i%257 == 0 {
			checkDictInvariants(t, d)
		}
	}
	require.Zero(t, d.VolatileLen())
	require.LessOrEqual(t, len(d.vol.chunks), 1)
}

func TestDictForEach(t *testing.T) {
	d := NewDict()
	for i := 0; i < 4097; i++ { // ends mid-rehash
		d.Insert(dictKey("f", i))
	}
	require.True(t, d.rehashing())
	seen := map[string]bool{}
	d.ForEach(func(e *Entry) bool {
		require.False(t, seen[e.Key])
		seen[e.Key] = true
		require.Same(t, e, d.Get([]byte(e.Key))) // Get inside ForEach must not disturb it
		return true
	})
	require.Len(t, seen, 4097)
	n := 0
	d.ForEach(func(*Entry) bool { n++; return n < 10 })
	require.Equal(t, 10, n)
}

// TestDictAllocs pins allocation counts: lookups, deletes and TTL changes never allocate;
// Insert (when no resize starts) makes exactly one allocation for a key of up to 72 bytes
// (Entry and key bytes in one object) and two for a longer key (Entry, then the string).
func TestDictAllocs(t *testing.T) {
	d := NewDict()
	for i := 0; i < 1000; i++ {
		d.Insert(dictKey("a", i))
	}
	for d.RehashStep(100) {
	}
	hit, miss := []byte("a500"), []byte("nope")
	require.Zero(t, testing.AllocsPerRun(1000, func() { d.Get(hit) }))
	require.Zero(t, testing.AllocsPerRun(1000, func() { d.Get(miss) }))
	require.Zero(t, testing.AllocsPerRun(1000, func() { d.Delete(miss) }))
	require.Equal(t, 1.0, testing.AllocsPerRun(1000, func() {
		d.Delete(hit)
		d.Insert(hit)
	}))
	long := []byte(strings.Repeat("L", int(dictKeyCap4)+1)) // stored as a separate string
	d.Insert(long)
	require.Equal(t, 2.0, testing.AllocsPerRun(1000, func() {
		d.Delete(long)
		d.Insert(long)
	}))
	d.Delete(long)
	e := d.Get(hit)
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		d.SetExpire(e, 123)
		d.SetExpire(e, 0)
	}))
	keys := make([][]byte, 20)
	for i := range keys {
		keys[i] = dictKey("b", i)
	}
	i := 0
	require.Equal(t, 1.0, testing.AllocsPerRun(len(keys)-1, func() { // 1024 buckets: no resize
		d.Insert(keys[i])
		i++
	}))

	// Mid-rehash lookups do not allocate either.
	for i := 0; d.Len() < 1024; i++ {
		d.Insert(dictKey("c", i))
	}
	d.Insert([]byte("trigger"))
	require.True(t, d.rehashing())
	require.Zero(t, testing.AllocsPerRun(100, func() { d.Get(hit); d.Get(miss) }))
}

// ---------------------------------------------------------------------------------------
// Benchmarks, against map[string]*Entry holding the same Entries.
//
// Results on the development machine: 2 vCPU AMD EPYC, linux/amd64, Go 1.26.8, shared with
// other jobs (load average 2-4), so timings vary by about +-20% between runs.
//
// 1M keys "key:N"; go test -run X -bench 'GetHit|GetMiss|Insert' -benchtime=2s -count=4;
// median (range):
//
//	GetHit   Dict 448 ns (400-476)  0 allocs          map 464 ns (352-543)   0 allocs
//	GetMiss  Dict  71 ns (60-79)    0 allocs          map  54 ns (41-57)     0 allocs
//	Insert   Dict 544 ns (503-557)  1 alloc, 129 B    map 978 ns (919-1153)  2 allocs, ~220 B
//
// GetHit is random access over ~130 MB, so both are dominated by cache and TLB misses; a
// miss costs the Dict one more dependent load than the map (bucket head, then entry).
// Insert fills a fresh table from 0 to 1M keys, growth and rehash included.
//
// Growth from 0 to 2M keys, every Insert timed; -bench GrowthLatency -benchtime=5x -count=2:
//
//	max-of-best    Dict 8.3-8.7 us        map 40-47 us
//	p99.99         Dict 0.10-0.94 ms      map 4.1-5.3 ms
//	raw max        Dict 27-140 ms         map 118-226 ms
//	calls > 1 ms   Dict 47-89 per run     map 319-457 per run (of 2M)
//
// In a quieter moment: raw max Dict 17-21 ms, map 29-42 ms; calls > 1 ms Dict 20, map 40-75.
// The raw maxima are this shared box preempting the benchmark, not table work: they also
// happen with GOGC=off (Dict 11 ms, 10 calls > 1 ms), and at different inserts in every run.
// max-of-best, the slowest insert position after taking each position's fastest of 5 runs,
// removes that noise: no Dict call costs more than ~9 us, the slowest being the inserts right
// after a grow starts (page directory and first 32 KiB pages). With one flat bucket array
// instead of pages this was 72 us at 2M keys even in fresh memory, growing with the table;
// allocating 16 MiB pointer arrays in a loop (recycled memory, GC running) took a median of
// 2-13 ms per array here.

const dictBenchKeys = 1_000_000

var dictBenchKeySet [][]byte

func dictBenchKeysOnce() [][]byte {
	if dictBenchKeySet == nil {
		dictBenchKeySet = make([][]byte, dictBenchKeys)
		for i := range dictBenchKeySet {
			dictBenchKeySet[i] = []byte("key:" + strconv.Itoa(i))
		}
	}
	return dictBenchKeySet
}

var (
	dictSinkEntry *Entry
	dictSinkInt   int64
)

// Get benchmarks read a field of the found Entry on both sides, as a command would.

func BenchmarkGetHit(b *testing.B) {
	keys := dictBenchKeysOnce()
	b.Run("Dict", func(b *testing.B) {
		d := NewDict()
		for _, k := range keys {
			d.Insert(k)
		}
		for d.RehashStep(1000) {
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dictSinkInt += d.Get(keys[(i*7919)%dictBenchKeys]).Expire
		}
	})
	b.Run("Map", func(b *testing.B) {
		m := make(map[string]*Entry)
		for _, k := range keys {
			m[string(k)] = &Entry{Key: string(k)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dictSinkInt += m[string(keys[(i*7919)%dictBenchKeys])].Expire
		}
	})
}

func BenchmarkGetMiss(b *testing.B) {
	keys := dictBenchKeysOnce()
	miss := make([][]byte, 4096)
	for i := range miss {
		miss[i] = []byte("miss:" + strconv.Itoa(i))
	}
	b.Run("Dict", func(b *testing.B) {
		d := NewDict()
		for _, k := range keys {
			d.Insert(k)
		}
		for d.RehashStep(1000) {
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dictSinkEntry = d.Get(miss[i&4095])
		}
	})
	b.Run("Map", func(b *testing.B) {
		m := make(map[string]*Entry)
		for _, k := range keys {
			m[string(k)] = &Entry{Key: string(k)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dictSinkEntry = m[string(miss[i&4095])]
		}
	})
}

// BenchmarkInsert fills a fresh table from 0 to 1M keys (growth and rehash included); ns/op
// is per key. The map side stores the same Entry, so both make two allocations per key.
func BenchmarkInsert(b *testing.B) {
	keys := dictBenchKeysOnce()
	b.Run("Dict", func(b *testing.B) {
		b.ReportAllocs()
		var d *Dict
		for i := 0; i < b.N; i++ {
			j := i % dictBenchKeys
			if j == 0 {
				b.StopTimer()
				d = NewDict()
				b.StartTimer()
			}
			d.Insert(keys[j])
		}
	})
	b.Run("Map", func(b *testing.B) {
		b.ReportAllocs()
		var m map[string]*Entry
		for i := 0; i < b.N; i++ {
			j := i % dictBenchKeys
			if j == 0 {
				b.StopTimer()
				m = make(map[string]*Entry)
				b.StartTimer()
			}
			k := string(keys[j])
			m[k] = &Entry{Key: k}
		}
	})
}

// BenchmarkGrowthLatency inserts 2M keys into an empty table, timing every single insert, on
// both sides. Each iteration is one full 0 -> 2M growth; run it with -benchtime=5x. Metrics:
//   - max-ns: slowest insert seen in any iteration (includes GC assists and pauses and OS
//     preemption, so on a loaded machine it measures the machine);
//   - p99.99-ns: 99.99th percentile of single inserts, worst iteration;
//   - calls>1ms/run: inserts slower than 1 ms per 2M-insert run;
//   - max-of-best-ns: for each insert position take the fastest of the iterations, then the
//     max over positions. Random interference rarely hits the same position in every
//     iteration, so this isolates work the table itself does in one call (e.g. a resize).
func BenchmarkGrowthLatency(b *testing.B) {
	const n = 2_000_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	run := func(b *testing.B, reset func(), insert func(k []byte)) {
		lat := make([]time.Duration, n)
		best := make([]time.Duration, n)
		for i := range best {
			best[i] = time.Hour
		}
		var worst, p9999 time.Duration
		over1ms := 0
		for it := 0; it < b.N; it++ {
			b.StopTimer()
			reset()
			runtime.GC()
			b.StartTimer()
			for i, k := range keys {
				t0 := time.Now()
				insert(k)
				lat[i] = time.Since(t0)
			}
			for i, l := range lat {
				best[i] = min(best[i], l)
				if l > time.Millisecond {
					over1ms++
				}
			}
			slices.Sort(lat)
			worst = max(worst, lat[n-1])
			p9999 = max(p9999, lat[n-n/10000])
		}
		b.ReportMetric(float64(worst), "max-ns")
		b.ReportMetric(float64(p9999), "p99.99-ns")
		b.ReportMetric(float64(slices.Max(best)), "max-of-best-ns")
		b.ReportMetric(float64(over1ms)/float64(b.N), "calls>1ms/run")
	}
	b.Run("Dict", func(b *testing.B) {
		var d *Dict
		run(b, func() { d = NewDict() }, func(k []byte) { d.Insert(k) })
	})
	b.Run("Map", func(b *testing.B) {
		var m map[string]*Entry
		run(b, func() { m = make(map[string]*Entry) }, func(k []byte) {
			s := string(k)
			m[s] = &Entry{Key: s}
		})
	})
}
