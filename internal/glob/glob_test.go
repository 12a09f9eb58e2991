package glob

import (
	"strings"
	"testing"
	"time"
)

// The expectations below were checked against redis-server 7.0.15 (KEYS for
// case-sensitive rows, CONFIG GET for nocase rows); TestDifferentialRedis
// re-checks them, and many more, whenever redis-server is on PATH.
var cases = []struct {
	pattern, s string
	nocase     bool
	want       bool
}{
	// Plain bytes and '?'.
	{"", "", false, true},
	{"", "a", false, false},
	{"a", "", false, false},
	{"abc", "abc", false, true},
	{"abc", "abd", false, false},
	{"abc", "ab", false, false},
	{"ab", "abc", false, false},
	{"a?c", "abc", false, true},
	{"a?c", "ac", false, false},
	{"???", "abc", false, true},
	{"?", "\xff", false, true},

	// Stars.
	{"*", "", false, false}, // Redis quirk: an empty subject only matches "".
	{"**", "", false, false},
	{"*", "anything", false, true},
	{"a*", "a", false, true},
	{"*a", "a", false, true},
	{"a*b", "ab", false, true},
	{"a*b", "axxxb", false, true},
	{"a*b", "axxxbc", false, false},
	{"a**b", "axb", false, true},
	{"h*llo", "heeeello", false, true},
	{"*llo*", "hello world", false, true},
	{"a*b*c", "abc", false, true},
	{"a*b*c", "acb", false, false},
	{"*a*b*", "xxaxxbxx", false, true},
	{"a*", "ba", false, false},
	{"a*b", "a", false, false},
	{"*?", "a", false, true},
	{"?*?", "a", false, false},

	// Sets.
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"[z-a]", "m", false, true}, // reversed range is swapped
	{"[a-]", "a", false, true},  // "a-]" is the range ']'..'a' and the set never closes
	{"[a-]", "]", false, true},
	{"[a-]", "^", false, true},
	{"[a-]", "-", false, false},
	{"[-a]", "-", false, true},
	{"[]]", "]", false, false}, // "[]" is an empty set, then a literal ']'
	{"[]]", "", false, false},
	{"[]a", "a", false, false},
	{"[^]", "x", false, true}, // empty negated set matches any byte
	{"[^]a", "xa", false, true},
	{"[", "a", false, false},
	{"[abc", "b", false, true}, // unclosed set extends to the end
	{"[abc", "bc", false, false},
	{"a[", "a", false, false},
	{"[^", "x", false, true},
	{"[^a", "a", false, false},
	{"[\\]]", "]", false, true},
	{"[\\]", "]", false, true},    // escaped ']' then the set never closes
	{"[\\", "\\", false, true},    // a lone trailing backslash in a set is literal
	{"[a\\-z]", "-", false, true}, // escaped '-' is not a range
	{"[a\\-z]", "b", false, false},
	{"[*]", "*", false, true},
	{"[*]", "a", false, false},
	{"[?]", "a", false, false},
	{"[a-\xff]", "\xff", false, true}, // bounds are signed chars: -1..'a'
	{"[a-\xff]", "\x80", false, false},
	{"[a-\xff]", "b", false, false},
	{"[a-\xff]", "0", false, true},
	{"[\x80-\xff]", "\x90", false, true},
	{"[\x80-\xff]", "a", false, false},

	// Escapes.
	{"\\*", "*", false, true},
	{"\\*", "a", false, false},
	{"\\?", "?", false, true},
	{"\\[a]", "[a]", false, true},
	{"a\\", "a\\", false, true}, // trailing backslash is literal
	{"\\\\", "\\", false, true},
	{"\\a", "a", false, true},

	// Case folding.
	{"HELLO", "hello", false, false},
	{"HELLO", "hello", true, true},
	{"h?LLO", "HeLlo", true, true},
	{"[A-C]x", "bX", true, true},
	{"[A-C]x", "bX", false, false},
	{"[Z-a]", "b", true, false}, // swap first (90..97), then lower: 122..97 is empty
	{"[Z-a]", "_", false, true},
	{"[\\A]", "a", true, false}, // escaped bytes in a set ignore nocase
	{"[A]", "a", true, true},
	{"\\A", "a", true, true},
	{"\xc9", "\xe9", true, false}, // only ASCII folds
}

func TestMatch(t *testing.T) {
	for _, tc := range cases {
		if got := Match([]byte(tc.pattern), []byte(tc.s), tc.nocase); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
		if got := MatchString(tc.pattern, tc.s, tc.nocase); got != tc.want {
			t.Errorf("MatchString(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
	}
}

func TestNestingGuard(t *testing.T) {
	s := strings.Repeat("a", 3000)
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{strings.Repeat("a*", 1000) + "a", true},
		{strings.Repeat("a*", 1001) + "a", false}, // 1001 inner star groups: Redis gives up
		{strings.Repeat("a*", 1001), true},        // the 1001st group is trailing
		{strings.Repeat("*a", 1000), true},
		{strings.Repeat("*a", 1001), false},
	} {
		if got := MatchString(tc.pattern, s, false); got != tc.want {
			t.Errorf("pattern of %d bytes: got %v, want %v", len(tc.pattern), got, tc.want)
		}
	}
}

func TestPathologicalIsFast(t *testing.T) {
	pattern := strings.Repeat("a*", 500) + "b"
	s := strings.Repeat("a", 5000)
	start := time.Now()
	if MatchString(pattern, s, false) {
		t.Fatal("unexpected match")
	}
	if MatchString("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 100), false) {
		t.Fatal("unexpected match")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("pathological patterns took %v", d)
	}
}

func TestNoAllocs(t *testing.T) {
	p, s := []byte("h[a-z]*l?o*[^x]\\*"), []byte("hello world *")
	ps, ss := string(p), string(s)
	n := testing.AllocsPerRun(100, func() {
		Match(p, s, true)
		MatchString(ps, ss, false)
	})
	if n != 0 {
		t.Fatalf("allocs per run = %v, want 0", n)
	}
}

func FuzzMatch(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.pattern, tc.s, tc.nocase)
	}
	f.Add("a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)
	f.Fuzz(func(t *testing.T, pattern, s string, nocase bool) {
		if len(pattern) > 4096 || len(s) > 4096 {
			return
		}
		start := time.Now()
		got := MatchString(pattern, s, nocase)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("MatchString(%q, %q) took %v", pattern, s, d)
		}
		if Match([]byte(pattern), []byte(s), nocase) != got {
			t.Fatal("Match and MatchString disagree")
		}
		// Every string matches itself once glob metacharacters are escaped,
		// and "*" matches every non-empty string.
		if s != "" {
			if !MatchString(escape(s), s, nocase) {
				t.Fatalf("escaped %q does not match itself", s)
			}
			if !MatchString("*", s, nocase) {
				t.Fatalf("* does not match %q", s)
			}
		}
	})
}

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func BenchmarkMatchLiteral(b *testing.B) {
	p, s := []byte("user:1000:profile"), []byte("user:1000:profile")
	b.ReportAllocs()
	for b.Loop() {
		Match(p, s, false)
	}
}

func BenchmarkMatchStars(b *testing.B) {
	p, s := []byte("user:*:profile:*"), []byte("user:123456789:profile:settings")
	b.ReportAllocs()
	for b.Loop() {
		Match(p, s, false)
	}
}

func BenchmarkMatchClassNocase(b *testing.B) {
	p, s := []byte("[a-z]*[0-9]?[^x]"), []byte("Session-Token-2024-Q1")
	b.ReportAllocs()
	for b.Loop() {
		Match(p, s, true)
	}
}

func BenchmarkMatchPathological(b *testing.B) {
	p, s := []byte("a*a*a*a*a*a*a*a*a*a*b"), []byte(strings.Repeat("a", 64))
	b.ReportAllocs()
	for b.Loop() {
		Match(p, s, false)
	}
}
