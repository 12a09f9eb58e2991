package shard

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Tests of the quicklist itself (list.go), against a [][]byte model, with
// node limits small enough that lists span many nodes.

func TestLstEntryEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 127, 128, 129, 255, 16383, 16384, 100000, 1 << 21} {
		v := bytes.Repeat([]byte{'x'}, n)
		if n > 0 {
			v[0], v[n-1] = 'a', 'z'
		}
		esz := lstEntrySize(n)
		buf := make([]byte, 3+esz+3)
		lstPut(buf[3:], v)
		got, next := lstAt(buf, 3)
		if !bytes.Equal(got, v) || next != 3+esz {
			t.Fatalf("n=%d: forward decode: len %d next %d, want next %d", n, len(got), next, 3+esz)
		}
		got, start := lstBefore(buf, 3+esz)
		if !bytes.Equal(got, v) || start != 3 {
			t.Fatalf("n=%d: backward decode: len %d start %d", n, len(got), start)
		}
	}
	if got := lstEntrySize(3); got != 5 {
		t.Errorf("a 3-byte element takes %d bytes, want 5 (as in a listpack)", got)
	}
}

func TestLstLimitFor(t *testing.T) {
	cases := []struct {
		fill int64
		want lstLimit
	}{
		{-1, lstLimit{bytes: 4096}},
		{-2, lstLimit{bytes: 8192}},
		{-3, lstLimit{bytes: 16384}},
		{-4, lstLimit{bytes: 32768}},
		{-5, lstLimit{bytes: 65536}},
		{-6, lstLimit{bytes: 65536}},
		{-100, lstLimit{bytes: 65536}},
		{0, lstLimit{entries: 1, bytes: 8192}},
		{1, lstLimit{entries: 1, bytes: 8192}},
		{128, lstLimit{entries: 128, bytes: 8192}},
	}
	for _, c := range cases {
		if got := lstLimitFor(c.fill); got != c.want {
			t.Errorf("lstLimitFor(%d) = %+v, want %+v", c.fill, got, c.want)
		}
	}
}

// lstContents decodes every element and checks the structure's invariants:
// counts add up, no node is empty, every node is within the limit (a single
// element may be bigger than a node), entries parse exactly to the node ends.
func lstContents(t *testing.T, l *lstList, lim lstLimit) [][]byte {
	t.Helper()
	var out [][]byte
	total := 0
	for ni, nd := range l.nodes() {
		if nd.count <= 0 {
			t.Fatalf("node %d of %d is empty", ni, l.n)
		}
		if lim.over(nd.size(), nd.count) {
			t.Fatalf("node %d is over the limit %+v: %d bytes, %d entries", ni, lim, nd.size(), nd.count)
		}
		k := 0
		for p := nd.lo; p < len(nd.b); k++ {
			var v []byte
			v, p = lstAt(nd.b, p)
			if p > len(nd.b) {
				t.Fatalf("node %d: entry overruns the node", ni)
			}
			out = append(out, v)
		}
		if k != nd.count {
			t.Fatalf("node %d holds %d entries, count says %d", ni, k, nd.count)
		}
		// Walking backward gives the same entries.
		q := len(nd.b)
		for i := k - 1; i >= 0; i-- {
			var v []byte
			v, q = lstBefore(nd.b, q)
			if !bytes.Equal(v, out[len(out)-k+i]) {
				t.Fatalf("node %d: backward walk differs at entry %d", ni, i)
			}
		}
		if q != nd.lo {
			t.Fatalf("node %d: backward walk ends at %d, not %d", ni, q, nd.lo)
		}
		total += nd.count
	}
	if total != l.count || len(out) != l.Len() {
		t.Fatalf("list count %d, nodes hold %d", l.count, total)
	}
	return out
}

func lstEqual(t *testing.T, what string, l *lstList, lim lstLimit, model [][]byte) {
	t.Helper()
	got := lstContents(t, l, lim)
	if len(got) != len(model) {
		t.Fatalf("%s: %d elements, model has %d", what, len(got), len(model))
	}
	for i := range got {
		if !bytes.Equal(got[i], model[i]) {
			t.Fatalf("%s: element %d = %q, model %q", what, i, got[i], model[i])
		}
	}
}

func lstRandValue(r *rand.Rand) []byte {
	switch r.IntN(10) {
	case 0:
		return nil
	case 1:
		return bytes.Repeat([]byte{byte('a' + r.IntN(26))}, 100+r.IntN(300)) // 2-byte length
	case 2:
		return bytes.Repeat([]byte{'L'}, 5000+r.IntN(5000)) // bigger than a small node
	}
	return []byte(strconv.Itoa(r.IntN(20)))
}

func TestLstRandomOps(t *testing.T) {
	limits := []lstLimit{
		lstLimitFor(-2), lstLimitFor(-1), lstLimitFor(1), lstLimitFor(2), lstLimitFor(5),
		{bytes: 64}, {bytes: 200}, {entries: 3, bytes: 100},
	}
	for li, lim := range limits {
		for seed := uint64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprintf("limit%d/seed%d", li, seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, uint64(li)))
				l := newLstList()
				var model [][]byte
				for step := 0; step < 1500; step++ {
					op := r.IntN(12)
					what := ""
					switch {
					case op <= 1 || len(model) == 0:
						v := lstRandValue(r)
						if r.IntN(2) == 0 {
							l.pushHead(v, lim)
							model = append([][]byte{v}, model...)
							what = "pushHead"
						} else {
							l.pushTail(v, lim)
							model = append(model, v)
							what = "pushTail"
						}
					case op == 2:
						got := string(l.popHead())
						if got != string(model[0]) {
							t.Fatalf("step %d popHead = %q, want %q", step, got, model[0])
						}
						model = model[1:]
						what = "popHead"
					case op == 3:
						got := string(l.popTail())
						if got != string(model[len(model)-1]) {
							t.Fatalf("step %d popTail = %q, want %q", step, got, model[len(model)-1])
						}
						model = model[:len(model)-1]
						what = "popTail"
					case op == 4:
						i := r.IntN(len(model))
						v := lstRandValue(r)
						l.replace(i, v, lim)
						model[i] = v
						what = "replace"
					case op == 5:
						pivot := model[r.IntN(len(model))]
						v := lstRandValue(r)
						ni, p, q, ok := l.find(pivot)
						if !ok {
							t.Fatalf("step %d: find(%q) failed", step, pivot)
						}
						at := 0
						for !bytes.Equal(model[at], pivot) {
							at++
						}
						if r.IntN(2) == 0 {
							p = q
							at++
						}
						l.insertAt(ni, p, v, lim)
						model = append(model[:at], append([][]byte{v}, model[at:]...)...)
						what = "insert"
					case op == 6:
						start := r.IntN(len(model))
						n := r.IntN(len(model) - start + 1)
						l.delRange(start, n)
						model = append(model[:start], model[start+n:]...)
						what = fmt.Sprintf("delRange(%d,%d)", start, n)
					case op == 7:
						v := model[r.IntN(len(model))]
						limit := r.IntN(3)
						fromTail := r.IntN(2) == 0
						got := l.remove(v, limit, fromTail, lim)
						want := 0
						var kept [][]byte
						if !fromTail {
							for _, m := range model {
								if bytes.Equal(m, v) && (limit == 0 || want < limit) {
									want++
									continue
								}
								kept = append(kept, m)
							}
						} else {
							for i := len(model) - 1; i >= 0; i-- {
								if bytes.Equal(model[i], v) && (limit == 0 || want < limit) {
									want++
									continue
								}
								kept = append([][]byte{model[i]}, kept...)
							}
						}
						if got != want {
							t.Fatalf("step %d remove = %d, want %d", step, got, want)
						}
						model = kept
						what = "remove"
					case op == 8:
						i := r.IntN(len(model))
						if got := l.index(i); !bytes.Equal(got, model[i]) {
							t.Fatalf("step %d index(%d) = %q, want %q", step, i, got, model[i])
						}
						what = "index"
					case op == 9:
						start := r.IntN(len(model))
						n := r.IntN(len(model)-start) + 1
						var want []byte
						for _, m := range model[start : start+n] {
							want = lstAppendBulk(want, m)
						}
						if got := l.appendRange(nil, start, n, false); !bytes.Equal(got, want) {
							t.Fatalf("step %d appendRange(%d,%d) differs", step, start, n)
						}
						end := r.IntN(len(model))
						n = r.IntN(end+1) + 1
						want = want[:0]
						for i := end; i > end-n; i-- {
							want = lstAppendBulk(want, model[i])
						}
						if got := l.appendRange(nil, end, n, true); !bytes.Equal(got, want) {
							t.Fatalf("step %d appendRange(%d,%d,reverse) differs", step, end, n)
						}
						what = "range"
					case op == 10:
						c := l.Clone().(*lstList)
						lstEqual(t, "clone", c, lim, model)
						c.pushHead([]byte("only in the clone"), lim)
						what = "clone"
					default:
						// Iterate both ways from a random element.
						i := r.IntN(len(model))
						it := l.iter(i, false)
						for k := i; k < len(model); k++ {
							v, ok := it.next()
							if !ok || !bytes.Equal(v, model[k]) {
								t.Fatalf("step %d: forward iteration from %d differs at %d", step, i, k)
							}
						}
						if _, ok := it.next(); ok {
							t.Fatalf("step %d: forward iteration goes past the end", step)
						}
						it = l.iter(i, true)
						for k := i; k >= 0; k-- {
							v, ok := it.next()
							if !ok || !bytes.Equal(v, model[k]) {
								t.Fatalf("step %d: backward iteration from %d differs at %d", step, i, k)
							}
						}
						if _, ok := it.next(); ok {
							t.Fatalf("step %d: backward iteration goes past the head", step)
						}
						what = "iterate"
					}
					lstEqual(t, fmt.Sprintf("step %d (%s)", step, what), l, lim, model)
				}
			})
		}
	}
}

// TestLstQueueReusesRoom checks that a list used as a queue (push at one end,
// pop at the other) stays in a few nodes and stops allocating once warm.
func TestLstQueueReusesRoom(t *testing.T) {
	lim := lstLimitFor(-2)
	l := newLstList()
	v := []byte("value")
	for i := 0; i < 100; i++ {
		l.pushTail(v, lim)
	}
	for i := 0; i < 10000; i++ { // warm up
		l.pushTail(v, lim)
		l.popHead()
	}
	allocs := testing.AllocsPerRun(1000, func() {
		l.pushTail(v, lim)
		l.popHead()
	})
	if raceEnabled() {
		t.Logf("allocations not checked under -race (%v)", allocs)
	} else if allocs > 0.01 {
		t.Errorf("queue pattern allocates %v per push+pop", allocs)
	}
	if l.n > 2 || l.count != 100 {
		t.Errorf("queue of 100 elements spans %d nodes (count %d)", l.n, l.count)
	}
	// The same with LPUSH + RPOP.
	for i := 0; i < 10000; i++ {
		l.pushHead(v, lim)
		l.popTail()
	}
	allocs = testing.AllocsPerRun(1000, func() {
		l.pushHead(v, lim)
		l.popTail()
	})
	if !raceEnabled() && allocs > 0.01 {
		t.Errorf("reverse queue pattern allocates %v per push+pop", allocs)
	}
}

// TestLstNodeSizes checks that pushes fill nodes up to the configured limit,
// as Redis's quicklist does, and that a small list is one buffer.
func TestLstNodeSizes(t *testing.T) {
	v := []byte("xyz") // 5 bytes an entry
	for _, tc := range []struct {
		fill      int64
		n         int
		wantNodes int
	}{
		{-2, 600, 1},      // 3000 bytes: one node
		{-2, 1638, 1},     // 8190 bytes
		{-2, 1639, 2},     // 8195 bytes: two
		{-1, 1000, 2},     // 4 KB nodes: 819 entries each
		{-5, 13107, 1},    // 64 KB
		{5, 12, 3},        // 5 entries a node
		{0, 4, 4},         // one a node
		{100000, 2000, 2}, // the 8 KB safety limit caps a count fill
	} {
		lim := lstLimitFor(tc.fill)
		for _, head := range []bool{false, true} {
			l := newLstList()
			for i := 0; i < tc.n; i++ {
				if head {
					l.pushHead(v, lim)
				} else {
					l.pushTail(v, lim)
				}
			}
			if l.n != tc.wantNodes {
				t.Errorf("fill %d, %d pushes (head %v): %d nodes, want %d", tc.fill, tc.n, head, l.n, tc.wantNodes)
			}
		}
	}
	// A big element takes a node of its own, and later small ones go around it.
	lim := lstLimitFor(-2)
	l := newLstList()
	l.pushTail([]byte("a"), lim)
	l.pushTail(bytes.Repeat([]byte("B"), 10000), lim)
	l.pushTail([]byte("c"), lim)
	if l.n != 3 {
		t.Errorf("small, big, small: %d nodes, want 3", l.n)
	}
	lstContents(t, l, lim)
}

func TestLstMemoryUsage(t *testing.T) {
	lim := lstLimitFor(-2)
	small, big := newLstList(), newLstList()
	for i := 0; i < 10; i++ {
		small.pushTail([]byte(strings.Repeat("x", 10)), lim)
	}
	for i := 0; i < 10000; i++ {
		big.pushTail([]byte(strings.Repeat("x", 10)), lim)
	}
	s, b := small.MemoryUsage(5), big.MemoryUsage(5)
	if s <= 0 || s > 1024 {
		t.Errorf("10 short elements: %d bytes", s)
	}
	if b < 10000*12 || b > 10000*12*3 {
		t.Errorf("10000 short elements: %d bytes", b)
	}
	if all := big.MemoryUsage(0); all < b/2 || all > b*2 {
		t.Errorf("MEMORY USAGE SAMPLES 0: %d vs %d", all, b)
	}
}

// TestLstNodeDeque drives the node deque (one element a node) through growth,
// recentring and shrinking with pushes and pops at both ends and in the middle.
func TestLstNodeDeque(t *testing.T) {
	lim := lstLimitFor(1)
	r := rand.New(rand.NewPCG(7, 7))
	l := newLstList()
	var model [][]byte
	next := 0
	val := func() []byte { next++; return []byte(strconv.Itoa(next)) }
	for round := 0; round < 40; round++ {
		// A burst at one end, then pops from the other or the same end.
		n := r.IntN(200)
		head := r.IntN(2) == 0
		for i := 0; i < n; i++ {
			v := val()
			if head {
				l.pushHead(v, lim)
				model = append([][]byte{v}, model...)
			} else {
				l.pushTail(v, lim)
				model = append(model, v)
			}
		}
		pops := r.IntN(len(model) + 1)
		for i := 0; i < pops; i++ {
			if r.IntN(2) == 0 {
				l.popHead()
				model = model[1:]
			} else {
				l.popTail()
				model = model[:len(model)-1]
			}
		}
		if len(model) > 2 {
			// Insert in the middle (a node of its own) and delete a middle range.
			at := r.IntN(len(model))
			v := val()
			ni, p := l.seek(at)
			l.insertAt(ni, p, v, lim)
			model = append(model[:at], append([][]byte{v}, model[at:]...)...)
			start := r.IntN(len(model))
			k := r.IntN(len(model) - start)
			l.delRange(start, k)
			model = append(model[:start], model[start+k:]...)
		}
		lstEqual(t, fmt.Sprintf("round %d", round), l, lim, model)
		if l.n != len(model) {
			t.Fatalf("round %d: %d nodes for %d one-element nodes", round, l.n, len(model))
		}
	}
}

// BenchmarkLstAppendRange600 is LRANGE_600's reply writing alone.
func BenchmarkLstAppendRange600(b *testing.B) {
	lim := lstLimitFor(-2)
	l := newLstList()
	for i := 0; i < 600; i++ {
		l.pushTail([]byte("xxx"), lim)
	}
	out := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = l.appendRange(out[:0], 0, 600, false)
	}
}

// TestLstFullNodeRotation: rotating a list whose only node is at the size
// limit moves the entries in place instead of reallocating every time.
func TestLstFullNodeRotation(t *testing.T) {
	lim := lstLimitFor(-2)
	l := newLstList()
	var model [][]byte
	for i := 0; l.n < 2; i++ {
		v := []byte(fmt.Sprintf("%03d", i%1000))
		l.pushTail(v, lim)
		model = append(model, v)
	}
	l.popTail() // back to one full node
	model = model[:len(model)-1]
	rotate := func() {
		v := append([]byte(nil), l.popTail()...)
		l.pushHead(v, lim)
		model = append([][]byte{model[len(model)-1]}, model[:len(model)-1]...)
	}
	for i := 0; i < 100; i++ {
		rotate()
	}
	lstEqual(t, "after rotating", l, lim, model)
	if l.n != 1 {
		t.Fatalf("rotation split the node: %d nodes", l.n)
	}
	if raceEnabled() {
		return
	}
	l2 := l.Clone().(*lstList)
	var buf [8]byte
	allocs := testing.AllocsPerRun(500, func() {
		v := append(buf[:0], l2.popTail()...)
		l2.pushHead(v, lim)
	})
	if allocs > 0.01 {
		t.Errorf("rotating a full node allocates %v per step", allocs)
	}
}

// LRANGE's short-element fast path copies 8 bytes at a time: every length
// around it must come back intact (a 9-byte element once lost its last byte).
func TestListLrangeEveryLength(t *testing.T) {
	env := newKVEnv(t, 1)
	args := []string{"RPUSH", "k"}
	var want []string
	for n := 0; n <= 40; n++ {
		v := ""
		for i := 0; i < n; i++ {
			v += string(rune('a' + (n+i)%26))
		}
		args = append(args, v)
		want = append(want, v)
	}
	env.do(args...)
	got := env.do("LRANGE", "k", "0", "-1")
	exp := fmt.Sprintf("*%d\r\n", len(want))
	for _, v := range want {
		exp += fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
	}
	if got != exp {
		t.Fatalf("LRANGE gave\n%q\nwant\n%q", got, exp)
	}
}
