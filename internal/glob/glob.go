// Package glob implements the glob-style pattern matching used by Redis for
// KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET and friends.
//
// The accepted syntax and every edge case follow Redis 7.0's stringmatchlen
// (src/util.c):
//
//   - '*' matches any sequence of bytes, including none; consecutive stars
//     behave like a single one.
//   - '?' matches exactly one byte.
//   - '[...]' matches one byte from a set. A leading '^' negates the set,
//     "a-z" is an inclusive range (a reversed range such as "z-a" is
//     swapped), and "\x" inside the brackets stands for the literal byte x.
//     A ']' right after '[' (or "[^") closes an empty set. A set that is never
//     closed extends to the end of the pattern. Range bounds and the subject
//     byte compare as signed C chars, as in Redis built for x86-64 (so
//     "[a-\xff]" is the range -1..'a'); Redis built where char is unsigned,
//     such as arm64 Linux, differs for bytes >= 0x80 in ranges.
//   - '\x' outside brackets matches the literal byte x; a trailing lone
//     backslash matches a backslash.
//   - With nocase, ASCII letters compare case-insensitively, except bytes
//     escaped inside brackets, which Redis always compares exactly.
//   - An empty subject matches only an empty pattern (so "*" does not match
//     ""; Redis's KEYS short-circuits the exact pattern "*" on its own).
//   - Like Redis 7, matching fails as soon as it reaches a 1001st group of
//     stars that is not at the very end of the pattern (Redis's guard
//     against deep recursion).
//
// The matcher is an iterative backtracking algorithm that only ever resumes
// from the most recent star, so its running time is O(len(pattern) *
// len(subject)) in the worst case, it never allocates and it never panics.
package glob

// maxStarGroups mirrors the nesting guard of Redis's stringmatchlen_impl:
// every star group that is followed by more pattern adds one recursion level
// in Redis, and a level beyond 1000 reports "no match".
const maxStarGroups = 1000

// Match reports whether subject s matches pattern, with Redis semantics.
// If nocase is true, ASCII letters are compared case-insensitively.
func Match(pattern, s []byte, nocase bool) bool {
	return match(pattern, s, nocase)
}

// MatchString is Match for strings. It does not allocate.
func MatchString(pattern, s string, nocase bool) bool {
	return match(pattern, s, nocase)
}

type text interface{ ~string | ~[]byte }

func match[T text](pat, s T, nocase bool) bool {
	if len(s) == 0 {
		// Redis never enters its matching loop for an empty subject.
		return len(pat) == 0
	}
	p, i := 0, 0
	// Position in the pattern right after the last star group, and the
	// subject offset the star currently resumes from; starP < 0 means no
	// star has been seen yet.
	starP, starI := -1, 0
	groups := 0
	for i < len(s) {
		if p < len(pat) && pat[p] == '*' {
			for p < len(pat) && pat[p] == '*' {
				p++
			}
			if p == len(pat) {
				return true // a trailing star swallows the rest
			}
			groups++
			if groups > maxStarGroups {
				return false
			}
			starP, starI = p, i
			continue
		}
		if p < len(pat) {
			// Fast path for plain bytes; tokens with syntax go to single.
			if b := pat[p]; b != '?' && b != '[' && b != '\\' {
				if b == s[i] || (nocase && lower(int(b)) == lower(int(s[i]))) {
					p++
					i++
					continue
				}
			} else if next, ok := single(pat, p, s[i], nocase); ok {
				p = next
				i++
				continue
			}
		}
		// Mismatch: let the last star absorb one more byte.
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP, starI
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// single matches the one-byte token starting at pat[p] (which is not '*')
// against c. It returns the index just past the token and whether c matched.
func single[T text](pat T, p int, c byte, nocase bool) (int, bool) {
	switch pat[p] {
	case '?':
		return p + 1, true
	case '[':
		return class(pat, p+1, c, nocase)
	case '\\':
		if p+1 < len(pat) {
			p++
		}
	}
	return p + 1, equal(pat[p], c, nocase)
}

// class matches c against the bracket expression whose body starts at
// pat[p] (just after the '['). It returns the index just past the closing
// ']', or len(pat) if the set is never closed.
func class[T text](pat T, p int, c byte, nocase bool) (int, bool) {
	negate := p < len(pat) && pat[p] == '^'
	if negate {
		p++
	}
	hit := false
	for p < len(pat) {
		b := pat[p]
		switch {
		case b == '\\' && p+1 < len(pat):
			// Escaped byte: always compared exactly, even with nocase.
			if pat[p+1] == c {
				hit = true
			}
			p += 2
		case b == ']':
			return p + 1, hit != negate
		case p+2 < len(pat) && pat[p+1] == '-':
			if inRange(b, pat[p+2], c, nocase) {
				hit = true
			}
			p += 3
		default:
			if equal(b, c, nocase) {
				hit = true
			}
			p++
		}
	}
	return len(pat), hit != negate
}

// inRange implements Redis's range test: the bounds and the byte are C
// chars (signed), the bounds are swapped when reversed, and only then are
// all three lowered when nocase is set.
func inRange(lo, hi, c byte, nocase bool) bool {
	l, h, x := int(int8(lo)), int(int8(hi)), int(int8(c))
	if l > h {
		l, h = h, l
	}
	if nocase {
		l, h, x = lower(l), lower(h), lower(x)
	}
	return x >= l && x <= h
}

func lower(v int) int {
	if v >= 'A' && v <= 'Z' {
		return v + ('a' - 'A')
	}
	return v
}

func equal(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lower(int(a)) == lower(int(b))
}
