// Package sds has the two string helpers of Redis's sds library that file
// formats depend on: sdssplitargs, which reads redis.conf lines and AOF
// manifest lines, and sdscatrepr, which quotes names when they are written
// back. One implementation, so the config and the AOF manifest parse alike.
package sds

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// SplitArgs is sdssplitargs: space separated words, "double quoted" with
// \xHH \n \r \t \b \a escapes, 'single quoted' with \' only; a closing quote
// must be followed by a space or the end. ok is false for unbalanced quotes.
func SplitArgs(s string) (args []string, ok bool) {
	p := 0
	for {
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p == len(s) {
			return args, true
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			if p == len(s) {
				if inq || insq {
					return nil, false
				}
				break
			}
			c := s[p]
			switch {
			case inq:
				switch {
				case c == '\\' && p+3 < len(s) && s[p+1] == 'x' && isHex(s[p+2]) && isHex(s[p+3]):
					cur = append(cur, hexVal(s[p+2])<<4|hexVal(s[p+3]))
					p += 3
				case c == '\\' && p+1 < len(s):
					p++
					switch s[p] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = s[p]
					}
					cur = append(cur, c)
				case c == '"':
					if p+1 < len(s) && !isSpace(s[p+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && p+1 < len(s) && s[p+1] == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if p+1 < len(s) && !isSpace(s[p+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(s) {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

func isPrint(c byte) bool { return c >= 0x20 && c <= 0x7e }

// NeedsRepr is sdsneedsrepr: s must be quoted to be read back.
func NeedsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' || !isPrint(c) || isSpace(c) {
			return true
		}
	}
	return false
}

// AppendRepr is sdscatrepr: s in double quotes with C escapes.
func AppendRepr(b []byte, s string) []byte {
	const hexdig = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if isPrint(c) {
				b = append(b, c)
			} else {
				b = append(b, '\\', 'x', hexdig[c>>4], hexdig[c&15])
			}
		}
	}
	return append(b, '"')
}

// Repr is AppendRepr as a string.
func Repr(s string) string { return string(AppendRepr(nil, s)) }
