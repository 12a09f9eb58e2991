package main

// The key distribution of -hitratio: YCSB's ZipfianGenerator and
// ScrambledZipfianGenerator (site.ycsb.generator), which implement the
// algorithm of Gray et al., "Quickly generating billion-record synthetic
// databases" (SIGMOD 1994). Go's math/rand Zipf needs s > 1; YCSB's constant
// 0.99 is not allowed there.
//
// The generator draws a rank r in [0, n) with P(r) ~ 1/(r+1)^theta: ranks 0
// and 1 exactly, higher ranks through a closed-form approximation of the
// inverse CDF. Computing zeta(n, theta) = sum_{i=1..n} 1/i^theta is O(n) and
// done once per (n, theta) per process.
//
// The scrambled variant maps the rank through FNV-64 (YCSB's fnvhash64) mod n
// so the hot keys are spread over the keyspace instead of being key 0, 1, 2...
// As in YCSB, different ranks can land on the same key (the map is not a
// permutation), so a few keys get the sum of several ranks' probability and
// roughly a third of the keyspace is never drawn; both servers see exactly
// the same sequence, so the comparison is unaffected.

import (
	"math"
	"math/rand/v2"
	"sync"
)

// zipfTheta is YCSB's ZIPFIAN_CONSTANT.
const zipfTheta = 0.99

type zipfian struct {
	items      int64
	theta      float64
	alpha      float64 // 1 / (1 - theta)
	zetan      float64 // zeta(items, theta)
	eta        float64
	halfPow    float64 // 1 + 0.5^theta: the CDF at rank 1
	zeta2theta float64
}

var zetaCache = struct {
	sync.Mutex
	m map[[2]float64]float64
}{m: map[[2]float64]float64{}}

// zeta returns sum_{i=1..n} 1/i^theta, computed once per (n, theta).
func zeta(n int64, theta float64) float64 {
	k := [2]float64{float64(n), theta}
	zetaCache.Lock()
	defer zetaCache.Unlock()
	if v, ok := zetaCache.m[k]; ok {
		return v
	}
	var sum float64
	for i := int64(1); i <= n; i++ {
		sum += 1 / math.Pow(float64(i), theta)
	}
	zetaCache.m[k] = sum
	return sum
}

// newZipfian is YCSB's ZipfianGenerator(0, items-1, theta).
func newZipfian(items int64, theta float64) *zipfian {
	z := &zipfian{items: items, theta: theta}
	z.zeta2theta = zeta(2, theta)
	z.alpha = 1 / (1 - theta)
	z.zetan = zeta(items, theta)
	z.eta = (1 - math.Pow(2/float64(items), 1-theta)) / (1 - z.zeta2theta/z.zetan)
	z.halfPow = 1 + math.Pow(0.5, theta)
	return z
}

// rank maps a uniform u in [0, 1) to a rank in [0, items); rank 0 is the
// most popular.
func (z *zipfian) rank(u float64) int64 {
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.halfPow {
		return 1
	}
	r := int64(float64(z.items) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	return min(max(r, 0), z.items-1)
}

// fnvhash64 is YCSB's Utils.fnvhash64: FNV-1a over the 8 bytes of v, low byte
// first, and Java's Math.abs of the signed result.
func fnvhash64(v int64) int64 {
	const offset64 = uint64(0xCBF29CE484222325)
	const prime64 = uint64(1099511628211)
	h := offset64
	for range 8 {
		h ^= uint64(v & 0xff)
		v >>= 8
		h *= prime64
	}
	s := int64(h)
	if s < 0 {
		s = -s // Math.abs; math.MinInt64 stays negative, as in Java
	}
	return s
}

// scrambledZipfian draws keys in [0, items) with zipfian popularity and the
// popular keys scattered by fnvhash64.
type scrambledZipfian struct {
	z   *zipfian
	rng *rand.Rand
}

// newScrambledZipfian returns a generator with its own deterministic RNG:
// the same (items, seed) gives the same key sequence.
func newScrambledZipfian(items int64, seed uint64) *scrambledZipfian {
	return &scrambledZipfian{z: newZipfian(items, zipfTheta), rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (g *scrambledZipfian) next() int64 {
	r := fnvhash64(g.z.rank(g.rng.Float64())) % g.z.items
	if r < 0 {
		r += g.z.items
	}
	return r
}
