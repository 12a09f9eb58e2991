package shard

import "sync/atomic"

// ring is a shard's mailbox: a bounded lock-free multi-producer queue of jobs
// (Dmitry Vyukov's bounded MPMC queue: each slot carries a sequence number that
// says whether it is free for the producer of round r or filled for its consumer).
//
// Producers are any goroutines (event loops, the ticker, other shards' holders).
// The consumer is whoever holds the shard at that moment; the hold itself
// (Shard.held) makes that one goroutine at a time, so pop never races with pop.
type ring struct {
	_     [64]byte
	enq   atomic.Uint64
	_     [56]byte
	deq   atomic.Uint64
	_     [56]byte
	mask  uint64
	slots []ringSlot
}

type ringSlot struct {
	seq atomic.Uint64
	j   *job // written before seq is published, read after seq is observed
}

func newRing(capacity int) *ring {
	n := 1
	for n < capacity {
		n <<= 1
	}
	r := &ring{mask: uint64(n - 1), slots: make([]ringSlot, n)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// push appends j; false when the ring is full.
func (r *ring) push(j *job) bool {
	pos := r.enq.Load()
	for {
		s := &r.slots[pos&r.mask]
		seq := s.seq.Load()
		switch d := int64(seq - pos); {
		case d == 0:
			if r.enq.CompareAndSwap(pos, pos+1) {
				s.j = j
				s.seq.Store(pos + 1)
				return true
			}
			pos = r.enq.Load()
		case d < 0:
			return false
		default:
			pos = r.enq.Load()
		}
	}
}

// pop removes the oldest published job, or returns nil.
func (r *ring) pop() *job {
	pos := r.deq.Load()
	for {
		s := &r.slots[pos&r.mask]
		seq := s.seq.Load()
		switch d := int64(seq - (pos + 1)); {
		case d == 0:
			if r.deq.CompareAndSwap(pos, pos+1) {
				j := s.j
				s.j = nil
				s.seq.Store(pos + r.mask + 1)
				return j
			}
			pos = r.deq.Load()
		case d < 0:
			return nil
		default:
			pos = r.deq.Load()
		}
	}
}

// ready reports whether the oldest job is published, so a pop would return it.
func (r *ring) ready() bool {
	pos := r.deq.Load()
	return r.slots[pos&r.mask].seq.Load() == pos+1
}

// depth is the number of queued jobs (approximate while producers race).
func (r *ring) depth() int { return int(r.enq.Load() - r.deq.Load()) }
