package main

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
)

// The rank frequencies follow 1/rank^0.99: ranks 1 and 2 exactly (the
// generator special-cases them), the others within the error of Gray et al.'s
// closed-form approximation (it overshoots rank 3 by ~15% at K=100 and
// converges to the exact law further down), and a least-squares line through
// log(frequency) against log(rank) has slope -0.99.
func TestZipfianRankFrequencies(t *testing.T) {
	const K, N = 100, 4_000_000
	z := newZipfian(K, zipfTheta)
	if want := zeta(K, zipfTheta); z.zetan != want || want < 5 || want > 5.3 {
		t.Fatalf("zeta(100, 0.99) = %v", want)
	}
	rng := rand.New(rand.NewPCG(42, 7))
	counts := make([]int, K)
	for range N {
		r := z.rank(rng.Float64())
		if r < 0 || r >= K {
			t.Fatalf("rank %d out of [0, %d)", r, K)
		}
		counts[r]++
	}
	var sx, sy, sxx, sxy float64
	for r := range K {
		want := 1 / math.Pow(float64(r+1), zipfTheta) / z.zetan
		got := float64(counts[r]) / N
		tol := 0.20
		if r < 2 {
			tol = 0.02
		}
		if math.Abs(got/want-1) > tol {
			t.Errorf("rank %d: frequency %.5f, 1/rank^0.99 gives %.5f (off by more than %.0f%%)", r+1, got, want, tol*100)
		}
		x, y := math.Log(float64(r+1)), math.Log(got)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	slope := (K*sxy - sx*sy) / (K*sxx - sx*sx)
	if math.Abs(slope+zipfTheta) > 0.05 {
		t.Errorf("log-log slope %.3f, want -0.99 +- 0.05", slope)
	}
}

func TestScrambledZipfianDeterministic(t *testing.T) {
	const K = 1000
	a, b, c := newScrambledZipfian(K, 1), newScrambledZipfian(K, 1), newScrambledZipfian(K, 2)
	same, hits := true, map[int64]int{}
	for i := range 10000 {
		x, y, w := a.next(), b.next(), c.next()
		if x != y {
			t.Fatalf("draw %d: %d != %d with the same seed", i, x, y)
		}
		if x < 0 || x >= K {
			t.Fatalf("key %d out of [0, %d)", x, K)
		}
		if x != w {
			same = false
		}
		hits[x]++
	}
	if same {
		t.Error("seeds 1 and 2 gave the same sequence")
	}
	// The most popular key is fnvhash64(0) mod K, not key 0.
	hot := fnvhash64(0) % K
	for k, n := range hits {
		if n > hits[hot] {
			t.Errorf("key %d drawn %d times, more than the rank-1 key %d (%d)", k, n, hot, hits[hot])
		}
	}
	if hot == 0 || hits[hot] < 10000/20 {
		t.Errorf("rank-1 key %d drawn %d times", hot, hits[hot])
	}
}

// fnvhash64 is FNV-1a (hash/fnv's New64a) of the 8 little-endian bytes of
// the value, made non-negative like Java's Math.abs.
func TestFNVHash64(t *testing.T) {
	for _, v := range []int64{0, 1, 255, 256, 123456789, 1 << 40} {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		h := fnv.New64a()
		h.Write(b[:])
		want := int64(h.Sum64())
		if want < 0 {
			want = -want
		}
		if got := fnvhash64(v); got != want || got < 0 {
			t.Errorf("fnvhash64(%d) = %d, want %d", v, got, want)
		}
	}
}

func BenchmarkZeta10M(b *testing.B) {
	for i := range b.N {
		zetaCache.Lock()
		clear(zetaCache.m)
		zetaCache.Unlock()
		_ = zeta(10_000_000+int64(i%2), zipfTheta)
	}
}
