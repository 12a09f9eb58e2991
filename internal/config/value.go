package config

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Error texts shared with redis-server 7.0.15 (src/config.c); observed by
// running redis-server and CONFIG SET with bad values.
const (
	errNotInteger  = "argument couldn't be parsed into an integer"
	errNotMemory   = "argument must be a memory value"
	errNotOctal    = "argument couldn't be parsed as an octal number"
	errNotYesNo    = "argument must be 'yes' or 'no'"
	errSave        = "Invalid save parameters"
	errTooManyBind = "Too many bind addresses specified."
	errCOBLArgs    = "Wrong number of arguments in buffer limit configuration."
	errCOBLClass   = "Invalid client class specified in buffer limit configuration."
	errCOBLValue   = "Error in hard, soft or soft_seconds setting in buffer limit configuration."
	errNotify      = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
)

// maxBindAddrs is Redis's CONFIG_BINDADDR_MAX.
const maxBindAddrs = 16

// string2ll parses s the way Redis's string2ll does: an optional '-', no
// '+', no spaces, no leading zeros (except "0" itself), and no overflow.
func string2ll(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	neg := false
	p := s
	if p != "" && p[0] == '-' {
		neg = true
		p = p[1:]
	}
	if p == "" || p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		d := p[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(d-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// strtoll mimics C's strtoll: optional leading white space, an optional
// sign, then digits in the given base. It returns the saturated value, what
// follows the digits (all of s when there are no digits, as C sets endptr to
// the start) and whether the value overflowed.
func strtoll(s string, base uint64) (v int64, rest string, overflow bool) {
	p := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if p != "" && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var u uint64
	n := 0
	for ; n < len(p); n++ {
		d := uint64(p[n] - '0')
		if p[n] < '0' || d >= base {
			break
		}
		if !overflow {
			if u > (limit-d)/base {
				overflow = true
				u = limit
			} else {
				u = u*base + d
			}
		}
	}
	if n == 0 {
		return 0, s, false
	}
	if neg {
		return int64(-u), p[n:], overflow
	}
	return int64(u), p[n:], overflow
}

// memtoull parses a memory size like Redis 7.0's memtoull: digits followed by
// an optional unit among b, k (1000), kb (1024), m, mb, g, gb, compared
// case-insensitively. An empty number means 0, a leading '-' is rejected,
// too many digits saturate and the multiplication wraps around, all exactly
// as redis-server does.
func memtoull(s string) (uint64, bool) {
	if s != "" && s[0] == '-' {
		return 0, false
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	var mul uint64
	switch asciiLower(s[n:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if n >= 128 { // Redis copies the digits into a 128-byte buffer
		return 0, false
	}
	var v uint64
	for i := 0; i < n; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			v = math.MaxUint64
			break
		}
		v = v*10 + d
	}
	return v * mul, true
}

// ParseMemory parses a memory size with Redis's rules ("1gb", "100mb",
// "1k" = 1000, "1kb" = 1024, plain bytes). Values that do not fit in an
// int64 are reported as errors.
func ParseMemory(s string) (int64, error) {
	v, ok := memtoull(s)
	if !ok || v > math.MaxInt64 {
		return 0, errors.New(errNotMemory)
	}
	return int64(v), nil
}

func yesno(s string) (bool, bool) {
	switch {
	case eqFold(s, "yes"):
		return true, true
	case eqFold(s, "no"):
		return false, true
	}
	return false, false
}

func formatBool(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// strerror turns a Go file-system error into the C library's message
// ("No such file or directory"), which is what redis-server prints.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			return strings.ToUpper(msg[:1]) + msg[1:]
		}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// --- dir, dbfilename, appendfilename, appenddirname -------------------------

// checkDir validates a "dir" value like Redis's chdir would and returns it
// as an absolute path without symbolic links. Relative paths are resolved against the current dir
// setting, since Redis resolves them against the directory it chdir'ed to.
func checkDir(c *Config, v string) (string, error) {
	if !filepath.IsAbs(v) {
		v = filepath.Join(c.Dir, v)
	}
	fi, err := os.Stat(v)
	if err != nil {
		return "", errors.New(strerror(err))
	}
	if !fi.IsDir() {
		return "", errors.New(strerror(syscall.ENOTDIR))
	}
	return physical(v), nil
}

// formatDir shows dir as Redis's getcwd() would: absolute, without
// symbolic links.
func formatDir(c *Config) string { return physical(c.Dir) }

func physical(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// baseNameCheck rejects values containing a path separator, like Redis's
// pathIsBaseName checks.
func baseNameCheck(msg string) func(*Config, string) (string, error) {
	return func(_ *Config, v string) (string, error) {
		if strings.ContainsAny(v, "/\\") {
			return "", errors.New(msg)
		}
		return v, nil
	}
}

// --- save --------------------------------------------------------------------

// SaveParam is one "seconds changes" pair of the save option: snapshot after
// Seconds if at least Changes keys changed.
type SaveParam struct {
	Seconds int64
	Changes int
}

// parseSave implements the save option. While loading a configuration the
// first save directive replaces the default and later ones append to it;
// CONFIG SET replaces the whole list. A single empty argument clears the
// list in both cases.
func parseSave(c *Config, args []string, ls *loadState) error {
	reset := len(args) == 1 && args[0] == ""
	if reset {
		args = nil
	}
	if len(args)%2 != 0 {
		return errors.New(errSave)
	}
	for j, a := range args {
		v, rest, _ := strtoll(a, 10)
		if rest != "" || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
			return errors.New(errSave)
		}
	}
	var params []SaveParam
	if ls != nil && ls.saveLoaded && !reset {
		params = c.saveParams()
	}
	if ls != nil {
		ls.saveLoaded = true
	}
	for j := 0; j < len(args); j += 2 {
		secs, _, _ := strtoll(args[j], 10)
		changes, _, _ := strtoll(args[j+1], 10)
		params = append(params, SaveParam{Seconds: secs, Changes: int(int32(changes))})
	}
	c.Save = formatSave(params)
	return nil
}

func formatSave(params []SaveParam) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(p.Seconds, 10))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(p.Changes))
	}
	return b.String()
}

// --- bind ----------------------------------------------------------------------

func parseBind(c *Config, args []string, _ *loadState) error {
	if len(args) > maxBindAddrs {
		return errors.New(errTooManyBind)
	}
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	c.Bind = append([]string{}, args...)
	return nil
}

func formatBind(c *Config) string { return strings.Join(c.Bind, " ") }

// --- client-output-buffer-limit ------------------------------------------------

// coblClass maps a client class name to its limits; master is a valid
// client class for Redis but not for this option.
func coblClass(c *Config, name string) *[3]int64 {
	switch asciiLower(name) {
	case "normal":
		return &c.ClientOutputBufferLimitNormal
	case "slave", "replica":
		return &c.ClientOutputBufferLimitReplica
	case "pubsub":
		return &c.ClientOutputBufferLimitPubSub
	}
	return nil
}

// parseCOBL implements client-output-buffer-limit: groups of
// "<class> <hard> <soft> <soft-seconds>", validated as a whole before any is
// applied. Hard and soft limits are memory values; soft-seconds goes through
// strtoll and a C int, like Redis.
func parseCOBL(c *Config, args []string, _ *loadState) error {
	if len(args)%4 != 0 {
		return errors.New(errCOBLArgs)
	}
	for j, a := range args {
		switch j % 4 {
		case 0:
			if coblClass(c, a) == nil {
				return errors.New(errCOBLClass)
			}
		case 3:
			v, rest, _ := strtoll(a, 10)
			if rest != "" || int32(v) < 0 {
				return errors.New(errCOBLValue)
			}
		default:
			if _, ok := memtoull(a); !ok {
				return errors.New(errCOBLValue)
			}
		}
	}
	for j := 0; j < len(args); j += 4 {
		hard, _ := memtoull(args[j+1])
		soft, _ := memtoull(args[j+2])
		secs, _, _ := strtoll(args[j+3], 10)
		*coblClass(c, args[j]) = [3]int64{int64(hard), int64(soft), int64(int32(secs))}
	}
	return nil
}

func formatCOBL(c *Config) string {
	var b strings.Builder
	for i, cl := range []struct {
		name string
		l    [3]int64
	}{
		{"normal", c.ClientOutputBufferLimitNormal},
		{"slave", c.ClientOutputBufferLimitReplica},
		{"pubsub", c.ClientOutputBufferLimitPubSub},
	} {
		if i > 0 {
			b.WriteByte(' ')
		}
		// Limits are unsigned in Redis; the int64 fields keep their bits.
		b.WriteString(cl.name + " " + strconv.FormatUint(uint64(cl.l[0]), 10) + " " +
			strconv.FormatUint(uint64(cl.l[1]), 10) + " " + strconv.FormatInt(cl.l[2], 10))
	}
	return b.String()
}

// --- notify-keyspace-events ---------------------------------------------------

// Keyspace notification classes, with Redis's bit values (server.h).
const (
	NotifyKeyspace = 1 << 0  // K: __keyspace@<db>__ events
	NotifyKeyevent = 1 << 1  // E: __keyevent@<db>__ events
	NotifyGeneric  = 1 << 2  // g: DEL, EXPIRE, RENAME, ...
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x
	NotifyEvicted  = 1 << 9  // e
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m (not part of A)
	NotifyLoaded   = 1 << 12 // module only, no letter
	NotifyModule   = 1 << 13 // d
	NotifyNew      = 1 << 14 // n (not part of A)
	// NotifyAll is what "A" stands for: g$lshzxetd.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

var notifyLetters = []struct {
	c    byte
	flag int
}{
	{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
	{'h', NotifyHash}, {'z', NotifyZset}, {'x', NotifyExpired}, {'e', NotifyEvicted},
	{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
}

func parseNotify(c *Config, args []string, _ *loadState) error {
	flags := 0
	s := args[0]
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= NotifyAll
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 'm':
			flags |= NotifyKeyMiss
		default:
			found := false
			for _, l := range notifyLetters {
				if l.c == s[i] {
					flags |= l.flag
					found = true
					break
				}
			}
			if !found {
				return errors.New(errNotify)
			}
		}
	}
	c.NotifyKeyspaceEvents = flags
	return nil
}

// formatNotify renders the flags in Redis's canonical order. As in Redis,
// "A" hides every class letter, including 'n' which "A" does not imply.
func formatNotify(c *Config) string {
	flags := c.NotifyKeyspaceEvents
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if flags&l.flag != 0 {
				b = append(b, l.c)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}
