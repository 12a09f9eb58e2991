package rdb

import (
	"encoding/binary"
	"io"
)

const writerBufSize = 64 << 10

// Writer buffers an RDB stream and keeps the CRC-64 of every byte written, so
// Finish can append the trailer. Errors are sticky: after a failed write
// every call returns the same error.
type Writer struct {
	w   io.Writer
	buf []byte
	crc uint64 // over everything flushed from buf
	n   int64
	err error
}

// NewWriter returns a Writer on w. Nothing reaches w before 64 KB are
// buffered or Flush/Finish is called.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerBufSize)}
}

// Write buffers p (large writes go straight through after the buffer).
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if len(w.buf)+len(p) <= cap(w.buf) {
		w.buf = append(w.buf, p...)
		w.n += int64(len(p))
		return len(p), nil
	}
	if err := w.flushBuf(); err != nil {
		return 0, err
	}
	if len(p) < cap(w.buf)/2 {
		w.buf = append(w.buf, p...)
		w.n += int64(len(p))
		return len(p), nil
	}
	w.crc = CRC64(w.crc, p)
	n, err := w.w.Write(p)
	w.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	w.err = err
	return n, err
}

// AvailableBuffer returns an empty slice over the buffer's free room: append
// to it and pass the result to Write to encode without an extra copy (as
// bufio.Writer.AvailableBuffer).
func (w *Writer) AvailableBuffer() []byte { return w.buf[len(w.buf):][:0] }

// Flush writes the buffered bytes to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	return w.flushBuf()
}

func (w *Writer) flushBuf() error {
	if len(w.buf) == 0 {
		return nil
	}
	w.crc = CRC64(w.crc, w.buf)
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	w.buf = w.buf[:0]
	w.err = err
	return err
}

// Finish writes the EOF opcode and the 8-byte little-endian CRC-64 of the
// whole stream including that opcode (0 when !checksum, as Redis writes with
// rdbchecksum no: loaders then skip verification), and flushes. It does not
// sync or close the underlying writer.
func (w *Writer) Finish(checksum bool) error {
	if _, err := w.Write([]byte{OpEOF}); err != nil {
		return err
	}
	if err := w.flushBuf(); err != nil {
		return err
	}
	var sum uint64
	if checksum {
		sum = w.crc
	}
	var tail [8]byte
	binary.LittleEndian.PutUint64(tail[:], sum)
	if _, err := w.Write(tail[:]); err != nil {
		return err
	}
	return w.flushBuf()
}

// Written is the number of bytes accepted so far (buffered or not).
func (w *Writer) Written() int64 { return w.n }
