package rdb

// Version is the RDB format version this package writes (Redis 7.0).
const Version = 10

// Object type ids (rdb.h, Redis 7.0). Types 9, 10, 12, 13 and 14 are only
// read: Redis 7.0 converts them on load and never writes them.
const (
	TypeString           = 0
	TypeList             = 1 // linked list of strings (RDB < 7)
	TypeSet              = 2
	TypeZSet             = 3 // scores as length-prefixed ASCII
	TypeHash             = 4
	TypeZSet2            = 5 // scores as binary little-endian float64
	TypeModule           = 6 // pre-GA module format: never loadable
	TypeModule2          = 7
	TypeHashZipmap       = 9
	TypeListZiplist      = 10
	TypeSetIntset        = 11
	TypeZSetZiplist      = 12
	TypeHashZiplist      = 13
	TypeListQuicklist    = 14 // nodes are ziplists
	TypeStreamListpacks  = 15
	TypeHashListpack     = 16
	TypeZSetListpack     = 17
	TypeListQuicklist2   = 18 // nodes are a container id + listpack or plain element
	TypeStreamListpacks2 = 19
)

// Opcodes: bytes in the position of a type id that are not object types.
const (
	OpFunction2    = 0xF5 // a function library: its code string
	OpFunction     = 0xF6 // pre-GA 7.0 function format: Redis refuses it too
	OpModuleAux    = 0xF7
	OpIdle         = 0xF8 // LRU idle seconds of the next key (length)
	OpFreq         = 0xF9 // LFU counter of the next key (1 byte)
	OpAux          = 0xFA // two strings: name, value
	OpResizeDB     = 0xFB // two lengths: db size, expires size
	OpExpireTimeMs = 0xFC // int64 LE unix ms of the next key
	OpExpireTime   = 0xFD // int32 LE unix seconds of the next key (RDB < 3)
	OpSelectDB     = 0xFE // length: db number of the following keys
	OpEOF          = 0xFF // then 8 bytes of CRC-64 LE (RDB >= 5)
)

// Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
const (
	ContainerPlain  = 1 // the node is one element, stored as a plain string
	ContainerPacked = 2 // the node is a listpack
)

// Value kinds: the Redis data type a loaded value has, whatever its encoding
// in the file. They equal the basic type ids.
const (
	KindString = TypeString
	KindList   = TypeList
	KindSet    = TypeSet
	KindZSet   = TypeZSet
	KindHash   = TypeHash
)

// Length encoding (rdbSaveLen): the top two bits of the first byte.
const (
	len6bit  = 0    // 00xxxxxx
	len14bit = 1    // 01xxxxxx xxxxxxxx (big-endian)
	len32bit = 0x80 // then 4 bytes big-endian
	len64bit = 0x81 // then 8 bytes big-endian
	lenEnc   = 3    // 11xxxxxx: a special string encoding follows
)

// Special string encodings (11xxxxxx, low 6 bits).
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// typeName names a type id for error messages.
func typeName(t byte) string {
	switch t {
	case TypeString:
		return "string"
	case TypeList, TypeListZiplist, TypeListQuicklist, TypeListQuicklist2:
		return "list"
	case TypeSet, TypeSetIntset:
		return "set"
	case TypeZSet, TypeZSet2, TypeZSetZiplist, TypeZSetListpack:
		return "zset"
	case TypeHash, TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		return "hash"
	case TypeModule, TypeModule2:
		return "module"
	case TypeStreamListpacks, TypeStreamListpacks2:
		return "stream"
	}
	return "unknown"
}
