// Package expiry is Redis's active expiry cycle (activeExpireCycle in Redis's
// expire.c), written against a small interface so it can be driven with a fake
// clock in tests.
//
// Keys with a TTL are removed two ways: lazily, when a command touches an expired
// key (the shard does that on lookup), and actively, by this cycle, so memory is
// reclaimed even if nobody reads the keys again. Each shard runs one cycle per tick
// (hz times a second) on its own keys:
//
//	for each database with keys that have a TTL:
//	    repeat:
//	        sample up to 20 keys that have a TTL; delete the expired ones
//	    while more than 10% of the sample was expired and the time budget remains
//
// The budget per cycle is 25% of one CPU spread over hz ticks (25 ms at hz 10),
// as in Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC, checked every 16 samples.
package expiry

import "time"

const (
	// KeysPerLoop is how many keys with a TTL one sampling round looks at.
	KeysPerLoop = 20
	// AcceptableStalePercent: stop sampling a database once at most this share of a round was expired.
	AcceptableStalePercent = 10
	// SlowTimePercent is the share of one CPU the cycle may use.
	SlowTimePercent = 25
)

// DB is one database's keys with a TTL, as the cycle needs to see them.
type DB interface {
	// VolatileLen is the number of keys with a TTL.
	VolatileLen() int
	// ExpireOne samples one random key with a TTL and deletes it if its time is <= now.
	// It reports whether it deleted a key.
	ExpireOne(now int64) bool
}

// Clock gives the wall time; tests pass a fake.
type Clock interface {
	Now() time.Time
}

// Result says what one cycle did.
type Result struct {
	Sampled, Expired int
	TimedOut         bool
}

// Cycle runs one active-expiry cycle over dbs with a budget derived from hz.
// now is the unix time in ms that decides expiry (fixed for the cycle, as Redis does).
func Cycle(dbs []DB, now int64, hz int, clock Clock) Result {
	if hz < 1 {
		hz = 1
	}
	budget := time.Second * SlowTimePercent / 100 / time.Duration(hz)
	start := clock.Now()
	var r Result
	iterations := 0
	for _, db := range dbs {
		for {
			n := db.VolatileLen()
			if n == 0 {
				break
			}
			if n > KeysPerLoop {
				n = KeysPerLoop
			}
			expired := 0
			for i := 0; i < n; i++ {
				if db.ExpireOne(now) {
					expired++
				}
			}
			r.Sampled += n
			r.Expired += expired
			iterations++
			if iterations%16 == 0 && clock.Now().Sub(start) > budget {
				r.TimedOut = true
				return r
			}
			if expired*100 <= n*AcceptableStalePercent {
				break
			}
		}
	}
	return r
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }
