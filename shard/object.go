package shard

import "sync/atomic"

// Object is the value of a collection key (Entry.Obj): a list, hash, set or
// sorted set. Each type has a compact encoding for small values (one
// contiguous allocation, the idea of Redis's listpack and intset) and converts
// itself to its big representation past the configured thresholds.
//
// Ownership: like the Entry that holds it, an Object is touched only by the
// goroutine holding its shard.
type Object interface {
	// Len is the number of elements (list items, hash fields, set members,
	// sorted-set members). An emptied collection key is deleted, as in Redis.
	Len() int
	// Encoding is what OBJECT ENCODING reports ("listpack", "quicklist",
	// "intset", "hashtable", "skiplist").
	Encoding() string
	// MemoryUsage estimates the bytes held, for MEMORY USAGE (samples as Redis).
	MemoryUsage(samples int) int64
	// Clone deep-copies the value (COPY).
	Clone() any
}

// EncodingLimits are Redis's conversion thresholds, from the configuration
// (list-max-listpack-size, hash-max-listpack-entries, ...). CONFIG SET changes
// them at run time; a value converts when it next changes.
type EncodingLimits struct {
	ListMaxListpackSize    int64 // > 0: entries per node; < 0: -1..-5 = 4..64 KB per node
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	SetMaxIntsetEntries    int64
	ZsetMaxListpackEntries int64
	ZsetMaxListpackValue   int64
}

// encodingLimits holds the current limits; replaced as a whole by ApplyConfig.
type encodingLimits struct {
	p atomic.Pointer[EncodingLimits]
}

// Limits returns the encoding thresholds in force.
func (c *Ctx) Limits() *EncodingLimits { return c.e.enc.p.Load() }

// ListNodeBytes converts list-max-listpack-size to a node size: a positive
// value counts entries (returned as entries, bytes 0); -1..-5 mean 4, 8, 16,
// 32, 64 KB (returned as bytes, entries 0), as in Redis's quicklist.
func (l *EncodingLimits) ListNodeBytes() (entries int, bytes int) {
	v := l.ListMaxListpackSize
	if v > 0 {
		return int(v), 0
	}
	switch v {
	case -1:
		return 0, 4096
	case -3:
		return 0, 16384
	case -4:
		return 0, 32768
	case -5:
		return 0, 65536
	}
	return 0, 8192
}

// LookupType finds key for a command on type t. It returns the live entry (nil
// if the key does not exist) and ok == false, after replying WRONGTYPE, when the
// key holds another type. read selects the keyspace_hits/misses accounting.
func (c *Ctx) LookupType(key []byte, t uint8, read bool) (e *Entry, ok bool) {
	if read {
		e = c.LookupRead(key)
	} else {
		e = c.Lookup(key)
	}
	if e != nil && e.Type != t {
		c.WrongType()
		return nil, false
	}
	return e, true
}

// CreateObject adds key holding the new collection obj of type t (the key must
// be absent). Creating a list or sorted set wakes clients blocked on key.
func (c *Ctx) CreateObject(key []byte, t uint8, obj Object) *Entry {
	e := c.Create(key)
	e.Type = t
	e.SetObj(obj)
	c.touched = append(c.touched, e)
	if t == TypeList || t == TypeZSet {
		c.signalReady(key)
	}
	return e
}

// DeleteIfEmpty removes key when its collection has become empty, as Redis
// deletes emptied lists, hashes, sets and sorted sets. It reports whether it did.
func (c *Ctx) DeleteIfEmpty(key []byte, e *Entry) bool {
	if o, ok := e.Obj().(Object); ok && o.Len() == 0 {
		c.dict(key).Delete(key)
		return true
	}
	return false
}
