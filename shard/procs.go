package shard

import (
	"runtime"
	"sync"
)

// GOMAXPROCS follows the background work. main gives the Go scheduler one P
// per event loop, which is the cheapest setting while only the loops run. A
// snapshot being written and the AOF writer are goroutines of their own: on
// the loops' Ps they would hold a P for up to a scheduler time slice (10 ms)
// while a loop waits to handle its next read (measured: GET p99 during BGSAVE
// 65 ms with one P, against 2.9 ms for Redis, whose fork child has its own
// core). So while any of them is active the process gets one more P, up to
// the number of CPUs.
var procs struct {
	mu    sync.Mutex
	base  int // 0: not managed (GOMAXPROCS set by the environment, or tests)
	users int // active background users: a running snapshot, an open AOF
}

// ManageProcs makes the engine raise GOMAXPROCS above base while background
// work runs. main calls it unless the GOMAXPROCS environment variable is set.
func ManageProcs(base int) {
	procs.mu.Lock()
	procs.base = base
	procs.mu.Unlock()
	adjustProcs(0)
}

// adjustProcs adds delta background users and sets GOMAXPROCS accordingly.
func adjustProcs(delta int) {
	procs.mu.Lock()
	defer procs.mu.Unlock()
	procs.users += delta
	if procs.base == 0 {
		return
	}
	want := procs.base
	if procs.users > 0 {
		want = min(procs.base+1, max(runtime.NumCPU(), procs.base))
	}
	if runtime.GOMAXPROCS(0) != want {
		runtime.GOMAXPROCS(want)
	}
}
