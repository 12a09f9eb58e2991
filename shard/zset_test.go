package shard

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
)

// Tests of the sorted-set data structure (zset.go) against a plain sorted
// slice, in both encodings and across conversions.

// zsCheck verifies every invariant of o: count, order, and for a skiplist the
// back links, tail, level, spans (each link skips exactly the nodes it
// passes on level 0) and the dict (every member maps to its node).
func zsCheck(t *testing.T, o *zsObj) []zsPair {
	t.Helper()
	var got []zsPair
	for it := o.atRank(0); it.valid(); it.next() {
		m, s := it.entry()
		got = append(got, zsPair{string(m), s})
	}
	if len(got) != o.n {
		t.Fatalf("iterated %d members, Len %d", len(got), o.n)
	}
	for i := 1; i < len(got); i++ {
		if !zsPairLess(&got[i-1], &got[i]) {
			t.Fatalf("out of order at %d: %v then %v", i, got[i-1], got[i])
		}
	}
	// backwards gives the same, reversed
	i := len(got) - 1
	for it := o.atRank(o.n - 1); it.valid(); it.prev() {
		m, s := it.entry()
		if i < 0 || string(m) != got[i].member || math.Float64bits(s) != math.Float64bits(got[i].score) {
			t.Fatalf("backward iteration differs at %d", i)
		}
		i--
	}
	if i != -1 {
		t.Fatalf("backward iteration stopped at %d", i)
	}
	if !o.isSkiplist() {
		for _, p := range got {
			if p.score == 0 && math.Signbit(p.score) {
				t.Fatalf("listpack holds -0 for %q", p.member)
			}
		}
		return got
	}
	zsl := o.zsl
	if zsl.length != o.n || o.dict.Len() != o.n {
		t.Fatalf("skiplist length %d, dict %d, n %d", zsl.length, o.dict.Len(), o.n)
	}
	// position of every node on level 0
	pos := map[*zsNode]int{zsl.head: 0}
	var prev *zsNode
	k := 0
	for x := zsl.head.lv[0].next; x != nil; x = x.lv[0].next {
		k++
		pos[x] = k
		want := prev
		if x.back != want {
			t.Fatalf("back link of %q wrong", x.member)
		}
		prev = x
		e := o.dict.Get([]byte(x.member))
		if e == nil || e.Obj().(*zsNode) != x {
			t.Fatalf("dict entry of %q does not point to its node", x.member)
		}
		if len(x.lv) > zsl.level {
			t.Fatalf("node height %d above list level %d", len(x.lv), zsl.level)
		}
	}
	if zsl.tail != prev {
		t.Fatal("tail wrong")
	}
	for lvl := 0; lvl < zsMaxLevel; lvl++ {
		if lvl >= zsl.level {
			if zsl.head.lv[lvl].next != nil {
				t.Fatalf("head link on level %d above list level %d", lvl, zsl.level)
			}
			continue
		}
		for x := zsl.head; x != nil; x = x.lv[lvl].next {
			if next := x.lv[lvl].next; next != nil && x.lv[lvl].span != pos[next]-pos[x] {
				t.Fatalf("level %d: span from %d is %d, want %d", lvl, pos[x], x.lv[lvl].span, pos[next]-pos[x])
			}
		}
	}
	if zsl.level > 1 && zsl.head.lv[zsl.level-1].next == nil {
		t.Fatalf("level %d is empty", zsl.level)
	}
	// ranks
	for r, p := range got {
		if got := zsl.rankOf(p.score, p.member); got != r+1 {
			t.Fatalf("rankOf(%q) = %d, want %d", p.member, got, r+1)
		}
		if x := zsl.byRank(r + 1); x == nil || x.member != p.member {
			t.Fatalf("byRank(%d) wrong", r+1)
		}
	}
	return got
}

// zsModel is a sorted set as a map; sorted() lists it in (score, member) order.
type zsModel map[string]float64

func (m zsModel) sorted() []zsPair {
	out := make([]zsPair, 0, len(m))
	for k, v := range m {
		out = append(out, zsPair{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return zsPairLess(&out[i], &out[j]) })
	return out
}

func zsSamePairs(t *testing.T, what string, got, want []zsPair) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d members, want %d\n got  %v\n want %v", what, len(got), len(want), got, want)
	}
	for i := range got {
		// listpacks store 0 for -0: compare values, not bits
		if got[i].member != want[i].member || got[i].score != want[i].score {
			t.Fatalf("%s: member %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestZsListpackEntries(t *testing.T) {
	o := zsNewListpack()
	lim := &EncodingLimits{ZsetMaxListpackEntries: 1 << 30, ZsetMaxListpackValue: 1 << 30}
	model := zsModel{}
	// member sizes around the varint boundaries of the length and back length
	for i, n := range []int{0, 1, 100, 115, 116, 117, 118, 126, 127, 128, 129, 200, 16370, 16371, 16372, 16373, 16383, 16384, 20000} {
		m := strings.Repeat(string(rune('a'+i%26)), n)
		score := float64(n%7) - 3
		if out, _ := o.add(lim, []byte(m), score, 0); out != zsOutAdded {
			t.Fatalf("add %d bytes: %v", n, out)
		}
		model[m] = score
		zsSamePairs(t, "listpack", zsCheck(t, o), model.sorted())
		if size := zsLpEntrySize(n); size != 8+zsVarLen(n)+n+zsVarLen(8+zsVarLen(n)+n) {
			t.Fatalf("entry size of %d", n)
		}
	}
	if o.isSkiplist() {
		t.Fatal("converted with huge limits")
	}
	for m := range model {
		if !o.remove([]byte(m)) {
			t.Fatalf("remove %d bytes failed", len(m))
		}
		delete(model, m)
		zsSamePairs(t, "listpack after remove", zsCheck(t, o), model.sorted())
	}
	if o.n != 0 || len(o.lp) != 0 {
		t.Fatalf("not empty: n %d, %d bytes", o.n, len(o.lp))
	}
}

// TestZsRandomOps drives both encodings (and the conversion between them)
// with random adds, updates, removals and range deletions, checking the
// invariants and the contents after every step.
func TestZsRandomOps(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			lim := &EncodingLimits{ZsetMaxListpackEntries: int64(rng.Intn(40)), ZsetMaxListpackValue: int64(4 + rng.Intn(6))}
			if seed%2 == 0 { // mostly a listpack
				lim = &EncodingLimits{ZsetMaxListpackEntries: 1000, ZsetMaxListpackValue: 64}
			}
			o := zsNewListpack()
			model := zsModel{}
			wasSkiplist := false
			members := 60
			for step := 0; step < 1500; step++ {
				m := fmt.Sprintf("m%d", rng.Intn(members))
				if rng.Intn(20) == 0 {
					m += strings.Repeat("x", rng.Intn(10))
				}
				score := float64(rng.Intn(21)-10) / 2
				if rng.Intn(30) == 0 {
					score = math.Inf(rng.Intn(2)*2 - 1)
				}
				switch op := rng.Intn(10); {
				case op < 5:
					flags := []int{0, zsAddNX, zsAddXX, zsAddGT, zsAddLT, zsAddIncr}[rng.Intn(6)]
					out, ns := o.add(lim, []byte(m), score, flags)
					cur, found := model[m]
					switch {
					case found && flags == zsAddNX, !found && flags == zsAddXX:
						if out != zsOutNop {
							t.Fatalf("step %d: NX/XX no-op gave %v", step, out)
						}
					case found:
						want := score
						if flags == zsAddIncr {
							want += cur
						}
						switch {
						case math.IsNaN(want):
							if out != zsOutNaN {
								t.Fatalf("step %d: NaN gave %v", step, out)
							}
						case flags == zsAddGT && want <= cur, flags == zsAddLT && want >= cur:
							if out != zsOutNop {
								t.Fatalf("step %d: GT/LT no-op gave %v", step, out)
							}
						case want == cur:
							if out != 0 {
								t.Fatalf("step %d: same score gave %v", step, out)
							}
						default:
							if out != zsOutUpdated || ns != want {
								t.Fatalf("step %d: update gave %v %v", step, out, ns)
							}
							model[m] = want
						}
					default:
						if out != zsOutAdded || ns != score {
							t.Fatalf("step %d: add gave %v", step, out)
						}
						model[m] = score
					}
				case op < 7:
					_, found := model[m]
					if o.remove([]byte(m)) != found {
						t.Fatalf("step %d: remove %q", step, m)
					}
					delete(model, m)
				case op == 7 && o.n > 0:
					a, b := rng.Intn(o.n), rng.Intn(o.n)
					if a > b {
						a, b = b, a
					}
					sorted := model.sorted()
					for _, p := range sorted[a : b+1] {
						delete(model, p.member)
					}
					if n := o.deleteRankRange(a, b); n != b-a+1 {
						t.Fatalf("deleteRankRange = %d", n)
					}
				case op == 8:
					r := zsRange{min: float64(rng.Intn(11) - 5), max: float64(rng.Intn(11) - 5), minex: rng.Intn(2) == 0, maxex: rng.Intn(2) == 0}
					n := 0
					for k, v := range model {
						if r.gteMin(v) && r.lteMax(v) {
							delete(model, k)
							n++
						}
					}
					if got := o.deleteScoreRange(&r); got != n {
						t.Fatalf("step %d: deleteScoreRange = %d, want %d", step, got, n)
					}
				case op == 9:
					// rank and score queries
					for k, v := range model {
						if s, ok := o.score([]byte(k)); !ok || s != v {
							t.Fatalf("score(%q) = %v %v, want %v", k, s, ok, v)
						}
					}
					for r, p := range model.sorted() {
						if got, ok := o.rank([]byte(p.member)); !ok || got != r {
							t.Fatalf("rank(%q) = %d, want %d", p.member, got, r)
						}
					}
					if _, ok := o.rank([]byte("nosuch")); ok {
						t.Fatal("rank of a missing member")
					}
				}
				if o.isSkiplist() {
					wasSkiplist = true
				} else if wasSkiplist {
					t.Fatalf("step %d: a skiplist went back to a listpack", step)
				}
				if int64(o.n) > lim.ZsetMaxListpackEntries && !o.isSkiplist() {
					t.Fatalf("step %d: %d members in a listpack (limit %d)", step, o.n, lim.ZsetMaxListpackEntries)
				}
				zsSamePairs(t, fmt.Sprintf("step %d", step), zsCheck(t, o), model.sorted())
			}
			// Clone is deep and equal.
			cl := o.Clone().(*zsObj)
			zsSamePairs(t, "clone", zsCheck(t, cl), model.sorted())
			if cl.Encoding() != o.Encoding() {
				t.Fatalf("clone encoding %s, original %s", cl.Encoding(), o.Encoding())
			}
			if o.n > 0 {
				first := model.sorted()[0].member
				cl.remove([]byte(first))
				if _, ok := o.score([]byte(first)); !ok {
					t.Fatal("removing from the clone changed the original")
				}
			}
			if o.MemoryUsage(5) <= 0 {
				t.Fatal("MemoryUsage <= 0")
			}
		})
	}
}

// TestZsRanges checks score and lex range lookups and counts against the
// model, in both encodings.
func TestZsRanges(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, entries := range []int64{1000, 0} {
		lim := &EncodingLimits{ZsetMaxListpackEntries: entries, ZsetMaxListpackValue: 64}
		o := zsNewListpack()
		model := zsModel{}
		for i := 0; i < 200; i++ {
			m := fmt.Sprintf("%c%d", 'a'+rng.Intn(26), rng.Intn(10))
			s := float64(rng.Intn(30))
			o.add(lim, []byte(m), s, 0)
			model[m] = s
		}
		sorted := model.sorted()
		for q := 0; q < 2000; q++ {
			r := zsRange{min: float64(rng.Intn(34) - 2), max: float64(rng.Intn(34) - 2), minex: rng.Intn(2) == 0, maxex: rng.Intn(2) == 0}
			var in []zsPair
			for _, p := range sorted {
				if r.gteMin(p.score) && r.lteMax(p.score) {
					in = append(in, p)
				}
			}
			if got := o.countInRange(&r); got != len(in) {
				t.Fatalf("%s: countInRange %+v = %d, want %d", o.Encoding(), r, got, len(in))
			}
			first, last := o.firstInRange(&r), o.lastInRange(&r)
			if len(in) == 0 {
				if first.valid() || last.valid() {
					t.Fatalf("%s: empty range %+v has a first or last", o.Encoding(), r)
				}
				continue
			}
			if string(first.member()) != in[0].member || string(last.member()) != in[len(in)-1].member {
				t.Fatalf("%s: range %+v: first %q last %q, want %q %q", o.Encoding(), r, first.member(), last.member(), in[0].member, in[len(in)-1].member)
			}
		}
	}
	// lex ranges on equal scores
	for _, entries := range []int64{1000, 0} {
		lim := &EncodingLimits{ZsetMaxListpackEntries: entries, ZsetMaxListpackValue: 64}
		o := zsNewListpack()
		var members []string
		for i := 0; i < 100; i++ {
			m := fmt.Sprintf("%c%c", 'a'+rng.Intn(8), 'a'+rng.Intn(8))
			if out, _ := o.add(lim, []byte(m), 0, 0); out == zsOutAdded {
				members = append(members, m)
			}
		}
		sort.Strings(members)
		bound := func() ([]byte, int8, bool) {
			switch rng.Intn(8) {
			case 0:
				return nil, -1, true
			case 1:
				return nil, 1, true
			}
			return []byte(fmt.Sprintf("%c%c", 'a'+rng.Intn(9), 'a'+rng.Intn(9)))[:1+rng.Intn(2)], 0, rng.Intn(2) == 0
		}
		for q := 0; q < 2000; q++ {
			var r zsLex
			r.min, r.minKind, r.minex = bound()
			r.max, r.maxKind, r.maxex = bound()
			var in []string
			for _, m := range members {
				if r.gteMin([]byte(m)) && r.lteMax([]byte(m)) {
					in = append(in, m)
				}
			}
			if got := o.countInLex(&r); got != len(in) {
				t.Fatalf("%s: countInLex %+v = %d, want %d", o.Encoding(), r, got, len(in))
			}
			first, last := o.firstInLex(&r), o.lastInLex(&r)
			if len(in) == 0 {
				if first.valid() || last.valid() {
					t.Fatalf("%s: empty lex range has a first or last", o.Encoding())
				}
				continue
			}
			if string(first.member()) != in[0] || string(last.member()) != in[len(in)-1] {
				t.Fatalf("%s: lex range %+v: first %q last %q, want %q %q", o.Encoding(), r, first.member(), last.member(), in[0], in[len(in)-1])
			}
		}
	}
}

// TestZsSkiplistUpdateInPlace checks that a score change keeps the node (the
// dict entry points to it) whether or not it has to move.
func TestZsSkiplistUpdateInPlace(t *testing.T) {
	lim := &EncodingLimits{ZsetMaxListpackEntries: 0, ZsetMaxListpackValue: 64}
	o := zsNewListpack()
	for i := 0; i < 100; i++ {
		o.add(lim, []byte(fmt.Sprint("m", i)), float64(i), 0)
	}
	x := o.dict.Get([]byte("m50")).Obj().(*zsNode)
	o.add(lim, []byte("m50"), 50.5, 0) // stays in place
	o.add(lim, []byte("m50"), -1, 0)   // moves to the front
	o.add(lim, []byte("m50"), 1000, 0) // moves to the end
	if o.dict.Get([]byte("m50")).Obj().(*zsNode) != x || o.zsl.tail != x {
		t.Fatal("the node of m50 was replaced or is not last")
	}
	zsCheck(t, o)
}

func TestZsStrtod(t *testing.T) {
	cases := []struct {
		in     string
		v      float64
		n      int
		erange bool
	}{
		{"1", 1, 1, false},
		{"  -2.5e1x", -25, 8, false},
		{"+.5", 0.5, 3, false},
		{"5.", 5, 2, false},
		{".", 0, 0, false},
		{"", 0, 0, false},
		{"-", 0, 0, false},
		{"1e", 1, 1, false},
		{"1e+", 1, 1, false},
		{"1e+2", 100, 4, false},
		{"0x", 0, 1, false},
		{"0x.", 0, 1, false},
		{"0x10", 16, 4, false},
		{"0x1p-2", 0.25, 6, false},
		{"0X1.8P1", 3, 7, false},
		{"0x1p", 1, 3, false},
		{"0xg", 0, 1, false},
		{"inf", math.Inf(1), 3, false},
		{"-Infinity", math.Inf(-1), 9, false},
		{"infin", math.Inf(1), 3, false},
		{"1_0", 1, 1, false},
		{"1e400", math.Inf(1), 5, true},
		{"-1e400", math.Inf(-1), 6, true},
		{"1e-400", 0, 6, true},
		{"0e-400", 0, 6, false},
		{"4.9e-324", 5e-324, 8, false},
		{"2e-324", 0, 6, true},
		{"0x1p-1075", 0, 9, true},
		{"0x1p2000", math.Inf(1), 8, true},
		{"1.7976931348623157e308", math.MaxFloat64, 22, false},
		{"12abc", 12, 2, false},
		{"\t\n 7", 7, 4, false},
	}
	for _, tc := range cases {
		v, n, erange := zsStrtod([]byte(tc.in))
		if v != tc.v || n != tc.n || erange != tc.erange {
			t.Errorf("zsStrtod(%q) = %v, %d, %v; want %v, %d, %v", tc.in, v, n, erange, tc.v, tc.n, tc.erange)
		}
	}
	for _, s := range []string{"nan", "NaN", "-nan", "nan(123)", "nanx"} {
		if v, _, _ := zsStrtod([]byte(s)); !math.IsNaN(v) {
			t.Errorf("zsStrtod(%q) = %v, want NaN", s, v)
		}
	}
	if _, n, _ := zsStrtod([]byte("nan(12")); n != 3 {
		t.Errorf("nan( without ) consumed %d", n)
	}
	// strict parsing (ZADD scores, increments, weights)
	for s, ok := range map[string]bool{"1": true, " 1": false, "1 ": false, "": false, "inf": true, "1e400": false, "1e-400": false,
		"4.9e-324": true, "nan": false, "1\x00": false, "0x10": true, "+1": true, "--1": false} {
		if _, got := zsParseScore([]byte(s)); got != ok {
			t.Errorf("zsParseScore(%q) ok = %v, want %v", s, got, ok)
		}
	}
	// range bounds: "(" prefix, C-string end, leading spaces allowed
	for s, want := range map[string]string{"(1": "1 ex", "": "0", "(": "0 ex", " 2": "2", "2\x00x": "2", "1e400": "+Inf",
		"nan": "err", "(nan": "err", "2 ": "err", " ": "err", "((1": "err", "abc": "err"} {
		v, ex, ok := zsParseRangeItem([]byte(s))
		got := "err"
		if ok {
			got = fmt.Sprint(v)
			if ex {
				got += " ex"
			}
		}
		if got != want {
			t.Errorf("zsParseRangeItem(%q) = %s, want %s", s, got, want)
		}
	}
	// lex bounds
	for s, want := range map[string]string{"-": "-inf", "+": "+inf", "[a": "[a", "(a": "(a", "(": "(", "a": "err", "": "err",
		"-a": "err", "+\x00b": "+inf"} {
		v, kind, ex, ok := zsParseLexItem([]byte(s))
		got := "err"
		switch {
		case !ok:
		case kind < 0:
			got = "-inf"
		case kind > 0:
			got = "+inf"
		case ex:
			got = "(" + string(v)
		default:
			got = "[" + string(v)
		}
		if got != want {
			t.Errorf("zsParseLexItem(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestZsStrtodMatchesRedis compares score parsing with a real redis-server on
// many number-like strings (skipped without redis-server): ZADD's strict
// parsing and ZCOUNT's range parsing must accept and read the same.
func TestZsStrtodMatchesRedis(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server not found")
	}
	env := newKVEnv(t, 1)
	rng := rand.New(rand.NewSource(3))
	alphabet := []string{"0", "1", "5", "9", ".", "e", "E", "-", "+", "x", "p", "a", "f", " ", "(", "inf", "nan", "0x", "e-3", "e308", "e-320", "1e-400"}
	inputs := []string{"0x1.fffffffffffffp1023", "0x1p-1074", "0x1p-1075", "0x1.8p-1074", "2.4703282292062328e-324",
		"2.4703282292062327e-324", "1.7976931348623158e308", "1.7976931348623159e308", "00000.000001", "-0", "+0x0", "1e22", "9007199254740993"}
	for i := 0; i < 1500; i++ {
		var b strings.Builder
		for n := 1 + rng.Intn(5); n > 0; n-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		env.do("DEL", "p")
		r.do(t, "DEL", "p")
		for _, cmd := range [][]string{{"ZADD", "p", in, "m"}, {"ZSCORE", "p", "m"}, {"ZCOUNT", "nokey", in, "+inf"}, {"ZINCRBY", "p", in, "m"},
			{"ZADD", "q", "1", "a"}, {"ZRANGEBYSCORE", "q", in, in, "WITHSCORES"}, {"ZUNION", "1", "q", "WEIGHTS", in, "WITHSCORES"}} {
			got, want := env.do(cmd...), r.do(t, cmd...)
			if got != want {
				t.Errorf("%q: duva %q, redis %q", cmd, got, want)
			}
		}
	}
}

func TestZsLpPrevNext(t *testing.T) {
	o := zsNewListpack()
	lim := &EncodingLimits{ZsetMaxListpackEntries: 1000, ZsetMaxListpackValue: 1 << 20}
	var want [][]byte
	for i := 0; i < 50; i++ {
		m := bytes.Repeat([]byte{byte('a' + i%26)}, i*7)
		m = append(m, byte(i))
		o.add(lim, m, float64(i), 0)
		want = append(want, m)
	}
	off, i := 0, 0
	for off >= 0 {
		m, _, _ := zsLpAt(o.lp, off)
		if !bytes.Equal(m, want[i]) {
			t.Fatalf("entry %d differs", i)
		}
		if i > 0 && zsLpNext(o.lp, zsLpPrev(o.lp, off)) != off {
			t.Fatalf("prev/next of %d", i)
		}
		off = zsLpNext(o.lp, off)
		i++
	}
	if i != 50 {
		t.Fatalf("walked %d entries", i)
	}
}
