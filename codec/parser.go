package codec

import (
	"bytes"
	"errors"
	"math"
)

// ErrNeedMore reports that the buffer holds no complete command yet. Call
// Parse again once more bytes have been appended; Need says how many are
// required when that is known.
var ErrNeedMore = errors.New("codec: need more data")

// ProtocolError is a malformed request. Its Error() is the text Redis puts
// after "-ERR ", e.g. "Protocol error: invalid multibulk length". The
// connection must reply "-ERR " + Error() + "\r\n" and close.
type ProtocolError struct{ msg string }

func (e *ProtocolError) Error() string { return e.msg }

// The protocol errors, word for word as Redis's networking.c sends them.
var (
	errInvalidMultibulkLen = &ProtocolError{"Protocol error: invalid multibulk length"}
	errBigMultibulk        = &ProtocolError{"Protocol error: too big mbulk count string"}
	errInvalidBulkLen      = &ProtocolError{"Protocol error: invalid bulk length"}
	errBigBulkCount        = &ProtocolError{"Protocol error: too big bulk count string"}
	errBigInline           = &ProtocolError{"Protocol error: too big inline request"}
	errUnbalancedQuotes    = &ProtocolError{"Protocol error: unbalanced quotes in request"}
)

// errExpectedDollar builds Redis's "expected '$', got '%c'". Redis maps CR and
// LF in error text to spaces so the reply stays on one line; other bytes,
// including bytes >= 0x80, are sent raw (a NUL never gets here: it hides the
// line's end). Errors end the connection, so the allocation here is not on
// the hot path.
func errExpectedDollar(c byte) *ProtocolError {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{"Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}

// Default limits, as in Redis 7.0.
const (
	defaultMaxBulkLen   = 512 << 20 // proto-max-bulk-len
	defaultMaxMultibulk = 1 << 20   // the hard-coded 1024*1024 in processMultibulkBuffer
	defaultMaxInline    = 64 << 10  // PROTO_INLINE_MAX_SIZE
)

// Limits bound what a client may send. A zero (or negative) field means its
// default.
type Limits struct {
	// MaxBulkLen is the largest bulk argument accepted (proto-max-bulk-len).
	MaxBulkLen int64
	// MaxMultibulk is the largest number of arguments in one request.
	MaxMultibulk int
	// MaxInline is the longest line accepted without its terminator: an
	// inline request, or a "*<count>" / "$<len>" header
	// (PROTO_INLINE_MAX_SIZE in Redis, which uses it for all three).
	MaxInline int
}

// DefaultLimits returns Redis's defaults: 512 MB bulks, 1M arguments and
// 64 KB lines.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:   defaultMaxBulkLen,
		MaxMultibulk: defaultMaxMultibulk,
		MaxInline:    defaultMaxInline,
	}
}

// normalized fills in defaults and clamps the limits so offset arithmetic
// (position + length + 2) cannot overflow an int.
func (l Limits) normalized() Limits {
	d := DefaultLimits()
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = d.MaxBulkLen
	}
	if l.MaxBulkLen > math.MaxInt/2 {
		l.MaxBulkLen = math.MaxInt / 2
	}
	if l.MaxMultibulk <= 0 {
		l.MaxMultibulk = d.MaxMultibulk
	}
	if l.MaxInline <= 0 {
		l.MaxInline = d.MaxInline
	}
	if l.MaxInline > math.MaxInt/2 {
		l.MaxInline = math.MaxInt / 2
	}
	return l
}

// Retention bounds: after a command with more arguments than this (or an
// inline line that needed more scratch), the Parser lets go of its argument
// slices (or scratch) when the next command starts, so one huge MSET does
// not pin memory for the life of an idle connection.
const (
	maxKeptArgs    = 1024
	maxKeptScratch = 4 << 10
)

type parseState uint8

const (
	stateStart      parseState = iota // nothing of the current frame examined
	stateInline                       // looking for '\n'
	stateCount                        // '*' seen, looking for the count's '\r'
	stateBulkHeader                   // expecting "$<len>\r\n" at pos
	stateBulkBody                     // header read; bulk bytes of body at pos
)

// span locates one argument: buf[off:off+n] when off >= 0, or
// scratch[^off:^off+n] (an unescaped inline argument) when off < 0.
// Arguments are kept as offsets, not slices, because the next call to Parse
// may pass a different slice holding the same bytes.
type span struct{ off, n int }

// Parser is a resumable RESP request parser for one connection. It is not
// safe for concurrent use. The zero value is ready to use with
// DefaultLimits.
//
// All positions are offsets from the start of the buffer passed to Parse,
// which is the first unconsumed byte of the connection's input.
type Parser struct {
	limits    Limits // normalized; valid once limitsSet
	limitsSet bool
	err       error // sticky *ProtocolError; cleared by Reset

	state parseState
	pos   int // start of the element being parsed: a line, or a bulk body
	scan  int // bytes before it were examined; next byte to search for a line end
	need  int // see Need; 0 when unknown
	left  int // bulk arguments still to read (multibulk)
	bulk  int // length of the bulk body at pos (stateBulkBody)

	spans   []span   // arguments read so far in this frame
	args    [][]byte // returned to the caller; capacity reused
	scratch []byte   // unescaped inline arguments; capacity reused
}

// SetLimits sets the limits for subsequent calls to Parse. Zero fields take
// their defaults.
func (p *Parser) SetLimits(l Limits) {
	p.limits = l.normalized()
	p.limitsSet = true
}

// Need returns the total buffer length Parse needs before it can make
// progress, or 0 when unknown (waiting for a line terminator, or nothing is
// pending). It is meaningful after Parse returned ErrNeedMore.
func (p *Parser) Need() int { return p.need }

// Reset forgets any partial frame and a sticky protocol error. Limits are
// kept.
func (p *Parser) Reset() {
	p.err = nil
	p.restart()
}

// restart drops the partial frame.
func (p *Parser) restart() {
	p.state = stateStart
	p.pos, p.scan, p.need, p.left, p.bulk = 0, 0, 0, 0, 0
	p.spans = p.spans[:0]
}

// Parse parses one command from the start of buf.
//
// On success it returns the number of bytes consumed and the arguments,
// which alias buf (see the package documentation for their lifetime). An
// empty command ("*0\r\n", "*-1\r\n", a blank inline line) is consumed and
// returned as n > 0 with no arguments; the caller just continues.
//
// If buf holds no complete command, Parse returns (0, nil, ErrNeedMore) and
// remembers its progress; the next call must pass the same bytes, possibly
// with more appended, possibly in a different slice. (A buf shorter than the
// part already examined is taken to be new input and parsed from its start.)
//
// A malformed request returns a *ProtocolError, and so does every later call
// until Reset.
func (p *Parser) Parse(buf []byte) (n int, args [][]byte, err error) {
	if p.err != nil {
		return 0, nil, p.err
	}
	if len(buf) < p.scan {
		// Fewer bytes than already examined: the caller dropped the
		// partial frame. Start over rather than index past buf.
		p.restart()
	}
	if len(buf) < p.need {
		return 0, nil, ErrNeedMore
	}
	p.need = 0
	if !p.limitsSet {
		p.SetLimits(Limits{})
	}
	if p.state == stateStart {
		if len(buf) == 0 {
			return 0, nil, ErrNeedMore
		}
		p.release()
		if buf[0] == '*' {
			p.state, p.scan = stateCount, 1
		} else {
			p.state = stateInline
		}
	}
	if p.state == stateInline {
		n, err = p.parseInline(buf)
	} else {
		n, err = p.parseMultibulk(buf)
	}
	if err != nil {
		if err != ErrNeedMore {
			p.restart()
			p.err = err
		}
		return 0, nil, err
	}
	p.restart()
	return n, p.args, nil
}

// release drops argument and scratch capacity left by an unusually large
// command. Called only when a new frame starts, once the previous command's
// args are no longer in use; p.args still has that command's length.
func (p *Parser) release() {
	if len(p.args) > maxKeptArgs {
		p.args, p.spans = nil, nil
	}
	if cap(p.scratch) > maxKeptScratch {
		p.scratch = nil
	}
}

// parseMultibulk continues a "*<count>\r\n" frame, as processMultibulkBuffer
// does.
func (p *Parser) parseMultibulk(buf []byte) (int, error) {
	if p.state == stateCount {
		cr, count, ok := p.quickHeader(buf, 0)
		if !ok {
			var err error
			if cr, err = p.findCR(buf, 0, errBigMultibulk); err != nil {
				return 0, err
			}
			if count, ok = parseInt(buf[1:cr]); !ok {
				return 0, errInvalidMultibulkLen
			}
		}
		if count > int64(p.limits.MaxMultibulk) {
			return 0, errInvalidMultibulkLen
		}
		p.pos = cr + 2
		if count <= 0 {
			p.args = p.args[:0]
			return p.pos, nil
		}
		// Argument storage grows as arguments arrive, never from count.
		p.left = int(count)
		p.spans = p.spans[:0]
		p.state, p.scan = stateBulkHeader, p.pos
	}
	for p.left > 0 {
		if p.state == stateBulkHeader {
			cr, n, ok := p.quickHeader(buf, p.pos)
			if !ok || buf[p.pos] != '$' {
				var err error
				if cr, err = p.findCR(buf, p.pos, errBigBulkCount); err != nil {
					return 0, err
				}
				// Like Redis, check the '$' only once the whole line is here.
				if buf[p.pos] != '$' {
					return 0, errExpectedDollar(buf[p.pos])
				}
				if n, ok = parseInt(buf[p.pos+1 : cr]); !ok || n < 0 {
					return 0, errInvalidBulkLen
				}
			}
			if n > p.limits.MaxBulkLen {
				return 0, errInvalidBulkLen
			}
			p.pos, p.bulk = cr+2, int(n)
			p.scan = p.pos
			p.state = stateBulkBody
		}
		// The body and the 2 bytes after it, which Redis skips unchecked.
		if len(buf)-p.pos < p.bulk+2 {
			p.need = p.pos + p.bulk + 2
			return 0, ErrNeedMore
		}
		p.spans = append(p.spans, span{p.pos, p.bulk})
		p.pos += p.bulk + 2
		p.scan = p.pos
		p.left--
		p.state = stateBulkHeader
	}
	p.args = p.args[:0]
	for _, s := range p.spans {
		end := s.off + s.n
		p.args = append(p.args, buf[s.off:end:end])
	}
	return p.pos, nil
}

// quickHeader is the fast path for the header line at start ("*3\r\n",
// "$5\r\n"): it accepts only 1 to 18 digits without a leading zero (or a
// lone "0"), then '\r' and one more byte, within MaxInline. It does not
// look at the type byte. Anything else, including every error and every
// incomplete line, returns ok == false for the general path to handle, so
// the fast path never changes a result.
func (p *Parser) quickHeader(buf []byte, start int) (cr int, v int64, ok bool) {
	first := start + 1
	i := first
	for i < len(buf) && i-first < 18 {
		d := buf[i] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
		i++
	}
	n := i - first
	if n == 0 || (n > 1 && buf[first] == '0') || i+1 >= len(buf) || buf[i] != '\r' ||
		i-start > p.limits.MaxInline {
		return 0, 0, false
	}
	return i, v, true
}

// findCR finds the '\r' ending the header line that starts at start, resuming
// the search at p.scan. Like Redis, it needs one byte after the '\r' (not
// checked to be '\n') before the line counts as complete.
func (p *Parser) findCR(buf []byte, start int, tooBig error) (int, error) {
	end, err := p.findLineEnd(buf, start, '\r', tooBig)
	if err != nil {
		return 0, err
	}
	if end+1 >= len(buf) {
		p.need = end + 2
		return 0, ErrNeedMore
	}
	return end, nil
}

// findLineEnd finds the terminator term of the line that starts at start,
// resuming the search at p.scan, and returns its index.
//
// Redis 7.0 searches with strchr, which stops at a NUL byte: a NUL before
// the terminator hides it, and Redis waits for more input. Redis fails with
// tooBig once more than MaxInline bytes are buffered after start without a
// terminator found. To keep the result independent of how the input is
// split into reads, a terminator beyond that point fails too: had the bytes
// arrived one at a time, Redis would have failed before seeing it.
func (p *Parser) findLineEnd(buf []byte, start int, term byte, tooBig error) (int, error) {
	limit := start + p.limits.MaxInline + 1
	end := min(len(buf), limit)
	if p.scan < end {
		i := indexLineEnd(buf[p.scan:end], term)
		if i < 0 {
			p.scan = end
		} else {
			p.scan += i
			if buf[p.scan] == term {
				return p.scan, nil
			}
			// A NUL: nothing but the limit can end this wait, so
			// p.scan stays on it and Need asks for the failing length.
			p.need = limit
		}
	}
	if len(buf) >= limit {
		p.need = 0
		return 0, tooBig
	}
	return 0, ErrNeedMore
}

// indexLineEnd returns the index of the first term or NUL byte in b, or -1.
// Headers are short, so a plain loop covers their first bytes, where the
// call overhead of the vector search would dominate.
func indexLineEnd(b []byte, term byte) int {
	const short = 16
	for i := 0; i < len(b) && i < short; i++ {
		if b[i] == term || b[i] == 0 {
			return i
		}
	}
	if len(b) <= short {
		return -1
	}
	rest := b[short:]
	i := bytes.IndexByte(rest, term)
	if i < 0 {
		i = len(rest)
	}
	if j := bytes.IndexByte(rest[:i], 0); j >= 0 {
		return short + j
	}
	if i == len(rest) {
		return -1
	}
	return short + i
}

// parseInline continues an inline frame, as processInlineBuffer does.
func (p *Parser) parseInline(buf []byte) (int, error) {
	nl, err := p.findLineEnd(buf, 0, '\n', errBigInline)
	if err != nil {
		return 0, err
	}
	n := nl
	if n > 0 && buf[n-1] == '\r' {
		n--
	}
	if err := p.splitInline(buf, n); err != nil {
		return 0, err
	}
	return nl + 1, nil
}

// parseInt parses a decimal int64 with the rules of Redis's string2ll: an
// optional '-', no '+', no leading zeros (except "0" itself, and not "-0"),
// no spaces, at most 20 bytes, no overflow.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '-' {
		if len(b) == 1 {
			return 0, false
		}
		i, neg = 1, true
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	v := uint64(b[i] - '0')
	for i++; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(d) {
			return 0, false
		}
		v += uint64(d)
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to math.MinInt64, as wanted
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
