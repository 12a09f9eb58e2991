package shard

// Entry is one key of a database. Owned by the shard that holds the Dict; only the goroutine
// currently holding the shard may read or write it.
//
// Entries are created by Dict.Insert and never move in memory. Key must not be changed while
// the entry is in a Dict. For keys of up to 72 bytes Insert stores the key bytes in the same
// allocation as the Entry (fewer allocations, one cache miss less per lookup), so a copy of
// Key kept after the key is deleted keeps the whole Entry, value included, reachable: keep
// strings.Clone(e.Key) instead when a key name must outlive its entry. Expire must only be
// changed through Dict.SetExpire.
type Entry struct {
	Key    string
	Str    []byte // value of a string key (Type == TypeString)
	Obj    any    // value of a collection key (later types)
	Expire int64  // absolute unix time in ms; 0 = no TTL
	Type   uint8
	Enc    uint8  // how OBJECT ENCODING reports a string: EncAuto, EncRaw or EncNoInt
	next   *Entry // chain link inside Dict; owned by Dict
	vidx   int32  // index in Dict's volatile set, -1 when Expire == 0; owned by Dict
	// snap is the epoch of the last snapshot that has this key's value (written it,
	// or created the key after its start point): a running snapshot with epoch E
	// still has to write the key iff snap != E (snapshot.go). Holder only.
	snap uint32
}

// String encodings as Redis would report them. EncAuto derives int/embstr/raw
// from the value (what tryObjectEncoding does on SET); APPEND and SETRANGE leave
// a raw string; INCRBYFLOAT an embstr (or raw) that is never int-encoded.
const (
	EncAuto uint8 = iota
	EncRaw
	EncNoInt
)

const (
	TypeString uint8 = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
)
