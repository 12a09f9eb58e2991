package shard

// Entry is one key of a database. Owned by the shard that holds the Dict; only the goroutine
// currently holding the shard may read or write it.
type Entry struct {
	Key    string
	Str    []byte // value of a string key (Type == TypeString)
	Obj    any    // value of a collection key (later types)
	Expire int64  // absolute unix time in ms; 0 = no TTL
	Type   uint8
	Enc    uint8  // how OBJECT ENCODING reports a string: EncAuto, EncRaw or EncNoInt
	next   *Entry // chain link inside Dict; owned by Dict
	vidx   int32  // index in Dict's volatile set, -1 when Expire == 0; owned by Dict
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
