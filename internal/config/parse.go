package config

import (
	"errors"
	"fmt"
	"github.com/duva-db/duva/internal/sds"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FatalError is a configuration error found by Parse. Its message is
// exactly what redis-server 7.0.15 prints on stderr (minus the blank line
// before it) when its configuration is wrong, e.g.
//
//	*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//	Reading the configuration file, at line 2
//	>>> 'port "70000"'
//	argument must be between 0 and 65535 inclusive
//
// Line counts lines of the configuration file followed by one line per
// command-line option, numbered the way redis-server numbers them.
type FatalError struct {
	Line int    // 1-based line in the combined configuration text
	Text string // the offending line, trimmed
	Msg  string // what is wrong
}

func (e *FatalError) Error() string {
	return "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n" +
		"Reading the configuration file, at line " + strconv.Itoa(e.Line) + "\n" +
		">>> '" + e.Text + "'\n" + e.Msg
}

// Parse builds a configuration from redis-server style arguments (without
// the program name): `[configfile] [--name value ...]`.
//
// A first argument that does not start with '-' names a configuration file
// in redis.conf syntax: one directive per line, '#' comments, arguments
// split like Redis's sdssplitargs ("double quotes" with \n, \xHH... escapes,
// 'single quotes'). Then each `--name` starts an option whose value is every
// following argument up to the next `--` argument; the first argument after
// a bare `--name` is always taken as its value, even if it starts with "--",
// and `--save` with no value means `save ""`. As in redis-server, the
// options are turned into configuration lines appended after the file, so
// later settings override earlier ones, save directives accumulate, and
// errors report the line numbers redis-server reports.
//
// Errors are *FatalError values, except for an unreadable configuration file
// ("Fatal error, can't open config file '<path>': <reason>") and "-" (read
// the configuration from stdin), which duva does not support. Flags such as
// --version or --help are not options and fail like any unknown directive;
// handle them before calling Parse.
func Parse(args []string) (*Config, error) {
	c := Default()
	var text string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		path, err := filepath.Abs(args[0])
		if err != nil {
			path = args[0]
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("Fatal error, can't open config file '%s': %s", path, strerror(err))
		}
		c.ConfigFile = path
		text = string(data)
		args = args[1:]
	}
	opts, err := optionLines(args, c.ConfigFile == "")
	if err != nil {
		return nil, err
	}
	// redis-server appends "\n" and the options to the file contents.
	text += "\n" + opts
	if err := c.load(text); err != nil {
		return nil, err
	}
	return c, nil
}

// optionLines turns command-line options into configuration lines the way
// redis-server's main does: "--name" starts a line with the raw name, and
// each value is appended quoted (sdscatrepr).
func optionLines(args []string, first bool) (string, error) {
	var b strings.Builder
	handled := true // the last option already has a value
	for j, a := range args {
		if a == "-" && ((j == 0 && first) || j == len(args)-1) {
			return "", errors.New("duva: reading the configuration from stdin is not supported")
		}
		if handled && strings.HasPrefix(a, "--") {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			if toks, ok := sds.SplitArgs(a); ok && len(toks) == 1 {
				// A bare name: the next argument is its value, whatever it is.
				handled = false
				if eqFold(a, "--save") && (j == len(args)-1 || strings.HasPrefix(args[j+1], "--")) {
					b.WriteString(`""`)
					handled = true
				}
			} else {
				handled = true // "--name value" in a single argument
			}
			continue
		}
		b.WriteString(sds.Repr(a))
		b.WriteByte(' ')
		handled = true
	}
	return b.String(), nil
}

// load applies configuration text (redis.conf syntax), stopping at the
// first bad line.
func (c *Config) load(text string) error {
	ls := &loadState{}
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(msg string) error { return &FatalError{Line: i + 1, Text: line, Msg: msg} }
		argv, ok := sds.SplitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		e, ok := lookup(argv[0])
		if !ok {
			return fail("Bad directive or wrong number of arguments")
		}
		o := e.opt
		if !o.has(multiArg) && len(argv) != 2 {
			return fail("wrong number of arguments")
		}
		vals := argv[1:]
		if o.has(multiArg) && len(vals) == 1 && vals[0] != "" {
			// `save "900 1 300 10"` is split again; unbalanced quotes give
			// no arguments at all, as in Redis.
			vals, _ = sds.SplitArgs(vals[0])
		}
		if err := c.apply(o, vals, ls, false); err != nil {
			return fail(err.Error())
		}
	}
	return nil
}
