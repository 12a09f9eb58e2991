package shard

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"testing"
)

// Unit tests of the set values (set.go): the packed intset against a sorted
// slice, width upgrades, capacity, and the hashtable's random pick.

func stIntsetValues(s *stIntset) []int64 {
	var l []int64
	for i := 0; i < s.Len(); i++ {
		l = append(l, s.at(i))
	}
	return l
}

func TestSetIntsetAgainstSlice(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewSource(seed))
		s := stNewIntset(2, 1)
		var want []int64
		var width uint8 = 2
		pick := func() int64 {
			switch r.Intn(6) {
			case 0:
				return int64(r.Intn(1<<20)) - 1<<19 // 32-bit
			case 1:
				return r.Int63() - 1<<62 // 64-bit
			case 2:
				return []int64{math.MinInt64, math.MaxInt64, math.MinInt32, math.MaxInt32, math.MinInt16, math.MaxInt16,
					math.MinInt32 - 1, math.MaxInt32 + 1, math.MinInt16 - 1, math.MaxInt16 + 1}[r.Intn(10)]
			}
			return int64(r.Intn(200)) - 100 // 16-bit
		}
		for step := 0; step < 3000; step++ {
			v := pick()
			i, found := slices.BinarySearch(want, v)
			if r.Intn(3) == 0 {
				ns, ok := s.remove(v)
				if ok != found {
					t.Fatalf("seed %d step %d: remove(%d) = %v, want %v", seed, step, v, ok, found)
				}
				if found {
					want = slices.Delete(want, i, i+1)
				}
				s = ns
			} else {
				ns, ok := s.add(v)
				if ok == found {
					t.Fatalf("seed %d step %d: add(%d) = %v, present %v", seed, step, v, ok, found)
				}
				if !found {
					want = slices.Insert(want, i, v)
					width = max(width, stIntWidth(v))
				}
				s = ns
			}
			if s.w != width {
				t.Fatalf("seed %d step %d: width %d, want %d (widths never shrink)", seed, step, s.w, width)
			}
			if int(s.n) > int(s.c) {
				t.Fatalf("seed %d step %d: %d members, capacity %d", seed, step, s.n, s.c)
			}
			if step%97 == 0 || step < 50 {
				if got := stIntsetValues(s); !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d: members %v, want %v", seed, step, got, want)
				}
				for _, v := range want {
					if !s.has(v) {
						t.Fatalf("seed %d step %d: has(%d) false", seed, step, v)
					}
				}
				for k := 0; k < 20; k++ {
					v := pick()
					_, found := slices.BinarySearch(want, v)
					if s.has(v) != found {
						t.Fatalf("seed %d step %d: has(%d) = %v", seed, step, v, !found)
					}
				}
			}
		}
	}
}

func TestSetIntsetLayout(t *testing.T) {
	s := stNewIntset(2, 1)
	if stIntsetHdr != 12 || s.MemoryUsage(0) != 16 {
		t.Fatalf("header %d, new intset %d bytes; want 12 and 16", stIntsetHdr, s.MemoryUsage(0))
	}
	for v := int64(1); v <= 5; v++ {
		s, _ = s.add(v)
	}
	// 5 members of 2 bytes: header and data in one 24-byte object.
	if s.MemoryUsage(0) > 24 {
		t.Errorf("5 small members use %d bytes, want <= 24", s.MemoryUsage(0))
	}
	// Adding within capacity allocates nothing; a wider member reallocates.
	s, _ = s.add(-1)
	if n := testing.AllocsPerRun(100, func() {
		s, _ = s.remove(3)
		s, _ = s.add(3)
	}); n != 0 && !raceEnabled() {
		t.Errorf("add/remove within capacity: %v allocations", n)
	}
	s, _ = s.add(1 << 40)
	if s.w != 8 || !slices.Equal(stIntsetValues(s), []int64{-1, 1, 2, 3, 4, 5, 1 << 40}) {
		t.Fatalf("after upgrade: width %d, %v", s.w, stIntsetValues(s))
	}
	s, _ = s.add(-1 << 40)
	if got := stIntsetValues(s); got[0] != -1<<40 {
		t.Fatalf("negative upgrade not first: %v", got)
	}
	// Removing most members gives memory back.
	big := stNewIntset(2, 1)
	for v := int64(0); v < 500; v++ {
		big, _ = big.add(v)
	}
	before := big.MemoryUsage(0)
	for v := int64(0); v < 490; v++ {
		big, _ = big.remove(v)
	}
	if after := big.MemoryUsage(0); after*4 > before {
		t.Errorf("after removing 490 of 500: %d bytes (was %d)", after, before)
	}
	// Clone is independent.
	c := big.Clone().(*stIntset)
	c, _ = c.add(10000)
	if big.Len() != 10 || c.Len() != 11 || c.Encoding() != "intset" {
		t.Errorf("clone: %d and %d members", big.Len(), c.Len())
	}
	// toHT keeps every member as its decimal string.
	h := c.toHT()
	for _, v := range stIntsetValues(c) {
		if !h.has([]byte(strconv.FormatInt(v, 10))) {
			t.Errorf("toHT lost %d", v)
		}
	}
	if h.Len() != c.Len() || h.Encoding() != "hashtable" {
		t.Errorf("toHT: %d members", h.Len())
	}
}

// TestSetAddConversions checks stAdd's conversions (Redis's setTypeAdd).
func TestSetAddConversions(t *testing.T) {
	var o Object = stCreate([]byte("1"))
	if o.Encoding() != "intset" || stCreate([]byte("a")).Encoding() != "hashtable" || stCreate([]byte("01")).Encoding() != "hashtable" {
		t.Fatal("stCreate encodings")
	}
	for i := 0; i < 4; i++ {
		o, _ = stAdd(o, []byte(strconv.Itoa(i)), 4)
	}
	if o.Encoding() != "intset" || o.Len() != 4 {
		t.Fatalf("4 ints under limit 4: %s %d", o.Encoding(), o.Len())
	}
	if o, _ = stAdd(o, []byte("3"), 4); o.Encoding() != "intset" {
		t.Fatal("a repeated member converted")
	}
	if o, _ = stAdd(o, []byte("4"), 4); o.Encoding() != "hashtable" || o.Len() != 5 {
		t.Fatalf("5th int: %s", o.Encoding())
	}
	o = stCreate([]byte("1"))
	o, _ = stAdd(o, []byte("1"), 512)
	if o, _ = stAdd(o, []byte("-0"), 512); o.Encoding() != "hashtable" || !stHas(o, []byte("-0")) || !stHas(o, []byte("1")) {
		t.Fatal("non-canonical integer")
	}
	// A hashtable of integer strings answers integer lookups.
	if !stHasMember(o, stMember{v: 1, isInt: true}) || stHasMember(o, stMember{v: 0, isInt: true}) {
		t.Fatal("stHasMember on a hashtable")
	}
}

// TestSetRandomUniformDirect checks stHT.random with a good random source,
// also while the table is being rehashed.
func TestSetRandomUniformDirect(t *testing.T) {
	for _, n := range []int{10, 100, 1000, 3000} {
		for _, rehashing := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/rehashing=%v", n, rehashing), func(t *testing.T) {
				h := stNewHT()
				for i := 0; i < n; i++ {
					h.add([]byte("m" + strconv.Itoa(i)))
				}
				if rehashing {
					// Insert until a grow starts, without finishing it.
					for i := n; h.d.rehashIdx < 0; i++ {
						h.add([]byte("m" + strconv.Itoa(i)))
						n++
					}
					if n > 8 {
						h.d.rehash(1)
					}
					if h.d.rehashIdx < 0 {
						t.Skip("rehash finished at once")
					}
				}
				r := rand.New(rand.NewSource(int64(n)))
				rnd := func() uint64 { return r.Uint64() }
				counts := map[string]int{}
				for i := 0; i < n*100; i++ {
					counts[h.random(rnd).Key()]++
				}
				if x, crit := stChiSquare(counts, n), stChiCritical(n-1); x > crit {
					t.Errorf("chi-square %.1f > %.1f (df %d)", x, crit, n-1)
				}
			})
		}
	}
}

func TestSetHTCloneAndMemory(t *testing.T) {
	h := stNewHT()
	for i := 0; i < 100; i++ {
		h.add([]byte(fmt.Sprintf("member-%d", i)))
	}
	c := h.Clone().(*stHT)
	c.remove([]byte("member-1"))
	if h.Len() != 100 || c.Len() != 99 || !h.has([]byte("member-1")) {
		t.Fatal("clone shares members")
	}
	small, all := h.MemoryUsage(5), h.MemoryUsage(math.MaxInt32)
	// At least a 32-byte record, a bucket slot and the member's bytes each.
	if small < int64(100*(32+4+len("member-10"))) || small != all {
		t.Errorf("memory usage %d (5 samples), %d (all)", small, all)
	}
}
