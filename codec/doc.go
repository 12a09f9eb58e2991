// Package codec reads RESP requests and writes RESP2/RESP3 replies.
//
// It imports only the standard library and allocates nothing per command in
// steady state: parsed arguments are sub-slices of the caller's buffer, and
// replies are appended to a caller-owned []byte (like strconv.Append*).
//
// # Parsing
//
// A Parser belongs to one connection. Parse reads one command from the start
// of the connection's unconsumed input and follows Redis's processInputBuffer:
// a frame whose first byte is '*' is a multibulk request
// (processMultibulkBuffer), anything else is an inline request
// (processInlineBuffer, split with sdssplitargs' quoting rules).
//
//	*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n   multibulk: ["GET" "key"]
//	GET "a b"\r\n                     inline:    ["GET" "a b"]
//
// # Resuming
//
// A frame may arrive split at any byte. When buf holds no complete command,
// Parse returns ErrNeedMore and keeps its progress as offsets from the start
// of buf: the next call may pass a different slice, as long as it starts with
// the same bytes (the same unconsumed input, with more appended). Parse then
// continues where it stopped instead of rescanning, so a 100 MB value costs
// one header parse, not one rescan per read. While a bulk body is arriving,
// Need reports the total buffer length required before Parse can progress,
// so the event loop can skip calling Parse until that many bytes are
// buffered:
//
//	for {
//		n, args, err := p.Parse(in)
//		if err == codec.ErrNeedMore {
//			break // wait for data; if p.Need() > len(in), no point before then
//		}
//		if err != nil {
//			out = codec.AppendError(out, "ERR "+err.Error())
//			... write out, then close the connection
//		}
//		if len(args) > 0 {
//			... execute args
//		}
//		in = in[n:] // with gnet: Discard the total once per batch
//	}
//
// Limits are checked as soon as the bytes that break them are seen: a
// declared length over the limit fails at its header, before its data is
// waited for. Memory is never reserved from a declared length:
// "*1048576\r\n" or "$104857600\r\n" cost nothing until the data arrives.
//
// # Buffer lifetime
//
// The args returned by Parse alias buf (or, for inline arguments with quotes
// or escapes, a scratch buffer inside the Parser). They are valid until the
// next call to Parse or Reset, and only while the caller leaves buf's bytes
// in place. Anything kept longer, or handed to another goroutine, must be
// copied first. Each argument's capacity equals its length, so appending to
// one never overwrites the bytes that follow it.
//
// # Errors
//
// A malformed request yields a *ProtocolError whose Error() is the text Redis
// sends after "-ERR ". The connection must reply "-ERR " + Error() and close.
// The error is sticky: Parse keeps returning it until Reset.
//
// Where Redis's own answer would depend on how the bytes happen to be split
// into reads, Parse gives the answer Redis would give if the bytes arrived one
// at a time, so the result never depends on read boundaries. In practice this
// only affects over-long lines (more than Limits.MaxInline bytes before the
// line terminator): they always fail with Redis's "too big ..." error, never
// with the "invalid ... length" Redis reports when an over-long numeric line
// arrives in a single read.
//
// Other Redis 7.0 details kept on purpose: the byte after a header's '\r' is
// skipped without checking that it is '\n', and so are the two bytes after a
// bulk body; a NUL byte in a header or inline line hides the line's end
// (Redis searches for it with strchr), so Parse waits, and fails once the
// line is over the limit.
package codec
