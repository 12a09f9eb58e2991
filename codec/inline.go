package codec

// splitInline splits the inline line buf[:n] (terminator removed) into
// p.args with the rules of Redis's sdssplitargs:
//
//   - arguments are separated by whitespace (C isspace: space, \t, \n, \v,
//     \f, \r); an unquoted argument ends only at space, \t, \n or \r, so
//     \v and \f inside one are kept;
//   - "double quotes" take the escapes \n \r \t \b \a \xHH and \<any>
//     (that byte itself);
//   - 'single quotes' take only the escape \';
//   - quotes may start in the middle of an argument (a"b c" is `ab c`), but
//     a closing quote must be followed by whitespace or the end of the line;
//   - an unterminated quote, or a closing quote followed by anything else, is
//     "unbalanced quotes".
//
// sdssplitargs takes a C string, but the line holds no NUL here: a NUL
// hides the line's terminator from Redis's strchr (see findLineEnd).
//
// Unquoted arguments alias buf. Quoted ones are unescaped into p.scratch,
// which is sized to the line on first use: an argument is never longer
// than its source text, so the scratch buffer does not move while the line
// is being split.
func (p *Parser) splitInline(buf []byte, n int) error {
	line := buf[:n]
	p.spans = p.spans[:0]
	p.scratch = p.scratch[:0]
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && !endsPlain(line[i]) {
			i++
		}
		if i == len(line) || (line[i] != '"' && line[i] != '\'') {
			// The separator, if any, is skipped as whitespace next round.
			p.spans = append(p.spans, span{start, i - start})
			continue
		}
		var err error
		if i, err = p.quotedArg(line, start, i); err != nil {
			return err
		}
	}
	p.args = p.args[:0]
	for _, s := range p.spans {
		if s.off >= 0 {
			end := s.off + s.n
			p.args = append(p.args, buf[s.off:end:end])
		} else {
			off := ^s.off
			end := off + s.n
			p.args = append(p.args, p.scratch[off:end:end])
		}
	}
	return nil
}

// quotedArg reads an argument that has unquoted text line[start:i] followed
// by a quote at line[i]. It unescapes the argument into p.scratch, records
// its span and returns the index just past it. The loop mirrors
// sdssplitargs: at(j) plays the role of C's *p, with 0 at the end of line.
func (p *Parser) quotedArg(line []byte, start, i int) (int, error) {
	if cap(p.scratch) < len(line) {
		p.scratch = append(make([]byte, 0, len(line)), p.scratch...)
	}
	at := func(j int) byte {
		if j < len(line) {
			return line[j]
		}
		return 0
	}
	off := len(p.scratch)
	s := append(p.scratch, line[start:i]...)
	inDouble, inSingle := false, false
	for done := false; !done; {
		c := at(i)
		switch {
		case inDouble:
			switch {
			case c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)):
				s = append(s, unhex(line[i+2])<<4|unhex(line[i+3]))
				i += 3
			case c == '\\' && at(i+1) != 0:
				i++
				s = append(s, unescape(line[i]))
			case c == '"':
				if next := at(i + 1); next != 0 && !isSpace(next) {
					return 0, errUnbalancedQuotes
				}
				done = true
			case c == 0:
				return 0, errUnbalancedQuotes
			default:
				s = append(s, c)
			}
		case inSingle:
			switch {
			case c == '\\' && at(i+1) == '\'':
				i++
				s = append(s, '\'')
			case c == '\'':
				if next := at(i + 1); next != 0 && !isSpace(next) {
					return 0, errUnbalancedQuotes
				}
				done = true
			case c == 0:
				return 0, errUnbalancedQuotes
			default:
				s = append(s, c)
			}
		default:
			switch c {
			case ' ', '\n', '\r', '\t', 0:
				done = true
			case '"':
				inDouble = true
			case '\'':
				inSingle = true
			default:
				s = append(s, c)
			}
		}
		if i < len(line) {
			i++
		}
	}
	p.scratch = s
	p.spans = append(p.spans, span{^off, len(s) - off})
	return i, nil
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// endsPlain reports whether c ends the unquoted run of an argument: a
// separator sdssplitargs recognises there, or an opening quote.
func endsPlain(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\''
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// unescape maps the byte after a backslash inside double quotes.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
