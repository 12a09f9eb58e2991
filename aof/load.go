package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// Loader receives the content of the AOF, in order, on the goroutine that
// called Load.
type Loader interface {
	// RDB is called for a file that starts with "REDIS" (an RDB base, or an
	// old-style RDB-preamble AOF). r is positioned at the "REDIS" magic; RDB
	// must consume exactly the RDB part (up to and including the CRC-64
	// trailer). RESP commands that follow in the same file are read by Load.
	RDB(r *bufio.Reader) error
	// Command is one command; args (and their bytes) are valid only during
	// the call. A MULTI ... EXEC block is delivered as Command("MULTI"), the
	// queued commands, Command("EXEC"), only once its EXEC has been read, so
	// an incomplete transaction is never applied.
	Command(args [][]byte) error
}

// LoadOptions configure Load and LoadFile.
type LoadOptions struct {
	// LoadTruncated is Redis's aof-load-truncated: when the last file ends in
	// the middle of a command (or of a MULTI block) cut the file back to the
	// last complete command and load the rest, instead of failing.
	LoadTruncated bool
	Logger        *slog.Logger            // nil: slog.Default()
	Progress      func(read, total int64) // called now and then while loading (may be nil)
}

// LoadInfo describes what Load found.
type LoadInfo struct {
	Commands  int64  // commands delivered to Loader.Command (MULTI/EXEC/SELECT included)
	Files     int    // files read (base + incr)
	Truncated bool   // the last file was cut back (aof-load-truncated)
	Bytes     int64  // bytes of the loaded files (after truncation)
	Status    string // StatusOK, StatusEmpty, StatusNotExist or StatusTruncated

	// Upgrade is true when the data came from an old-style single AOF file
	// (<workDir>/<appendfilename>, Redis < 7.0): Open moves it into the AOF
	// directory and writes the manifest, as Redis's aofUpgradePrepare does.
	Upgrade  bool
	BaseSize int64     // size of the base file (Redis's aof_rewrite_base_size)
	Manifest *Manifest // the manifest that was loaded (nil if none)
}

// LoadInfo.Status values (Redis's AOF_OK, AOF_EMPTY, AOF_NOT_EXIST, AOF_TRUNCATED).
const (
	StatusOK        = "ok"
	StatusEmpty     = "empty"
	StatusNotExist  = "not exist"
	StatusTruncated = "truncated"
)

func (o *LoadOptions) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// needsUpgrade reports whether Redis 7.0's loadAppendOnlyFiles would enter
// upgrade mode: an old-style <workDir>/<appendfilename> exists and the AOF
// directory has no usable manifest (missing, empty, or the manifest written by
// an interrupted upgrade whose file was not moved yet).
func needsUpgrade(workDir, dir, appendfilename string, m *Manifest) bool {
	if !fileExists(filepath.Join(workDir, appendfilename)) {
		return false
	}
	if !dirExists(dir) || m == nil || m.Base == nil && len(m.Incrs) == 0 {
		return true
	}
	return m.Base != nil && len(m.Incrs) == 0 && m.Base.Name == appendfilename &&
		!fileExists(filepath.Join(dir, appendfilename))
}

// Load loads <workDir>/<dirname>/<appendfilename>.manifest: the base, then
// every incr file in order. Truncation is repaired only in the last file.
// Without a manifest, an old-style <workDir>/<appendfilename> is loaded as
// the base (info.Upgrade). With neither, info.Status is StatusNotExist.
func Load(workDir, dirname, appendfilename string, opt LoadOptions, l Loader) (LoadInfo, error) {
	dir := filepath.Join(workDir, dirname)
	var m *Manifest
	if dirExists(dir) {
		var err error
		if m, err = readManifest(dir, appendfilename); err != nil {
			return LoadInfo{}, err
		}
	}
	if needsUpgrade(workDir, dir, appendfilename, m) {
		info, err := LoadFile(filepath.Join(workDir, appendfilename), opt, l, true)
		info.Upgrade = true
		info.BaseSize = info.Bytes
		return info, err
	}
	if m == nil || m.Base == nil && len(m.Incrs) == 0 {
		return LoadInfo{Status: StatusNotExist, Manifest: m}, nil
	}

	var files []File
	if m.Base != nil {
		files = append(files, *m.Base)
	}
	files = append(files, m.Incrs...)
	var total int64
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			opt.logger().Warn(fmt.Sprintf("The append log file %s doesn't exist: %v", f.Name, err))
			return LoadInfo{Manifest: m}, fmt.Errorf("aof: file %s listed in the manifest: %w", f.Name, err)
		}
		total += st.Size()
	}
	info := LoadInfo{Status: StatusOK, Manifest: m}
	if total == 0 {
		info.Status = StatusEmpty
		return info, nil
	}

	var done int64
	sub := opt
	if opt.Progress != nil {
		sub.Progress = func(read, _ int64) { opt.Progress(done+read, total) }
	}
	for i, f := range files {
		last := i == len(files)-1
		fi, err := LoadFile(filepath.Join(dir, f.Name), sub, l, last)
		info.Commands += fi.Commands
		info.Bytes += fi.Bytes
		done += fi.Bytes
		if fi.Status != StatusNotExist {
			info.Files++
		}
		if m.Base != nil && i == 0 {
			info.BaseSize = fi.Bytes
		}
		if err != nil {
			return info, err
		}
		if fi.Status == StatusTruncated {
			info.Truncated = true
			info.Status = StatusTruncated
		}
	}
	return info, nil
}

// Parser limits. A '*' or '$' line longer than the read buffer is a format
// error (Redis reads them with a 1024-byte fgets buffer); '#' annotation
// lines may have any length.
const (
	readBufSize   = 64 << 10
	progressEvery = 1024 // commands between Progress calls (Redis: loops % 1024)
)

// LoadFile replays one AOF file (RDB preamble, then RESP commands, skipping
// '#' annotation lines). When last is true and opt.LoadTruncated is set, a
// file that ends in the middle of a command or of a MULTI block is truncated
// to the end of the last complete command (outside any MULTI) and the load
// succeeds with Status StatusTruncated. Any other problem is a *FileError
// naming the file and the offset.
func LoadFile(path string, opt LoadOptions, l Loader, last bool) (LoadInfo, error) {
	name := filepath.Base(path)
	log := opt.logger()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			log.Warn(fmt.Sprintf("The append log file %s doesn't exist: %v", name, err))
			return LoadInfo{Status: StatusNotExist}, nil
		}
		log.Warn(fmt.Sprintf("Fatal error: can't open the append log file %s for reading: %v", name, err))
		return LoadInfo{}, &FileError{File: name, Msg: "can't open the append log file " + name, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return LoadInfo{}, &FileError{File: name, Msg: "stat " + name, Err: err}
	}
	size := st.Size()
	if size == 0 {
		return LoadInfo{Status: StatusEmpty}, nil
	}

	p := parser{
		name: name,
		size: size,
		cr:   countingReader{r: f},
		l:    l,
		opt:  &opt,
	}
	p.br = bufio.NewReaderSize(&p.cr, readBufSize)
	info := LoadInfo{Status: StatusOK, Files: 1, Bytes: size}
	err = p.run()
	info.Commands = p.commands
	if err == nil {
		if opt.Progress != nil {
			opt.Progress(size, size)
		}
		return info, nil
	}
	var fe *FileError
	if !errors.As(err, &fe) || !fe.Trunc {
		if fe != nil && fe.Err == nil {
			log.Warn(fmt.Sprintf("Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name))
		}
		return info, err
	}

	// Unexpected end of file (Redis's uxeof).
	if p.inMulti {
		log.Warn(fmt.Sprintf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name))
	}
	if opt.LoadTruncated && last {
		log.Warn(fmt.Sprintf("!!! Warning: short read while loading the AOF file %s!!!", name))
		log.Warn(fmt.Sprintf("!!! Truncating the AOF %s at offset %d !!!", name, p.validUpTo))
		if terr := os.Truncate(path, p.validUpTo); terr != nil {
			log.Warn(fmt.Sprintf("Error truncating the AOF file %s: %v", name, terr))
			return info, &FileError{File: name, Offset: p.validUpTo, Msg: "Error truncating the AOF file " + name, Err: terr}
		}
		log.Warn(fmt.Sprintf("AOF %s loaded anyway because aof-load-truncated is enabled", name))
		info.Truncated = true
		info.Status = StatusTruncated
		info.Bytes = p.validUpTo
		return info, nil
	}
	if opt.LoadTruncated && !last {
		// Redis truncates the file first and then fails; we leave it alone.
		log.Warn("Fatal error: the truncated file is not the last file")
		fe.Msg = "the truncated file " + name + " is not the last file"
		return info, fe
	}
	log.Warn(fmt.Sprintf("Unexpected end of file reading the append only file %s. You can: "+
		"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
		"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name))
	return info, fe
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// parser is the state of one LoadFile.
type parser struct {
	name string
	size int64
	cr   countingReader
	br   *bufio.Reader
	l    Loader
	opt  *LoadOptions

	arena []byte // argument bytes of the current command (of the whole MULTI block while inMulti)
	offs  []int  // per argument: end offset in arena
	cmds  []int  // while inMulti: per queued command, its number of arguments
	argv  [][]byte

	inMulti          bool
	multiStart       int   // index in offs of the MULTI's first argument
	multiOff         int64 // file offset of the MULTI
	validUpTo        int64 // end of the last complete command outside MULTI
	validBeforeMulti int64
	commands         int64
	loops            int64
}

func (p *parser) pos() int64 { return p.cr.n - int64(p.br.Buffered()) }

func (p *parser) corrupt(off int64, why string) error {
	return &FileError{File: p.name, Offset: off,
		Msg: "Bad file format reading the append only file " + p.name + ": " + why}
}

func (p *parser) eof() error {
	off := p.validUpTo
	if p.inMulti {
		off = p.validBeforeMulti
	}
	p.validUpTo = off
	return &FileError{File: p.name, Offset: off, Trunc: true,
		Msg: "Unexpected end of file reading the append only file " + p.name}
}

func (p *parser) ioErr(err error) error {
	return &FileError{File: p.name, Offset: p.pos(),
		Msg: "Unrecoverable error reading the append only file " + p.name, Err: err}
}

// readLine returns the next line including its '\n' (nil at a clean EOF).
// A last line without '\n' is returned as is.
func (p *parser) readLine() ([]byte, error) {
	line, err := p.br.ReadSlice('\n')
	switch {
	case err == nil:
		return line, nil
	case err == io.EOF:
		return line, nil
	case errors.Is(err, bufio.ErrBufferFull):
		return line, bufio.ErrBufferFull
	default:
		return nil, p.ioErr(err)
	}
}

// skipLine discards the rest of an annotation line of any length.
func (p *parser) skipLine(line []byte, err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = p.br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		return p.ioErr(err)
	}
	return nil
}

// parseNum parses the decimal after the type byte of "*N\r\n" or "$N\r\n".
// trunc is true when the line ends without '\n' (end of file).
func parseNum(line []byte) (n int64, trunc, ok bool) {
	if line[len(line)-1] != '\n' {
		return 0, true, true
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, false, false
	}
	digits := line[1 : len(line)-2]
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, false, true
}

func (p *parser) run() error {
	if magic, err := p.br.Peek(5); err == nil && string(magic) == "REDIS" {
		if err := p.l.RDB(p.br); err != nil {
			p.opt.logger().Warn(fmt.Sprintf("Error reading the RDB base file %s, AOF loading aborted", p.name))
			return &FileError{File: p.name, Offset: p.pos(),
				Msg: "Error reading the RDB base file " + p.name + ", AOF loading aborted", Err: err}
		}
	}
	p.validUpTo = p.pos()
	for {
		if p.loops++; p.loops%progressEvery == 0 && p.opt.Progress != nil {
			p.opt.Progress(p.pos(), p.size)
		}
		start := p.pos()
		line, err := p.readLine()
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		if len(line) == 0 {
			break // clean EOF
		}
		if line[0] == '#' {
			if err := p.skipLine(line, err); err != nil {
				return err
			}
			continue
		}
		if line[0] != '*' {
			return p.corrupt(start, fmt.Sprintf("expected '*', got %q", line[0]))
		}
		if err != nil {
			return p.corrupt(start, "line too long")
		}
		argc, trunc, ok := parseNum(line)
		if trunc {
			return p.eof()
		}
		if !ok || argc < 1 {
			return p.corrupt(start, fmt.Sprintf("invalid multibulk length %q", bytes.TrimRight(line, "\r\n")))
		}
		if err := p.readCommand(int(argc), start); err != nil {
			return err
		}
	}
	if p.inMulti {
		// Protocol-complete file whose last MULTI has no EXEC: treated as a
		// short read, as Redis does.
		return p.eof()
	}
	return nil
}

// readCommand reads argc bulk strings into the arena, then delivers or
// queues the command.
func (p *parser) readCommand(argc int, cmdStart int64) error {
	if !p.inMulti {
		p.arena, p.offs = p.arena[:0], p.offs[:0]
	}
	first := len(p.offs)
	for j := 0; j < argc; j++ {
		start := p.pos()
		line, err := p.readLine()
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		if len(line) == 0 {
			return p.eof()
		}
		if line[0] != '$' {
			return p.corrupt(start, fmt.Sprintf("expected '$', got %q", line[0]))
		}
		if err != nil {
			return p.corrupt(start, "line too long")
		}
		n, trunc, ok := parseNum(line)
		if trunc {
			return p.eof()
		}
		if !ok {
			return p.corrupt(start, fmt.Sprintf("invalid bulk length %q", bytes.TrimRight(line, "\r\n")))
		}
		// A length beyond the end of the file can only be a truncation; do
		// not allocate for it.
		if n+2 > p.size-p.pos() {
			return p.eof()
		}
		at := len(p.arena)
		p.arena = append(p.arena, make([]byte, n+2)...)
		if _, err := io.ReadFull(p.br, p.arena[at:]); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return p.eof()
			}
			return p.ioErr(err)
		}
		if p.arena[at+int(n)] != '\r' || p.arena[at+int(n)+1] != '\n' {
			return p.corrupt(p.pos()-2, "bulk string not terminated by CRLF")
		}
		p.arena = p.arena[:at+int(n)]
		p.offs = append(p.offs, len(p.arena))
	}
	end := p.pos()
	args := p.args(first, len(p.offs))
	isMulti := equalFold(args[0], "multi")
	isExec := equalFold(args[0], "exec")
	switch {
	case p.inMulti && isExec:
		p.inMulti = false
		p.validUpTo = end
		return p.deliverMulti()
	case p.inMulti:
		p.cmds = append(p.cmds, argc)
		return nil
	case isMulti:
		p.inMulti = true
		p.validBeforeMulti = p.validUpTo
		p.multiStart = first
		p.multiOff = cmdStart
		p.cmds = append(p.cmds[:0], argc)
		return nil
	case isExec:
		// EXEC without MULTI: Redis runs it on the fake client, where it
		// only produces an (unsent) error reply.
		p.validUpTo = end
		return nil
	}
	p.validUpTo = end
	return p.deliver(args, cmdStart)
}

func (p *parser) args(from, to int) [][]byte {
	p.argv = p.argv[:0]
	prev := 0
	if from > 0 {
		prev = p.offs[from-1]
	}
	for _, e := range p.offs[from:to] {
		p.argv = append(p.argv, p.arena[prev:e:e])
		prev = e
	}
	return p.argv
}

func (p *parser) deliver(args [][]byte, off int64) error {
	p.commands++
	if err := p.l.Command(args); err != nil {
		return &FileError{File: p.name, Offset: off,
			Msg: fmt.Sprintf("error replaying '%s' from the append only file %s", args[0], p.name), Err: err}
	}
	return nil
}

func (p *parser) deliverMulti() error {
	off := p.multiOff
	i := p.multiStart
	for _, n := range p.cmds {
		if err := p.deliver(p.args(i, i+n), off); err != nil {
			return err
		}
		i += n
	}
	// EXEC is the last thing in offs.
	if err := p.deliver(p.args(i, len(p.offs)), off); err != nil {
		return err
	}
	p.arena, p.offs, p.cmds = p.arena[:0], p.offs[:0], p.cmds[:0]
	return nil
}

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
