package expiry

import (
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeDB is a set of keys with TTLs, sampled uniformly like the shard's volatile set.
type fakeDB struct {
	ttl []int64
	rng *rand.Rand
}

func (f *fakeDB) VolatileLen() int { return len(f.ttl) }

func (f *fakeDB) ExpireOne(now int64) bool {
	i := f.rng.Intn(len(f.ttl))
	if f.ttl[i] > now {
		return false
	}
	f.ttl[i] = f.ttl[len(f.ttl)-1]
	f.ttl = f.ttl[:len(f.ttl)-1]
	return true
}

type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestCycleRemovesExpiredKeysWithoutAccess(t *testing.T) {
	db := &fakeDB{rng: rand.New(rand.NewSource(1))}
	for i := 0; i < 100000; i++ {
		db.ttl = append(db.ttl, 1000) // all expire at t=1000
	}
	clock := &fakeClock{t: time.Unix(0, 0)}
	r := Cycle([]DB{db}, 2000, 10, clock)
	require.False(t, r.TimedOut)
	require.Equal(t, 0, db.VolatileLen(), "one cycle with no time limit clears a fully expired db")
	require.Equal(t, 100000, r.Expired)
}

func TestCycleStopsWhenFewAreStale(t *testing.T) {
	db := &fakeDB{rng: rand.New(rand.NewSource(2))}
	for i := 0; i < 10000; i++ {
		db.ttl = append(db.ttl, 5000) // none expired at now=1000
	}
	r := Cycle([]DB{db}, 1000, 10, &fakeClock{t: time.Unix(0, 0)})
	require.Equal(t, KeysPerLoop, r.Sampled, "a clean sample ends the db after one round")
	require.Equal(t, 0, r.Expired)
}

func TestCycleRespectsTimeBudget(t *testing.T) {
	db := &fakeDB{rng: rand.New(rand.NewSource(3))}
	for i := 0; i < 1000000; i++ {
		db.ttl = append(db.ttl, 1)
	}
	// Each clock read advances 2 ms; budget at hz 10 is 25 ms, checked every 16 rounds.
	r := Cycle([]DB{db}, 10, 10, &fakeClock{t: time.Unix(0, 0), step: 2 * time.Millisecond})
	require.True(t, r.TimedOut)
	require.Less(t, r.Expired, 1000000)
	require.Greater(t, r.Expired, 0)
}
