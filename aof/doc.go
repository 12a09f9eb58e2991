// Package aof is the on-disk side of Redis 7.0's multi-part append-only
// file: the manifest, loading (replay into a Loader), the live log with its
// fsync policies, and the file switch of a rewrite. It knows nothing about
// keys or the RDB format: an RDB base is handed to Loader.RDB on load and
// written by the caller into Rewrite.Writer.
//
// # Layout
//
// Everything lives in <workDir>/<dirname> (appenddirname, "appendonlydir"):
//
//	appendonly.aof.manifest        which files make up the AOF, in load order
//	appendonly.aof.2.base.rdb      snapshot: RDB ("REDIS0010"...) or .base.aof (RESP)
//	appendonly.aof.2.incr.aof      commands appended after the base
//	appendonly.aof.3.incr.aof      (several after a failed rewrite)
//
// The manifest has one line per file, base first, then history, then incr:
//
//	file appendonly.aof.2.base.rdb seq 2 type b\n
//	file appendonly.aof.2.incr.aof seq 2 type i\n
//	file appendonly.aof.3.incr.aof seq 3 type i\n
//
// '#' lines are comments; a name with spaces or odd bytes is written in
// sdscatrepr quoting ("my file"). It is only ever replaced by writing
// temp-<appendfilename>.manifest, fsync, rename, fsync of the directory.
//
// An incr file (and a RESP base) is a sequence of commands, each a RESP
// array of bulk strings, with optional annotation lines:
//
//	#TS:1795948780\r\n                         (skipped on load)
//	*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n
//	*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
//
// A file starting with "REDIS" begins with an RDB; RESP may follow it. The
// old single-file layout (<workDir>/<appendfilename>, Redis < 7.0) is loaded
// as the base and moved into the directory by Open (Redis's upgrade path).
//
// # Loading
//
// Load (or LoadFile) runs on the caller's goroutine and calls the Loader in
// file order. A MULTI block is buffered and delivered only when its EXEC has
// been read. With LoadOptions.LoadTruncated, a last file that ends inside a
// command or an open MULTI is truncated to the end of the last complete
// command, with Redis's warnings; in any other file, or without the option,
// it is an error. Every format error is a *FileError with the file name and
// byte offset, matching errors.Is(err, ErrCorrupt).
//
// # Writing
//
// Who calls what:
//
//   - Shard goroutines call AppendCommand/AppendRaw (a mutex serialises
//     them; a caller appends while it owns the shard, so log order is
//     execution order), then Kick, or WaitSync before replying.
//   - One writer goroutine per Log does all write(2)/fsync of incr files:
//     on Kick it takes everything appended so far (one write per file, so
//     appends batch naturally while it is busy), fsyncs as the policy says,
//     and calls the WaitSync callbacks whose offset became safe. A 1s ticker
//     drives everysec fsyncs and retries after errors.
//   - The server's rewrite job calls StartRewrite (holding every shard),
//     streams the snapshot into Rewrite.Writer, then Commit or Abort.
//   - INFO calls Status from anywhere.
//
// Invariants:
//
//   - Log offsets (AppendCommand's result, Status.Appended/Synced) count
//     bytes appended since Open, across file switches; written <= appended,
//     synced <= written.
//   - With Always, a WaitSync callback runs only after an fsync that covers
//     its offset; nothing is acknowledged while writes or fsyncs fail.
//   - A failed or short write never leaves part of a command in the file:
//     the file is truncated back to its last good size (or, if that fails,
//     the unwritten remainder stays queued and is written first next time).
//     After a failed fsync with Always the unsynced tail is truncated and
//     written again, since Linux may have dropped those dirty pages.
//   - A file switch (StartRewrite) queues "fsync and close" for the old incr
//     file behind its data; closed files are fully fsynced, so the synced
//     offset is contiguous across files. The first command of every incr
//     file is preceded by SELECT.
//   - Lock order: Log.mmu (manifest) before Log.mu (buffer and counters).
//     Callbacks are called without locks held.
//
// Example:
//
//	l, err := aof.Open(dir, "appendonlydir", "appendonly.aof", aof.Always, false, logger)
//	off := l.AppendCommand(0, []byte("SET"), []byte("k"), []byte("v"))
//	if !l.WaitSync(off, reply) { /* reply runs on the writer goroutine */ }
package aof
