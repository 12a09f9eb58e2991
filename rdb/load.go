package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// ErrCorrupt is matched by errors.Is for every error caused by the bytes of
// the input (bad structure, truncation, checksum mismatch), as opposed to I/O
// errors, unsupported content and handler errors.
var ErrCorrupt = errors.New("rdb: corrupt input")

// ErrTruncated marks input that ends early; it matches ErrCorrupt too.
var ErrTruncated = fmt.Errorf("%w: unexpected end of file", ErrCorrupt)

// ErrChecksum marks a CRC-64 mismatch; it matches ErrCorrupt too.
var ErrChecksum = fmt.Errorf("%w: checksum mismatch", ErrCorrupt)

// ErrUnsupported marks valid Redis content that duva cannot hold: streams,
// module types and module aux data, pre-GA function libraries.
var ErrUnsupported = errors.New("rdb: unsupported content")

// Error is the error Load, VerifyDump and DecodeDump return: what went wrong
// and the byte offset (from the start of the stream) where the offending
// item starts.
type Error struct {
	Offset int64
	Msg    string
	Err    error // ErrCorrupt, ErrTruncated, ErrChecksum, ErrUnsupported, an I/O or a handler error
}

func (e *Error) Error() string { return fmt.Sprintf("rdb: %s at offset %d", e.Msg, e.Offset) }

// Unwrap exposes the class of the error (see Err).
func (e *Error) Unwrap() error { return e.Err }

// Value is one decoded value. Its slices point into the decoder's buffers:
// they are valid only during the Handler call (copy what you keep).
type Value struct {
	Kind   byte      // KindString, KindList, KindSet, KindHash or KindZSet
	Str    []byte    // KindString: the value
	Elems  [][]byte  // list elements in order; set members; hash field, value, field, value...; zset members
	Scores []float64 // KindZSet: the score of Elems[i]
	Type   byte      // the RDB type id it was stored with
	// Idle and Freq are the key's LRU idle seconds (RDB_OPCODE_IDLE) and LFU
	// counter (RDB_OPCODE_FREQ), -1 when the file has none for the key.
	Idle int64
	Freq int
}

// Handler receives what Load decodes, in file order. An error it returns
// stops Load, which returns it wrapped in an *Error (errors.Is/As see it).
type Handler interface {
	Aux(key, val []byte) error
	ResizeDB(db int, size, expires uint64) error
	// Key delivers one key. expireMs is the absolute unix time in ms, or 0
	// for no TTL. EXPIRETIME (seconds) is converted to ms. Like Redis, a
	// stored -1 means no TTL; any other stored value <= 0 is delivered as 1
	// (long expired) so that it cannot read as "no TTL". Dropping keys that
	// are already expired is the caller's decision (Redis does it on a
	// master, not on a replica or for an AOF preamble). Empty collections,
	// which Redis skips on load, are not delivered.
	Key(db int, key []byte, expireMs int64, v *Value) error
	// Function delivers a function library (RDB_OPCODE_FUNCTION2): its code,
	// starting with the "#!lua name=..." shebang.
	Function(code []byte) error
}

// Options tune Load.
type Options struct {
	// Progress, when set, is called with the number of bytes read so far
	// about every MB (between keys) and once at the end.
	Progress func(read int64)
	// SkipChecksum does not verify the trailer (rdbchecksum no).
	SkipChecksum bool

	// Test hooks: every listpack/ziplist blob with the elements decoded from
	// it, and every LZF string with its decompression.
	onBlob func(t byte, blob []byte, elems [][]byte, scores []float64)
	onLZF  func(compressed, plain []byte)
}

// Info summarises a loaded stream.
type Info struct {
	Version int
	Keys    int64 // keys delivered to Handler.Key
	Bytes   int64 // bytes consumed, through the checksum
	Aux     map[string]string
}

const progressStep = 1 << 20

// readChunk bounds how much a read allocates ahead of the data actually
// arriving, so a corrupt length cannot allocate gigabytes.
const readChunk = 64 << 10

type span struct{ a, b int }

type decoder struct {
	r    *bufio.Reader
	off  int64
	crc  uint64
	opt  Options
	next int64 // next progress report

	tmp   [8]byte
	key   []byte
	arena []byte // bytes of the current value's elements
	spans []span // elements as ranges of arena (arena may move while growing)
	blob  []byte // current listpack/ziplist/intset/zipmap blob
	lzf   []byte // compressed input of the current LZF string
	v     Value
}

// Load decodes one RDB stream from r, calling h for each item. It reads
// exactly through the checksum (the 8 bytes after EOF, for RDB >= 5) and never
// beyond, so r can go on with what follows (the AOF after an RDB preamble).
// It accepts RDB versions 1 to 10.
func Load(r *bufio.Reader, h Handler, opt Options) (Info, error) {
	d := &decoder{r: r, opt: opt, next: progressStep}
	info := Info{Aux: map[string]string{}}
	err := d.load(h, &info)
	info.Bytes = d.off
	if opt.Progress != nil {
		opt.Progress(d.off)
	}
	return info, err
}

func (d *decoder) load(h Handler, info *Info) error {
	var hdr [9]byte
	if err := d.readFull(hdr[:]); err != nil {
		return err
	}
	if string(hdr[:5]) != "REDIS" {
		return d.errAt(0, ErrCorrupt, "bad magic %q (not an RDB file)", hdr[:5])
	}
	ver := 0
	for _, c := range hdr[5:] {
		if c < '0' || c > '9' {
			return d.errAt(5, ErrCorrupt, "bad version %q", hdr[5:])
		}
		ver = ver*10 + int(c-'0')
	}
	if ver < 1 || ver > Version {
		return d.errAt(5, ErrUnsupported, "unsupported RDB version %d", ver)
	}
	info.Version = ver

	db := 0
	expire, hasExpire := int64(0), false
	idle, freq := int64(-1), -1
	for {
		if d.opt.Progress != nil && d.off >= d.next {
			d.opt.Progress(d.off)
			d.next = d.off + progressStep
		}
		at := d.off
		t, err := d.readByte()
		if err != nil {
			return err
		}
		switch t {
		case OpExpireTimeMs:
			if err := d.readFull(d.tmp[:8]); err != nil {
				return err
			}
			expire, hasExpire = int64(binary.LittleEndian.Uint64(d.tmp[:])), true
			continue
		case OpExpireTime:
			if err := d.readFull(d.tmp[:4]); err != nil {
				return err
			}
			expire, hasExpire = int64(int32(binary.LittleEndian.Uint32(d.tmp[:])))*1000, true
			continue
		case OpFreq:
			f, err := d.readByte()
			if err != nil {
				return err
			}
			freq = int(f)
			continue
		case OpIdle:
			n, err := d.readLen()
			if err != nil {
				return err
			}
			idle = int64(min(n, math.MaxInt64))
			continue
		case OpEOF:
			return d.checksum(ver)
		case OpSelectDB:
			n, err := d.readLen()
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return d.errAt(at, ErrCorrupt, "bad DB number %d", n)
			}
			db = int(n)
			continue
		case OpResizeDB:
			size, err := d.readLen()
			if err != nil {
				return err
			}
			exp, err := d.readLen()
			if err != nil {
				return err
			}
			if err := h.ResizeDB(db, size, exp); err != nil {
				return d.handlerErr(at, err)
			}
			continue
		case OpAux:
			k, err := d.readString(d.key[:0])
			if err != nil {
				return err
			}
			d.key = k
			v, err := d.readString(d.arena[:0])
			if err != nil {
				return err
			}
			d.arena = v
			info.Aux[string(k)] = string(v)
			if err := h.Aux(k, v); err != nil {
				return d.handlerErr(at, err)
			}
			continue
		case OpFunction2:
			code, err := d.readString(d.arena[:0])
			if err != nil {
				return err
			}
			d.arena = code
			if err := h.Function(code); err != nil {
				return d.handlerErr(at, err)
			}
			continue
		case OpFunction:
			return d.errAt(at, ErrUnsupported, "unsupported pre-GA function library (opcode 0x%02X)", t)
		case OpModuleAux:
			return d.errAt(at, ErrUnsupported, "unsupported module aux data (opcode 0x%02X)", t)
		}
		if err := checkObjectType(t); err != nil {
			return d.errAt(at, err, "%s", objectTypeMsg(t))
		}
		key, err := d.readString(d.key[:0])
		if err != nil {
			return err
		}
		d.key = key
		empty, err := d.readObject(t, at)
		if err != nil {
			return err
		}
		ms := int64(0)
		if hasExpire {
			ms = expire
			if ms == -1 {
				ms = 0
			} else if ms <= 0 {
				ms = 1
			}
		}
		expire, hasExpire = 0, false
		d.v.Idle, d.v.Freq = idle, freq
		idle, freq = -1, -1
		if empty {
			continue
		}
		info.Keys++
		if err := h.Key(db, key, ms, &d.v); err != nil {
			return d.handlerErr(at, err)
		}
	}
}

// checksum reads and verifies the trailer; d.crc covers everything through
// the EOF opcode at this point.
func (d *decoder) checksum(ver int) error {
	if ver < 5 {
		return nil
	}
	want := d.crc
	at := d.off
	if err := d.readFull(d.tmp[:8]); err != nil {
		return err
	}
	got := binary.LittleEndian.Uint64(d.tmp[:])
	if d.opt.SkipChecksum || got == 0 { // 0: written with rdbchecksum no
		return nil
	}
	if got != want {
		return d.errAt(at, ErrChecksum, "checksum mismatch: file says %016x, computed %016x", got, want)
	}
	return nil
}

// checkObjectType returns nil for the types we load, else the error class.
func checkObjectType(t byte) error {
	switch {
	case t <= TypeZSet2, t >= TypeHashZipmap && t <= TypeListQuicklist2 && t != TypeStreamListpacks:
		return nil
	case t == TypeModule, t == TypeModule2, t == TypeStreamListpacks, t == TypeStreamListpacks2:
		return ErrUnsupported
	}
	return ErrCorrupt
}

func objectTypeMsg(t byte) string {
	if checkObjectType(t) == ErrUnsupported {
		return fmt.Sprintf("unsupported object type %d (%s)", t, typeName(t))
	}
	return fmt.Sprintf("unknown object type or opcode %d (0x%02X)", t, t)
}

func (d *decoder) errAt(off int64, class error, format string, args ...any) error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...), Err: class}
}

func (d *decoder) handlerErr(off int64, err error) error {
	return &Error{Offset: off, Msg: "handler: " + err.Error(), Err: err}
}

func (d *decoder) ioErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &Error{Offset: d.off, Msg: "unexpected end of file", Err: ErrTruncated}
	}
	return &Error{Offset: d.off, Msg: "read error: " + err.Error(), Err: err}
}

// ---- primitive reads: every byte consumed goes through the CRC ----

func (d *decoder) readByte() (byte, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return 0, d.ioErr(err)
	}
	d.crc = crcByte(d.crc, c)
	d.off++
	return c, nil
}

func (d *decoder) readFull(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.crc = CRC64(d.crc, p[:n])
	d.off += int64(n)
	if err != nil {
		return d.ioErr(err)
	}
	return nil
}

// readAppend appends the next n input bytes to dst, growing dst by at most
// readChunk ahead of the data that actually arrived.
func (d *decoder) readAppend(dst []byte, n uint64) ([]byte, error) {
	for n > 0 {
		c := min(n, readChunk)
		l := len(dst)
		dst = slices.Grow(dst, int(c))[:l+int(c)]
		if err := d.readFull(dst[l:]); err != nil {
			return dst[:l], err
		}
		n -= c
	}
	return dst, nil
}

// readLenEnc reads a length, or a special string encoding (enc true).
func (d *decoder) readLenEnc() (n uint64, enc bool, err error) {
	at := d.off
	c, err := d.readByte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case len6bit:
		return uint64(c & 0x3F), false, nil
	case len14bit:
		c2, err := d.readByte()
		if err != nil {
			return 0, false, err
		}
		return uint64(c&0x3F)<<8 | uint64(c2), false, nil
	case lenEnc:
		return uint64(c & 0x3F), true, nil
	}
	switch c {
	case len32bit:
		if err := d.readFull(d.tmp[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(d.tmp[:])), false, nil
	case len64bit:
		if err := d.readFull(d.tmp[:8]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(d.tmp[:]), false, nil
	}
	return 0, false, d.errAt(at, ErrCorrupt, "unknown length encoding 0x%02X", c)
}

// readLen reads a plain length (counts, db numbers): a string encoding
// marker there is corruption.
func (d *decoder) readLen() (uint64, error) {
	at := d.off
	n, enc, err := d.readLenEnc()
	if err == nil && enc {
		err = d.errAt(at, ErrCorrupt, "string encoding where a length belongs")
	}
	return n, err
}

// readString reads a string object (rdbGenericLoadStringObject) and appends
// its bytes to dst: integers come back as decimal text, LZF decompressed.
func (d *decoder) readString(dst []byte) ([]byte, error) {
	at := d.off
	n, enc, err := d.readLenEnc()
	if err != nil {
		return dst, err
	}
	if !enc {
		return d.readAppend(dst, n)
	}
	switch n {
	case encInt8:
		c, err := d.readByte()
		if err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(int8(c)), 10), nil
	case encInt16:
		if err := d.readFull(d.tmp[:2]); err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(d.tmp[:]))), 10), nil
	case encInt32:
		if err := d.readFull(d.tmp[:4]); err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(d.tmp[:]))), 10), nil
	case encLZF:
		clen, err := d.readLen()
		if err != nil {
			return dst, err
		}
		ulen, err := d.readLen()
		if err != nil {
			return dst, err
		}
		if clen == 0 || clen > math.MaxInt32 || ulen > clen*lzfMaxRatio {
			return dst, d.errAt(at, ErrCorrupt, "invalid LZF string lengths (compressed %d, plain %d)", clen, ulen)
		}
		c, err := d.readAppend(d.lzf[:0], clen)
		d.lzf = c
		if err != nil {
			return dst, err
		}
		l := len(dst)
		dst, err = lzfDecompress(dst, c, int(ulen))
		if err != nil {
			return dst[:l], d.errAt(at, ErrCorrupt, "invalid LZF compressed string: %v", err)
		}
		if d.opt.onLZF != nil {
			d.opt.onLZF(c, dst[l:])
		}
		return dst, nil
	}
	return dst, d.errAt(at, ErrCorrupt, "unknown string encoding %d", n)
}

// readDoubleV1 reads a RDB_TYPE_ZSET score: a length byte (253 nan, 254
// +inf, 255 -inf) and that many bytes of ASCII.
func (d *decoder) readDoubleV1() (float64, error) {
	at := d.off
	n, err := d.readByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	var buf [255]byte
	if err := d.readFull(buf[:n]); err != nil {
		return 0, err
	}
	f, ok := parseScore(buf[:n])
	if !ok {
		return 0, d.errAt(at, ErrCorrupt, "bad score %q", buf[:n])
	}
	return f, nil
}

// parseScore parses a score written as text (strtod); out-of-range values
// saturate to ±Inf as strtod's HUGE_VAL does.
func parseScore(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// ---- values ----

func (d *decoder) elemString() error {
	a := len(d.arena)
	s, err := d.readString(d.arena)
	d.arena = s
	if err != nil {
		return err
	}
	d.spans = append(d.spans, span{a, len(d.arena)})
	return nil
}

func (d *decoder) elemBytes(b []byte) {
	a := len(d.arena)
	d.arena = append(d.arena, b...)
	d.spans = append(d.spans, span{a, len(d.arena)})
}

func (d *decoder) elemInt(v int64) {
	a := len(d.arena)
	d.arena = strconv.AppendInt(d.arena, v, 10)
	d.spans = append(d.spans, span{a, len(d.arena)})
}

// elems materialises v.Elems from the spans (arena has stopped moving).
func (d *decoder) elems() {
	d.v.Elems = d.v.Elems[:0]
	for _, s := range d.spans {
		d.v.Elems = append(d.v.Elems, d.arena[s.a:s.b:s.b])
	}
}

func kindOf(t byte) byte {
	switch t {
	case TypeList, TypeListZiplist, TypeListQuicklist, TypeListQuicklist2:
		return KindList
	case TypeSet, TypeSetIntset:
		return KindSet
	case TypeZSet, TypeZSet2, TypeZSetZiplist, TypeZSetListpack:
		return KindZSet
	case TypeHash, TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		return KindHash
	}
	return KindString
}

// readObject decodes the value of type t into d.v (rdbLoadObject). empty
// reports a collection without elements, which Redis drops on load.
func (d *decoder) readObject(t byte, at int64) (empty bool, err error) {
	d.arena, d.spans = d.arena[:0], d.spans[:0]
	d.v = Value{Kind: kindOf(t), Type: t, Elems: d.v.Elems[:0], Scores: d.v.Scores[:0], Idle: -1, Freq: -1}
	switch t {
	case TypeString:
		s, err := d.readString(d.arena)
		d.arena = s
		if err != nil {
			return false, err
		}
		d.v.Str = s
		return false, nil
	case TypeList, TypeSet, TypeHash:
		n, err := d.readLen()
		if err != nil {
			return false, err
		}
		if t == TypeHash {
			if n > math.MaxUint64/2 {
				return false, d.errAt(at, ErrCorrupt, "hash length %d out of range", n)
			}
			n *= 2
		}
		for i := uint64(0); i < n; i++ {
			if err := d.elemString(); err != nil {
				return false, err
			}
		}
	case TypeZSet, TypeZSet2:
		n, err := d.readLen()
		if err != nil {
			return false, err
		}
		for i := uint64(0); i < n; i++ {
			if err := d.elemString(); err != nil {
				return false, err
			}
			sat := d.off
			var f float64
			if t == TypeZSet {
				if f, err = d.readDoubleV1(); err != nil {
					return false, err
				}
			} else {
				if err := d.readFull(d.tmp[:8]); err != nil {
					return false, err
				}
				f = math.Float64frombits(binary.LittleEndian.Uint64(d.tmp[:]))
			}
			if math.IsNaN(f) {
				return false, d.errAt(sat, ErrCorrupt, "zset score is NaN")
			}
			d.v.Scores = append(d.v.Scores, f)
		}
	case TypeSetIntset:
		if err := d.readBlob(); err != nil {
			return false, err
		}
		if err := intsetEach(d.blob, d.elemInt); err != nil {
			return false, d.errAt(at, ErrCorrupt, "%v", err)
		}
	case TypeHashZipmap:
		if err := d.readBlob(); err != nil {
			return false, err
		}
		err := zipmapEach(d.blob, func(k, v []byte) { d.elemBytes(k); d.elemBytes(v) })
		if err != nil {
			return false, d.errAt(at, ErrCorrupt, "%v", err)
		}
	case TypeListZiplist, TypeZSetZiplist, TypeHashZiplist, TypeHashListpack, TypeZSetListpack:
		if err := d.readBlob(); err != nil {
			return false, err
		}
		if err := d.packed(t, at); err != nil {
			return false, err
		}
	case TypeListQuicklist, TypeListQuicklist2:
		n, err := d.readLen()
		if err != nil {
			return false, err
		}
		for i := uint64(0); i < n; i++ {
			container := uint64(ContainerPacked)
			if t == TypeListQuicklist2 {
				cat := d.off
				if container, err = d.readLen(); err != nil {
					return false, err
				}
				if container != ContainerPlain && container != ContainerPacked {
					return false, d.errAt(cat, ErrCorrupt, "quicklist node has unknown container %d", container)
				}
			}
			nat := d.off
			if container == ContainerPlain {
				a := len(d.arena)
				if err := d.elemString(); err != nil {
					return false, err
				}
				if len(d.arena) == a {
					return false, d.errAt(nat, ErrCorrupt, "empty quicklist node")
				}
				continue
			}
			if err := d.readBlob(); err != nil {
				return false, err
			}
			if len(d.blob) == 0 {
				return false, d.errAt(nat, ErrCorrupt, "empty quicklist node")
			}
			if err := d.packed(t, nat); err != nil {
				return false, err
			}
		}
	default:
		return false, d.errAt(at, ErrCorrupt, "%s", objectTypeMsg(t))
	}
	d.elems()
	return len(d.v.Elems) == 0, nil
}

func (d *decoder) readBlob() error {
	b, err := d.readString(d.blob[:0])
	d.blob = b
	return err
}

// packed decodes d.blob, a listpack or ziplist as type t says, appending its
// entries; for zsets every second entry is the previous member's score.
func (d *decoder) packed(t byte, at int64) error {
	isZL := t == TypeListZiplist || t == TypeZSetZiplist || t == TypeHashZiplist || t == TypeListQuicklist
	zset := t == TypeZSetZiplist || t == TypeZSetListpack
	pairs := zset || t == TypeHashZiplist || t == TypeHashListpack
	first, firstScore := len(d.spans), len(d.v.Scores)
	var (
		lp  lpIter
		zl  zlIter
		err error
	)
	if isZL {
		zl, err = zlOpen(d.blob)
	} else {
		lp, err = lpOpen(d.blob)
	}
	if err != nil {
		return d.errAt(at, ErrCorrupt, "%v", err)
	}
	var s []byte
	var v int64
	var isInt, ok bool
	for i := 0; ; i++ {
		if isZL {
			s, v, isInt, ok, err = zl.next()
		} else {
			s, v, isInt, ok, err = lp.next()
		}
		if err != nil {
			return d.errAt(at, ErrCorrupt, "%v", err)
		}
		if !ok {
			if pairs && i%2 == 1 {
				return d.errAt(at, ErrCorrupt, "%s has an odd number of entries", typeName(t))
			}
			break
		}
		if zset && i%2 == 1 {
			f := float64(v)
			if !isInt {
				var good bool
				if f, good = parseScore(s); !good {
					return d.errAt(at, ErrCorrupt, "bad zset score %q", s)
				}
			}
			if math.IsNaN(f) {
				return d.errAt(at, ErrCorrupt, "zset score is NaN")
			}
			d.v.Scores = append(d.v.Scores, f)
			continue
		}
		if isInt {
			d.elemInt(v)
		} else {
			d.elemBytes(s)
		}
	}
	if d.opt.onBlob != nil {
		d.elems()
		d.opt.onBlob(t, d.blob, d.v.Elems[first:], d.v.Scores[firstScore:])
	}
	return nil
}

// ---- DUMP / RESTORE payloads ----

// VerifyDump checks a DUMP payload's footer (RDB version <= Version, CRC-64)
// and returns the object bytes before it: a type id and the value.
func VerifyDump(p []byte) (object []byte, err error) {
	if len(p) < 10 {
		return nil, &Error{Offset: int64(len(p)), Msg: "DUMP payload too short", Err: ErrTruncated}
	}
	foot := len(p) - 10
	if v := binary.LittleEndian.Uint16(p[foot:]); v > Version {
		return nil, &Error{Offset: int64(foot), Msg: fmt.Sprintf("unsupported DUMP payload RDB version %d", v), Err: ErrUnsupported}
	}
	want := CRC64(0, p[:foot+2])
	if got := binary.LittleEndian.Uint64(p[foot+2:]); got != want {
		return nil, &Error{Offset: int64(foot + 2), Msg: fmt.Sprintf("checksum mismatch: payload says %016x, computed %016x", got, want), Err: ErrChecksum}
	}
	return p[:foot], nil
}

// DecodeDump verifies a DUMP payload and decodes its object, passing it to fn
// (the Value is valid during the call only). An empty collection is an error,
// as for RESTORE.
func DecodeDump(payload []byte, fn func(v *Value) error) error {
	obj, err := VerifyDump(payload)
	if err != nil {
		return err
	}
	d := &decoder{r: bufio.NewReaderSize(bytes.NewReader(obj), 4096)}
	t, err := d.readByte()
	if err != nil {
		return err
	}
	if err := checkObjectType(t); err != nil {
		return d.errAt(0, err, "%s", objectTypeMsg(t))
	}
	empty, err := d.readObject(t, 0)
	if err != nil {
		return err
	}
	if d.off != int64(len(obj)) {
		return d.errAt(d.off, ErrCorrupt, "%d trailing bytes after the object", int64(len(obj))-d.off)
	}
	if empty {
		return d.errAt(0, ErrCorrupt, "empty %s", typeName(t))
	}
	return fn(&d.v)
}
