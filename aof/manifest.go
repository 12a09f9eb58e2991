package aof

import (
	"bytes"
	"fmt"
	"github.com/duva-db/duva/internal/sds"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileType is the type letter of a manifest line.
type FileType byte

// File types, as written in the manifest.
const (
	TypeBase    FileType = 'b' // the snapshot the incr files apply to
	TypeHistory FileType = 'h' // replaced by a rewrite, waiting to be deleted
	TypeIncr    FileType = 'i' // commands appended after the base
)

// File is one line of the manifest.
type File struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest is the content of <appendfilename>.manifest. Load order is
// Base, then Incrs; History files are never loaded.
type Manifest struct {
	Base       *File
	Incrs      []File
	History    []File
	CurBaseSeq int64 // seq of the base (the next base gets CurBaseSeq+1)
	CurIncrSeq int64 // seq of the last incr file (the next gets CurIncrSeq+1)
}

// Redis's naming rules (aof.c).
const (
	baseSuffix      = ".base"
	incrSuffix      = ".incr"
	rdbSuffix       = ".rdb"
	aofSuffix       = ".aof"
	manifestSuffix  = ".manifest"
	tempPrefix      = "temp-"
	maxManifestLine = 1024 // MANIFEST_MAX_LINE
)

func baseName(appendfilename string, seq int64, rdb bool) string {
	suf := aofSuffix
	if rdb {
		suf = rdbSuffix
	}
	return appendfilename + "." + strconv.FormatInt(seq, 10) + baseSuffix + suf
}

func incrName(appendfilename string, seq int64) string {
	return appendfilename + "." + strconv.FormatInt(seq, 10) + incrSuffix + aofSuffix
}

func manifestName(appendfilename string) string { return appendfilename + manifestSuffix }

// ParseManifest parses a manifest exactly as Redis 7.0's
// aofLoadManifestFromFile does, with the same error texts in
// (*ManifestError).Msg. Comment lines start with '#'; every other line must
// end with '\n' and hold "file <name> seq <n> type <b|h|i>" (keys in any
// order and case, unknown key/value pairs ignored, names quoted the way
// sdssplitargs reads them).
func ParseManifest(b []byte) (*Manifest, error) {
	m := &Manifest{}
	if len(b) == 0 {
		return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
	}
	var maxSeq int64
	linenum := 0
	for len(b) > 0 {
		// fgets with a MANIFEST_MAX_LINE+1 buffer: at most 1024 bytes a read.
		n := bytes.IndexByte(b, '\n') + 1
		if n == 0 || n > maxManifestLine {
			n = min(len(b), maxManifestLine)
		}
		raw := b[:n]
		b = b[n:]
		linenum++
		if raw[0] == '#' {
			continue
		}
		line := strings.Trim(string(raw), " \t\r\n")
		if raw[len(raw)-1] != '\n' {
			return nil, &ManifestError{Line: linenum, Text: line, Msg: "The AOF manifest file contains too long line"}
		}
		bad := func(msg string) error { return &ManifestError{Line: linenum, Text: line, Msg: msg} }
		if line == "" {
			return nil, bad("Invalid AOF manifest file format")
		}
		argv, ok := sds.SplitArgs(line)
		if !ok || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		var f File
		hasName := false
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				f.Name, hasName = argv[i+1], true
				if strings.ContainsAny(f.Name, "/\\") {
					return nil, bad("File can't be a path, just a filename")
				}
			case "seq":
				f.Seq = atoll(argv[i+1])
			case "type":
				if v := argv[i+1]; v != "" {
					f.Type = FileType(v[0])
				}
			}
		}
		if !hasName || f.Seq == 0 || f.Type == 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		switch f.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, bad("Found duplicate base file information")
			}
			m.Base = &f
			m.CurBaseSeq = f.Seq
		case TypeHistory:
			m.History = append(m.History, f)
		case TypeIncr:
			if f.Seq <= maxSeq {
				return nil, bad("Found a non-monotonic sequence number")
			}
			m.Incrs = append(m.Incrs, f)
			m.CurIncrSeq, maxSeq = f.Seq, f.Seq
		default:
			return nil, bad("Unknown AOF file type")
		}
	}
	return m, nil
}

// Marshal renders the manifest as Redis writes it: the base first, then
// history files, then incr files, one "file <name> seq <n> type <t>\n"
// line each; names that need it are quoted like sdscatrepr.
func (m *Manifest) Marshal() []byte {
	var b []byte
	line := func(f *File) {
		b = append(b, "file "...)
		if sds.NeedsRepr(f.Name) {
			b = sds.AppendRepr(b, f.Name)
		} else {
			b = append(b, f.Name...)
		}
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, f.Seq, 10)
		b = append(b, " type "...)
		b = append(b, byte(f.Type), '\n')
	}
	if m.Base != nil {
		line(m.Base)
	}
	for i := range m.History {
		line(&m.History[i])
	}
	for i := range m.Incrs {
		line(&m.Incrs[i])
	}
	return b
}

func (m *Manifest) clone() *Manifest {
	c := *m
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.Incrs = append([]File(nil), m.Incrs...)
	c.History = append([]File(nil), m.History...)
	return &c
}

// writeManifest atomically replaces dir/<appendfilename>.manifest: write a
// temp file, fsync it, rename it over the manifest, fsync the directory (which
// also makes any file created in dir since the last call durable).
func writeManifest(dir, appendfilename string, m *Manifest) error {
	final := filepath.Join(dir, manifestName(appendfilename))
	tmp := filepath.Join(dir, tempPrefix+manifestName(appendfilename))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("aof: can't open the AOF manifest file %s: %w", filepath.Base(tmp), err)
	}
	_, err = f.Write(m.Marshal())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("aof: writing the temporary AOF manifest file %s: %w", filepath.Base(tmp), err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("aof: renaming the temporary AOF manifest file %s: %w", filepath.Base(tmp), err)
	}
	return syncDir(dir)
}

// readManifest reads and parses the manifest; (nil, nil) if it does not exist.
func readManifest(dir, appendfilename string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName(appendfilename)))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("aof: can't open the AOF manifest file: %w", err)
	}
	return ParseManifest(b)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("aof: fsync dir %s: %w", dir, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("aof: fsync dir %s: %w", dir, err)
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// atoll is C's atoll: optional leading space and sign, then digits; anything
// else ends the number (so "12x" is 12 and "x" is 0).
func atoll(s string) int64 {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n > (1<<63-1-9)/10 {
			break // saturate rather than overflow
		}
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}
