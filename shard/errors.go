package shard

import (
	"github.com/duva-db/duva/codec"
)

// Error replies, byte for byte as Redis 7.0 writes them (without "-" and CRLF).
const (
	ErrWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax        = "ERR syntax error"
	ErrNotInteger    = "ERR value is not an integer or out of range"
	ErrNotFloat      = "ERR value is not a valid float"
	ErrNoSuchKey     = "ERR no such key"
	ErrOverflow      = "ERR increment or decrement would overflow"
	ErrNoAuth        = "NOAUTH Authentication required."
	ErrDBIndex       = "ERR DB index is out of range"
	ErrInvalidExpire = "ERR invalid expire time in '%s' command"
	ErrMaxStringLen  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	ErrOOM           = "OOM command not allowed when used memory > 'maxmemory'."
)

func appendNoAuth(out []byte) []byte { return codec.AppendError(out, ErrNoAuth) }

func appendSyntaxError(out []byte) []byte { return codec.AppendError(out, ErrSyntax) }

func appendArityError(out []byte, cmd *Command) []byte {
	out = append(out, "-ERR wrong number of arguments for '"...)
	out = append(out, cmd.Name...)
	return append(out, "' command\r\n"...)
}

// appendUnknownCommand writes Redis's reply to an unknown command: the name (at
// most 128 bytes) and the first arguments quoted, up to 128 bytes in all, with
// CR/LF turned into spaces so the error stays one line.
func appendUnknownCommand(out []byte, args [][]byte) []byte {
	out = append(out, "-ERR unknown command '"...)
	out = appendSanitized(out, args[0], 128)
	out = append(out, "', with args beginning with: "...)
	n := 0
	for _, a := range args[1:] {
		if n >= 128 {
			break
		}
		start := len(out)
		out = append(out, '\'')
		out = appendSanitized(out, a, 128-n)
		out = append(out, "' "...)
		n += len(out) - start
	}
	return append(out, "\r\n"...)
}

func appendSanitized(out, b []byte, max int) []byte {
	if len(b) > max {
		b = b[:max]
	}
	for _, c := range b {
		if c == '\r' || c == '\n' {
			c = ' '
		}
		out = append(out, c)
	}
	return out
}

// appendUnknownSubcommand is Redis's reply for "CONFIG FOO".
func appendUnknownSubcommand(out []byte, sub []byte, parent string) []byte {
	out = append(out, "-ERR unknown subcommand '"...)
	out = appendSanitized(out, sub, 128)
	out = append(out, "'. Try "...)
	for _, c := range []byte(parent) {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out = append(out, c)
	}
	return append(out, " HELP.\r\n"...)
}
