package aof

import (
	"errors"
	"fmt"
)

// ErrCorrupt marks a file that cannot be parsed: errors.Is(err, ErrCorrupt)
// holds for every *FileError produced while loading.
var ErrCorrupt = errors.New("aof: corrupt file")

// ErrTruncated marks an AOF that ends in the middle of a command (or of a
// MULTI block) and was not (or could not be) repaired. It is also an
// ErrCorrupt.
var ErrTruncated = errors.New("aof: unexpected end of file")

// ErrClosed is returned by operations on a closed Log.
var ErrClosed = errors.New("aof: log closed")

// ErrRewriteInProgress is returned by StartRewrite while another rewrite is
// running.
var ErrRewriteInProgress = errors.New("aof: rewrite already in progress")

// FileError reports a problem in one AOF file at a byte offset.
type FileError struct {
	File   string // base name of the file, as Redis prints it
	Offset int64  // byte offset where the problem was found
	Msg    string // Redis's wording, e.g. "Bad file format reading the append only file x"
	Trunc  bool   // the file ends too early (ErrTruncated)
	Err    error  // underlying cause, if any (I/O error, Loader error)
}

func (e *FileError) Error() string {
	s := fmt.Sprintf("aof: %s (offset %d)", e.Msg, e.Offset)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FileError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true for format errors and truncation,
// and errors.Is(err, ErrTruncated) true for truncation.
func (e *FileError) Is(target error) bool {
	switch target {
	case ErrCorrupt:
		return e.Err == nil || e.Trunc
	case ErrTruncated:
		return e.Trunc
	}
	return false
}

// ManifestError is a manifest that Redis 7.0 would refuse. Msg is Redis's
// own text ("Invalid AOF manifest file format", ...).
type ManifestError struct {
	Line int    // 1-based line number, 0 when the error is not about a line
	Text string // the offending line, trimmed
	Msg  string
}

func (e *ManifestError) Error() string {
	if e.Line == 0 {
		return "aof: manifest: " + e.Msg
	}
	return fmt.Sprintf("aof: manifest: %s (line %d: '%s')", e.Msg, e.Line, e.Text)
}

// Is makes errors.Is(err, ErrCorrupt) true for manifest errors.
func (e *ManifestError) Is(target error) bool { return target == ErrCorrupt }
