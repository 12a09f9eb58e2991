package shard

// Entry is one key of a database. Owned by the shard that holds the Dict; only the goroutine
// currently holding the shard may read or write it.
type Entry struct {
	Key    string
	Str    []byte // value of a string key (Type == TypeString)
	Obj    any    // value of a collection key (later types)
	Expire int64  // absolute unix time in ms; 0 = no TTL
	Type   uint8
	next   *Entry // chain link inside Dict; owned by Dict
	vidx   int32  // index in Dict's volatile set, -1 when Expire == 0; owned by Dict
}

const (
	TypeString uint8 = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
)
